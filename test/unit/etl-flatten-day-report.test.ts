import { beforeAll, describe, expect, it } from 'vitest';
import { flattenDayReport, zoneRow } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { zonesSchema } from '../../src/tado/schemas.js';
import { buildReport, loadFixture, readFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
let join: InteriorJoin;

beforeAll(async () => {
  join = danfoInteriorJoin(await importDanfo());
});

describe('flattenDayReport on the December fixture (heating, cut short)', () => {
  it('gives the rows a person counts in the file', () => {
    const raw = readFixture(WINTER) as {
      measuredData: {
        insideTemperature: { dataPoints: { timestamp: string; value: { celsius: number } }[] };
      };
    };
    const rows = flattenDayReport(
      loadFixture(WINTER),
      { homeId: 7, zoneId: 1, date: '2022-12-07', timeZone: LONDON },
      join,
    );
    // 99 temperature points and 99 humidity points at the same 99 timestamps: 99 joined rows
    expect(rows.interior).toHaveLength(99);
    // of which 96 lie in the local day 2022-12-07 00:00..24:00 GMT; 3 in the margins
    expect(rows.interior.filter((r) => r.inReportDay)).toHaveLength(96);
    expect(rows.interior.every((r) => r.temperatureC !== null && r.humidityFraction !== null)).toBe(true);
    expect(rows.interior[0]).toEqual({
      homeId: 7,
      zoneId: 1,
      reportDate: '2022-12-07',
      ts: '2022-12-06T23:45:00.000Z',
      temperatureC: 19.56,
      humidityFraction: 0.546,
      inReportDay: false,
      flag: null,
    });
    expect(rows.interior.map((r) => r.temperatureC)).toEqual(
      raw.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius),
    );
    expect(rows.interior.at(-1)?.ts).toBe('2022-12-08T00:02:56.035Z');

    // 17 callForHeat intervals (8 HIGH), the first and last clipped to the local day
    expect(rows.callForHeat).toHaveLength(17);
    expect(rows.callForHeat.filter((r) => r.level === 'HIGH')).toHaveLength(8);
    expect(rows.callForHeat[0]).toMatchObject({
      intervalStart: '2022-12-07T00:00:00.000Z',
      intervalEnd: '2022-12-07T08:49:14.767Z',
      level: 'NONE',
    });
    expect(rows.callForHeat.at(-1)).toMatchObject({
      intervalStart: '2022-12-07T18:16:20.766Z',
      intervalEnd: '2022-12-08T00:00:00.000Z',
    });
    // 17 settings intervals alternating OFF / ON 25 °C (8 ON)
    expect(rows.settings).toHaveLength(17);
    expect(rows.settings.filter((r) => r.power === 'ON').map((r) => r.temperatureC)).toEqual(
      Array(8).fill(25),
    );
    expect(rows.settings.filter((r) => r.power === 'OFF').every((r) => r.temperatureC === null)).toBe(true);
    // one measuringDeviceConnected interval (true all day)
    expect(rows.deviceConnected).toEqual([
      expect.objectContaining({
        intervalStart: '2022-12-07T00:00:00.000Z',
        intervalEnd: '2022-12-08T00:00:00.000Z',
        connected: true,
      }),
    ]);
    // 98 weather intervals in the file; the first (23:45:00 → 23:58:41.199 on Dec 6) lies wholly in the margin
    expect(rows.weather).toHaveLength(97);
    expect(rows.weather[0]).toMatchObject({
      intervalStart: '2022-12-07T00:00:00.000Z',
      intervalEnd: '2022-12-07T00:13:41.035Z',
      state: 'NIGHT_CLOUDY',
      temperatureC: -1.04,
    });
    expect(rows.day).toMatchObject({
      date: '2022-12-07',
      hoursInDay: 24,
      placeholder: false,
      deviceOfflineMs: 0,
    });
  });

  it('clipped intervals tile the local day exactly', () => {
    const rows = flattenDayReport(
      loadFixture(WINTER),
      { homeId: 7, zoneId: 1, date: '2022-12-07', timeZone: LONDON },
      join,
    );
    for (const series of [rows.callForHeat, rows.settings, rows.weather, rows.deviceConnected]) {
      expect(series[0]?.intervalStart).toBe('2022-12-07T00:00:00.000Z');
      expect(series.at(-1)?.intervalEnd).toBe('2022-12-08T00:00:00.000Z');
      series.slice(1).forEach((r, i) => expect(r.intervalStart).toBe(series[i]?.intervalEnd));
    }
  });
});

