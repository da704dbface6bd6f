/** One scope-year's energy-signature fit (src/analytics/scope-year-fit.ts). */
import { describe, expect, it } from 'vitest';
import { fitHeatingChangePoint } from '../../src/analytics/change-point.js';
import { fitScopeYear, signaturePoints } from '../../src/analytics/scope-year-fit.js';
import type { ZoneMinuteSeries } from '../../src/analytics/types.js';
import { zoneDayMetrics } from '../../src/analytics/zone-day-metrics.js';

/** A zone-day of `heatingMinutes` of demand and a constant outdoor °C (null: no outdoor value). */
function day(date: string, outside: number | null, heatingMinutes: number) {
  const n = 1440;
  const s: ZoneMinuteSeries = {
    homeId: 7,
    zoneId: 1,
    date,
    dayStartMs: Date.parse(`${date}T00:00:00Z`),
    minutes: n,
    insideC: Array<number>(n).fill(20),
    humidityFraction: Array<number>(n).fill(0.5),
    setpointC: Array<number>(n).fill(20),
    demandLevel: Array.from({ length: n }, (_, i) => (i < heatingMinutes ? 3 : 0)),
    powerOn: Array<boolean>(n).fill(true),
    outsideC: Array<number | null>(n).fill(outside),
    weatherState: Array<string>(n).fill('CLOUDY'),
    connected: Array<boolean>(n).fill(true),
    cleaned: Array<boolean>(n).fill(false),
  };
  return zoneDayMetrics(s);
}

describe('fitScopeYear', () => {
  // heating hours = 0.5 h/°C below 15 °C, none above: a clear change point
  const days = Array.from({ length: 40 }, (_, i) => {
    const t = -5 + i * 0.6;
    const date = new Date(Date.UTC(2022, 0, 1 + i)).toISOString().slice(0, 10);
    return day(date, t, Math.round(Math.max(0, 15 - t) * 0.5 * 60));
  });

  it('fits the days with an outdoor mean and judges sufficiency by distinct dates', () => {
    const withGap = [...days, day('2022-03-01', null, 600)];
    const f = fitScopeYear(2022, withGap);
    expect(f).not.toBeNull();
    expect(f?.periodStart).toBe('2022-01-01');
    expect(f?.periodEnd).toBe('2022-02-09'); // the day without an outdoor mean is not fitted
    expect(f?.fit).toEqual(fitHeatingChangePoint(signaturePoints(days)));
    expect(f?.sufficiency).toMatchObject({ daysInPeriod: 365, daysWithData: 40, sufficient: false });
  });

  it('signaturePoints gives heating hours (minutes / 60) against outdoor °C', () => {
    expect(signaturePoints([day('2022-01-05', 3, 90)])).toEqual([
      { date: '2022-01-05', outsideMeanC: 3, heatingHours: 1.5 },
    ]);
  });

  it('is null when no day has an outdoor mean', () => {
    expect(fitScopeYear(2022, [day('2022-01-05', null, 90)])).toBeNull();
    expect(fitScopeYear(2022, [])).toBeNull();
  });
});
