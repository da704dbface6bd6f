/**
 * The TypeScript resample engine: the product's own code, `resampleZoneDay`
 * (src/analytics/resample-zone-day.ts), over every zone-day of clean's output, as the resample
 * task runs it (tasks/resample.ts). Pure: no I/O.
 */
import { resampleZoneDay } from '../../src/analytics/resample-zone-day.js';
import type { ZoneMinuteSeries } from '../../src/analytics/types.js';
import type { AnalysedZoneDay } from '../../src/db/analytics-records.js';
import type { CleanedPair } from './inputs.js';

/** The series of every zone-day, in the pairs' order. */
export function resampleTs(pairs: readonly CleanedPair[]): ZoneMinuteSeries[] {
  return pairs.map((p) => resampleZoneDay(p.input, p.cleaned));
}

/** What the merge task hands the repository for the series. */
export function analysedZoneDays(
  pairs: readonly CleanedPair[],
  series: readonly ZoneMinuteSeries[],
): AnalysedZoneDay[] {
  return series.map((s, k) => {
    const p = pairs[k] as CleanedPair;
    return { series: s, timeZone: p.input.timeZone, counts: p.cleaned.counts };
  });
}
