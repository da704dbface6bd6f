/**
 * heating_analytics › unusual_days: for each (home, year) the run touched, the days of each scope
 * (home, zones) that are unusual (`findUnusualDays`): a residual from the scope's fitted energy
 * signature with |modified z| > 3.5 (Iglewicz–Hoaglin), or a rule (heating over 2 h above T_b, no
 * heating on a cold day, over an hour far below setpoint, an open-window fall, low coverage), each
 * with its reason and figures. Replaces the year's `analytics.unusual_days` rows in one transaction
 * per (home, year). Reads `DATABASE_URL`.
 *
 * Returns {@link UnusualDaysResult}.
 */
import {
  storedYearFitSchema,
  weatherDependenceResultSchema,
  type StoredYearFit,
  type UnusualDaysResult,
} from '../src/analytics/task-results.js';
import type { UnusualDay, ZoneDayMetrics } from '../src/analytics/types.js';
import { findUnusualDays } from '../src/analytics/unusual-days.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { readJsonFile, RunFileError } from '../src/task-sdk/run-files.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

void runTask(unusualDays, { preload: () => import('kysely') });

async function unusualDays(ctx: TaskRuntimeContext): Promise<UnusualDaysResult> {
  const wd = ctx.xcom('weather_dependence', weatherDependenceResultSchema);
  const start = performance.now();
  const parsed = storedYearFitSchema
    .array()
    .safeParse(await readJsonFile(ctx.runPath(wd.fitsFile), wd.fitsFile));
  if (!parsed.success) throw new RunFileError(wd.fitsFile, `not a list of fits: ${parsed.error.message}`);
  const fits = parsed.data as unknown as StoredYearFit[];
  const { openAnalyticsStore } = await import('../src/db/analytics-repository.js');
  const { repository, close } = openAnalyticsStore(
    ctx.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    'heatflow-task-unusual-days',
  );
  const byReason: Record<string, number> = {};
  let total = 0;
  try {
    for (const { homeId, year } of wd.homeYears) {
      const { zoneDays, homeDays } = await repository.readYearDayMetrics(homeId, year);
      const found: UnusualDay[] = [];
      for (const f of fits.filter((x) => x.homeId === homeId && x.year === year)) {
        if (f.zoneId === null) found.push(...findUnusualDays({ days: homeDays, fit: f.fit }));
        else {
          const days: ZoneDayMetrics[] = zoneDays.filter((d) => d.zoneId === f.zoneId);
          found.push(...findUnusualDays({ days, fit: f.fit }));
        }
      }
      await repository.replaceUnusualDays(homeId, year, found, { dagRunId: ctx.runId, at: ctx.logicalDate });
      for (const u of found) byReason[u.reason] = (byReason[u.reason] ?? 0) + 1;
      total += found.length;
    }
  } finally {
    await close();
  }
  const workMs = Math.round(performance.now() - start);
  ctx.log.info({ unusualDays: total, byReason, workMs }, 'unusual days done');
  return { homeYears: wd.homeYears, unusualDays: total, byReason, workMs };
}
