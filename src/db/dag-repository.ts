/**
 * SQL for `heatflow.dags` and `heatflow.import_errors`.
 */
import { sql, type Kysely } from 'kysely';
import { syncAssetReferences, type DagAssetDeclaration } from './asset-repository.js';
import type { Database, DagRow } from './database.js';

/** What the DAG processor knows of one parsed DAG (with the assets it names). */
export interface ParsedDag extends DagAssetDeclaration {
  readonly dagId: string;
  readonly fileloc: string;
  readonly description?: string;
  readonly schedule: string | null;
  readonly timezone: string;
  readonly tags: readonly string[];
  readonly maxActiveRuns: number;
  readonly maxActiveTasks: number;
  readonly taskIds: readonly string[];
  readonly isPausedUponCreation: boolean;
}

/**
 * Records the outcome of parsing the DAG folder: upserts every parsed DAG (the paused flag is set
 * only when the DAG is new), its assets and asset references (asset-repository.ts), marks DAGs
 * whose file no longer declares them inactive, and replaces the import errors.
 */
export async function syncParsedDags(
  db: Kysely<Database>,
  dags: readonly ParsedDag[],
  importErrors: readonly { file: string; error: string }[],
  now: Date,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const d of dags) {
      await trx
        .insertInto('heatflow.dags')
        .values({
          dag_id: d.dagId,
          is_paused: d.isPausedUponCreation,
          is_active: true,
          fileloc: d.fileloc,
          description: d.description ?? null,
          schedule: d.schedule,
          timezone: d.timezone,
          tags: [...d.tags],
          max_active_runs: d.maxActiveRuns,
          max_active_tasks: d.maxActiveTasks,
          task_ids: [...d.taskIds],
          schedule_assets: [...d.scheduleAssets],
          last_parsed_at: now,
        })
        .onConflict((oc) =>
          oc.column('dag_id').doUpdateSet((eb) => ({
            is_active: true,
            fileloc: eb.ref('excluded.fileloc'),
            description: eb.ref('excluded.description'),
            schedule: eb.ref('excluded.schedule'),
            timezone: eb.ref('excluded.timezone'),
            tags: eb.ref('excluded.tags'),
            max_active_runs: eb.ref('excluded.max_active_runs'),
            max_active_tasks: eb.ref('excluded.max_active_tasks'),
            task_ids: eb.ref('excluded.task_ids'),
            schedule_assets: eb.ref('excluded.schedule_assets'),
            last_parsed_at: eb.ref('excluded.last_parsed_at'),
          })),
        )
        .execute();
    }
    await syncAssetReferences(trx, dags, now);
    const ids = dags.map((d) => d.dagId);
    await trx
      .updateTable('heatflow.dags')
      .set({ is_active: false })
      .$if(ids.length > 0, (q) => q.where('dag_id', 'not in', ids))
      .execute();
    await trx.deleteFrom('heatflow.import_errors').execute();
    if (importErrors.length > 0) {
      await trx
        .insertInto('heatflow.import_errors')
        .values(importErrors.map((e) => ({ filename: e.file, error: e.error })))
        .onConflict((oc) => oc.column('filename').doUpdateSet((eb) => ({ error: eb.ref('excluded.error') })))
        .execute();
    }
  });
}

/** All DAG rows, active first, by id. */
export async function listDagRows(db: Kysely<Database>): Promise<DagRow[]> {
  return db.selectFrom('heatflow.dags').selectAll().orderBy('is_active', 'desc').orderBy('dag_id').execute();
}

/** One DAG row, or undefined. */
export async function getDagRow(db: Kysely<Database>, dagId: string): Promise<DagRow | undefined> {
  return db.selectFrom('heatflow.dags').selectAll().where('dag_id', '=', dagId).executeTakeFirst();
}

/** Sets the paused flag. @returns false when the DAG is unknown */
export async function setDagPaused(db: Kysely<Database>, dagId: string, paused: boolean): Promise<boolean> {
  const r = await db
    .updateTable('heatflow.dags')
    .set({ is_paused: paused })
    .where('dag_id', '=', dagId)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/**
 * Locks a DAG's row for this transaction (serialises run creation and run starting per DAG across
 * schedulers). With `skipLocked`, returns undefined when another scheduler holds it.
 */
export async function lockDagRow(
  trx: Kysely<Database>,
  dagId: string,
  skipLocked: boolean,
): Promise<DagRow | undefined> {
  let q = trx.selectFrom('heatflow.dags').selectAll().where('dag_id', '=', dagId).forUpdate();
  if (skipLocked) q = q.skipLocked();
  return q.executeTakeFirst();
}

/** Moves the schedule's cursor (the last logical date the schedule created a run for). */
export async function setScheduleCursor(
  trx: Kysely<Database>,
  dagId: string,
  logicalDate: Date,
  createAfter: Date | null,
): Promise<void> {
  await trx
    .updateTable('heatflow.dags')
    .set({ next_dagrun_logical_date: logicalDate, next_dagrun_create_after: createAfter })
    .where('dag_id', '=', dagId)
    .execute();
}

/** Import errors, by file. */
export async function listImportErrors(
  db: Kysely<Database>,
): Promise<{ filename: string; error: string; created_at: Date }[]> {
  return db.selectFrom('heatflow.import_errors').selectAll().orderBy('filename').execute();
}

/** Takes a transaction-scoped advisory lock; false when another transaction holds it. */
export async function tryAdvisoryXactLock(trx: Kysely<Database>, key: number): Promise<boolean> {
  const r = await sql<{ ok: boolean }>`SELECT pg_try_advisory_xact_lock(${key}) AS ok`.execute(trx);
  return r.rows[0]?.ok === true;
}

/** Takes a transaction-scoped advisory lock, waiting for it. */
export async function advisoryXactLock(trx: Kysely<Database>, key: number): Promise<void> {
  await sql`SELECT pg_advisory_xact_lock(${key})`.execute(trx);
}
