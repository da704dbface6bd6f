/**
 * The DAG runs and task instances the inspecting commands read (`dags list-runs`, `tasks state`).
 */
import type { Kysely } from 'kysely';
import type { Database, DagRunRow } from './database.js';

/** Which runs {@link listDagRuns} returns. */
export interface DagRunListFilter {
  readonly dagId: string;
  /** only runs in this state */
  readonly state?: string;
  /** logical date on or after this */
  readonly from?: Date;
  /** logical date on or before this */
  readonly to?: Date;
}

/** The runs of a DAG, newest logical date first (as Airflow's `dags list-runs`). */
export async function listDagRuns(db: Kysely<Database>, f: DagRunListFilter): Promise<DagRunRow[]> {
  let q = db.selectFrom('heatflow.dag_runs').selectAll().where('dag_id', '=', f.dagId);
  if (f.state !== undefined) q = q.where('state', '=', f.state);
  if (f.from !== undefined) q = q.where('logical_date', '>=', f.from);
  if (f.to !== undefined) q = q.where('logical_date', '<=', f.to);
  return q.orderBy('logical_date', 'desc').orderBy('run_id').execute();
}

/**
 * The run of a DAG with this run id, else the first (by run id) with this logical date, or
 * undefined: Airflow's `tasks state` takes either.
 */
export async function findRunByIdOrLogicalDate(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
  logicalDate: Date | undefined,
): Promise<DagRunRow | undefined> {
  const byId = await db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('run_id', '=', runId)
    .executeTakeFirst();
  if (byId !== undefined || logicalDate === undefined) return byId;
  return db
    .selectFrom('heatflow.dag_runs')
    .selectAll()
    .where('dag_id', '=', dagId)
    .where('logical_date', '=', logicalDate)
    .orderBy('run_id')
    .executeTakeFirst();
}
