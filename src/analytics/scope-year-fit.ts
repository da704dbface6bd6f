/**
 * The energy-signature fit of one scope (a zone, or the whole home) over one calendar year: the
 * days' heating hours against their mean outdoor °C, fitted with the 3-parameter heating
 * change-point model (`fitHeatingChangePoint`: CalTRACK daily methods §3.4, ASHRAE Guideline 14),
 * with the year's data sufficiency (CalTRACK §2.2.1). One place for what the in-memory analysis
 * (`analyseZoneDays`) and the `weather_dependence` task both compute.
 */
import { fitHeatingChangePoint, type ChangePointOptions } from './change-point.js';
import { yearDataSufficiency, type DataSufficiency } from './data-sufficiency.js';
import type { ChangePointFit, HomeDayMetrics, SignaturePoint, ZoneDayMetrics } from './types.js';

/** A scope-year's fit: the period its days cover, the model and the year's sufficiency. */
export interface YearFit {
  /** first and last local date of the days fitted, `YYYY-MM-DD` */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly fit: ChangePointFit;
  /** how much of the calendar year the fit saw (CalTRACK §2.2.1) */
  readonly sufficiency: DataSufficiency;
}

/**
 * The energy-signature points of day metrics: heating hours (minutes / 60) against mean outdoor
 * °C, in the days' order; days without an outdoor mean are left out.
 */
export function signaturePoints(days: readonly (ZoneDayMetrics | HomeDayMetrics)[]): SignaturePoint[] {
  const points: SignaturePoint[] = [];
  for (const d of days) {
    if (d.outsideMeanC !== null) {
      points.push({ date: d.date, outsideMeanC: d.outsideMeanC, heatingHours: d.heatingMinutes / 60 });
    }
  }
  return points;
}

/**
 * Fits one scope's days of `year` (days in date order, all of one scope and year).
 * @param year - the calendar year the days belong to (the sufficiency is judged against its length)
 * @param options - the change-point search's options; `@defaultValue` the model's defaults
 * @returns the fit, or null when no day has an outdoor mean (nothing to fit)
 */
export function fitScopeYear(
  year: number,
  days: readonly (ZoneDayMetrics | HomeDayMetrics)[],
  options?: ChangePointOptions,
): YearFit | null {
  const points = signaturePoints(days);
  const first = points[0];
  const last = points.at(-1);
  if (first === undefined || last === undefined) return null;
  return {
    periodStart: first.date,
    periodEnd: last.date,
    fit: fitHeatingChangePoint(points, options),
    sufficiency: yearDataSufficiency(year, new Set(points.map((p) => p.date)).size),
  };
}
