/**
 * Records a parsed DAG folder in the database: DAG rows (schedule, limits, task ids), the assets
 * they name with the schedule and outlet references, and import errors. The scheduler calls it
 * periodically; commands that run without one call it first.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../db/database.js';
import { syncParsedDags } from '../db/dag-repository.js';
import { createDeclaredPools } from '../db/pool-repository.js';
import type { DagBag } from './dag-bag.js';

/**
 * Records the DAG folder; also creates the pools its DAGs declare that do not exist yet (a pool
 * that exists keeps its slots: `pools set` wins over DAG code).
 */
export async function syncDagBag(db: Kysely<Database>, bag: DagBag, now: Date): Promise<void> {
  await createDeclaredPools(
    db,
    [...bag.dags.values()].flatMap(({ dag }) => dag.pools),
  );
  await syncParsedDags(
    db,
    [...bag.dags.values()].map(({ dag, file }) => ({
      dagId: dag.dagId,
      fileloc: file,
      ...(dag.description === undefined ? {} : { description: dag.description }),
      schedule: dag.schedule,
      timezone: dag.timezone,
      tags: dag.tags,
      maxActiveRuns: dag.maxActiveRuns,
      maxActiveTasks: dag.maxActiveTasks,
      taskIds: dag.taskIds,
      isPausedUponCreation: dag.isPausedUponCreation,
      scheduleAssets: dag.scheduleAssets,
      outlets: dag.taskIds.flatMap((taskId) =>
        (dag.tasks.get(taskId)?.outlets ?? []).map((uri) => ({ taskId, uri })),
      ),
      assets: [...dag.assets.values()].map((a) => ({ uri: a.uri, extra: a.extra })),
    })),
    bag.importErrors,
    now,
  );
}
