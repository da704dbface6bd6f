/**
 * The whole heating analysis in memory, from zone-day inputs to results: check → clean →
 * resample → zone-day metrics → home-day metrics → per scope and year: energy-signature fit,
 * monthly and yearly metrics, unusual days. The `heating_analytics` tasks run the same functions
 * one step at a time with the database between them; this chain serves tests, the simulator's
 * ground-truth test and benchmarks.
 *
 * A zone-day that is missing or half loaded (`findIncompleteness`) is rejected with its message
 * and left out; the others are analysed as if it were not there.
 */
import type { ChangePointOptions } from './change-point.js';
import type { DataSufficiency } from './data-sufficiency.js';
import { findIncompleteness } from './check-zone-day.js';
import { cleanZoneDay } from './clean-zone-day.js';
import { homeDayMetrics } from './home-day-metrics.js';
import { periodMetrics } from './period-metrics.js';
import { resampleZoneDay } from './resample-zone-day.js';
import { fitScopeYear } from './scope-year-fit.js';
import type {
  ChangePointFit,
  CleanCounts,
  HomeDayMetrics,
  PeriodMetrics,
  UnusualDay,
  ZoneDayInput,
  ZoneDayMetrics,
  ZoneMinuteSeries,
} from './types.js';
import { findUnusualDays } from './unusual-days.js';
import { zoneDayMetrics } from './zone-day-metrics.js';

/** Options of {@link analyseZoneDays}. */
export interface AnalyseOptions {
  /** keep each zone-day's minute series in the result (≈ 1,440 × 9 values a day); `@defaultValue` false */
  readonly keepSeries?: boolean;
  /** options of the change-point fits */
  readonly changePoint?: ChangePointOptions;
}

/** One analysed zone-day. */
export interface AnalysedZoneDay {
  readonly homeId: number;
  readonly zoneId: number;
  readonly date: string;
  readonly counts: CleanCounts;
  readonly metrics: ZoneDayMetrics;
  /** only with `keepSeries` */
  readonly series?: ZoneMinuteSeries;
}

/** A zone-day left out, and why. */
export interface RejectedZoneDay {
  readonly homeId: number;
  readonly zoneId: number;
  readonly date: string;
  /** {@link findIncompleteness}'s message */
  readonly reason: string;
}

/** The fit of one scope over one calendar year. */
export interface ScopeYearFit {
  readonly homeId: number;
  /** null: the whole home */
  readonly zoneId: number | null;
  readonly year: number;
  /** first and last date of the days fitted */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly fit: ChangePointFit;
  /** how much of the calendar year the fit saw (CalTRACK §2.2.1) */
  readonly sufficiency: DataSufficiency;
}

/** Everything the analysis gives. */
export interface HeatingAnalysis {
  readonly zoneDays: readonly AnalysedZoneDay[];
  readonly rejected: readonly RejectedZoneDay[];
  readonly homeDays: readonly HomeDayMetrics[];
  readonly fits: readonly ScopeYearFit[];
  readonly periods: readonly PeriodMetrics[];
  readonly unusualDays: readonly UnusualDay[];
}

/** Groups of one scope and year, in order (home, zone with the home scope first, year). */
function scopeYears<D extends ZoneDayMetrics | HomeDayMetrics>(
  days: readonly D[],
): { homeId: number; zoneId: number | null; year: number; days: D[] }[] {
  const groups = new Map<string, { homeId: number; zoneId: number | null; year: number; days: D[] }>();
  for (const d of days) {
    const zoneId = 'zoneId' in d ? d.zoneId : null;
    const year = Number(d.date.slice(0, 4));
    const key = `${d.homeId}/${zoneId ?? 'home'}/${year}`;
    let g = groups.get(key);
    if (g === undefined) groups.set(key, (g = { homeId: d.homeId, zoneId, year, days: [] }));
    g.days.push(d);
  }
  return [...groups.values()].sort(
    (a, b) => a.homeId - b.homeId || (a.zoneId ?? -1) - (b.zoneId ?? -1) || a.year - b.year,
  );
}

/**
 * Runs the analysis over `inputs` (rules in each step's file).
 * @throws ZoneDayError `ZONE_DAY_INVALID` when an input breaks its type's promises (see `cleanZoneDay`, `resampleZoneDay`)
 */
export function analyseZoneDays(
  inputs: readonly ZoneDayInput[],
  options: AnalyseOptions = {},
): HeatingAnalysis {
  const zoneDays: AnalysedZoneDay[] = [];
  const rejected: RejectedZoneDay[] = [];
  for (const input of inputs) {
    const key = { homeId: input.homeId, zoneId: input.zoneId, date: input.date };
    const reason = findIncompleteness(input);
    if (reason !== null) {
      rejected.push({ ...key, reason });
      continue;
    }
    const cleaned = cleanZoneDay(input);
    const series = resampleZoneDay(input, cleaned);
    const metrics = zoneDayMetrics(series);
    zoneDays.push(
      options.keepSeries === true
        ? { ...key, counts: cleaned.counts, metrics, series }
        : { ...key, counts: cleaned.counts, metrics },
    );
  }

  const byHomeDate = new Map<string, ZoneDayMetrics[]>();
  for (const z of zoneDays) {
    const k = `${z.homeId}/${z.date}`;
    const list = byHomeDate.get(k);
    if (list === undefined) byHomeDate.set(k, [z.metrics]);
    else list.push(z.metrics);
  }
  const homeDays = [...byHomeDate.values()]
    .map((list) => homeDayMetrics(list))
    .sort((a, b) => a.homeId - b.homeId || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const zoneMetrics = zoneDays
    .map((z) => z.metrics)
    .sort((a, b) => a.homeId - b.homeId || a.zoneId - b.zoneId || (a.date < b.date ? -1 : 1));

  const fits: ScopeYearFit[] = [];
  const unusualDays: UnusualDay[] = [];
  const fitGroup = (g: {
    homeId: number;
    zoneId: number | null;
    year: number;
    days: (ZoneDayMetrics | HomeDayMetrics)[];
  }): ChangePointFit | null => {
    const f = fitScopeYear(g.year, g.days, options.changePoint);
    if (f === null) return null;
    fits.push({ homeId: g.homeId, zoneId: g.zoneId, year: g.year, ...f });
    return f.fit;
  };
  for (const g of scopeYears(homeDays)) {
    const fit = fitGroup(g);
    if (fit !== null) unusualDays.push(...findUnusualDays({ days: g.days, fit }));
  }
  for (const g of scopeYears(zoneMetrics)) {
    const fit = fitGroup(g);
    if (fit !== null) unusualDays.push(...findUnusualDays({ days: g.days, fit }));
  }
  return {
    zoneDays,
    rejected,
    homeDays,
    fits,
    periods: periodMetrics([...homeDays, ...zoneMetrics]),
    unusualDays,
  };
}
