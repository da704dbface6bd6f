/**
 * heating_analytics › clean: the zone-days to analyse (the dates of `HEATING_ANALYTICS_DATES`, for
 * every HEATING zone existing on them, plus with `HEATING_ANALYTICS_INCLUDE_UNANALYSED=true` every
 * loaded zone-day not analysed yet, and the loaded days next to the named ones, whose first or last
 * minutes interpolate with a named day's readings) read from schema `tado`; each checked for missing or half-loaded
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
import { DateSetError, expandDateSet } from '../src/analytics/date-set.js';
import { CLEAN_DIR, REJECTED_LISTED, type CleanResult } from '../src/analytics/task-results.js';
import type { CleanRule, CleanedZoneDay, ZoneDayInput } from '../src/analytics/types.js';
import { FailTask, runTask, type TaskRuntimeContext } from '../src/task-sdk/index.js';
import { writeJsonFile, writeNdjsonFile } from '../src/task-sdk/run-files.js';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/heatflow';

void runTask(clean, { preload: () => import('kysely') });

/** The dates next to `dates` (the day before and after each) that are not in `dates`. */
function neighbourDates(dates: readonly string[]): string[] {
  const day = 86_400_000;
  const named = new Set(dates);
  const out = new Set<string>();
  for (const d of dates) {
    const ms = Date.parse(`${d}T00:00:00Z`);
    for (const n of [ms - day, ms + day]) {
      const iso = new Date(n).toISOString().slice(0, 10);
      if (!named.has(iso)) out.add(iso);
    }
  }
  return [...out].sort();
}

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
    // a malformed date set stays malformed: fail without retries
    if (err instanceof DateSetError)
      throw new FailTask(`HEATING_ANALYTICS_DATES: ${err.message}`, { cause: err });
    throw err;
  }
  const includeUnanalysed = (ctx.env.HEATING_ANALYTICS_INCLUDE_UNANALYSED ?? 'true').toLowerCase() === 'true';

  // The Postgres client loads when the task runs (never into the startup snapshot).
  const { openAnalyticsStore } = await import('../src/db/analytics-repository.js');
  const { repository, close } = openAnalyticsStore(
    ctx.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    'heatflow-task-clean',
  );
  const readStart = performance.now();
  let inputs: ZoneDayInput[];
  const rejected: { homeId: number; zoneId: number; date: string; reason: string }[] = [];
  let unanalysedIncluded = 0;
  let neighboursIncluded = 0;
  let notLoaded: { homeId: number; date: string }[] = [];
  try {
    // A day's first and last minutes interpolate with the neighbouring days' readings (the
    // stored point at a midnight belongs to the day it starts), so loading a day changes the
    // edges of the days beside it: they are analysed again too, when they are loaded.
    const neighbours = neighbourDates(dates);
    const named = await repository.zoneDaysToAnalyse(dates, {});
    const around = await repository.zoneDaysToAnalyse([...dates, ...neighbours], { includeUnanalysed });
    const read = await repository.readZoneDayInputs(around);
    inputs = read.inputs;
    const namedKeys = new Set(named.map((r) => `${r.homeId}/${r.zoneId}/${r.date}`));
    // A date none of the home's zones has a report for was never loaded (a manual `dates` range
    // wider than the backfill, a future date): skipped, not a data fault. A date some zones have
    // and others lack was half loaded: the missing zone-days are rejected.
    const loadedDates = new Set(read.inputs.map((i) => `${i.homeId}/${i.date}`));
    const skipped = new Map<string, { homeId: number; date: string }>();
    for (const m of read.missing) {
      // a neighbour that is not loaded is simply not there; a named day that is not is an error
      if (!namedKeys.has(`${m.homeId}/${m.zoneId}/${m.date}`)) continue;
      if (loadedDates.has(`${m.homeId}/${m.date}`)) rejected.push(m);
      else skipped.set(`${m.homeId}/${m.date}`, { homeId: m.homeId, date: m.date });
    }
    notLoaded = [...skipped.values()].sort((a, b) => a.homeId - b.homeId || (a.date < b.date ? -1 : 1));
    if (notLoaded.length > 0)
      ctx.log.warn(
        { notLoaded: notLoaded.length, first: notLoaded[0]?.date, last: notLoaded.at(-1)?.date },
        'named dates with no day report stored for any zone (never loaded): skipped',
      );
    const isNeighbour = new Set(neighbours);
    neighboursIncluded = inputs.filter((i) => isNeighbour.has(i.date)).length;
    unanalysedIncluded = inputs.filter(
      (i) => !isNeighbour.has(i.date) && !namedKeys.has(`${i.homeId}/${i.zoneId}/${i.date}`),
    ).length;
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
    neighboursIncluded,
    notLoaded: notLoaded.slice(0, REJECTED_LISTED),
    notLoadedTotal: notLoaded.length,
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
