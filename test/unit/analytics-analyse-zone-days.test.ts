import { beforeAll, describe, expect, it } from 'vitest';
import { analyseZoneDays } from '../../src/analytics/analyse-zone-days.js';
import { ZoneDayError } from '../../src/analytics/errors.js';
import type { DemandLevel, ZoneDayInput } from '../../src/analytics/types.js';
import { zoneDayInputsFromRows } from '../../src/analytics/zone-day-inputs.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import type { DayReportRows } from '../../src/etl/warehouse-rows.js';
import { allDay, LONDON, syntheticDay } from '../helpers/analytics-inputs.js';
import { buildReport } from '../helpers/tado-fixtures.js';

let join: InteriorJoin;
beforeAll(async () => {
  join = danfoInteriorJoin(await importDanfo());
});

const flatten = (date: string, zoneId = 1): DayReportRows =>
  flattenDayReport(buildReport(date, LONDON), { homeId: 7, zoneId, date, timeZone: LONDON }, join);
const ZONES = [
  { homeId: 7, zoneId: 1, name: 'Living room' },
  { homeId: 7, zoneId: 2, name: 'Bedroom' },
];

describe('zoneDayInputsFromRows', () => {
  it('takes the margins from the neighbouring reports, each timestamp once, the day’s own report winning', () => {
    const [before, day, after] = ['2022-01-11', '2022-01-12', '2022-01-13'].map((d) => flatten(d));
    const inputs = zoneDayInputsFromRows([before!, day!, after!], ZONES);
    expect(inputs.map((i) => i.date)).toEqual(['2022-01-11', '2022-01-12', '2022-01-13']);
    const input = inputs[1]!;
    const start = Date.parse('2022-01-12T00:00:00Z');
    expect([input.dayStartMs, input.dayEndMs]).toEqual([start, start + 86_400_000]);
    // 60-min margins on the 15-min grid: 23:00 the day before … 01:00 the day after, 105 points
    expect(input.readings).toHaveLength(105);
    expect(input.readings[0]?.tsMs).toBe(start - 3_600_000);
    expect(input.readings.at(-1)?.tsMs).toBe(start + 86_400_000 + 3_600_000);
    // 23:45 on the 11th is in both reports: the 11th's (whose day holds it) wins
    const ts = '2022-01-11T23:45:00.000Z';
    const fromBefore = before!.interior.find((r) => r.ts === ts);
    const fromDay = day!.interior.find((r) => r.ts === ts);
    expect(fromBefore?.temperatureC).not.toBe(fromDay?.temperatureC);
    expect(input.readings.find((r) => r.tsMs === Date.parse(ts))?.temperatureC).toBe(
      fromBefore?.temperatureC,
    );
    // device intervals of all three days, reaching into the margins
    expect(input.deviceConnected[0]?.startMs).toBeLessThanOrEqual(start - 3_600_000);
    expect(input.deviceConnected.at(-1)?.endMs).toBeGreaterThanOrEqual(start + 86_400_000 + 3_600_000);
    // the step series are the day's own
    expect(input.callForHeat).toEqual([{ startMs: start, endMs: start + 86_400_000, value: 0 }]);
  });

  it('skips other zone types and names what it cannot map', () => {
    const rows = flatten('2022-01-12');
    expect(zoneDayInputsFromRows([{ ...rows, day: { ...rows.day, zoneType: 'HOT_WATER' } }], ZONES)).toEqual(
      [],
    );
    expect(() => zoneDayInputsFromRows([flatten('2022-01-12', 9)], ZONES)).toThrow(
      /zone 9 .* not in the zone list/,
    );
    const odd = { ...rows, callForHeat: rows.callForHeat.map((c) => ({ ...c, level: 'TURBO' })) };
    expect(() => zoneDayInputsFromRows([odd], ZONES)).toThrow(ZoneDayError);
    expect(() => zoneDayInputsFromRows([rows, rows], ZONES)).toThrow(/two day reports/);
  });
});

