/**
 * Tar helpers for the Docker archive API (`PUT`/`GET /containers/{id}/archive`), used when the
 * worker cannot see the data volume's files itself (HEATFLOW_DOCKER_DATA_ACCESS=archive).
 * Source of the API's behaviour: https://docs.docker.com/reference/api/engine/version/v1.43/#tag/Container/operation/PutContainerArchive
 */
import { extract, pack } from 'tar-stream';

/** One entry of a tar archive to upload. */
export type TarEntry =
  | { readonly type: 'directory'; readonly name: string; readonly mode: number }
  | { readonly type: 'file'; readonly name: string; readonly mode: number; readonly content: string };

/** Builds an uncompressed tar archive in memory (entries are small: XCom files and folders). */
export async function packTar(entries: readonly TarEntry[]): Promise<Buffer> {
  const p = pack();
  for (const e of entries) {
    if (e.type === 'directory') {
      p.entry({
        name: e.name.endsWith('/') ? e.name : `${e.name}/`,
        type: 'directory',
        mode: e.mode,
        mtime: new Date(),
      });
    } else {
      p.entry({ name: e.name, type: 'file', mode: e.mode, mtime: new Date() }, e.content);
    }
  }
  p.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of p as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/**
 * Reads the first regular file of a tar stream (what `GET …/archive?path=<file>` returns).
 * @param maxBytes - refuse files larger than this; `@defaultValue 16 MiB`
 * @returns the file's content, or undefined when the archive holds no regular file
 * @throws Error when the file is larger than `maxBytes` or the archive is malformed
 */
export async function readFirstFileFromTar(
  stream: NodeJS.ReadableStream,
  maxBytes = 16 * 1024 * 1024,
): Promise<Buffer | undefined> {
  const ex = extract();
  const failed = new Promise<never>((_resolve, reject) => stream.once('error', reject));
  failed.catch(() => undefined);
  stream.pipe(ex);
  const read = async (): Promise<Buffer | undefined> => {
    let found: Buffer | undefined;
    for await (const entry of ex) {
      if (found !== undefined || entry.header.type !== 'file') {
        entry.resume();
        continue;
      }
      if (entry.header.size > maxBytes) {
        entry.destroy();
        throw new Error(
          `file ${entry.header.name} is ${entry.header.size} bytes, over the ${maxBytes}-byte limit`,
        );
      }
      const parts: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) parts.push(chunk);
      found = Buffer.concat(parts);
    }
    return found;
  };
  return Promise.race([read(), failed]);
}
