/**
 * Asset-triggered runs: when every asset a DAG is scheduled on has had an event since its last
 * such run, one queued `asset_triggered` run consumes all of the DAG's pending events.
 *
 * Semantics (Airflow 2's DatasetTriggeredTimetable, with two deliberate differences):
 * - all-of: every scheduled asset needs at least one pending event;
 * - batching: a run consumes every pending event of its DAG; events that arrive while the DAG has
 *   `max_active_runs` queued or running runs (backfills aside) wait for the next run;
 * - data interval: [earliest start, latest end] of the consumed events' source data intervals;
 *   logical date: the creation instant (1 ms later per clash with an existing run's date);
 * - one queue row per (consumer, event), not per (consumer, asset) as Airflow's ADRQ, so a run
 *   links exactly the events it consumed (`dag_run_asset_events`);
 * - a paused consumer keeps its events and runs once unpaused (docs/adr/0003-…).
 *
 * Everything happens in one transaction under the DAG row's lock (`FOR UPDATE`), so two
 * schedulers never consume the same events or create two runs for one batch.
 */
import type { Kysely } from 'kysely';
import { makeRunId } from '../core/run-id.js';
import { lockDagRow } from '../db/dag-repository.js';
import { countActiveDagRuns, consumeAssetEvents, pendingAssetState } from '../db/asset-repository.js';
import type { Database } from '../db/database.js';
import { insertQueuedRuns } from '../db/dag-run-repository.js';

/** A run {@link createAssetTriggeredRun} created. */
export interface AssetTriggeredRun {
  readonly dagId: string;
  readonly runId: string;
  readonly logicalDate: Date;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  /** ids of the consumed asset events, oldest first */
  readonly eventIds: readonly string[];
}

/** Logical dates tried past `now` when runs of the DAG already hold them (1 ms apart). */
const MAX_DATE_CLASHES = 1000;

/**
 * Creates the next asset-triggered run of a DAG if it is due: the DAG is active and not paused,
 * each asset it is scheduled on has a pending event, and it has fewer than `max_active_runs`
 * queued + running runs (outside backfills). The run is queued; the scheduler starts it as any
 * other queued run.
 * @returns the run, or undefined when none is due
 */
export async function createAssetTriggeredRun(
  db: Kysely<Database>,
  dagId: string,
  now: Date,
): Promise<AssetTriggeredRun | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await lockDagRow(trx, dagId, false);
    if (row === undefined || !row.is_active || row.is_paused) return undefined;
    const { scheduled, missing, pending } = await pendingAssetState(trx, dagId);
    if (scheduled === 0 || missing.length > 0 || pending.length === 0) return undefined;
    if ((await countActiveDagRuns(trx, dagId)) >= row.max_active_runs) return undefined;

    let start = pending[0]?.dataIntervalStart ?? now;
    let end = pending[0]?.dataIntervalEnd ?? now;
    for (const e of pending) {
      if (e.dataIntervalStart < start) start = e.dataIntervalStart;
      if (e.dataIntervalEnd > end) end = e.dataIntervalEnd;
    }
    for (let i = 0; i < MAX_DATE_CLASHES; i++) {
      const logicalDate = new Date(now.getTime() + i);
      const runId = makeRunId('asset_triggered', logicalDate);
      const [run] = await insertQueuedRuns(
        trx,
        [
          {
            dagId,
            runId,
            runType: 'asset_triggered',
            logicalDate,
            dataIntervalStart: start,
            dataIntervalEnd: end,
            conf: {},
          },
        ],
        now,
      );
      if (run === undefined) continue;
      const eventIds = pending.map((e) => e.eventId);
      await consumeAssetEvents(trx, dagId, run.id, eventIds);
      return { dagId, runId, logicalDate, dataIntervalStart: start, dataIntervalEnd: end, eventIds };
    }
    return undefined;
  });
}