/** 60 days of two zones whose heating follows the outdoor temperature (0.5 h/°C below 15 °C). */
function season(): ZoneDayInput[] {
  const inputs: ZoneDayInput[] = [];
  for (let k = 0; k < 60; k++) {
    const date = new Date(Date.UTC(2022, 0, 1 + k)).toISOString().slice(0, 10);
    const outside = ((k * 7) % 19) + 1; // 1 … 19 °C
    for (const zoneId of [1, 2]) {
      const minutes = outside < 15 ? 30 * (15 - outside) + ((k + zoneId) % 3) * 5 : 0;
      const openWindow = zoneId === 1 && k === 20;
      inputs.push(
        syntheticDay({
          date,
          zoneId,
          zoneName: zoneId === 1 ? 'Living room' : 'Bedroom',
          // the open window: 20 °C, 16.5 °C a quarter of an hour after 10:00, then back slowly
          temperature: (m) => (!openWindow || m <= 600 ? 20 : Math.min(20, 16.5 + ((m - 615) / 15) * 0.2)),
          callForHeat:
            minutes === 0
              ? allDay<DemandLevel>(0)
              : [
                  [0, 360, 0],
                  [360, 360 + minutes, 3],
                  [360 + minutes, 1440, 0],
                ],
          weather: allDay({ state: 'CLOUDY', temperatureC: outside }),
          // half loaded: zone 2's readings stop at noon on day 30
          omit: zoneId === 2 && k === 30 ? (m) => m >= 720 : undefined,
        }),
      );
    }
  }
  return inputs;
}

describe('analyseZoneDays', () => {
  it('runs the chain, rejects the half-loaded day alone and finds the open window', () => {
    const result = analyseZoneDays(season());
    expect(result.rejected).toEqual([
      {
        homeId: 7,
        zoneId: 2,
        date: '2022-01-31',
        reason: "zone 2 (Bedroom) 2022-01-31: tado.interior has 48 of the day's 96 readings (half loaded)",
      },
    ]);
    expect(result.zoneDays).toHaveLength(119);
    expect(result.homeDays).toHaveLength(60);
    expect(result.homeDays.find((h) => h.date === '2022-01-31')?.zones).toBe(1);
    // heating minutes are the HIGH spans the test wrote
    const d0 = result.zoneDays.find((z) => z.zoneId === 1 && z.date === '2022-01-01');
    expect(d0?.metrics.heatingMinutes).toBe(30 * 14 + 5);

    // fits: the home and both zones, all weather-dependent with T_b near 15 °C
    expect(result.fits.map((f) => [f.zoneId, f.year, f.periodStart, f.periodEnd])).toEqual([
      [null, 2022, '2022-01-01', '2022-03-01'],
      [1, 2022, '2022-01-01', '2022-03-01'],
      [2, 2022, '2022-01-01', '2022-03-01'],
    ]);
    // 60 days of 2022 (zone 2: 59, its half-loaded day set aside): fitted and weather-dependent,
    // but flagged as a partial year (CalTRACK §2.2.1)
    expect(
      result.fits.map((f) => [
        f.zoneId,
        f.sufficiency.daysInPeriod,
        f.sufficiency.daysWithData,
        f.sufficiency.sufficient,
      ]),
    ).toEqual([
      [null, 365, 60, false],
      [1, 365, 60, false],
      [2, 365, 59, false],
    ]);
    for (const { fit, zoneId } of result.fits) {
      expect(fit.weatherDependent).toBe(true);
      expect(Math.abs((fit.balanceTemperatureC ?? NaN) - 15)).toBeLessThanOrEqual(0.5);
      // per zone 0.5 h/°C; the home is two zones
      expect(fit.slopeHoursPerC).toBeCloseTo(zoneId === null ? 1 : 0.5, 1);
    }
    expect(
      result.unusualDays.filter((u) => u.reason === 'open_window').map((u) => [u.zoneId, u.date]),
    ).toEqual([[1, '2022-01-21']]);
    // monthly and yearly rows for the home and each zone
    expect(result.periods.map((p) => [p.zoneId, p.month])).toEqual([
      [null, 1],
      [null, 2],
      [null, 3],
      [null, null],
      [1, 1],
      [1, 2],
      [1, 3],
      [1, null],
      [2, 1],
      [2, 2],
      [2, 3],
      [2, null],
    ]);
    const z1Year = result.periods.find((p) => p.zoneId === 1 && p.month === null);
    const z1Minutes = result.zoneDays
      .filter((z) => z.zoneId === 1)
      .reduce((s, z) => s + z.metrics.heatingMinutes, 0);
    expect(z1Year?.heatingHours).toBe(z1Minutes / 60);
    expect(z1Year?.days).toBe(60);
  });

  it('keeps the series only when asked', () => {
    const inputs = season().slice(0, 4);
    expect(analyseZoneDays(inputs).zoneDays[0]?.series).toBeUndefined();
    expect(analyseZoneDays(inputs, { keepSeries: true }).zoneDays[0]?.series?.minutes).toBe(1440);
  });
});
