/**
 * Pure builders of the dashboard's models from what the reads return: the verdict sentence, the
 * signature points, the days with their unusual reasons, the zone-day's metrics and spans.
 */
import type { PeriodMetrics, UnusualDay, ZoneDayMetrics } from '../../analytics/types.js';
import type { NamedUnusualDay, StoredScopeFit } from '../../db/analytics-records.js';
import type { ScopeDay } from '../../db/heating-read.js';
import { offlineSpans } from '../charts/day-chart.js';
import type {
  DayFigures,
  PeriodFigures,
  SignatureFitModel,
  SignatureModel,
  UnusualDayItem,
} from './heating-models.js';

/** A period row as shown. */
export function periodFiguresOf(p: PeriodMetrics, zoneName: string | null): PeriodFigures {
  return {
    zoneId: p.zoneId,
    zoneName,
    month: p.month,
    days: p.days,
    heatingHours: p.heatingHours,
    hdd: p.hdd,
    heatingHoursPerHdd: p.heatingHoursPerHdd,
    insideMeanHeatingC: p.insideMeanHeatingC,
  };
}

/** A stored fit as shown. */
export function fitModelOf(f: StoredScopeFit): SignatureFitModel {
  return {
    ...f.fit,
    periodStart: f.periodStart,
    periodEnd: f.periodEnd,
    ...(f.sufficiency === null ? {} : { sufficiency: f.sufficiency }),
  };
}

const fmt = (v: number | null, digits: number): string => (v === null ? '–' : v.toFixed(digits));

/** The plain answer to "is heating weather-dependent?", with the figures that support it. */
export function verdictOf(fit: SignatureFitModel | null): string {
  if (fit === null) return 'Not fitted: no energy signature is stored for this scope and year.';
  const partial = fit.sufficiency?.sufficient === false ? ` Partial year: ${fit.sufficiency.reason}.` : '';
  return verdictText(fit) + partial;
}

function verdictText(fit: SignatureFitModel): string {
  if (fit.weatherDependent)
    return `Yes: heating is weather-dependent. Below a balance temperature of ${fmt(fit.balanceTemperatureC, 1)} °C it runs ${fmt(fit.slopeHoursPerC, 2)} h longer a day per °C colder (adjusted R² ${fit.adjustedR2.toFixed(2)}, ${fit.n} days).`;
  return `No: the days do not show heating that depends on the outdoor temperature (${fit.decision}).`;
}

/** The signature's points: days with an outdoor mean, heating hours = minutes / 60. */
export function signatureOf(days: readonly ScopeDay[], fit: SignatureFitModel | null): SignatureModel {
  return {
    points: days.flatMap((d) =>
      d.outsideMeanC === null
        ? []
        : [{ date: d.date, outsideMeanC: d.outsideMeanC, heatingHours: d.heatingMinutes / 60 }],
    ),
    fit,
    verdict: verdictOf(fit),
  };
}

/** An unusual day as listed. */
export function unusualItemOf(d: UnusualDay, zoneName: string | null): UnusualDayItem {
  return {
    date: d.date,
    zoneId: d.zoneId,
    zoneName,
    reason: d.reason,
    description: d.description,
    figures: d.figures,
  };
}

/** Unusual days of named scopes. */
export const unusualItemsOf = (days: readonly NamedUnusualDay[]): UnusualDayItem[] =>
  days.map((d) => unusualItemOf(d, d.zoneName));

/** The days of a scope with the reasons each is unusual (from `unusual`, any scope given). */
export function dayFiguresOf(days: readonly ScopeDay[], unusual: readonly UnusualDayItem[]): DayFigures[] {
  const reasons = new Map<string, Set<UnusualDayItem['reason']>>();
  for (const u of unusual) {
    const set = reasons.get(u.date) ?? new Set();
    set.add(u.reason);
    reasons.set(u.date, set);
  }
  return days.map((d) => ({
    date: d.date,
    heatingHours: d.heatingMinutes / 60,
    outsideMeanC: d.outsideMeanC,
    hdd: d.hdd,
    insideMeanC: d.insideMeanC,
    setpointMeanHeatingC: d.setpointMeanHeatingC,
    coverageFraction: d.coverageFraction,
    unusualReasons: [...(reasons.get(d.date) ?? [])].sort(),
  }));
}

/** The metrics of a zone-day by name (units in the names), `maxDrop1hAt` as ISO 8601. */
export function metricsRecordOf(m: ZoneDayMetrics): Record<string, number | string | null> {
  const { homeId: _h, zoneId: _z, date: _d, maxDrop1hAtMs, ...rest } = m;
  return { ...rest, maxDrop1hAt: maxDrop1hAtMs === null ? null : new Date(maxDrop1hAtMs).toISOString() };
}

/** Offline spans and the count of cleaned minutes of a series. */
export function spansOf(connected: readonly (boolean | null)[], cleaned: readonly boolean[]) {
  return { offlineSpans: offlineSpans(connected), cleanedMinutes: cleaned.filter((c) => c).length };
}
