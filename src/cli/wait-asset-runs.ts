/**
 * Waits until an asset-scheduled DAG has consumed its pending asset events and finished the runs
 * they triggered (what `heatflow demo` does after tado_etl's backfill for heating_analytics), with
 * a line every 10 s. The runs are created by the scheduler from the events, as always: this only
 * watches.
 */
import { sql } from 'kysely';
import { countActiveDagRuns } from '../db/asset-repository.js';
import { pendingAssetEventCounts } from '../db/asset-queries.js';
import type { Runtime } from '../runtime/runtime.js';

/** One run the events triggered. */
export interface AssetRunOutcome {
  readonly runId: string;
  readonly state: string;
  /** asset events it consumed */
  readonly events: number;
  /** wall time from its start to its end, ms (null when it never started) */
  readonly durationMs: number | null;
}

/** What {@link waitForAssetRuns} saw. */
export interface AssetRunsSummary {
  readonly dagId: string;
  /** the asset-triggered runs created since the wait began (or `since`), oldest first */
  readonly runs: readonly AssetRunOutcome[];
  readonly wallMs: number;
}

/**
 * Polls until `dagId` has no pending asset event and no queued or running run.
 * @param since - count the asset-triggered runs created from this instant; `@defaultValue` now
 * @param timeoutMs - give up after this long (the summary then has the runs so far); `@defaultValue` 30 min
 */
export async function waitForAssetRuns(
  rt: Runtime,
  dagId: string,
  options: { since?: Date; pollMs?: number; timeoutMs?: number } = {},
): Promise<AssetRunsSummary> {
  const started = Date.now();
  const since = options.since ?? new Date(started);
  const pollMs = options.pollMs ?? 500;
  let lastLine = 0;
  for (;;) {
    const pending = (await pendingAssetEventCounts(rt.db, [dagId])).get(dagId) ?? 0;
    const active = await countActiveDagRuns(rt.db, dagId);
    if (pending === 0 && active === 0) break;
    if (Date.now() - started > (options.timeoutMs ?? 30 * 60_000)) break;
    if (Date.now() - lastLine > 10_000) {
      process.stderr.write(
        `${dagId}: ${active} run(s) active, ${pending} asset event(s) waiting for the next run\n`,
      );
      lastLine = Date.now();
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  const r = await sql<{
    run_id: string;
    state: string;
    events: number;
    start_date: Date | null;
    end_date: Date | null;
  }>`
    SELECT r.run_id, r.state, r.start_date, r.end_date,
      (SELECT count(*)::int FROM heatflow.dag_run_asset_events e WHERE e.dag_run_id = r.id) AS events
    FROM heatflow.dag_runs r
    WHERE r.dag_id = ${dagId} AND r.run_type = 'asset_triggered' AND r.created_at >= ${since}
    ORDER BY r.created_at`.execute(rt.db);
  return {
    dagId,
    runs: r.rows.map((x) => ({
      runId: x.run_id,
      state: x.state,
      events: x.events,
      durationMs:
        x.start_date === null || x.end_date === null ? null : x.end_date.getTime() - x.start_date.getTime(),
    })),
    wallMs: Date.now() - started,
  };
}
