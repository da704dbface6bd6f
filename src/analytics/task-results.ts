/**
 * The return values (XComs) of the heating_analytics tasks, as zod schemas: each task validates its
 * upstream's value with them (`ctx.xcom('clean', cleanResultSchema)`), so a mismatch names the task
 * and the JSON path. Files are relative to the run folder (`HEATFLOW_RUN_DIR`). Every value stays
 * small (XComs are capped at 48 KiB): the zone-days themselves travel in NDJSON files.
 */
import { z } from 'zod';
import type { ChangePointFit } from './types.js';

/** Where clean writes, relative to the run folder. */
export const CLEAN_DIR = 'clean';
/** Where resample writes, relative to the run folder. */
export const RESAMPLE_DIR = 'resample';
/** At most this many rejected zone-days are listed in an XCom (all are in clean's file). */
export const REJECTED_LISTED = 25;

const count = z.number().int().min(0);
const ruleCounts = z.object({ placeholder: count, disconnected: count, out_of_range: count, spike: count });

/** A zone-day set aside as a whole, and why (`zone 3 (Kitchen) 2022-03-04: …`). */
export const rejectedZoneDaySchema = z.object({
  homeId: z.number().int(),
  zoneId: z.number().int(),
  date: z.string(),
  reason: z.string(),
});

/** A (home, calendar year) the run touched: what weather_dependence and unusual_days recompute. */
export const homeYearSchema = z.object({ homeId: z.number().int(), year: z.number().int() });

/** clean's return value. */
export const cleanResultSchema = z.object({
  /** the date set the run was asked for (triggering events and the `dates` param) */
  dates: z.string(),
  /** zone-days analysed (not rejected), and how many of them were not analysed before */
  zoneDays: count,
  unanalysedIncluded: count,
  /** loaded zone-days next to a named date, analysed again (their edges interpolate across midnight) */
  neighboursIncluded: count,
  /**
   * named dates on which no zone of the home has a stored day report (never loaded: e.g. a manual
   * `dates` range wider than the backfill), skipped rather than rejected; the first few and the total
   */
  notLoaded: z.array(z.object({ homeId: z.number().int(), date: z.string() })),
  notLoadedTotal: count,
  /** NDJSON, one line per zone-day: `{ input, cleaned }` (see tasks/clean.ts) */
  zoneDaysFile: z.string(),
  /** JSON array of every rejected zone-day */
  rejectedFile: z.string(),
  rejectedTotal: count,
  /** the first {@link REJECTED_LISTED} */
  rejected: z.array(rejectedZoneDaySchema),
  /** values set aside per rule over the zone-days' own readings */
  readings: count,
  removed: z.object({ temperature: ruleCounts, humidity: ruleCounts }),
  homeYears: z.array(homeYearSchema),
  readMs: count,
  workMs: count,
});
export type CleanResult = z.output<typeof cleanResultSchema>;

/** resample's return value (passes on what merge needs of clean's). */
export const resampleResultSchema = z.object({
  zoneDays: count,
  minutes: count,
  /** NDJSON, one line per zone-day: `{ series, timeZone, counts }` */
  seriesFile: z.string(),
  rejectedFile: z.string(),
  rejectedTotal: count,
  homeYears: z.array(homeYearSchema),
  workMs: count,
});
export type ResampleResult = z.output<typeof resampleResultSchema>;

/** merge's return value. */
export const mergeResultSchema = z.object({
  minutesWritten: count,
  minutesDeleted: count,
  analysed: count,
  rejected: count,
  writeMs: count,
  rowsPerSecond: count,
});
export type MergeResult = z.output<typeof mergeResultSchema>;

/** daily_metrics' return value. */
export const dailyMetricsResultSchema = z.object({
  zoneDays: count,
  homeDays: count,
  rejected: count,
  homeYears: z.array(homeYearSchema),
  workMs: count,
});
export type DailyMetricsResult = z.output<typeof dailyMetricsResultSchema>;

/** The fit of one scope, as weather_dependence reports it. */
export const fitSummarySchema = z.object({
  homeId: z.number().int(),
  zoneId: z.number().int().nullable(),
  year: z.number().int(),
  model: z.enum(['heating_change_point', 'intercept_only']),
  balanceTemperatureC: z.number().nullable(),
  slopeHoursPerC: z.number().nullable(),
  interceptHours: z.number(),
  adjustedR2: z.number(),
  n: count,
  weatherDependent: z.boolean(),
});

/** Where weather_dependence writes the full fits, relative to the run folder. */
export const WEATHER_DEPENDENCE_FITS_FILE = 'weather-dependence/fits.json';

/** One fit in {@link WEATHER_DEPENDENCE_FITS_FILE}: a scope (zone, or home: null) of a home's year. */
export interface StoredYearFit {
  readonly homeId: number;
  readonly year: number;
  readonly zoneId: number | null;
  /** first and last local date fitted */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly fit: ChangePointFit;
}

/** The shape of {@link StoredYearFit} as read back (the fit's fields that judging days needs). */
export const storedYearFitSchema = z.object({
  homeId: z.number().int(),
  year: z.number().int(),
  zoneId: z.number().int().nullable(),
  periodStart: z.string(),
  periodEnd: z.string(),
  fit: z.looseObject({
    model: z.enum(['heating_change_point', 'intercept_only']),
    balanceTemperatureC: z.number().nullable(),
    slopeHoursPerC: z.number().nullable(),
    interceptHours: z.number(),
    weatherDependent: z.boolean(),
  }),
});

/** weather_dependence's return value. */
export const weatherDependenceResultSchema = z.object({
  homeYears: z.array(homeYearSchema),
  /** every fit in full ({@link StoredYearFit}[]) */
  fitsFile: z.string(),
  fits: z.array(fitSummarySchema),
  periodRows: count,
  workMs: count,
});
export type WeatherDependenceResult = z.output<typeof weatherDependenceResultSchema>;

/** unusual_days' return value. */
export const unusualDaysResultSchema = z.object({
  homeYears: z.array(homeYearSchema),
  unusualDays: count,
  /** by reason */
  byReason: z.record(z.string(), count),
  workMs: count,
});
export type UnusualDaysResult = z.output<typeof unusualDaysResultSchema>;
