import { beforeAll, describe, expect, it } from 'vitest';
import { checkDayReport } from '../../src/etl/check-day-report.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { buildReport, loadFixture, SUMMER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
let join: InteriorJoin;
beforeAll(async () => {
  join = danfoInteriorJoin(await importDanfo());
}, 60_000);

describe('placeholder history (issue 15 §1)', () => {
  it('stores no measurement of a placeholder day: readings nulled and flagged, no interval rows', () => {
    // tado's placeholder for a day about a year back, built from the real August report
    const report = buildReport('2021-01-10', LONDON, { placeholder: true });
    report.weather.condition.dataIntervals = [{ ...report.interval, value: null }];
    const input = { homeId: 1, zoneId: 2, date: '2021-01-10', timeZone: LONDON };
    expect(checkDayReport(report, { ...input, file: 'p.json' }).placeholder).toBe(true);
    const rows = flattenDayReport(report, input, join);
    expect(rows.day.placeholder).toBe(true);
    expect(rows.interior).toHaveLength(99); // the keys stay, so neighbours' margins behave as before
    expect(rows.interior.every((r) => r.temperatureC === null && r.humidityFraction === null)).toBe(true);
    expect(new Set(rows.interior.map((r) => r.flag))).toEqual(new Set(['placeholder']));
    // the stand-in callForHeat NONE, OVERLAY setting, "connected" and null weather are no data either
    expect(rows.callForHeat).toEqual([]);
    expect(rows.settings).toEqual([]);
    expect(rows.deviceConnected).toEqual([]);
    expect(rows.weather).toEqual([]);
  });

  it('a real day with some readings at 20 °C / 0.5 is not a placeholder', () => {
    const report = loadFixture(SUMMER);
    const p = report.measuredData.insideTemperature.dataPoints[3];
    if (p !== undefined) p.value = { celsius: 20, fahrenheit: 68 };
    const rows = flattenDayReport(
      report,
      { homeId: 1, zoneId: 1, date: '2022-08-15', timeZone: LONDON },
      join,
    );
    expect(rows.day.placeholder).toBe(false);
    expect(rows.interior.every((r) => r.flag === null && r.temperatureC !== null)).toBe(true);
    expect(rows.callForHeat).toHaveLength(1);
  });
});

describe('readings inside a device-offline span (issue 15 §2)', () => {
  it('nulls and flags the readings in [from, to) of a disconnected interval, margins included', () => {
    // the real August report with the device disconnected 10:00–10:45 local (09:00–09:45Z) and in
    // the 15-minute margin before the day
    const report = loadFixture(SUMMER);
    const md = report.measuredData;
    md.measuringDeviceConnected.dataIntervals = [
      { from: '2022-08-14T22:45:00.000Z', to: '2022-08-14T23:00:00.000Z', value: false },
      { from: '2022-08-14T23:00:00.000Z', to: '2022-08-15T09:00:00.000Z', value: true },
      { from: '2022-08-15T09:00:00.000Z', to: '2022-08-15T09:45:00.000Z', value: false },
      { from: '2022-08-15T09:45:00.000Z', to: '2022-08-15T23:15:00.000Z', value: true },
    ];
    const check = checkDayReport(report, { file: 'o.json', zoneId: 1, date: '2022-08-15', timeZone: LONDON });
    expect(check.issues).toEqual([]);
    expect(check.flags.map((f) => f.code)).toEqual(['device_offline']);
    const rows = flattenDayReport(
      report,
      { homeId: 1, zoneId: 1, date: '2022-08-15', timeZone: LONDON },
      join,
    );
    const flagged = rows.interior.filter((r) => r.flag === 'device_offline').map((r) => r.ts);
    expect(flagged).toEqual([
      '2022-08-14T22:45:00.000Z',
      '2022-08-15T09:00:00.000Z',
      '2022-08-15T09:15:00.000Z',
      '2022-08-15T09:30:00.000Z',
    ]);
    for (const r of rows.interior) {
      const sent = md.insideTemperature.dataPoints.find((p) => Date.parse(p.timestamp) === Date.parse(r.ts));
      if (r.flag === 'device_offline') {
        expect([r.temperatureC, r.humidityFraction]).toEqual([null, null]);
      } else {
        expect(r.flag).toBeNull();
        expect(r.temperatureC).toBe(sent?.value.celsius);
      }
    }
    // the span itself stays in device_connected, clipped to the day
    expect(rows.deviceConnected.filter((d) => !d.connected)).toHaveLength(1);
    expect(rows.day.deviceOfflineMs).toBe(45 * 60_000);
  });
});
