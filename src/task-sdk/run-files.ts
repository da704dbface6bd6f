/**
 * Files in a run folder, as task programs pass them downstream: JSON documents and NDJSON files
 * (one JSON value per line, for batches too large to hold twice in memory as one string). Every
 * read error names the file and says what is wrong with it (missing, truncated, not JSON), so a
 * failed try's one-line reason points at the file, not at a bare `SyntaxError`.
 */
import { createReadStream } from 'node:fs';
import { open, readFile, writeFile } from 'node:fs/promises';
import { HeatflowError } from '../core/errors.js';

/** A run-folder file cannot be read as what it should be; `file` is its path. */
export class RunFileError extends HeatflowError {
  constructor(
    readonly file: string,
    message: string,
    cause?: unknown,
  ) {
    super('RUN_FILE_INVALID', `${file}: ${message}`, cause === undefined ? undefined : { cause });
  }
}

const what = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/**
 * Reads and parses a JSON file.
 * @param label - how the error names the file (e.g. its path relative to the run folder); `@defaultValue file`
 * @throws RunFileError when it is missing, unreadable, empty, truncated or not JSON
 */
export async function readJsonFile(file: string, label = file): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new RunFileError(label, `cannot be read (${what(err)})`, err);
  }
  if (text.trim() === '') throw new RunFileError(label, 'is empty (expected JSON)');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new RunFileError(label, `is not JSON, or truncated (${(err as Error).message})`, err);
  }
}

/** Writes a value as JSON (one line). */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  await writeFile(file, JSON.stringify(value));
}

/**
 * Writes values as NDJSON, one line each, through one file handle (no whole-file string); from an
 * async iterable, each value is written as it comes (a producer may hold one at a time).
 * @returns the number of lines written
 */
export async function writeNdjsonFile(
  file: string,
  values: Iterable<unknown> | AsyncIterable<unknown>,
): Promise<number> {
  const handle = await open(file, 'w');
  let n = 0;
  try {
    let chunk: string[] = [];
    let size = 0;
    for await (const v of values) {
      const line = JSON.stringify(v);
      chunk.push(line);
      size += line.length;
      n++;
      if (size > 1 << 20) {
        await handle.write(`${chunk.join('\n')}\n`);
        chunk = [];
        size = 0;
      }
    }
    if (chunk.length > 0) await handle.write(`${chunk.join('\n')}\n`);
  } finally {
    await handle.close();
  }
  return n;
}

/**
 * Reads an NDJSON file line by line.
 * @param label - how errors name the file; `@defaultValue file`
 * @throws RunFileError naming the file and the line when it is missing or a line is not JSON
 *   (a truncated last line included)
 */
export async function* readNdjsonFile(file: string, label = file): AsyncGenerator<unknown> {
  // Split by hand rather than with node:readline, which a startup snapshot may not load.
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  let n = 0;
  let rest = '';
  const parse = (line: string): unknown => {
    n++;
    try {
      return JSON.parse(line) as unknown;
    } catch (err) {
      throw new RunFileError(label, `line ${n} is not JSON, or the file is truncated`, err);
    }
  };
  try {
    for await (const chunk of stream as AsyncIterable<string>) {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        if (line.trim() === '') n++;
        else yield parse(line);
      }
    }
  } catch (err) {
    if (err instanceof RunFileError) throw err;
    throw new RunFileError(label, `cannot be read (${what(err)})`, err);
  } finally {
    stream.destroy();
  }
  if (rest.trim() !== '') yield parse(rest);
}
