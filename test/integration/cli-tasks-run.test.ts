/**
 * `heatflow tasks run` (issue 16): one recorded try of a task instance of an existing DAG run, in
 * the CLI's process with the worker's code, no scheduler; refusals name the DAG, task and run. The
 * CLI as users run it, a private database and Redis prefix, test/fixtures/dags-cli-verbs.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';
import { seedScheduledRun } from '../helpers/seed-run.js';

const DAGS_DIR = path.resolve('test/fixtures/dags-cli-verbs');
let h: TestOrchestrator;

const seedRun = (dagId: string, day: string, timezone: string, taskIds: string[]) =>
  seedScheduledRun(h.rt.db, { dagId, day, timezone, taskIds, maxTries: 0 });

const tiOf = (dagId: string, runId: string, taskId: string) =>
  h.rt.db
    .selectFrom('heatflow.task_instances')
    .select(['state', 'try_number'])
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .where('task_id', '=', taskId)
    .executeTakeFirst();

let okRun: string;
let failRun: string;

beforeAll(async () => {
  h = await createTestOrchestrator('clitasksrun', { dagsDir: DAGS_DIR });
  await h.rt.db
    .insertInto('heatflow.variables')
    .values({ key: 'greeting', val: 'hello', description: null, is_encrypted: false })
    .execute();
  okRun = await seedRun('verbs_ok', '2022-05-10', 'Europe/London', ['a', 'b']);
  failRun = await seedRun('verbs_fail', '2022-05-10', 'UTC', ['boom', 'after', 'cleanup']);
}, 60_000);
afterAll(async () => h?.cleanup());

describe('tasks run', () => {
  it('refuses a task whose upstream has not succeeded, naming it', async () => {
    const r = await runCli(['tasks', 'run', 'verbs_ok', 'b', '2022-05-10', '--local'], h.env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `heatflow: verbs_ok.b of run ${okRun}: trigger rule all_success not met; upstream task(s) not succeeded: a (none)`,
    );
    expect(await tiOf('verbs_ok', okRun, 'b')).toEqual({ state: 'none', try_number: 0 });
  }, 60_000);

  it('runs one try recorded: state, try number, log file, XCom; then the downstream task reads it', async () => {
    const r = await runCli(['tasks', 'run', 'verbs_ok', 'a', '2022-05-10', '--local'], h.env, {
      timeoutMs: 120_000,
    });
    expect(r.err).toContain(`running verbs_ok.a of ${okRun}, try 1`);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`verbs_ok.a of ${okRun}, try 1: success`);
    expect(r.out).toContain('recorded success');
    expect(await tiOf('verbs_ok', okRun, 'a')).toEqual({ state: 'success', try_number: 1 });
    const tries = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['try_number', 'state', 'executor', 'log_path'])
      .where('run_id', '=', okRun)
      .where('task_id', '=', 'a')
      .execute();
    expect(tries.map((t) => [t.try_number, t.state, t.executor])).toEqual([[1, 'success', 'process']]);
    expect(existsSync(tries[0]?.log_path ?? '')).toBe(true);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_ok', runId: okRun, taskId: 'a' })).toEqual({
      task: 'a',
      ds: '2022-05-10',
    });
    // by run id, with the configured executor (process)
    const b = await runCli(['tasks', 'run', 'verbs_ok', 'b', okRun], h.env, { timeoutMs: 120_000 });
    expect(b.code).toBe(0);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_ok', runId: okRun, taskId: 'b' })).toEqual({
      sawUpstream: { a: { task: 'a', ds: '2022-05-10' } },
    });
    const events = await h.rt.db
      .selectFrom('heatflow.log')
      .select(['event', 'task_id'])
      .where('event', '=', 'tasks.run')
      .orderBy('id')
      .execute();
    expect(events).toEqual([
      { event: 'tasks.run', task_id: 'a' },
      { event: 'tasks.run', task_id: 'b' },
    ]);
  }, 250_000);

  it('refuses a finished task instance unless --force, which makes try 2', async () => {
    const r = await runCli(['tasks', 'run', 'verbs_ok', 'a', '2022-05-10', '--local'], h.env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `heatflow: verbs_ok.a of run ${okRun} is in the 'success' state, which is not a valid state for execution; clear it, or pass --force`,
    );
    const f = await runCli(['tasks', 'run', 'verbs_ok', 'a', '2022-05-10', '--local', '--force'], h.env, {
      timeoutMs: 120_000,
    });
    expect(f.code).toBe(0);
    expect(await tiOf('verbs_ok', okRun, 'a')).toEqual({ state: 'success', try_number: 2 });
  }, 250_000);

  it('refuses a task instance that is alive even with -A, and a dead one unless --force', async () => {
    await h.rt.db
      .updateTable('heatflow.task_instances')
      .set({
        state: 'running',
        lease_token: 'someone-else',
        try_number: 1,
        worker_id: 'w-1',
        heartbeat_at: new Date(),
      })
      .where('run_id', '=', failRun)
      .where('task_id', '=', 'cleanup')
      .execute();
    const r = await runCli(['tasks', 'run', 'verbs_fail', 'cleanup', failRun, '-A'], h.env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      `heatflow: verbs_fail.cleanup of run ${failRun} is running (try 1 on worker w-1); wait for it to finish, or clear it first`,
    );
    await h.rt.db
      .updateTable('heatflow.task_instances')
      .set({ heartbeat_at: new Date(Date.now() - 3_600_000) })
      .where('run_id', '=', failRun)
      .where('task_id', '=', 'cleanup')
      .execute();
    const dead = await runCli(['tasks', 'run', 'verbs_fail', 'cleanup', failRun, '-i'], h.env);
    expect(dead.code).toBe(1);
    expect(dead.err).toContain(
      `heatflow: verbs_fail.cleanup of run ${failRun} is running (try 1 on worker w-1) with no heartbeat for 10000 ms (its worker looks dead); pass --force to start a new try`,
    );
    expect(await tiOf('verbs_fail', failRun, 'cleanup')).toEqual({ state: 'running', try_number: 1 });
    const forced = await runCli(
      ['tasks', 'run', 'verbs_fail', 'cleanup', failRun, '-i', '--force', '-l'],
      h.env,
      {
        timeoutMs: 120_000,
      },
    );
    expect(forced.code).toBe(0);
    expect(await tiOf('verbs_fail', failRun, 'cleanup')).toEqual({ state: 'success', try_number: 2 });
  }, 250_000);

  it('records a failed try and exits 1 naming it', async () => {
    const r = await runCli(['tasks', 'run', 'verbs_fail', 'boom', '2022-05-10', '--local'], h.env, {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`heatflow: verbs_fail.boom of ${failRun}, try 1: failed`);
    expect(await tiOf('verbs_fail', failRun, 'boom')).toEqual({ state: 'failed', try_number: 1 });
  }, 150_000);

  it('names a missing run, an unknown task and a bad date', async () => {
    const run = await runCli(['tasks', 'run', 'verbs_ok', 'a', '2022-09-09'], h.env);
    expect(run.code).toBe(1);
    expect(run.err).toContain(
      'heatflow: DAG "verbs_ok" has no run with logical date 2022-09-09T00:00:00.000Z (task a)',
    );
    const task = await runCli(['tasks', 'run', 'verbs_ok', 'zz', '2022-05-10'], h.env);
    expect(task.code).toBe(1);
    expect(task.err).toContain('heatflow: task "zz" not in DAG "verbs_ok" (tasks: a, b)');
    const date = await runCli(['tasks', 'run', 'verbs_ok', 'a', 'not-a-date'], h.env);
    expect(date.code).toBe(1);
    expect(date.err).toMatch(/^heatflow: <logical_date>: .*\(nor a run id of verbs_ok\)/m);
  }, 90_000);
});
