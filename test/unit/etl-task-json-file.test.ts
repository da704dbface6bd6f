import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { etlTaskSignal } from '../../src/etl/etl-task-signal.js';
import { parseTaskJson, readTaskJson, TaskFileUnreadableError } from '../../src/etl/task-json-file.js';
import { FailTask } from '../../src/task-sdk/index.js';
import { FIXTURES_DIR, SUMMER } from '../helpers/tado-fixtures.js';

const ctx = {
  file: 'extract/dayreport-zone-1-2022-08-15.json',
  subject: 'zone 1',
  date: '2022-08-15',
  writtenBy: 'extract',
};
const real = readFileSync(new URL(SUMMER, FIXTURES_DIR), 'utf8');

function error(f: () => unknown): TaskFileUnreadableError {
  try {
    f();
  } catch (e) {
    if (e instanceof TaskFileUnreadableError) return e;
    throw e;
  }
  throw new Error('did not throw');
}

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-task-json-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe('parseTaskJson', () => {
  it('parses a whole file as JSON.parse does', () => {
    expect(parseTaskJson(real, ctx)).toEqual(JSON.parse(real));
  });

  it('names file, zone and date, and says the file is truncated, for the real report cut at any point', () => {
    for (const cut of [1, 100, Math.floor(real.length / 2), real.length - 1]) {
      const e = error(() => parseTaskJson(real.slice(0, cut), ctx));
      expect(e.problem).toBe('truncated');
      expect(e.message).toContain('extract/dayreport-zone-1-2022-08-15.json (zone 1, 2022-08-15)');
      expect(e.message).toContain('truncated or not JSON');
      expect(e.message).toContain(`-t '^extract$' --downstream`);
      expect(e.code).toBe('TASK_FILE_UNREADABLE');
    }
  });

  it('an empty file is truncated; an HTML error page or zero bytes of a crash are not JSON', () => {
    expect(error(() => parseTaskJson('', ctx)).problem).toBe('truncated');
    expect(error(() => parseTaskJson('<html><body>502 Bad Gateway</body></html>', ctx)).problem).toBe(
      'not_json',
    );
    expect(error(() => parseTaskJson('\u0000'.repeat(64), ctx)).problem).toBe('not_json');
    expect(error(() => parseTaskJson(`${real}}`, ctx)).message).toContain('does not parse as JSON');
  });

  it('fails the task without retries (the retry would read the same bytes)', () => {
    const e = error(() => parseTaskJson('{"a":', ctx));
    const signal = etlTaskSignal(e);
    expect(signal).toBeInstanceOf(FailTask);
    expect((signal as FailTask).message).toContain('(zone 1, 2022-08-15)');
  });
});

describe('readTaskJson', () => {
  it('reads a file, and names a missing one', async () => {
    const file = path.join(tmp, 'zones.json');
    await writeFile(file, '[{"id":1}]');
    expect(await readTaskJson(file, { ...ctx, subject: 'zone list' })).toEqual([{ id: 1 }]);
    const missing = await readTaskJson(path.join(tmp, 'nope.json'), { ...ctx, subject: 'zone list' }).catch(
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(TaskFileUnreadableError);
    expect((missing as TaskFileUnreadableError).problem).toBe('missing');
    expect((missing as Error).message).toContain('(zone list, 2022-08-15): the file is missing');
  });

  it('names a truncated file on disk', async () => {
    const file = path.join(tmp, 'cut.json');
    await writeFile(file, real.slice(0, 5000));
    await expect(readTaskJson(file, ctx)).rejects.toThrow(
      /\(zone 1, 2022-08-15\): the file is truncated or not JSON/,
    );
  });
});
