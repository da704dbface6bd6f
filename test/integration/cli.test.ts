/**
 * The `heatflow` command as users run it (the built CLI as a child process), against real
 * Postgres and Redis: import errors, dry runs, a local backfill with its summary, clear, trigger,
 * pause, and one-line errors with non-zero exit codes.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const CLI = path.resolve('dist/src/cli/main.js');
const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const CORE = path.resolve('src/core/define-dag.js');

let h: TestOrchestrator;
/** Runs the CLI without blocking this process (its own scheduler and worker keep running). */
const run = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...h.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out, err });
    });
  });

beforeAll(async () => {
  const dagsDir = path.join(os.tmpdir(), `hf-cli-dags-${process.pid}-${Date.now()}`);
  await mkdir(dagsDir, { recursive: true });
  // DAG files are ES modules (the project's package.json says so; a temp folder needs its own)
  await writeFile(path.join(dagsDir, 'package.json'), '{"type":"module"}');
  await writeFile(
    path.join(dagsDir, 'good.ts'),
    `import { defineDag } from ${JSON.stringify(CORE)};
export const dag = defineDag({
  dagId: 'cli_dag', schedule: '0 1 * * *', startDate: '2022-01-01', timezone: 'Europe/London',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'a', command: ['node', ${JSON.stringify(STEP)}, 'ok'] },
    { taskId: 'b', command: ['node', ${JSON.stringify(STEP)}, 'echo-upstream'], upstream: ['a'] },
  ],
});`,
  );
  await writeFile(
    path.join(dagsDir, 'cyclic.ts'),
    `import { defineDag } from ${JSON.stringify(CORE)};
export const dag = defineDag({ dagId: 'cyclic', schedule: null, startDate: '2022-01-01', tasks: [
  { taskId: 'x', command: ['true'], upstream: ['y'] }, { taskId: 'y', command: ['true'], upstream: ['x'] } ] });`,
  );
  h = await createTestOrchestrator('cli', { dagsDir });
}, 120_000);
afterAll(async () => h.cleanup());

