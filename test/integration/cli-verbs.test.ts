/**
 * `heatflow dags test`, `tasks render` and `dags delete` (issue 16), run as users run the CLI,
 * against a private database and Redis prefix, with the DAGs of test/fixtures/dags-cli-verbs.
 */
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';
import { seedScheduledRun } from '../helpers/seed-run.js';

const DAGS_DIR = path.resolve('test/fixtures/dags-cli-verbs');
let h: TestOrchestrator;

/** Rows of the metadata tables and Redis keys under the test's prefix. */
async function recorded(): Promise<Record<string, number>> {
  const n = async (table: string) =>
    (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(h.rt.db)).rows[0]
      ?.n;
  return {
    dag_runs: (await n('heatflow.dag_runs')) ?? -1,
    task_instances: (await n('heatflow.task_instances')) ?? -1,
    task_tries: (await n('heatflow.task_tries')) ?? -1,
    log: (await n('heatflow.log')) ?? -1,
    redis: (await h.rt.redis.keys(`${h.config.HEATFLOW_REDIS_PREFIX}:*`)).length,
  };
}

const seedRun = (dagId: string, day: string, timezone: string, taskIds: string[]) =>
  seedScheduledRun(h.rt.db, { dagId, day, timezone, taskIds, maxTries: 1 });

beforeAll(async () => {
  h = await createTestOrchestrator('cliverbs', { dagsDir: DAGS_DIR });
  await h.rt.registry.refresh();
  // verbs_ok's task a reads {{ var.value.greeting }}
  await h.rt.db
    .insertInto('heatflow.variables')
    .values({ key: 'greeting', val: 'hello', description: null, is_encrypted: false })
    .execute();
}, 60_000);
afterAll(async () => h?.cleanup());

describe('dags test', () => {
  it('runs every task in order with XComs in memory, prints logs and a summary, records nothing', async () => {
    const before = await recorded();
    const r = await runCli(['dags', 'test', 'verbs_ok', '2022-03-04'], h.env, { timeoutMs: 120_000 });
    expect(r.err).toContain('nothing is recorded');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^\[a\] .*task started/m);
    expect(r.out).toMatch(/^\[b\] .*task started/m);
    expect(r.out).toMatch(/^a\s+success\s+\d+\.\d\d s$/m);
    expect(r.out).toMatch(/^b\s+success\s+\d+\.\d\d s$/m);
    expect(r.out).toContain('DAG run manual__2022-03-04T01:00:00+00:00: success');
    expect(await recorded()).toEqual(before);
    expect(before.dag_runs).toBe(0);
  }, 150_000);

  it('honours trigger rules and exits 1 naming the failed task', async () => {
    const r = await runCli(['dags', 'test', 'verbs_fail', '2022-03-04'], h.env, { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^boom\s+failed/m);
    expect(r.out).toMatch(/^after\s+upstream_failed\s+0\.00 s$/m);
    expect(r.out).toMatch(/^cleanup\s+success/m);
    expect(r.out).toContain('[boom] task boom fails on purpose');
    expect(r.err).toContain(
      'heatflow: DAG run manual__2022-03-04T01:00:00+00:00 of verbs_fail: failed task(s) boom',
    );
  }, 150_000);

  it('Ctrl-C kills the running task, starts no other, and still prints the summary', async () => {
    const started = Date.now();
    let sent = false;
    const r = await runCli(['dags', 'test', 'verbs_slow', '2022-03-04'], h.env, {
      timeoutMs: 50_000,
      onStderr: (soFar, kill) => {
        if (sent || !soFar.includes('testing verbs_slow')) return;
        sent = true;
        setTimeout(() => kill('SIGINT'), 2000);
      },
    });
    expect(Date.now() - started).toBeLessThan(40_000);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^nap\s+failed/m);
    expect(r.out).toMatch(/^after\s+upstream_failed/m);
    expect(r.out).toContain('DAG run manual__2022-03-04T00:00:00+00:00: failed');
  }, 60_000);

  it('refuses a bad date, an unknown DAG and a conf that is not JSON', async () => {
    const bad = await runCli(['dags', 'test', 'verbs_ok', '2022-02-30'], h.env);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/^heatflow: <logical_date>: .*2022-02-30/m);
    const unknown = await runCli(['dags', 'test', 'nope'], h.env);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('heatflow: DAG "nope" not found in');
    const conf = await runCli(['dags', 'test', 'verbs_ok', '--conf', '{x'], h.env);
    expect(conf.code).toBe(1);
    expect(conf.err).toContain('heatflow: --conf is not valid JSON');
  }, 60_000);

  it('--save records the run with its task instances, tries and XComs', async () => {
    const r = await runCli(['dags', 'test', 'verbs_ok', '2022-03-05', '--save'], h.env, {
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    const runId = 'manual__2022-03-05T01:00:00+00:00';
    expect(r.out).toContain(`recorded ${runId} (state success)`);
    const run = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .selectAll()
      .where('run_id', '=', runId)
      .executeTakeFirst();
    expect(run?.state).toBe('success');
    const tis = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .select(['task_id', 'state', 'try_number'])
      .where('run_id', '=', runId)
      .orderBy('task_id')
      .execute();
    expect(tis).toEqual([
      { task_id: 'a', state: 'success', try_number: 1 },
      { task_id: 'b', state: 'success', try_number: 1 },
    ]);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_ok', runId, taskId: 'b' })).toEqual({
      sawUpstream: { a: { task: 'a', ds: '2022-03-05' } },
    });
    const again = await runCli(['dags', 'test', 'verbs_ok', '2022-03-05', '--save'], h.env);
    expect(again.code).toBe(1);
    expect(again.err).toContain(`--save: DAG "verbs_ok" already has the run ${runId} (success)`);
  }, 150_000);
});

