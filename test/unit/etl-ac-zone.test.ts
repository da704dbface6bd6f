/**
 * Issue 15 item 5: AIR_CONDITIONING zones through validate and transform, on AC reports built
 * from the real August heating report (test/helpers/ac-fixtures.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { acSettingColumns } from '../../src/etl/ac-rows.js';
import { assertDayReportValid, checkDayReport } from '../../src/etl/check-day-report.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { dayReportSchema, parseWithPath } from '../../src/tado/schemas.js';
import { AC_DATE, AC_TIMES, acReport, acReportJson } from '../helpers/ac-fixtures.js';
import { loadFixture, readFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
const FILE = 'extract/dayreport-zone-5-2022-08-15.json';
const input = { file: FILE, zoneId: 5, date: AC_DATE, timeZone: LONDON };
let join: InteriorJoin;

beforeAll(async () => {
  join = danfoInteriorJoin(await importDanfo());
});

const parse = (raw: unknown) => parseWithPath(dayReportSchema, raw, FILE);

describe('validate: the shape of an AIR_CONDITIONING report', () => {
  it('passes an AC report built from the real August report, keeping its window and points', () => {
    const check = checkDayReport(acReport(), input);
    expect(check.issues).toEqual([]);
    expect(() => assertDayReportValid(check)).not.toThrow();
    // the real report's layout is kept: 99 points, the window of 2022-08-15 in BST
    expect(acReport().measuredData.insideTemperature.dataPoints).toHaveLength(99);
  });

  it('fails an AC report without acActivity, naming the file, zone, day and path', () => {
    const raw = acReportJson();
    delete raw.acActivity;
    const check = checkDayReport(parse(raw), input);
    expect(check.issues.map((i) => [i.code, i.path])).toEqual([['MISSING_SERIES', 'acActivity']]);
    expect(() => assertDayReportValid(check)).toThrow(
      `${FILE} (zone 5, 2022-08-15): acActivity: an AIR_CONDITIONING report has no acActivity series`,
    );
  });

  it('fails an ON setting without a mode and a heating setting inside an AC report', () => {
    const raw = acReportJson() as { settings: { dataIntervals: { value: Record<string, unknown> }[] } };
    const cool = raw.settings.dataIntervals[1];
    const fan = raw.settings.dataIntervals[2];
    if (cool === undefined || fan === undefined) throw new Error('fixture changed');
    delete cool.value.mode;
    fan.value.type = 'HEATING';
    const issues = checkDayReport(parse(raw), input).issues;
    expect(issues.map((i) => [i.code, i.path, i.actual])).toEqual([
      ['MISSING_AC_MODE', 'settings.dataIntervals[1].value.mode', 'absent'],
      ['WRONG_SETTING_TYPE', 'settings.dataIntervals[2].value.type', 'HEATING'],
    ]);
  });

  it('checks acActivity tiles the window like every interval series', () => {
    const raw = acReportJson() as { acActivity: { dataIntervals: { from: string; to: string }[] } };
    const second = raw.acActivity.dataIntervals[2];
    if (second === undefined) throw new Error('fixture changed');
    second.from = '2022-08-15T12:41:00.000Z'; // a 53-second gap after the first run
    const issues = checkDayReport(parse(raw), input).issues;
    expect(issues).toEqual([
      {
        code: 'NOT_CONTIGUOUS',
        path: 'acActivity.dataIntervals[2].from',
        message: 'gap between intervals',
        expected: AC_TIMES.unitOff1,
        actual: '2022-08-15T12:41:00.000Z',
      },
    ]);
  });

  it('asks nothing AC-specific of the real heating reports', () => {
    expect(checkDayReport(loadFixture(SUMMER), input).issues).toEqual([]);
  });
});

describe('transform: AC rows', () => {
  it('stores acActivity clipped to the local day and the AC setting columns', () => {
    const rows = flattenDayReport(
      acReport(),
      { homeId: 7, zoneId: 5, date: AC_DATE, timeZone: LONDON },
      join,
    );
    const key = { homeId: 7, zoneId: 5, reportDate: AC_DATE };
    // local day 2022-08-15 in BST: 2022-08-14T23:00Z … 2022-08-15T23:00Z
    expect(rows.acActivity).toEqual([
      { ...key, intervalStart: '2022-08-14T23:00:00.000Z', intervalEnd: AC_TIMES.coolOn, power: 'OFF' },
      { ...key, intervalStart: AC_TIMES.coolOn, intervalEnd: AC_TIMES.unitOff1, power: 'ON' },
      { ...key, intervalStart: AC_TIMES.unitOff1, intervalEnd: AC_TIMES.unitOn2, power: 'OFF' },
      { ...key, intervalStart: AC_TIMES.unitOn2, intervalEnd: AC_TIMES.allOff, power: 'ON' },
      { ...key, intervalStart: AC_TIMES.allOff, intervalEnd: '2022-08-15T23:00:00.000Z', power: 'OFF' },
    ]);
    expect(rows.callForHeat).toEqual([]);
    expect(
      rows.settings.map((s) => [
        s.settingType,
        s.power,
        s.mode,
        s.temperatureC,
        s.fanLevel,
        s.verticalSwing,
        s.horizontalSwing,
      ]),
    ).toEqual([
      ['AIR_CONDITIONING', 'OFF', null, null, null, null, null],
      ['AIR_CONDITIONING', 'ON', 'COOL', 24, 'LEVEL2', 'MID', 'OFF'],
      ['AIR_CONDITIONING', 'ON', 'FAN', null, 'LEVEL3', 'ON', 'ON'],
      ['AIR_CONDITIONING', 'OFF', null, null, null, null, null],
    ]);
    expect(rows.day.zoneType).toBe('AIR_CONDITIONING');
    // the readings of the real report, unchanged
    const real = readFixture(SUMMER) as { measuredData: { humidity: { dataPoints: { value: number }[] } } };
    expect(rows.interior.map((r) => r.humidityFraction)).toEqual(
      real.measuredData.humidity.dataPoints.map((p) => p.value),
    );
  });

  it('gives heating reports null AC columns and no AC activity', () => {
    const rows = flattenDayReport(
      loadFixture(WINTER),
      { homeId: 7, zoneId: 1, date: '2022-12-07', timeZone: LONDON },
      join,
    );
    expect(rows.acActivity).toEqual([]);
    expect(rows.settings.length).toBeGreaterThan(0);
    for (const s of rows.settings) {
      expect([s.mode, s.fanLevel, s.verticalSwing, s.horizontalSwing]).toEqual([null, null, null, null]);
    }
  });

  it("reads an older unit's fanSpeed and swing when fanLevel and verticalSwing are absent", () => {
    const setting = parse({
      ...acReportJson(),
    }).settings?.dataIntervals[1]?.value;
    if (setting === undefined) throw new Error('fixture changed');
    const { fanLevel: _f, verticalSwing: _v, horizontalSwing: _h, ...old } = setting;
    expect(acSettingColumns({ ...old, fanSpeed: 'MIDDLE', swing: 'ON' })).toEqual({
      mode: 'COOL',
      fanLevel: 'MIDDLE',
      verticalSwing: 'ON',
      horizontalSwing: null,
    });
    expect(acSettingColumns(setting)).toEqual({
      mode: 'COOL',
      fanLevel: 'LEVEL2',
      verticalSwing: 'MID',
      horizontalSwing: 'OFF',
    });
  });
});
