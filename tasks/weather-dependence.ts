/**
 * heating_analytics › weather_dependence: for each (home, calendar year) the run touched, the
 * energy signature of the home and of each zone — daily heating hours against mean outdoor °C,
 * fitted with the 3-parameter heating change-point model (`fitHeatingChangePoint`: CalTRACK daily
 * methods §3.4, ASHRAE Guideline 14) — with the answer to "is heating weather-dependent?", and the
 * monthly and yearly figures (`periodMetrics`), from all of the year's day metrics now stored.
 * Replaces the year's `analytics.weather_dependence`, `monthly_metrics` and `yearly_metrics` rows
 * in one transaction per (home, year). Reads `DATABASE_URL`.
 *
 * Writes `weather-dependence/fits.json` (the full fits, which unusual_days judges days by);
 * returns {@link WeatherDependenceResult}.
 */
import { mkdir } from 'node:fs/promises';
import { periodMetrics } from '../src/analytics/period-metrics.js';
import { fitScopeYear } from '../src/analytics/scope-year-fit.js';
import {
  dailyMetricsResultSchema,
  WEATHER_DEPENDENCE_FITS_FILE,
  type StoredYearFit,
  type WeatherDependenceResult,
} from '../src/analytics/task-results.js';
import type { HomeDayMetrics, ZoneDayMetrics } from '../src/analytics/types.js';
import type { ScopeFit } from '../src/db/analytics-records.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { writeJsonFile } from '../src/task-sdk/run-files.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

void runTask(weatherDependence, { preload: () => import('kysely') });

/** The fit of one scope's days, or null when none has an outdoor mean. */
function fitScope(
  zoneId: number | null,
  year: number,
  days: readonly (ZoneDayMetrics | HomeDayMetrics)[],
): ScopeFit | null {
  const f = fitScopeYear(year, days);
  return f === null ? null : { zoneId, ...f };
}

async function weatherDependence(ctx: TaskRuntimeContext): Promise<WeatherDependenceResult> {
  const daily = ctx.xcom('daily_metrics', dailyMetricsResultSchema);
  const start = performance.now();
  const { openAnalyticsStore } = await import('../src/db/analytics-repository.js');
  const { repository, close } = openAnalyticsStore(
    ctx.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    'heatflow-task-weather-dependence',
  );
  const stored: StoredYearFit[] = [];
  let periodRows = 0;
  try {
    for (const { homeId, year } of daily.homeYears) {
      const { zoneDays, homeDays } = await repository.readYearDayMetrics(homeId, year);
      const fits: ScopeFit[] = [];
      const home = fitScope(null, year, homeDays);
      if (home !== null) fits.push(home);
      const byZone = new Map<number, ZoneDayMetrics[]>();
      for (const d of zoneDays) byZone.set(d.zoneId, [...(byZone.get(d.zoneId) ?? []), d]);
      for (const [zoneId, days] of [...byZone].sort((a, b) => a[0] - b[0])) {
        const f = fitScope(zoneId, year, days);
        if (f !== null) fits.push(f);
      }
      const periods = periodMetrics([...homeDays, ...zoneDays]).filter((p) => p.year === year);
      periodRows += periods.length;
      await repository.replaceYearResults(
        homeId,
        year,
        { fits, periods },
        { dagRunId: ctx.runId, at: ctx.logicalDate },
      );
      for (const f of fits) {
        stored.push({ homeId, year, ...f });
        ctx.log.info(
          {
            homeId,
            zoneId: f.zoneId,
            year,
            model: f.fit.model,
            decision: f.fit.decision,
            dataSufficient: f.sufficiency?.sufficient,
          },
          f.fit.weatherDependent ? 'weather-dependent' : 'not weather-dependent',
        );
      }
    }
  } finally {
    await close();
  }
  await mkdir(ctx.runPath('weather-dependence'), { recursive: true });
  await writeJsonFile(ctx.runPath(WEATHER_DEPENDENCE_FITS_FILE), stored);
  const workMs = Math.round(performance.now() - start);
  return {
    homeYears: daily.homeYears,
    fitsFile: WEATHER_DEPENDENCE_FITS_FILE,
    fits: stored.map((s) => ({
      homeId: s.homeId,
      zoneId: s.zoneId,
      year: s.year,
      model: s.fit.model,
      balanceTemperatureC: s.fit.balanceTemperatureC,
      slopeHoursPerC: s.fit.slopeHoursPerC,
      interceptHours: s.fit.interceptHours,
      adjustedR2: s.fit.adjustedR2,
      n: s.fit.n,
      weatherDependent: s.fit.weatherDependent,
    })),
    periodRows,
    workMs,
  };
}
