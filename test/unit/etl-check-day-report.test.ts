import { describe, expect, it } from 'vitest';
import { assertDayReportValid, checkDayReport } from '../../src/etl/check-day-report.js';
import { DayReportInvalidError } from '../../src/etl/errors.js';
import {
  dayWindowFromJson,
  dayWindowToJson,
  localDayWindow,
  type LocalDayWindowJson,
} from '../../src/etl/local-day-window.js';
import { buildReport, loadFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';

describe('localDayWindow', () => {
  it('is the local day ±15 min, with 23 and 25 hours on the clock-change days', () => {
    const summer = localDayWindow('2022-08-15', LONDON);
    expect(summer.windowStart.toISOString()).toBe('2022-08-14T22:45:00.000Z');
    expect(summer.windowEnd.toISOString()).toBe('2022-08-15T23:15:00.000Z');
    expect(summer.hoursInDay).toBe(24);
    const spring = localDayWindow('2022-03-27', LONDON);
    expect(spring.hoursInDay).toBe(23);
    expect(spring.windowStart.toISOString()).toBe('2022-03-26T23:45:00.000Z');
    expect(spring.windowEnd.toISOString()).toBe('2022-03-27T23:15:00.000Z');
    const autumn = localDayWindow('2022-10-30', LONDON);
    expect(autumn.hoursInDay).toBe(25);
    expect(autumn.windowStart.toISOString()).toBe('2022-10-29T22:45:00.000Z');
    expect(autumn.windowEnd.toISOString()).toBe('2022-10-31T00:15:00.000Z');
  });

  it('rejects an invalid date or time zone', () => {
    expect(() => localDayWindow('2022-02-30', LONDON)).toThrow(/invalid day "2022-02-30"/);
    expect(() => localDayWindow('2022-02-01', 'Mars/Olympus')).toThrow(/Mars\/Olympus/);
  });

  it('survives the trip through an XCom (JSON) unchanged', () => {
    const autumn = localDayWindow('2022-10-30', LONDON);
    const json = JSON.parse(JSON.stringify(dayWindowToJson(autumn))) as LocalDayWindowJson;
    expect(dayWindowFromJson(json)).toEqual(autumn);
  });
});

describe('checkDayReport with a window computed upstream', () => {
  it('gives the same result as computing it, and refuses the window of another day', () => {
    const report = loadFixture(SUMMER);
    const input = { file: 'summer.json', zoneId: 1, date: '2022-08-15', timeZone: LONDON };
    const given = dayWindowFromJson(dayWindowToJson(localDayWindow('2022-08-15', LONDON)));
    expect(checkDayReport(report, { ...input, window: given })).toEqual(checkDayReport(report, input));
    expect(() => checkDayReport(report, { ...input, window: localDayWindow('2022-08-16', LONDON) })).toThrow(
      'the day window given is for 2022-08-16 in Europe/London, not for 2022-08-15 in Europe/London',
    );
  });
});

describe('checkDayReport on the real fixtures', () => {
  it('passes the complete August report with no flags', () => {
    const check = checkDayReport(loadFixture(SUMMER), {
      file: SUMMER,
      zoneId: 1,
      date: '2022-08-15',
      timeZone: LONDON,
    });
    expect(check.issues).toEqual([]);
    expect(check.flags).toEqual([]);
    expect(check.cutShort).toBe(false);
    expect(check.placeholder).toBe(false);
    expect(check.deviceOfflineMs).toBe(0);
    expect(() => assertDayReportValid(check)).not.toThrow();
  });

  it('fails the December report, fetched before its window closed, saying it was cut short', () => {
    const check = checkDayReport(loadFixture(WINTER), {
      file: WINTER,
      zoneId: 1,
      date: '2022-12-07',
      timeZone: LONDON,
    });
    expect(check.cutShort).toBe(true);
    expect(check.issues[0]).toMatchObject({
      code: 'CUT_SHORT',
      path: 'interval.to',
      actual: '2022-12-08T00:02:56.035Z',
    });
    expect(check.issues[0]?.expected).toContain('2022-12-08T00:15:00.000Z');
    // Its last point (the moment it was fetched) is off the grid, in both point series.
    expect(check.issues.filter((i) => i.code === 'OFF_GRID').map((i) => i.path)).toEqual([
      'measuredData.insideTemperature.dataPoints[98].timestamp',
      'measuredData.humidity.dataPoints[98].timestamp',
    ]);
    let err: unknown;
    try {
      assertDayReportValid(check);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DayReportInvalidError);
    const e = err as DayReportInvalidError;
    expect(e.message).toContain(WINTER);
    expect(e.message).toContain('zone 1');
    expect(e.message).toContain('interval.to: report cut short');
    expect(e.message).toContain('expected 2022-12-08T00:15:00.000Z');
    expect(e.retryable).toBe(true);
  });

  it('fails a report checked against the wrong day, naming the expected window', () => {
    const check = checkDayReport(loadFixture(SUMMER), {
      file: SUMMER,
      zoneId: 3,
      date: '2022-08-16',
      timeZone: LONDON,
    });
    expect(check.issues.map((i) => [i.code, i.path])).toContainEqual(['WRONG_WINDOW', 'interval.from']);
    expect(check.issues.find((i) => i.path === 'interval.from')?.expected).toContain(
      '2022-08-15T22:45:00.000Z',
    );
    // a whole-window shift (another date): a mismatch, not a report cut short
    expect(check.cutShort).toBe(false);
    expect(check.windowMismatch).not.toBeNull();
  });
});

describe('checkDayReport on clock-change days', () => {
  it('passes a 23-hour report on 2022-03-27 (95 points) and a 25-hour one on 2022-10-30 (103 points)', () => {
    const spring = buildReport('2022-03-27', LONDON);
    expect(spring.measuredData.insideTemperature.dataPoints).toHaveLength(95);
    expect(spring.hoursInDay).toBe(23);
    expect(
      checkDayReport(spring, { file: 's.json', zoneId: 1, date: '2022-03-27', timeZone: LONDON }).issues,
    ).toEqual([]);
    const autumn = buildReport('2022-10-30', LONDON);
    expect(autumn.measuredData.humidity.dataPoints).toHaveLength(103);
    expect(
      checkDayReport(autumn, { file: 'a.json', zoneId: 1, date: '2022-10-30', timeZone: LONDON }).issues,
    ).toEqual([]);
  });

  it('fails a clock-change day reported with 24 hours', () => {
    const spring = buildReport('2022-03-27', LONDON);
    spring.hoursInDay = 24;
    const issues = checkDayReport(spring, {
      file: 's.json',
      zoneId: 1,
      date: '2022-03-27',
      timeZone: LONDON,
    }).issues;
    expect(issues).toEqual([
      // a report with the day's start but another day's length: a time zone/window mismatch
      expect.objectContaining({ code: 'WINDOW_MISMATCH', path: 'hoursInDay', actual: '24' }),
      expect.objectContaining({
        code: 'WRONG_HOURS_IN_DAY',
        path: 'hoursInDay',
        expected: '23',
        actual: '24',
      }),
    ]);
  });

  it('fails a 24-hour shaped report for a 25-hour day: its window ends an hour early', () => {
    const wrong = buildReport('2022-10-29', LONDON); // 24 h, a day earlier
    const issues = checkDayReport(wrong, {
      file: 'w.json',
      zoneId: 1,
      date: '2022-10-30',
      timeZone: LONDON,
    }).issues;
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['interval.from', 'hoursInDay']));
  });
});