describe('heatflow CLI', () => {
  it('db migrate is idempotent; dags list shows the DAG and the import error with its cycle', async () => {
    expect((await run(['db', 'migrate'])).code).toBe(0);
    expect((await run(['db', 'migrate'])).code).toBe(0);
    const r = await run(['dags', 'list']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('cli_dag');
    expect(r.out).toMatch(/import errors:\n.*cyclic\.ts: .*cycle.*x -> y -> x|y -> x -> y/);
  });

  it('dags show prints tasks; an unknown DAG fails with a one-line reason', async () => {
    expect((await run(['dags', 'show', 'cli_dag'])).out).toMatch(/b\s+<- \[a\]/);
    const bad = await run(['dags', 'show', 'nope']);
    expect(bad.code).toBe(1);
    expect(bad.err.trim()).toMatch(/^heatflow: DAG "nope" not found .*known: cli_dag/);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
  });

  it('backfill --dry-run lists the runs and creates none', async () => {
    const r = await run(['dags', 'backfill', 'cli_dag', '-s', '2022-01-01', '-e', '2022-01-03', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('create    backfill__2022-01-01T01:00:00+00:00');
    expect(r.out).toContain('dry run: 3 to create');
    expect(await h.rt.db.selectFrom('heatflow.dag_runs').select('run_id').execute()).toHaveLength(0);
  });

  it('backfill --local finishes the runs an earlier, interrupted backfill of the range left unfinished', async () => {
    const range = ['-s', '2022-01-10', '-e', '2022-01-11'];
    const first = await run(['dags', 'backfill', 'cli_dag', ...range, '--no-wait']);
    expect(first.code, first.err).toBe(0);
    const states = async () =>
      (
        await h.rt.db
          .selectFrom('heatflow.dag_runs')
          .select('state')
          .where('run_id', 'like', 'backfill__2022-01-1%')
          .execute()
      ).map((r) => r.state);
    expect(await states()).toEqual(['queued', 'queued']); // nobody runs them: no scheduler yet
    const again = await run(['dags', 'backfill', 'cli_dag', ...range, '--local', '--json']);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(
      '0 runs created, 0 reprocessed, 2 existing left alone (2 of them unfinished: waited for and run here)',
    );
    expect(JSON.parse(again.out.trim().split('\n').pop() ?? '{}')).toMatchObject({
      total: 2,
      success: 2,
      failed: 0,
    });
    expect(await states()).toEqual(['success', 'success']);
    // the interrupted backfill, whose runs these are, is complete too
    const backfills = await h.rt.db
      .selectFrom('heatflow.backfills')
      .select(['id', 'state'])
      .orderBy('id')
      .execute();
    expect(backfills.map((b) => b.state)).toEqual(['completed', 'completed']);
  }, 120_000);

  it('backfill --local runs the range and prints a summary; tasks clear re-runs a task', async () => {
    const r = await run([
      'dags',
      'backfill',
      'cli_dag',
      '-s',
      '2022-01-01',
      '-e',
      '2022-01-03',
      '--local',
      '--json',
    ]);
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').pop() ?? '{}') as {
      total: number;
      success: number;
      failed: number;
    };
    expect(summary).toMatchObject({ total: 3, success: 3, failed: 0 });

    const clearB = ['tasks', 'clear', 'cli_dag', '-s', '2022-01-02', '-e', '2022-01-02', '-t', '^b$'];
    // without --yes and without a terminal to ask on, nothing is cleared
    const unconfirmed = await run(clearB);
    expect(unconfirmed.code).toBe(1);
    expect(unconfirmed.err).toContain(
      'would clear 1 task instance(s) of cli_dag: nothing cleared; pass --yes',
    );
    expect(
      (
        await h.rt.db
          .selectFrom('heatflow.task_instances')
          .select('state')
          .where('task_id', '=', 'b')
          .where('run_id', '=', 'backfill__2022-01-02T01:00:00+00:00')
          .executeTakeFirstOrThrow()
      ).state,
    ).toBe('success');
    const cleared = await run([...clearB, '--yes']);
    expect(cleared.code).toBe(0);
    expect(cleared.out).toContain('1 task instance(s) cleared');
    const ti = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('task_id', '=', 'b')
      .where('run_id', '=', 'backfill__2022-01-02T01:00:00+00:00')
      .executeTakeFirstOrThrow();
    expect(ti.state).toBe('none');
    // a scheduler and a worker pick the cleared task up: it runs a second try and the run succeeds again
    await h.startScheduler();
    await h.startWorker();
    const again = await waitFor('the cleared run to succeed', async () => {
      const row = await h.rt.db
        .selectFrom('heatflow.dag_runs')
        .selectAll()
        .where('run_id', '=', 'backfill__2022-01-02T01:00:00+00:00')
        .executeTakeFirstOrThrow();
      return row.state === 'success' ? row : undefined;
    });
    expect(again.state).toBe('success');
    const tis = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('run_id', '=', 'backfill__2022-01-02T01:00:00+00:00')
      .execute();
    expect(Object.fromEntries(tis.map((t) => [t.task_id, t.try_number]))).toEqual({ a: 1, b: 2 });
  }, 180_000);

  it('trigger validates --conf; pause and unpause', async () => {
    const bad = await run(['dags', 'trigger', 'cli_dag', '--conf', '{bad']);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^heatflow: --conf is not valid JSON/);
    const ok = await run([
      'dags',
      'trigger',
      'cli_dag',
      '--conf',
      '{"zone": 1}',
      '--logical-date',
      '2023-05-01T10:00:00Z',
    ]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('created manual__2023-05-01T10:00:00+00:00');
    const row = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .selectAll()
      .where('run_id', '=', 'manual__2023-05-01T10:00:00+00:00')
      .executeTakeFirstOrThrow();
    expect(row.conf).toEqual({ zone: 1 });
    expect((await run(['dags', 'unpause', 'cli_dag'])).out).toContain('unpaused');
    expect((await run(['dags', 'pause', 'cli_dag'])).out).toContain('paused');
  });

  it('a bad configuration value fails at start naming the variable and what was expected', async () => {
    const r = await run(['dags', 'list'], { HEATFLOW_EXECUTOR: 'kubernetes' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/HEATFLOW_EXECUTOR="kubernetes"/);
    const r2 = await run(['dags', 'list'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(r2.code).toBe(1);
    expect(r2.err).toMatch(/cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
    const r3 = await run(['db', 'migrate'], { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/hf_nowhere' });
    expect(r3.code).toBe(1);
    expect(r3.err).toMatch(
      /cannot use Postgres at postgres:\/\/postgres@127\.0\.0\.1:1\/hf_nowhere \(DATABASE_URL\)/,
    );
  });

  it('a bad tado_etl setting makes the DAG an import error that names the variable and its value', async () => {
    const etl = { HEATFLOW_DAGS_DIR: path.resolve('dags') };
    const retries = await run(['dags', 'show', 'tado_etl'], { ...etl, TADO_ETL_RETRIES: 'abc' });
    expect(retries.code).toBe(1);
    expect(retries.err).toMatch(
      /DAG "tado_etl" not found .*tado_etl\.ts: .*TADO_ETL_RETRIES must be an integer ≥ 0, got "abc"/,
    );
    const snapshots = await run(['dags', 'show', 'tado_etl'], { ...etl, TADO_ETL_TASK_SNAPSHOTS: 'no' });
    expect(snapshots.err).toMatch(/TADO_ETL_TASK_SNAPSHOTS must be true or false, got "no"/);
    const good = await run(['dags', 'show', 'tado_etl'], {
      ...etl,
      TADO_ETL_TASK_SNAPSHOTS: 'false',
      TADO_ETL_RETRIES: '0',
    });
    expect(good.code, good.err).toBe(0);
    expect(good.out).toMatch(/load\s+<- \[transform\]/);
  });

  it('bad usage exits 2', async () => {
    expect((await run(['dags', 'backfill', 'cli_dag'])).code).toBe(2);
    expect((await run(['dags', 'backfill', 'cli_dag', '-s', 'yesterday', '-e', '2022-01-01'])).code).toBe(1);
    const together = await run([
      'dags',
      'backfill',
      'cli_dag',
      '-s',
      '2022-01-01',
      '-e',
      '2022-01-02',
      '--local',
      '--no-wait',
    ]);
    expect(together.code).toBe(1);
    expect(together.err).toContain(
      '--local runs the backfill while waiting for it: it cannot go with --no-wait',
    );
    for (const cmd of [
      ['dags', 'backfill', 'cli_dag', '-s', '2022-01-03', '-e', '2022-01-02'],
      ['tasks', 'clear', 'cli_dag', '-s', '2022-01-03', '-e', '2022-01-02', '--yes'],
    ]) {
      const reversed = await run(cmd);
      expect(reversed.code, cmd.join(' ')).toBe(1);
      expect(reversed.err).toContain('--end-date 2022-01-02 is before --start-date 2022-01-03');
    }
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const taken = (busy.address() as AddressInfo).port;
    try {
      const inUse = await run(['webserver', '--port', String(taken)]);
      expect(inUse.code).toBe(1);
      expect(inUse.err).toContain(`port ${taken} (--port) is in use`);
    } finally {
      busy.close();
    }
    const port = await run(['webserver', '--port', '99999']);
    expect(port.code).toBe(1);
    expect(port.err).toContain('--port must be a port number from 1 to 65535, got "99999"');
  });
});
