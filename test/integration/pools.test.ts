/**
 * Pools as data: a pool a DAG declares is created by the DAG sync; `heatflow pools set` resizes it,
 * the size survives DAG syncs, and a real scheduler + worker then run that many tries at once.
 * The CLI verbs run as users run them (child processes) and record their events.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/audit/event-log.js';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { getPool } from '../../src/db/pool-repository.js';
import { triggerDagRun } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli as runCliWithin } from '../helpers/run-cli.js';

/** The CLI, given time: on a machine shared with other jobs a start through tsx can take a minute. */
const runCli = (args: readonly string[], env: NodeJS.ProcessEnv) =>
  runCliWithin(args, env, { timeoutMs: 240_000 });

const step = (mode: string) => ['node', path.resolve('test/fixtures/task-scripts/step.mjs'), mode];
const TASKS = ['a', 'b', 'c', 'd'];
const dag = defineDag({
  dagId: 'pooled',
  schedule: null,
  startDate: '2022-01-01',
  pools: { narrow: { slots: 1, description: 'declared in DAG code' } },
  defaultArgs: { pool: 'narrow' },
  tasks: TASKS.map((taskId) => ({ taskId, command: step('sleep:1500') })),
});

/** The largest number of tries of the run whose [start, end] overlap. */
async function maxConcurrentTries(h: TestOrchestrator, runId: string): Promise<number> {
  const tries = await h.rt.db
    .selectFrom('heatflow.task_tries')
    .select(['start_date', 'end_date'])
    .where('run_id', '=', runId)
    .execute();
  expect(tries).toHaveLength(TASKS.length);
  const events = tries
    .flatMap((t) => [
      { t: t.start_date?.getTime() ?? 0, d: 1 },
      { t: t.end_date?.getTime() ?? 0, d: -1 },
    ])
    .sort((x, y) => x.t - y.t || x.d - y.d);
  let now = 0;
  let max = 0;
  for (const e of events) {
    now += e.d;
    max = Math.max(max, now);
  }
  return max;
}

async function runToEnd(h: TestOrchestrator): Promise<string> {
  const run = await triggerDagRun(h.rt.deps, dag, {});
  await waitFor(
    `run ${run.run_id} to finish`,
    async () => {
      const r = await h.rt.db
        .selectFrom('heatflow.dag_runs')
        .select('state')
        .where('run_id', '=', run.run_id)
        .executeTakeFirst();
      return r?.state === 'success' || r?.state === 'failed' ? r.state : undefined;
    },
    120_000,
  ).then((state) => expect(state).toBe('success'));
  return run.run_id;
}

describe('pools as data (real scheduler, worker, Postgres, Redis)', () => {
  let h: TestOrchestrator;
  let tmp: string;
  beforeAll(async () => {
    h = await createTestOrchestrator('pools', { dags: [dag] });
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-pools-'));
    await h.startScheduler();
    await h.startWorker({ concurrency: 4 });
  });
  afterAll(async () => {
    await h.cleanup();
    await rm(tmp, { recursive: true, force: true });
  });

  it('a pool resized with `pools set` changes how many tries run at once, and DAG syncs keep its size', async () => {
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    expect(await getPool(h.rt.db, 'narrow')).toMatchObject({ slots: 1, description: 'declared in DAG code' });
    const first = await runToEnd(h);
    expect(await maxConcurrentTries(h, first)).toBe(1);

    const set = await runCli(['pools', 'set', 'narrow', '3', 'three at once'], h.env);
    expect(set).toMatchObject({ code: 0, err: '' });
    expect(set.out).toBe('pool narrow: 3 slots (updated)\n');
    // the DAG still declares 1 slot: a sync must not shrink the pool back
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    expect(await getPool(h.rt.db, 'narrow')).toMatchObject({ slots: 3, description: 'three at once' });

    const second = await runToEnd(h);
    const concurrent = await maxConcurrentTries(h, second);
    expect(concurrent).toBeGreaterThanOrEqual(2);
    expect(concurrent).toBeLessThanOrEqual(3);

    const events = await listEvents(h.rt.db, { event: 'pool.set' });
    expect(events.totalEntries).toBe(1);
    expect(events.events[0]).toMatchObject({
      source: 'cli',
      owner: os.userInfo().username,
      remote_addr: os.hostname(),
      extra: { pool: 'narrow', slots: 3, previous_slots: 1, created: false },
    });
  }, 420_000);

  it('pools list, delete (not default_pool), export and import', async () => {
    const made = await runCli(['pools', 'set', 'wide', '7'], h.env);
    expect(made.code, made.err).toBe(0);
    expect(made.out).toBe('pool wide: 7 slots (created)\n');
    const file = path.join(tmp, 'pools.json');
    // sequential: parallel CLI starts time out on a machine shared with other jobs
    const list = await runCli(['pools', 'list', '--json'], h.env);
    const table = await runCli(['pools', 'list'], h.env);
    const refused = await runCli(['pools', 'delete', 'default_pool'], h.env);
    const missing = await runCli(['pools', 'delete', 'nope'], h.env);
    const badSlots = await runCli(['pools', 'set', 'wide', 'many'], h.env);
    const exportedRun = await runCli(['pools', 'export', file], h.env);
    expect(list.code, list.err).toBe(0);
    expect(table.code, table.err).toBe(0);
    const pools = JSON.parse(list.out) as { name: string; slots: number; openSlots: number }[];
    expect(pools.map((p) => [p.name, p.slots, p.openSlots])).toEqual([
      ['default_pool', 128, 128],
      ['narrow', 3, 3],
      ['wide', 7, 7],
    ]);
    expect(table.out.split('\n')[0]).toMatch(/^pool\s+slots\s+running\s+queued\s+open\s+description$/);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('"default_pool" cannot be deleted');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('pool "nope" not found');
    expect(badSlots.code).toBe(1);
    expect(badSlots.err).toContain('SLOTS must be an integer');
    expect(exportedRun.out).toBe(`3 pools written to ${file}\n`);
    const exported = JSON.parse(await readFile(file, 'utf8')) as Record<string, { slots: number }>;
    expect(exported.wide?.slots).toBe(7);

    const del = await runCli(['pools', 'delete', 'wide'], h.env);
    expect(del.out).toBe('pool wide deleted\n');
    expect(await getPool(h.rt.db, 'wide')).toBeUndefined();
    const deletes = await listEvents(h.rt.db, { event: 'pool.delete' });
    expect(deletes.totalEntries).toBe(1);
    expect(deletes.events[0]?.extra).toEqual({ pool: 'wide' });

    await writeFile(file, JSON.stringify({ wide: { slots: 5, description: 'back' } }));
    const imported = await runCli(['pools', 'import', file], h.env);
    expect(imported.out).toBe(`1 pools imported from ${file}\n`);
    expect(await getPool(h.rt.db, 'wide')).toMatchObject({ slots: 5, description: 'back' });
  }, 900_000);
});