describe('checkDayReport flags and other failures', () => {
  const input = { file: 'r.json', zoneId: 2, date: '2022-01-10', timeZone: LONDON };

  it('flags placeholder data without failing', () => {
    const check = checkDayReport(buildReport('2022-01-10', LONDON, { placeholder: true }), input);
    expect(check.issues).toEqual([]);
    expect(check.placeholder).toBe(true);
    expect(check.flags.map((f) => f.code)).toEqual(['placeholder']);
  });

  it('flags device-offline spans (clipped to the day) and excuses points missing inside them', () => {
    const report = buildReport('2022-01-10', LONDON, {
      offline: [
        ['2022-01-09T23:45:00.000Z', '2022-01-10T00:30:00.000Z'],
        ['2022-01-10T12:00:00.000Z', '2022-01-10T13:00:00.000Z'],
      ],
    });
    const pts = report.measuredData.insideTemperature.dataPoints;
    report.measuredData.insideTemperature.dataPoints = pts.filter(
      (p) => p.timestamp < '2022-01-10T12:15:00.000Z' || p.timestamp > '2022-01-10T12:45:00.000Z',
    );
    const check = checkDayReport(report, input);
    expect(check.issues).toEqual([]);
    expect(check.deviceOfflineSpans).toEqual([
      { from: '2022-01-10T00:00:00.000Z', to: '2022-01-10T00:30:00.000Z' },
      { from: '2022-01-10T12:00:00.000Z', to: '2022-01-10T13:00:00.000Z' },
    ]);
    expect(check.deviceOfflineMs).toBe(90 * 60_000);
    expect(check.flags.map((f) => f.code)).toEqual(['device_offline']);
  });

  it('fails points missing while the device was connected', () => {
    const report = buildReport('2022-01-10', LONDON);
    report.measuredData.humidity.dataPoints.splice(40, 2);
    const issues = checkDayReport(report, input).issues;
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'MISSING_POINTS',
        path: 'measuredData.humidity.dataPoints',
        actual: '97 points',
      }),
    ]);
    expect(issues[0]?.message).toContain('2 points missing');
    expect(issues[0]?.expected).toContain('99 points');
  });

  it('fails humidity given as a percentage, naming the point', () => {
    const report = buildReport('2022-01-10', LONDON);
    const p = report.measuredData.humidity.dataPoints[5];
    if (p !== undefined) p.value = 47.3;
    expect(checkDayReport(report, input).issues).toEqual([
      expect.objectContaining({
        code: 'NOT_A_FRACTION',
        path: 'measuredData.humidity.dataPoints[5].value',
        actual: '47.3',
      }),
    ]);
  });

  it('fails a gap between intervals, naming the interval and the expected start', () => {
    const report = loadFixture(WINTER);
    const cfh = report.callForHeat?.dataIntervals;
    const third = cfh?.[3];
    if (third !== undefined) third.from = '2022-12-07T09:05:00.000Z';
    const issues = checkDayReport(report, { ...input, date: '2022-12-07' }).issues;
    expect(issues).toContainEqual(
      expect.objectContaining({
        code: 'NOT_CONTIGUOUS',
        path: 'callForHeat.dataIntervals[3].from',
        expected: '2022-12-07T09:02:20.436Z',
        actual: '2022-12-07T09:05:00.000Z',
      }),
    );
  });
});
