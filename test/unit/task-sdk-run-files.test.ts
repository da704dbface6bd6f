import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readJsonFile,
  readNdjsonFile,
  RunFileError,
  writeJsonFile,
  writeNdjsonFile,
} from '../../src/task-sdk/run-files.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hf-run-files-'));
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function collect(file: string, label?: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const v of readNdjsonFile(file, label)) out.push(v);
  return out;
}

describe('run-folder files', () => {
  it('round-trips JSON and NDJSON', async () => {
    const f = path.join(dir, 'a.json');
    await writeJsonFile(f, { a: [1, 2] });
    expect(await readJsonFile(f)).toEqual({ a: [1, 2] });
    const values = Array.from({ length: 30_000 }, (_, i) => ({ i, s: 'x'.repeat(i % 50) }));
    const n = path.join(dir, 'b.ndjson');
    expect(await writeNdjsonFile(n, values)).toBe(values.length);
    expect(await collect(n)).toEqual(values);
  });

  it('names the file and what is wrong with it', async () => {
    await expect(readJsonFile(path.join(dir, 'missing.json'), 'clean/x.json')).rejects.toThrow(
      /clean\/x\.json: cannot be read \(ENOENT\)/,
    );
    const truncated = path.join(dir, 't.json');
    await writeFile(truncated, '{"zones": [1, 2');
    await expect(readJsonFile(truncated, 'extract/zones.json')).rejects.toThrow(
      /extract\/zones\.json: is not JSON, or truncated/,
    );
    const empty = path.join(dir, 'e.json');
    await writeFile(empty, '');
    await expect(readJsonFile(empty)).rejects.toBeInstanceOf(RunFileError);
    const cut = path.join(dir, 'c.ndjson');
    await writeFile(cut, '{"a":1}\n{"a":2}\n{"a":');
    await expect(collect(cut, 'resample/zone-minutes.ndjson')).rejects.toThrow(
      /resample\/zone-minutes\.ndjson: line 3 is not JSON, or the file is truncated/,
    );
    await expect(collect(path.join(dir, 'nope.ndjson'))).rejects.toThrow(/cannot be read \(ENOENT\)/);
  });
});
