/**
 * heating_analytics › merge: resample's minute series into `analytics.zone_minute` (home, zone,
 * minute start UTC, local date, inside °C, humidity 0..1, setpoint °C, demand level 0..3, power
 * on, outside °C, weather state, connected, cleaned), with each zone-day's `analytics.zone_days`
 * row (clean's counts); clean's rejected zone-days lose their rows and are recorded as rejected.
 * One transaction for the batch, binary COPY (`AnalyticsRepository.replaceZoneMinutes`): a retry
 * or re-run replaces the same zone-days with the same rows. Reads `DATABASE_URL`.
 *
 * Returns {@link MergeResult}.
 */
import {
  rejectedZoneDaySchema,
  resampleResultSchema,
  type MergeResult,
} from '../src/analytics/task-results.js';
import type { CleanCounts, ZoneMinuteSeries } from '../src/analytics/types.js';
import type { AnalysedZoneDay } from '../src/db/analytics-records.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { readJsonFile, readNdjsonFile, RunFileError } from '../src/task-sdk/run-files.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

void runTask(merge, { preload: () => import('kysely') });

async function merge(ctx: TaskRuntimeContext): Promise<MergeResult> {
  const resampled = ctx.xcom('resample', resampleResultSchema);
  const analysed: AnalysedZoneDay[] = [];
  let line = 0;
  for await (const value of readNdjsonFile(ctx.runPath(resampled.seriesFile), resampled.seriesFile)) {
    line++;
    const v = value as { series?: ZoneMinuteSeries; timeZone?: string; counts?: CleanCounts };
    if (v.series === undefined || v.timeZone === undefined || v.counts === undefined)
      throw new RunFileError(resampled.seriesFile, `line ${line}: expected { series, timeZone, counts }`);
    analysed.push({ series: v.series, timeZone: v.timeZone, counts: v.counts });
  }
  const parsed = rejectedZoneDaySchema
    .array()
    .safeParse(await readJsonFile(ctx.runPath(resampled.rejectedFile), resampled.rejectedFile));
  if (!parsed.success)
    throw new RunFileError(
      resampled.rejectedFile,
      `not a list of rejected zone-days: ${parsed.error.message}`,
    );

  const { openAnalyticsStore } = await import('../src/db/analytics-repository.js');
  const { repository, close } = openAnalyticsStore(
    ctx.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    'heatflow-task-merge',
  );
  try {
    const r = await repository.replaceZoneMinutes(analysed, parsed.data, {
      dagRunId: ctx.runId,
      at: ctx.logicalDate,
    });
    const rowsPerSecond =
      r.elapsedMs > 0 ? Math.round((r.minutesWritten / r.elapsedMs) * 1000) : r.minutesWritten;
    ctx.log.info({ ...r, rowsPerSecond }, 'merge done');
    return {
      minutesWritten: r.minutesWritten,
      minutesDeleted: r.minutesDeleted,
      analysed: r.analysed,
      rejected: r.rejected,
      writeMs: Math.round(r.elapsedMs),
      rowsPerSecond,
    };
  } finally {
    await close();
  }
}
