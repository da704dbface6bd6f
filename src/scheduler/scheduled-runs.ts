/**
 * Creating a DAG's scheduled runs as `max_active_runs` leaves room (Airflow 2's
 * `dags_needing_dagruns` with its max_active_runs check, `DagModel.next_dagrun_create_after`):
 * catch-up after a long pause creates the next run when one finishes, not every missed day at once
 * (issue 16: unpausing tado_etl queued 1,415 runs against an API allowing 100 requests a day).
 *
 * Safe with several schedulers: the DAG row is locked (`FOR UPDATE SKIP LOCKED`, so a second
 * scheduler skips the DAG in that pass) while the room is counted, the runs inserted and the
 * cursor moved.
 */
import type { Kysely } from 'kysely';
import { makeRunId } from '../core/run-id.js';
import { dueScheduledRuns } from '../core/schedule-ahead.js';
import type { Dag } from '../core/types.js';
import { lockDagRow, setScheduleCursor } from '../db/dag-repository.js';
import { countActiveDagRuns, insertQueuedRuns, runLogicalDatesAfter } from '../db/dag-run-repository.js';
import type { Database } from '../db/database.js';

/**
 * Creates the due scheduled runs of a DAG that fit under its `max_active_runs` (queued and running
 * runs count; a running backfill's runs do not), at most `maxRunsPerPass`, stepping over logical
 * dates that have a run already. A paused or inactive DAG gets none.
 * @returns how many runs were created
 */
export async function createScheduledRunsWithinLimit(
  db: Kysely<Database>,
  dag: Dag,
  now: Date,
  maxRunsPerPass: number,
): Promise<number> {
  if (dag.schedule === null) return 0;
  return db.transaction().execute(async (trx) => {
    const row = await lockDagRow(trx, dag.dagId, true);
    if (row === undefined || row.is_paused || !row.is_active) return 0;
    const room = Math.min(row.max_active_runs - (await countActiveDagRuns(trx, dag.dagId)), maxRunsPerPass);
    if (room <= 0) return 0;
    const existing = await runLogicalDatesAfter(trx, dag.dagId, row.next_dagrun_logical_date);
    const step = dueScheduledRuns(dag, row.next_dagrun_logical_date, now, existing, room);
    if (step.cursor === null || step.cursor.getTime() === row.next_dagrun_logical_date?.getTime()) return 0;
    const inserted = await insertQueuedRuns(
      trx,
      step.runs.map((info) => ({
        dagId: dag.dagId,
        runId: makeRunId('scheduled', info.logicalDate),
        runType: 'scheduled' as const,
        logicalDate: info.logicalDate,
        dataIntervalStart: info.dataInterval.start,
        dataIntervalEnd: info.dataInterval.end,
        conf: {},
      })),
      now,
    );
    await setScheduleCursor(trx, dag.dagId, step.cursor, null);
    return inserted.length;
  });
}
