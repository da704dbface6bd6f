import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReturnValue } from '../../src/executors/executor-files.js';

describe('readReturnValue checks the return file size before reading it', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hf-return-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  const sizeOf = async (p: string) => (await stat(p)).size;

  it('a file over the limit is an error naming task, size and limit, and is never read', async () => {
    const file = path.join(dir, 'big.json');
    await writeFile(file, JSON.stringify({ blob: 'x'.repeat(5000) }));
    let reads = 0;
    const rv = await readReturnValue(
      file,
      'extract',
      () => {
        reads++;
        return Promise.resolve('{}');
      },
      { maxBytes: 4096, sizeOf },
    );
    expect(reads).toBe(0);
    expect(rv.present).toBe(false);
    expect(rv.error).toMatch(
      /task "extract" wrote 5011 bytes to its return file .*big\.json, over the 4096-byte limit/,
    );
  });

  it('a file within the limit is read and parsed; a missing one is no return value', async () => {
    const file = path.join(dir, 'ok.json');
    await writeFile(file, '{"rows":3}');
    const read = (p: string) => import('node:fs/promises').then((fs) => fs.readFile(p, 'utf8'));
    expect(await readReturnValue(file, 't', read, { maxBytes: 10, sizeOf })).toEqual({
      present: true,
      value: { rows: 3 },
    });
    expect(
      await readReturnValue(path.join(dir, 'missing.json'), 't', read, { maxBytes: 10, sizeOf }),
    ).toEqual({
      present: false,
    });
  });
});
