/**
 * Deleting a DAG's metadata (Airflow's `dags delete` / `DELETE /api/v1/dags/{dag_id}`: "Delete all
 * DB records related to the specified DAG"), shared by the CLI and the REST API. The DAG file is
 * not touched: the DAG comes back, fresh, at the next DAG sync.
 */
import { NotFoundError } from '../core/errors.js';
import { removeTaskJobs } from '../queue/remove-task-jobs.js';
import { dagHasMetadata, deleteDagMetadata, type DagDeleteCounts } from '../db/dag-delete.js';
import type { ServiceDeps } from './dag-run-service.js';

/** What {@link deleteDag} removed: Postgres rows per kind and XCom keys in Redis. */
export interface DagDeleteResult extends DagDeleteCounts {
  /** XCom keys deleted from Redis (0 when the deps have no XCom store) */
  readonly xcomKeys: number;
  /** BullMQ jobs of its tries removed (0 without Redis in the deps) */
  readonly queueJobs: number;
}

/**
 * Deletes every metadata row of `dagId` in one Postgres transaction (runs, task instances, tries,
 * backfills, asset events it produced or had queued, import errors of its file, its DAG row), then
 * its XComs in Redis. The warehouse (schemas `tado`, `analytics`) and the event log are kept.
 * XComs are deleted after the commit: a Redis failure then leaves only XComs of runs that no
 * longer exist, and running the deletion again removes them.
 * @throws NotFoundError when the database knows no DAG (and no run) with this id
 */
export async function deleteDag(deps: ServiceDeps, dagId: string): Promise<DagDeleteResult> {
  if (!(await dagHasMetadata(deps.db, dagId)))
    throw new NotFoundError(`DAG "${dagId}" not found in the metadata database`);
  const counts = await deleteDagMetadata(deps.db, dagId);
  const xcomKeys = deps.xcom === undefined ? 0 : await deps.xcom.clearDag(dagId);
  const queueJobs = deps.redis === undefined ? 0 : await removeTaskJobs(deps.redis, deps.prefix, dagId);
  return { ...counts, xcomKeys, queueJobs };
}
