/**
 * Waits for a backfill to finish, with a progress bar on a terminal (cli-progress) and a line every
 * 10 s otherwise. Warns when no scheduler seems to be running.
 */
import cliProgress from 'cli-progress';
import { getBackfill } from '../db/backfill-repository.js';
import {
  countRunsByState,
  countTisUpForRetry,
  listOpenRuns,
  type RunFilter,
} from '../db/dag-run-repository.js';
import { summariseBlockers } from '../core/run-blocker.js';
import type { Runtime } from '../runtime/runtime.js';
import { runBlockers } from '../scheduler/run-blocker-service.js';

/** How a backfill ended. */
export interface BackfillSummary {
  readonly backfillId: string;
  readonly total: number;
  readonly success: number;
  readonly failed: number;
  readonly wallMs: number;
}

/**
 * Waits until every run of a backfill (or, given a filter, every run it matches) has finished.
 * The progress says how many task instances wait for a retry (`up_for_retry`).
 * @param what - a backfill id, or a filter (e.g. a DAG and a range, to include runs created earlier)
 * @param label - the backfill id the summary and the progress name; `@defaultValue` `what` when it is an id
 */
export async function waitForBackfill(
  rt: Runtime,
  what: string | RunFilter,
  pollMs = 500,
  label?: string,
): Promise<BackfillSummary> {
  const filter: RunFilter = typeof what === 'string' ? { backfillId: what } : what;
  const backfillId = label ?? (typeof what === 'string' ? what : '');
  const started = Date.now();
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format:
            'backfill {bar} {value}/{total} runs | {success} ok, {failed} failed{retrying} | {duration_formatted}',
          stream: process.stderr,
        },
        cliProgress.Presets.shades_classic,
      )
    : undefined;
  let lastLine = 0;
  let warned = false;
  try {
    for (;;) {
      const counts = await countRunsByState(rt.db, filter);
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const success = counts.success ?? 0;
      const failed = counts.failed ?? 0;
      const done = success + failed;
      const showLine = bar === undefined && Date.now() - lastLine > 10_000;
      const upForRetry = bar !== undefined || showLine ? await countTisUpForRetry(rt.db, filter) : 0;
      const retrying = upForRetry > 0 ? `, ${upForRetry} task(s) up for retry` : '';
      if (bar !== undefined) {
        if (lastLine === 0) bar.start(total, done, { success, failed, retrying });
        bar.update(done, { success, failed, retrying });
        lastLine = 1;
      } else if (showLine) {
        const held = await heldRuns(rt, filter);
        process.stderr.write(
          `${backfillId === '' ? 'runs' : `backfill ${backfillId}`}: ${done}/${total} finished (${success} ok, ${failed} failed${retrying})${held === undefined ? '' : `; ${held}`}\n`,
        );
        lastLine = Date.now();
      }
      const b = typeof what === 'string' ? await getBackfill(rt.db, what) : undefined;
      if (done === total || b?.state === 'completed') {
        return { backfillId, total, success, failed, wallMs: Date.now() - started };
      }
      if (!warned && Date.now() - started > 15_000) {
        const beat = await rt.redis.get(`${rt.config.HEATFLOW_REDIS_PREFIX}:scheduler-heartbeat`);
        if (beat === null) {
          process.stderr.write(
            'warning: no scheduler is running (start `heatflow scheduler` and `heatflow worker`, or use --local)\n',
          );
          warned = true;
        }
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  } finally {
    bar?.stop();
  }
}

/**
 * Why the unfinished runs a filter matches are not moving, as one phrase (`2 not moving: DAG
 * tado_etl is paused: …`), or `undefined` when none is held.
 */
export async function heldRuns(rt: Runtime, filter: RunFilter): Promise<string | undefined> {
  const open = await listOpenRuns(rt.db, filter);
  const reasons: string[] = [];
  for (const dagId of new Set(open.map((r) => r.dag_id))) {
    const why = await runBlockers(
      rt.deps,
      dagId,
      open.filter((r) => r.dag_id === dagId),
    );
    reasons.push(...why.values());
  }
  return summariseBlockers(reasons);
}
