/**
 * heating_analytics › daily_metrics: the metrics of each zone-day resample produced
 * (`zoneDayMetrics`: heating minutes, demand-weighted minutes, indoor mean/min/max, setpoint while
 * heating, comfort deficit, outdoor mean, HDD, heat-up rate, largest 1-hour fall, coverage) into
 * `analytics.zone_day_metrics`, clean's rejected zone-days' metrics removed, and the home-days of
 * every date touched recomputed from all their zones (`homeDayMetrics`) into
 * `analytics.home_day_metrics`, in one transaction. Reads `DATABASE_URL`.
 *
 * Returns {@link DailyMetricsResult}.
 */
import { homeDayMetrics } from '../src/analytics/home-day-metrics.js';
import {
  rejectedZoneDaySchema,
  resampleResultSchema,
  type DailyMetricsResult,
} from '../src/analytics/task-results.js';
import type { ZoneDayMetrics, ZoneMinuteSeries } from '../src/analytics/types.js';
import { zoneDayMetrics } from '../src/analytics/zone-day-metrics.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { readJsonFile, readNdjsonFile, RunFileError } from '../src/task-sdk/run-files.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

void runTask(dailyMetrics, { preload: () => import('kysely') });

async function dailyMetrics(ctx: TaskRuntimeContext): Promise<DailyMetricsResult> {
  const resampled = ctx.xcom('resample', resampleResultSchema);
  const start = performance.now();
  const metrics: ZoneDayMetrics[] = [];
  let line = 0;
  for await (const value of readNdjsonFile(ctx.runPath(resampled.seriesFile), resampled.seriesFile)) {
    line++;
    const series = (value as { series?: ZoneMinuteSeries }).series;
    if (series === undefined)
      throw new RunFileError(resampled.seriesFile, `line ${line}: expected { series }`);
    metrics.push(zoneDayMetrics(series));
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
    'heatflow-task-daily-metrics',
  );
  try {
    const r = await repository.replaceDayMetrics(metrics, parsed.data, homeDayMetrics, {
      dagRunId: ctx.runId,
      at: ctx.logicalDate,
    });
    const workMs = Math.round(performance.now() - start);
    ctx.log.info({ ...r, workMs }, 'daily metrics done');
    return {
      zoneDays: r.zoneDaysWritten,
      homeDays: r.homeDaysWritten,
      rejected: parsed.data.length,
      homeYears: resampled.homeYears,
      workMs,
    };
  } finally {
    await close();
  }
}
