import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NO_RETRY_EXIT_CODE, RESCHEDULE_EXIT_CODE, SKIP_EXIT_CODE } from '../../src/executors/executor.js';
import { FailTask, RescheduleTask, runTask, SkipTask } from '../../src/task-sdk/index.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let logs: string[];
let errs: string[];
const sink = () => ({ write: (s: string) => void logs.push(s) });
const opts = () => ({
  env,
  logDestination: sink(),
  stderr: { write: (s: string) => errs.push(s) },
  exit: null,
});

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'hf-sdk-'));
  await writeFile(path.join(dir, 'in.json'), JSON.stringify({ extract: { files: ['a.json'], n: 2 } }));
  env = {
    HEATFLOW_DAG_ID: 'tado_etl',
    HEATFLOW_RUN_ID: 'manual__2022-01-01T01:00:00+00:00',
    HEATFLOW_TASK_ID: 'validate',
    HEATFLOW_TRY_NUMBER: '2',
    HEATFLOW_LOGICAL_DATE: '2022-01-01T01:00:00.000Z',
    HEATFLOW_DS: '2022-01-01',
    HEATFLOW_DATA_INTERVAL_START: '2022-01-01T01:00:00.000Z',
    HEATFLOW_DATA_INTERVAL_END: '2022-01-02T01:00:00.000Z',
    HEATFLOW_RUN_DIR: path.join(dir, 'run'),
    HEATFLOW_XCOM_INPUT_PATH: path.join(dir, 'in.json'),
    HEATFLOW_XCOM_RETURN_PATH: path.join(dir, 'out', 'return.json'),
  };
  logs = [];
  errs = [];
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runTask', () => {
  it('gives the context, reads upstream XComs, writes the return value and exits 0', async () => {
    const code = await runTask(async (ctx) => {
      expect(ctx.ds).toBe('2022-01-01');
      expect(ctx.tryNumber).toBe(2);
      expect(ctx.dataIntervalEnd.toISOString()).toBe('2022-01-02T01:00:00.000Z');
      expect(ctx.runPath('x.json')).toBe(path.join(dir, 'run', 'x.json'));
      const up = ctx.xcom('extract', z.object({ files: z.array(z.string()), n: z.number() }));
      ctx.log.info(
        { token: 'secret-token', nested: { password: 'pw' }, DATABASE_URL: 'postgres://u:pw@h/db' },
        'hello',
      );
      return Promise.resolve({ got: up.files.length });
    }, opts());
    expect(code).toBe(0);
    expect(JSON.parse(await readFile(env.HEATFLOW_XCOM_RETURN_PATH ?? '', 'utf8'))).toEqual({ got: 1 });
    const records = logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    const hello = records.find((r) => r.msg === 'hello');
    expect(hello).toMatchObject({
      task_id: 'validate',
      run_id: env.HEATFLOW_RUN_ID,
      token: '[redacted]',
      DATABASE_URL: '[redacted]',
    });
    expect(JSON.stringify(records)).not.toContain('secret-token');
    expect(JSON.stringify(records)).not.toContain('pw@');
    expect(errs).toEqual([]);
  });

  it('exits 99 on SkipTask and writes no return value', async () => {
    const code = await runTask(() => Promise.reject(new SkipTask('zone 3 not created yet')), opts());
    expect(code).toBe(SKIP_EXIT_CODE);
    await expect(readFile(env.HEATFLOW_XCOM_RETURN_PATH ?? '', 'utf8')).rejects.toThrow(/ENOENT/);
    expect(errs).toEqual([]);
  });

  it('exits 98 on FailTask with the reason on stderr and writes no return value', async () => {
    const code = await runTask(
      () => Promise.reject(new FailTask('no tado token file; run `heatflow tado login`')),
      opts(),
    );
    expect(code).toBe(NO_RETRY_EXIT_CODE);
    expect(errs.join('')).toBe(
      'FailTask [TASK_FAILED_NO_RETRY]: no tado token file; run `heatflow tado login`\n',
    );
    await expect(readFile(env.HEATFLOW_XCOM_RETURN_PATH ?? '', 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('exits 97 on RescheduleTask with the date and reason in the return file', async () => {
    const at = new Date('2026-12-04T06:00:00.000Z');
    const code = await runTask(() => Promise.reject(new RescheduleTask('quota spent', at)), opts());
    expect(code).toBe(RESCHEDULE_EXIT_CODE);
    expect(JSON.parse(await readFile(env.HEATFLOW_XCOM_RETURN_PATH ?? '', 'utf8'))).toEqual({
      reschedule_at: '2026-12-04T06:00:00.000Z',
      reason: 'quota spent',
    });
    expect(errs).toEqual([]);
    expect(logs.map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain('task rescheduled');
  });

  it('refuses a RescheduleTask with an invalid date', () => {
    expect(() => new RescheduleTask('x', new Date(Number.NaN))).toThrow(/invalid Date/);
  });

  it('exits 1 with a one-line reason on stderr for any other error', async () => {
    const code = await runTask(
      () => Promise.reject(new Error('bad file\nsecond line', { cause: new Error('root cause') })),
      opts(),
    );
    expect(code).toBe(1);
    expect(errs).toEqual(['Error: bad file | second line: caused by: root cause\n']);
  });

  it('names a missing or invalid contract variable', async () => {
    delete env.HEATFLOW_RUN_DIR;
    env.HEATFLOW_DS = '01/01/2022';
    const code = await runTask(() => Promise.resolve(1), opts());
    expect(code).toBe(1);
    expect(errs[0]).toContain('HEATFLOW_DS="01/01/2022": expected YYYY-MM-DD');
    expect(errs[0]).toContain('HEATFLOW_RUN_DIR is not set');
  });

  it('names the upstream task and the path of an invalid XCom', async () => {
    const code = await runTask(async (ctx) => {
      ctx.xcom('extract', z.object({ files: z.array(z.number()) }));
      return Promise.resolve();
    }, opts());
    expect(code).toBe(1);
    expect(errs[0]).toContain('return value of upstream task "extract" at .files[0]');
    const missing = await runTask(async (ctx) => {
      ctx.xcom('transform', z.unknown());
      return Promise.resolve();
    }, opts());
    expect(missing).toBe(1);
    expect(errs[1]).toContain('no return value of upstream task "transform"');
  });
});
