/**
 * heating_analytics › clean: the zone-days to analyse (the dates of `HEATING_ANALYTICS_DATES`, for
 * every HEATING zone existing on them, plus with `HEATING_ANALYTICS_INCLUDE_UNANALYSED=true` every
 * loaded zone-day not analysed yet) read from schema `tado`; each checked for missing or half-loaded
 * tables (set aside as a whole, with the reason naming zone, date and table) and cleaned: readings
 * of placeholder days, device-disconnected spans, impossible values and Hampel spikes set aside,
 * counted per rule (docs/analytics.md). Reads `DATABASE_URL`.
 *
 * Writes `clean/zone-days.ndjson` (one `{ input, cleaned }` per zone-day) and
 * `clean/rejected.json`; returns {@link CleanResult}.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { findIncompleteness } from '../src/analytics/check-zone-day.js';
import { cleanZoneDay } from '../src/analytics/clean-zone-day.js';
import { expandDateSet } from '../src/analytics/date-set.js';
import { CLEAN_DIR, REJECTED_LISTED, type CleanResult } from '../src/analytics/task-results.js';
import type { CleanRule, CleanedZoneDay, ZoneDayInput } from '../src/analytics/types.js';
import { runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { writeJsonFile, writeNdjsonFile } from '../src/task-sdk/run-files.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

void runTask(clean, { preload: () => import('kysely') });

const zeroCounts = (): Record<CleanRule, number> => ({
  placeholder: 0,
  disconnected: 0,
  out_of_range: 0,
  spike: 0,
});

async function clean(ctx: TaskRuntimeContext): Promise<CleanResult> {
  const datesText = ctx.env.HEATING_ANALYTICS_DATES ?? '';
  let dates: string[];
  try {
    dates = expandDateSet(datesText);
  } catch (err) {
    throw new Error(`HEATING_ANALYTICS_DATES: ${(err as Error).message}`, { cause: err });
  }
  const includeUnanalysed = (ctx.env.HEATING_ANALYTICS_INCLUDE_UNANALYSED ?? 'true').toLowerCase() === 'true';

  // The Postgres client loads when the task runs (never into the startup snapshot).
  const { openAnalyticsStore } = await import('../src/db/analytics-repository.js');
  const { repository, close } = openAnalyticsStore(ctx.env.DATABASE_URL || DEFAULT_DATABASE_URL, {
    applicationName: 'heatflow-task-clean',
  });
  const readStart = performance.now();
  let inputs: ZoneDayInput[];
  const rejected: { homeId: number; zoneId: number; date: string; reason: string }[] = [];
  let unanalysedIncluded = 0;
  try {
    const named = await repository.zoneDaysToAnalyse(dates, {});
    const refs = includeUnanalysed ? await repository.zoneDaysToAnalyse(dates, { includeUnanalysed }) : named;
    unanalysedIncluded = refs.length - named.length;
    const read = await repository.readZoneDayInputs(refs);
    inputs = read.inputs;
    for (const m of read.missing) rejected.push(m);
  } finally {
    await close();
  }
  const readMs = Math.round(performance.now() - readStart);

  const workStart = performance.now();
  const removed = { temperature: zeroCounts(), humidity: zeroCounts() };
  let readings = 0;
  const kept: { input: ZoneDayInput; cleaned: CleanedZoneDay }[] = [];
  for (const input of inputs) {
    const reason = findIncompleteness(input);
    if (reason !== null) {
      rejected.push({ homeId: input.homeId, zoneId: input.zoneId, date: input.date, reason });
      continue;
    }
    const cleaned = cleanZoneDay(input);
    readings += cleaned.counts.readings;
    for (const rule of Object.keys(removed.temperature) as CleanRule[]) {
      removed.temperature[rule] += cleaned.counts.temperature[rule];
      removed.humidity[rule] += cleaned.counts.humidity[rule];
    }
    kept.push({ input, cleaned });
  }
  rejected.sort(
    (a, b) => a.homeId - b.homeId || (a.date < b.date ? -1 : a.date > b.date ? 1 : a.zoneId - b.zoneId),
  );
  for (const r of rejected)
    ctx.log.warn({ zoneId: r.zoneId, date: r.date, reason: r.reason }, 'zone-day set aside');

  await mkdir(ctx.runPath(CLEAN_DIR), { recursive: true });
  const zoneDaysFile = path.posix.join(CLEAN_DIR, 'zone-days.ndjson');
  const rejectedFile = path.posix.join(CLEAN_DIR, 'rejected.json');
  await writeNdjsonFile(ctx.runPath(zoneDaysFile), kept);
  await writeJsonFile(ctx.runPath(rejectedFile), rejected);
  const homeYears = new Map<string, { homeId: number; year: number }>();
  for (const d of [...kept.map((k) => k.input), ...rejected]) {
    const year = Number(d.date.slice(0, 4));
    homeYears.set(`${d.homeId}/${year}`, { homeId: d.homeId, year });
  }
  const workMs = Math.round(performance.now() - workStart);
  const result: CleanResult = {
    dates: datesText,
    zoneDays: kept.length,
    unanalysedIncluded,
    zoneDaysFile,
    rejectedFile,
    rejectedTotal: rejected.length,
    rejected: rejected.slice(0, REJECTED_LISTED),
    readings,
    removed,
    homeYears: [...homeYears.values()].sort((a, b) => a.homeId - b.homeId || a.year - b.year),
    readMs,
    workMs,
  };
  ctx.log.info(
    {
      zoneDays: kept.length,
      rejected: rejected.length,
      unanalysedIncluded,
      readings,
      removed,
      readMs,
      workMs,
    },
    'clean done',
  );
  return result;
}
