import { describe, expect, it } from 'vitest';
import { assertDayReportValid, checkDayReport } from '../../src/etl/check-day-report.js';
import { DayReportInvalidError } from '../../src/etl/errors.js';
import { etlTaskSignal } from '../../src/etl/etl-task-signal.js';
import { localDayWindow } from '../../src/etl/local-day-window.js';
import { candidateTimeZones, findWindowMismatch, formatUtcOffset } from '../../src/etl/window-mismatch.js';
import { FailTask } from '../../src/task-sdk/index.js';
import { buildReport, loadFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

/** The error assertDayReportValid throws for the check. */
function thrown(check: ReturnType<typeof checkDayReport>): DayReportInvalidError {
  try {
    assertDayReportValid(check);
  } catch (e) {
    if (e instanceof DayReportInvalidError) return e;
    throw e;
  }
  throw new Error('assertDayReportValid did not throw');
}

describe('formatUtcOffset', () => {
  it('writes hours and minutes with a sign', () => {
    expect(formatUtcOffset(60)).toBe('UTC+01:00');
    expect(formatUtcOffset(0)).toBe('UTC+00:00');
    expect(formatUtcOffset(-210)).toBe('UTC−03:30');
  });
});

describe('a report from a home whose real time zone differs from the configured one', () => {
  it('the real August report (Europe/London, BST) read as Atlantic/Reykjavik: a mismatch, not "cut short"', () => {
    // Reykjavik is UTC+0 in August: its window ends an hour after the report's, which used to
    // read as "report cut short … fetch it again" (retryable) although every fetch is the same.
    const check = checkDayReport(loadFixture(SUMMER), {
      file: 'extract/dayreport-zone-1-2022-08-15.json',
      zoneId: 1,
      date: '2022-08-15',
      timeZone: 'Atlantic/Reykjavik',
    });
    expect(check.cutShort).toBe(false);
    expect(check.windowMismatch).toMatchObject({
      kind: 'offset',
      shiftMs: -3_600_000,
      impliedOffsetMinutes: 60,
      configuredOffsetMinutes: 0,
    });
    expect(check.windowMismatch?.candidateTimeZones.length).toBeGreaterThan(0);
    expect(check.issues[0]).toMatchObject({ code: 'WINDOW_MISMATCH', path: 'interval.from' });
    expect(check.issues.map((i) => i.code)).not.toContain('CUT_SHORT');
    const err = thrown(check);
    expect(err.retryable).toBe(false);
    expect(err.windowMismatch).toBe(true);
    expect(err.message).toContain('extract/dayreport-zone-1-2022-08-15.json (zone 1, 2022-08-15)');
    expect(err.message).toContain('UTC+01:00');
    expect(err.message).toContain('Atlantic/Reykjavik (UTC+00:00');
    expect(err.message).toContain('configuration/window mismatch');
    const signal = etlTaskSignal(err);
    expect(signal).toBeInstanceOf(FailTask);
    expect((signal as FailTask).message).toContain('Atlantic/Reykjavik');
  });

  it('names the time zones whose window the report has: a Berlin report read as London', () => {
    const report = buildReport('2022-01-10', 'Europe/Berlin');
    const check = checkDayReport(report, {
      file: 'r.json',
      zoneId: 2,
      date: '2022-01-10',
      timeZone: 'Europe/London',
    });
    expect(check.cutShort).toBe(false); // its window ends an hour before London's
    expect(check.windowMismatch?.impliedOffsetMinutes).toBe(60);
    const named = check.windowMismatch?.candidateTimeZones ?? [];
    expect(named.length).toBeGreaterThan(0);
    // the configured zone's region first, each one whose window for the day is the report's
    for (const zone of named) {
      expect(zone.startsWith('Europe/')).toBe(true);
      expect(findWindowMismatch(report, localDayWindow('2022-01-10', zone))).toBeNull();
    }
    expect(
      candidateTimeZones('2022-01-10', Date.parse('2022-01-09T23:00:00.000Z'), 24, 'Europe/London', 1000),
    ).toContain('Europe/Berlin');
    expect(check.windowMismatch?.message).toMatch(/UTC\+01:00 \(e\.g\. Europe\//);
    expect(check.windowMismatch?.message).toContain('Europe/London (UTC+00:00 at the start of 2022-01-10)');
  });

  it('a home west of the configured zone (New York read as London) is a mismatch too', () => {
    const report = buildReport('2022-01-10', 'America/New_York');
    const check = checkDayReport(report, {
      file: 'r.json',
      zoneId: 2,
      date: '2022-01-10',
      timeZone: 'Europe/London',
    });
    expect(check.windowMismatch?.impliedOffsetMinutes).toBe(-300);
    expect(check.windowMismatch?.message).toContain('UTC−05:00');
    expect(thrown(check).retryable).toBe(false);
  });

  it('an hoursInDay disagreement with the same start: a zone without the clock change read as London', () => {
    // 2022-03-27 starts at 00:00Z in London (GMT) and in Africa/Abidjan (UTC+0 all year), but has
    // 23 hours in London and 24 in Abidjan: a report computed in London, configured as Abidjan.
    const report = buildReport('2022-03-27', 'Europe/London');
    const check = checkDayReport(report, {
      file: 'r.json',
      zoneId: 2,
      date: '2022-03-27',
      timeZone: 'Africa/Abidjan',
    });
    expect(check.windowMismatch).toMatchObject({ kind: 'hours_in_day', shiftMs: 0 });
    expect(check.windowMismatch?.message).toContain('hoursInDay 23 disagrees with 2022-03-27');
    expect(check.windowMismatch?.message).toContain('Africa/Abidjan');
    expect(check.issues[0]).toMatchObject({ code: 'WINDOW_MISMATCH', path: 'hoursInDay' });
    expect(check.issues[0]?.expected).toContain('24');
    expect(check.cutShort).toBe(false);
    expect(thrown(check).retryable).toBe(false);
  });

  it('a report for another date (a shift larger than any time zone) says so', () => {
    const check = checkDayReport(loadFixture(SUMMER), {
      file: 'r.json',
      zoneId: 1,
      date: '2022-08-16',
      timeZone: 'Europe/London',
    });
    expect(check.windowMismatch?.impliedOffsetMinutes).toBeNull();
    expect(check.windowMismatch?.message).toContain('a report for another date?');
    expect(check.cutShort).toBe(false);
  });

  it('leaves the real December report as it is: cut short, retryable', () => {
    const check = checkDayReport(loadFixture(WINTER), {
      file: 'w.json',
      zoneId: 1,
      date: '2022-12-07',
      timeZone: 'Europe/London',
    });
    expect(check.windowMismatch).toBeNull();
    expect(check.cutShort).toBe(true);
    const err = thrown(check);
    expect(err.retryable).toBe(true);
    expect(etlTaskSignal(err)).toBe(err);
  });

  it('finds nothing for a report of the configured zone, on ordinary and clock-change days', () => {
    for (const date of ['2022-01-10', '2022-03-27', '2022-10-30']) {
      const w = localDayWindow(date, 'Europe/London');
      expect(findWindowMismatch(buildReport(date, 'Europe/London'), w)).toBeNull();
    }
  });
});
