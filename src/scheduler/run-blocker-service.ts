/**
 * Gathers what holds unfinished DAG runs (the DAG's paused flag, run limits, pools, task limits,
 * live workers) and says why each is not moving with the pure `runBlocker`
 * (src/core/run-blocker.ts). One service for the progress line of `dags backfill` and the demo,
 * the run's page and `dags state`.
 */
import type { Redis } from 'ioredis';
import { sql, type Kysely } from 'kysely';
import { runBlocker } from '../core/run-blocker.js';
import { runningBackfillLimits } from '../db/backfill-repository.js';
import { getDagRow } from '../db/dag-repository.js';
import { countRunningByBackfill } from '../db/dag-run-repository.js';
import type { Database, DagRunRow } from '../db/database.js';
import { countActiveTis, poolUsage } from '../db/task-instance-repository.js';

/** What the service reads. */
export interface RunBlockerDeps {
  readonly db: Kysely<Database>;
  /** without it, worker liveness is not checked */
  readonly redis?: Redis | undefined;
  /** the deployment's Redis key prefix (`HEATFLOW_REDIS_PREFIX`) */
  readonly prefix: string;
}

/** Is any worker alive: a worker's liveness key (`<prefix>:worker:<id>`, task-worker.ts) exists. */
export async function anyWorkerAlive(redis: Redis, prefix: string): Promise<boolean> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:worker:*`, 'COUNT', 1000);
    if (keys.length > 0) return true;
    cursor = next;
  } while (cursor !== '0');
  return false;
}

/**
 * Why each of these runs (of one DAG) is not moving, by run id; a run that is moving or finished
 * is absent.
 */
export async function runBlockers(
  deps: RunBlockerDeps,
  dagId: string,
  runs: readonly Pick<DagRunRow, 'run_id' | 'state' | 'run_type' | 'backfill_id'>[],
): Promise<Map<string, string>> {
  const open = runs.filter((r) => r.state === 'queued' || r.state === 'running');
  const out = new Map<string, string>();
  if (open.length === 0) return out;
  const { db } = deps;
  const row = await getDagRow(db, dagId);
  if (row === undefined) return out;
  const [limits, running, pools, dagActiveTis, workerAlive] = await Promise.all([
    runningBackfillLimits(db, dagId),
    countRunningByBackfill(db, dagId),
    poolUsage(db),
    countActiveTis(db, dagId),
    deps.redis === undefined ? true : anyWorkerAlive(deps.redis, deps.prefix),
  ]);
  // as Scheduler.startQueuedRuns counts: a running backfill's runs against its own limit, the
  // rest (scheduled, manual, runs of finished backfills) against the DAG's
  let dagRunning = 0;
  for (const [id, n] of running) if (id === null || !limits.has(id)) dagRunning += n;
  const runningOf = (id: string | null) =>
    id !== null && limits.has(id) ? (running.get(id) ?? 0) : dagRunning;
  const tiRows = await db
    .selectFrom('heatflow.task_instances')
    .select(['run_id', 'state', 'pool', sql<number>`count(*)::int`.as('n')])
    .where('dag_id', '=', dagId)
    .where(
      'run_id',
      'in',
      open.map((r) => r.run_id),
    )
    .groupBy(['run_id', 'state', 'pool'])
    .execute();
  for (const r of open) {
    const mine = tiRows.filter((t) => t.run_id === r.run_id);
    const tiStates: Record<string, number> = {};
    for (const t of mine) tiStates[t.state] = (tiStates[t.state] ?? 0) + t.n;
    const waitedPools = [...new Set(mine.filter((t) => t.state === 'scheduled').map((t) => t.pool))];
    const inRunningBackfill = r.backfill_id !== null && limits.has(r.backfill_id);
    const reason = runBlocker({
      dagId,
      state: r.state,
      runType: r.run_type,
      inRunningBackfill,
      dagPaused: row.is_paused,
      runningRuns: runningOf(r.backfill_id),
      maxActiveRuns: inRunningBackfill ? (limits.get(r.backfill_id ?? '') ?? 0) : row.max_active_runs,
      tiStates,
      pools: waitedPools.flatMap((p) => {
        const u = pools.get(p);
        return u === undefined ? [] : [{ pool: p, used: u.used, slots: u.slots }];
      }),
      dagActiveTis,
      maxActiveTasks: row.max_active_tasks,
      workerAlive,
    });
    if (reason !== undefined) out.set(r.run_id, reason);
  }
  return out;
}
