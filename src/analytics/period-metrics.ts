/**
 * Monthly and yearly heating metrics per scope (a zone, or the whole home) from day metrics
 * (`PeriodMetrics`): days, heating hours (Σ heating minutes / 60), HDD (Σ of the days' HDD),
 * heating hours per HDD (over the days that have an HDD, so both sums cover the same days; null
 * when their ΣHDD is 0), and the mean indoor temperature while heating (the days' means weighted
 * by their heating minutes with a valid indoor value). Months and years are those of the local
 * dates.
 */
import { HeatflowError } from '../core/errors.js';
import type { HomeDayMetrics, PeriodMetrics, ZoneDayMetrics } from './types.js';

/** What a period row is built from: a zone-day's or a home-day's metrics. */
export type PeriodDay = ZoneDayMetrics | HomeDayMetrics;

interface Totals {
  homeId: number;
  zoneId: number | null;
  year: number;
  month: number | null;
  days: number;
  heatingMinutes: number;
  hdd: number;
  hddDays: number;
  heatingMinutesOnHddDays: number;
  heatingInsideSum: number;
  heatingMinutesWithInside: number;
}

const zoneOf = (d: PeriodDay): number | null => ('zoneId' in d ? d.zoneId : null);

function add(t: Totals, d: PeriodDay): void {
  t.days++;
  t.heatingMinutes += d.heatingMinutes;
  if (d.hdd !== null) {
    t.hdd += d.hdd;
    t.hddDays++;
    t.heatingMinutesOnHddDays += d.heatingMinutes;
  }
  if (d.insideMeanHeatingC !== null && d.heatingMinutesWithInside > 0) {
    t.heatingInsideSum += d.insideMeanHeatingC * d.heatingMinutesWithInside;
    t.heatingMinutesWithInside += d.heatingMinutesWithInside;
  }
}

function toRow(t: Totals): PeriodMetrics {
  return {
    homeId: t.homeId,
    zoneId: t.zoneId,
    year: t.year,
    month: t.month,
    days: t.days,
    heatingHours: t.heatingMinutes / 60,
    hdd: t.hddDays === 0 ? null : t.hdd,
    heatingHoursPerHdd: t.hddDays === 0 || t.hdd === 0 ? null : t.heatingMinutesOnHddDays / 60 / t.hdd,
    insideMeanHeatingC:
      t.heatingMinutesWithInside === 0 ? null : t.heatingInsideSum / t.heatingMinutesWithInside,
  };
}

/**
 * The monthly and yearly rows of every scope in `days`, sorted by home, zone (home scope first),
 * year, then month with each year's row after its months.
 * @throws HeatflowError `INVALID_ARGUMENT` when a scope has the same date twice or a date is not `YYYY-MM-DD`
 */
export function periodMetrics(days: readonly PeriodDay[]): PeriodMetrics[] {
  const sorted = [...days].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const groups = new Map<string, Totals>();
  const seen = new Set<string>();
  for (const d of sorted) {
    const zoneId = zoneOf(d);
    const match = /^(\d{4})-(\d{2})-\d{2}$/.exec(d.date);
    if (match === null)
      throw new HeatflowError('INVALID_ARGUMENT', `day metrics with date "${d.date}" (expected YYYY-MM-DD)`);
    const dayKey = `${d.homeId}/${zoneId ?? 'home'}/${d.date}`;
    if (seen.has(dayKey)) {
      throw new HeatflowError(
        'INVALID_ARGUMENT',
        `home ${d.homeId} zone ${zoneId ?? '(home)'} ${d.date}: day metrics given twice`,
      );
    }
    seen.add(dayKey);
    const year = Number(match[1]);
    const month = Number(match[2]);
    for (const m of [month, null]) {
      const key = `${d.homeId}/${zoneId ?? 'home'}/${year}/${m ?? 'year'}`;
      let t = groups.get(key);
      if (t === undefined) {
        t = {
          homeId: d.homeId,
          zoneId,
          year,
          month: m,
          days: 0,
          heatingMinutes: 0,
          hdd: 0,
          hddDays: 0,
          heatingMinutesOnHddDays: 0,
          heatingInsideSum: 0,
          heatingMinutesWithInside: 0,
        };
        groups.set(key, t);
      }
      add(t, d);
    }
  }
  const rows = [...groups.values()].map(toRow);
  // zone ids are ≥ 0 (tado's hot-water zone is 0): the home scope sorts first as −1
  const order = (r: PeriodMetrics): number[] => [r.homeId, r.zoneId ?? -1, r.year, r.month ?? 13];
  return rows.sort((a, b) => {
    const x = order(a);
    const y = order(b);
    for (let i = 0; i < x.length; i++) {
      const d = (x[i] ?? 0) - (y[i] ?? 0);
      if (d !== 0) return d;
    }
    return 0;
  });
}
