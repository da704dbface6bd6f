/**
 * SQL for `heatflow.backfills`.
 */
import { sql, type Kysely } from 'kysely';
import type { BackfillRow, Database } from './database.js';

/** What to do with dates that already have a run (Airflow 3's `reprocess_behavior`). */
export type ReprocessBehavior =
  /** leave existing runs alone */
  | 'none'
  /** re-run existing runs that failed */
  | 'failed'
  /** re-run every finished run (success or failed) */
  | 'completed';

/** A backfill to create. */
export interface NewBackfill {
  readonly dagId: string;
  readonly fromDate: Date;
  readonly toDate: Date;
  readonly reprocessBehavior: ReprocessBehavior;
  readonly runBackwards: boolean;
  readonly maxActiveRuns: number;
  readonly conf: Readonly<Record<string, unknown>>;
}

export async function insertBackfill(trx: Kysely<Database>, b: NewBackfill): Promise<BackfillRow> {
  return trx
    .insertInto('heatflow.backfills')
    .values({
      dag_id: b.dagId,
      from_date: b.fromDate,
      to_date: b.toDate,
      reprocess_behavior: b.reprocessBehavior,
      run_backwards: b.runBackwards,
      max_active_runs: b.maxActiveRuns,
      dag_run_conf: JSON.stringify(b.conf),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function getBackfill(db: Kysely<Database>, id: string): Promise<BackfillRow | undefined> {
  return db.selectFrom('heatflow.backfills').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listBackfills(db: Kysely<Database>, dagId?: string): Promise<BackfillRow[]> {
  return db
    .selectFrom('heatflow.backfills')
    .selectAll()
    .$if(dagId !== undefined, (q) => q.where('dag_id', '=', dagId as string))
    .orderBy('id', 'desc')
    .execute();
}

/** Max active runs of each running backfill of a DAG, by id. */
export async function runningBackfillLimits(
  trx: Kysely<Database>,
  dagId: string,
): Promise<Map<string, number>> {
  const rows = await trx
    .selectFrom('heatflow.backfills')
    .select(['id', 'max_active_runs'])
    .where('dag_id', '=', dagId)
    .where('state', '=', 'running')
    .execute();
  return new Map(rows.map((r) => [r.id, r.max_active_runs]));
}

/** Marks running backfills whose runs are all finished as completed. @returns ids completed */
export async function completeFinishedBackfills(db: Kysely<Database>, now: Date): Promise<string[]> {
  const rows = await db
    .updateTable('heatflow.backfills as b')
    .set({ state: 'completed', completed_at: now })
    .where('b.state', '=', 'running')
    .where((eb) =>
      eb.not(
        eb.exists(
          eb
            .selectFrom('heatflow.dag_runs as r')
            .select(sql`1`.as('one'))
            .whereRef('r.backfill_id', '=', 'b.id')
            .where('r.state', 'in', ['queued', 'running']),
        ),
      ),
    )
    .returning('b.id')
    .execute();
  return rows.map((r) => r.id);
}

/**
 * Completes one backfill when none of its runs is queued or running any more: called, in its
 * transaction, by whoever just finished one of its runs, so the last run's finisher completes it
 * (not a later reconciling pass). The backfill's row is locked first; a caller that finished its
 * run before taking the lock and a concurrent finisher of the other last run are serialised by
 * it, and the second to take it sees the first's run finished (read committed).
 * @returns true when this call completed it
 */
export async function completeBackfillIfFinished(
  trx: Kysely<Database>,
  backfillId: string,
  now: Date,
): Promise<boolean> {
  const locked = await trx
    .selectFrom('heatflow.backfills')
    .select('state')
    .where('id', '=', backfillId)
    .forUpdate()
    .executeTakeFirst();
  if (locked?.state !== 'running') return false;
  const open = await trx
    .selectFrom('heatflow.dag_runs')
    .select(sql`1`.as('one'))
    .where('backfill_id', '=', backfillId)
    .where('state', 'in', ['queued', 'running'])
    .limit(1)
    .executeTakeFirst();
  if (open !== undefined) return false;
  await trx
    .updateTable('heatflow.backfills')
    .set({ state: 'completed', completed_at: now })
    .where('id', '=', backfillId)
    .execute();
  return true;
}