describe('tasks render', () => {
  it('prints the command and env rendered for the date, secrets masked, records nothing', async () => {
    const before = await recorded();
    const r = await runCli(['tasks', 'render', 'verbs_ok', 'a', '2022-06-15'], h.env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      '# property: command\n# ----------------------------------------------------------\n"node"',
    );
    expect(r.out).toContain('DAY=day-2022-06-15');
    expect(r.out).toContain('GREETING=hello');
    expect(r.out).toContain('API_TOKEN=***');
    expect(r.out).not.toContain('tok-very-secret');
    expect(r.out).toContain('HEATFLOW_RUN_ID=manual__2022-06-15T00:00:00+00:00');
    expect(await recorded()).toEqual(before);
  }, 60_000);

  it('names the task, the date and a variable that does not exist', async () => {
    const task = await runCli(['tasks', 'render', 'verbs_ok', 'zz', '2022-06-15'], h.env);
    expect(task.code).toBe(1);
    expect(task.err).toContain('heatflow: task "zz" not in DAG "verbs_ok" (tasks: a, b)');
    const date = await runCli(['tasks', 'render', 'verbs_ok', 'a', '2022-13-01'], h.env);
    expect(date.code).toBe(1);
    expect(date.err).toMatch(/^heatflow: <logical_date>: .*2022-13-01.*\(nor a run id of verbs_ok\)/m);
    await h.rt.db.deleteFrom('heatflow.variables').where('key', '=', 'greeting').execute();
    const missing = await runCli(['tasks', 'render', 'verbs_ok', 'a', '2022-06-15'], h.env);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(
      'heatflow: rendering verbs_ok.a for manual__2022-06-15T00:00:00+00:00 failed',
    );
    expect(missing.err).toContain('greeting');
  }, 60_000);
});

describe('dags delete', () => {
  it('refuses without a terminal and without --yes, deleting nothing', async () => {
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await seedRun('verbs_fail', '2022-04-01', 'UTC', ['boom']);
    const before = await recorded();
    const r = await runCli(['dags', 'delete', 'verbs_fail'], h.env);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'heatflow: DAG "verbs_fail" not deleted: stdin is not a terminal to ask on; pass --yes to go ahead',
    );
    expect(await recorded()).toEqual(before);
  }, 60_000);

  it("deletes one DAG's metadata and XComs, leaving the other DAG and the warehouse alone", async () => {
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    const failRun = await seedRun('verbs_fail', '2022-04-02', 'UTC', ['boom', 'after']);
    await h.rt.xcom.push({ dagId: 'verbs_fail', runId: failRun, taskId: 'boom' }, { n: 1 });
    const okRun = await seedRun('verbs_ok', '2022-04-02', 'Europe/London', ['a']);
    await h.rt.xcom.push({ dagId: 'verbs_ok', runId: okRun, taskId: 'a' }, { n: 2 });
    await sql`INSERT INTO tado.zones (home_id, zone_id, name, zone_type, date_created, raw)
      VALUES (1, 1, 'Living', 'HEATING', now(), '{}'::jsonb) ON CONFLICT DO NOTHING`.execute(h.rt.db);
    const zonesBefore = (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tado.zones`.execute(h.rt.db))
      .rows[0]?.n;
    const okRunsBefore = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .select('run_id')
      .where('dag_id', '=', 'verbs_ok')
      .execute();

    const r = await runCli(['dags', 'delete', 'verbs_fail', '-y'], h.env);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('deleted the metadata of DAG "verbs_fail":');
    expect(r.out).toContain('  DAG row: 1\n');
    expect(r.out).toContain('  DAG runs: 2\n');
    expect(r.out).toContain('  task instances: 3\n');
    expect(r.out).toContain('  XComs (Redis keys): 1\n');
    expect(r.out).toContain(
      'the DAG file still exists, so the DAG reappears at the next DAG sync, paused (is_paused_upon_creation)',
    );

    const left = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .select('dag_id')
      .where('dag_id', '=', 'verbs_fail')
      .execute();
    expect(left).toEqual([]);
    expect(
      await h.rt.db.selectFrom('heatflow.dags').select('dag_id').where('dag_id', '=', 'verbs_fail').execute(),
    ).toEqual([]);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_fail', runId: failRun, taskId: 'boom' })).toBeUndefined();
    expect(
      await h.rt.db
        .selectFrom('heatflow.dag_runs')
        .select('run_id')
        .where('dag_id', '=', 'verbs_ok')
        .execute(),
    ).toEqual(okRunsBefore);
    expect(await h.rt.xcom.pull({ dagId: 'verbs_ok', runId: okRun, taskId: 'a' })).toEqual({ n: 2 });
    expect(
      (await sql<{ n: number }>`SELECT count(*)::int AS n FROM tado.zones`.execute(h.rt.db)).rows[0]?.n,
    ).toBe(zonesBefore);
    const events = await h.rt.db
      .selectFrom('heatflow.log')
      .select(['event', 'dag_id'])
      .where('event', '=', 'dag.delete')
      .execute();
    expect(events).toEqual([{ event: 'dag.delete', dag_id: 'verbs_fail' }]);

    const again = await runCli(['dags', 'delete', 'verbs_fail', '-y'], h.env);
    expect(again.code).toBe(1);
    expect(again.err).toContain('heatflow: DAG "verbs_fail" not found in the metadata database');
  }, 60_000);
});