describe('flattenDayReport on the August fixture (no heating)', () => {
  it('gives the rows a person counts in the file', () => {
    const rows = flattenDayReport(
      loadFixture(SUMMER),
      { homeId: 7, zoneId: 1, date: '2022-08-15', timeZone: LONDON },
      join,
    );
    expect(rows.interior).toHaveLength(99);
    expect(rows.interior.filter((r) => r.inReportDay)).toHaveLength(96);
    expect(rows.interior.filter((r) => r.inReportDay)[0]?.ts).toBe('2022-08-14T23:00:00.000Z');
    expect(rows.callForHeat).toEqual([
      expect.objectContaining({
        intervalStart: '2022-08-14T23:00:00.000Z',
        intervalEnd: '2022-08-15T23:00:00.000Z',
        level: 'NONE',
      }),
    ]);
    expect(rows.settings).toEqual([
      expect.objectContaining({ power: 'OFF', temperatureC: null, settingType: 'HEATING' }),
    ]);
    expect(rows.deviceConnected).toHaveLength(1);
    // 99 weather intervals in the file, one wholly in each margin
    expect(rows.weather).toHaveLength(97);
  });
});

describe('flattenDayReport on clock-change days and placeholders', () => {
  it('keeps 95 points on the 23-hour day and 103 on the 25-hour day', () => {
    const spring = flattenDayReport(
      buildReport('2022-03-27', LONDON),
      { homeId: 1, zoneId: 1, date: '2022-03-27', timeZone: LONDON },
      join,
    );
    expect(spring.interior).toHaveLength(95);
    expect(spring.interior.filter((r) => r.inReportDay)).toHaveLength(92);
    expect(spring.day.hoursInDay).toBe(23);
    const autumn = flattenDayReport(
      buildReport('2022-10-30', LONDON),
      { homeId: 1, zoneId: 1, date: '2022-10-30', timeZone: LONDON },
      join,
    );
    expect(autumn.interior).toHaveLength(103);
    expect(autumn.interior.filter((r) => r.inReportDay)).toHaveLength(100);
    expect(autumn.callForHeat[0]).toMatchObject({
      intervalStart: '2022-10-29T23:00:00.000Z',
      intervalEnd: '2022-10-31T00:00:00.000Z',
    });
  });

  it('marks placeholder days and offline time on the day row', () => {
    const p = flattenDayReport(
      buildReport('2022-01-02', LONDON, { placeholder: true }),
      { homeId: 1, zoneId: 1, date: '2022-01-02', timeZone: LONDON },
      join,
    );
    expect(p.day.placeholder).toBe(true);
    const o = flattenDayReport(
      buildReport('2022-01-02', LONDON, {
        offline: [['2022-01-02T10:00:00.000Z', '2022-01-02T10:45:00.000Z']],
      }),
      { homeId: 1, zoneId: 1, date: '2022-01-02', timeZone: LONDON },
      join,
    );
    expect(o.day.deviceOfflineMs).toBe(45 * 60_000);
    expect(o.deviceConnected.map((r) => r.connected)).toEqual([true, false, true]);
  });

  it('joins series of different lengths with nulls where one is missing', () => {
    const report = buildReport('2022-01-02', LONDON);
    report.measuredData.humidity.dataPoints.splice(10, 1);
    const rows = flattenDayReport(
      report,
      { homeId: 1, zoneId: 1, date: '2022-01-02', timeZone: LONDON },
      join,
    );
    expect(rows.interior).toHaveLength(99);
    expect(rows.interior.filter((r) => r.humidityFraction === null).map((r) => r.ts)).toEqual([
      report.measuredData.insideTemperature.dataPoints[10]?.timestamp,
    ]);
  });
});

describe('zoneRow', () => {
  it('maps a zone of the zone list', () => {
    const [zone] = zonesSchema.parse([
      {
        id: 1,
        name: 'Living room',
        type: 'HEATING',
        dateCreated: '2021-11-15T12:27:24.825Z',
        deviceTypes: ['VA02'],
      },
    ]);
    expect(zone && zoneRow(5, zone)).toMatchObject({
      homeId: 5,
      zoneId: 1,
      zoneType: 'HEATING',
      deviceTypes: ['VA02'],
    });
  });

  it("keeps the zone without its devices' live connection state, so a re-run stores the same row", () => {
    const zone = (at: string) =>
      zonesSchema.parse([
        {
          id: 1,
          name: 'Living room',
          type: 'HEATING',
          dateCreated: '2021-11-15T12:27:24.825Z',
          devices: [
            {
              deviceType: 'VA02',
              serialNo: 'VA1',
              connectionState: { value: true, timestamp: at },
              batteryState: 'NORMAL',
            },
          ],
        },
      ])[0];
    const a = zone('2022-01-01T10:00:00.000Z');
    const b = zone('2022-01-01T10:05:00.000Z');
    expect(a && zoneRow(5, a)).toEqual(b && zoneRow(5, b));
    expect(a && zoneRow(5, a).raw).toMatchObject({ devices: [{ serialNo: 'VA1', batteryState: 'NORMAL' }] });
  });
});
