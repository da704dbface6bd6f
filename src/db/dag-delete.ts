/**
 * SQL of `heatflow dags delete` (Airflow's `airflow.api.common.delete_dag.delete_dag`): every
 * metadata row of one DAG, in one transaction. The event log (`heatflow.log`) is kept, as
 * Airflow's `keep_records_in_log=True` keeps its `log` rows; the warehouse (schemas `tado`,
 * `analytics`) is never touched.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.js';

/** How many rows of each kind one DAG's deletion removed. */
export interface DagDeleteCounts {
  /** the serialized DAG row of `heatflow.dags` (0 or 1) */
  readonly dags: number;
  readonly dagRuns: number;
  readonly taskInstances: number;
  readonly taskTries: number;
  readonly backfills: number;
  /** asset events the DAG's tasks produced (and, with them, their queue rows for consumers) */
  readonly assetEvents: number;
  /** asset events queued for this DAG (waiting to trigger one of its runs) */
  readonly queuedAssetEvents: number;
  /** import errors recorded for the DAG's file(s) */
  readonly importErrors: number;
}

const count = async (
  trx: Kysely<Database>,
  table: 'heatflow.task_instances' | 'heatflow.task_tries',
  dagId: string,
): Promise<number> =>
  (
    await trx
      .selectFrom(table)
      .select(sql<number>`count(*)::int`.as('n'))
      .where('dag_id', '=', dagId)
      .executeTakeFirstOrThrow()
  ).n;

/** Whether the metadata database knows this DAG (its row, or any run left behind). */
export async function dagHasMetadata(db: Kysely<Database>, dagId: string): Promise<boolean> {
  const r = await sql<{ found: boolean }>`
    SELECT EXISTS (SELECT 1 FROM heatflow.dags WHERE dag_id = ${dagId})
        OR EXISTS (SELECT 1 FROM heatflow.dag_runs WHERE dag_id = ${dagId}) AS found`.execute(db);
  return r.rows[0]?.found === true;
}

/**
 * Deletes the DAG's runs, task instances and tries, backfills, the asset events it produced and
 * those queued for it, its import errors and its `heatflow.dags` row (with its asset references),
 * in one transaction: an error leaves every row as it was.
 * @returns the counts per kind
 */
export async function deleteDagMetadata(db: Kysely<Database>, dagId: string): Promise<DagDeleteCounts> {
  return db.transaction().execute(async (trx) => {
    const fileloc = await trx
      .selectFrom('heatflow.dags')
      .select('fileloc')
      .where('dag_id', '=', dagId)
      .forUpdate()
      .executeTakeFirst();
    const taskTries = await count(trx, 'heatflow.task_tries', dagId);
    const taskInstances = await count(trx, 'heatflow.task_instances', dagId);
    // asset_dag_run_queue and dag_run_asset_events rows go with their events and runs (cascade)
    const queuedAssetEvents = await trx
      .deleteFrom('heatflow.asset_dag_run_queue')
      .where('target_dag_id', '=', dagId)
      .executeTakeFirst();
    const assetEvents = await trx
      .deleteFrom('heatflow.asset_events')
      .where('source_dag_id', '=', dagId)
      .executeTakeFirst();
    await trx.deleteFrom('heatflow.task_tries').where('dag_id', '=', dagId).execute();
    await trx.deleteFrom('heatflow.task_instances').where('dag_id', '=', dagId).execute();
    const dagRuns = await trx.deleteFrom('heatflow.dag_runs').where('dag_id', '=', dagId).executeTakeFirst();
    const backfills = await trx
      .deleteFrom('heatflow.backfills')
      .where('dag_id', '=', dagId)
      .executeTakeFirst();
    const importErrors =
      fileloc?.fileloc == null
        ? { numDeletedRows: 0n }
        : await trx
            .deleteFrom('heatflow.import_errors')
            .where('filename', '=', fileloc.fileloc)
            .executeTakeFirst();
    const dags = await trx.deleteFrom('heatflow.dags').where('dag_id', '=', dagId).executeTakeFirst();
    return {
      dags: Number(dags.numDeletedRows),
      dagRuns: Number(dagRuns.numDeletedRows),
      taskInstances,
      taskTries,
      backfills: Number(backfills.numDeletedRows),
      assetEvents: Number(assetEvents.numDeletedRows),
      queuedAssetEvents: Number(queuedAssetEvents.numDeletedRows),
      importErrors: Number(importErrors.numDeletedRows),
    };
  });
}
