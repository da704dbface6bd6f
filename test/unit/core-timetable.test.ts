import { describe, expect, it } from 'vitest';
import {
  TimetableError,
  dagRunInfosBetween,
  defineDag,
  formatDs,
  inferManualDataInterval,
  nextDagRunInfo,
  parseDagDate,
} from '../../src/core/index.js';
import type { Dag, DagRunInfo, DagSpec } from '../../src/core/index.js';

const HOUR_MS = 3_600_000;

function dag(overrides: Partial<DagSpec> = {}): Dag {
  return defineDag({
    dagId: 'daily',
    schedule: '0 1 * * *',
    startDate: '2022-01-01',
    tasks: [{ taskId: 'extract', command: ['true'] }],
    ...overrides,
  });
}

const at = (iso: string): Date => new Date(iso);
const iso = (info: DagRunInfo | null | undefined) =>
  info == null
    ? null
    : {
        logical: info.logicalDate.toISOString(),
        start: info.dataInterval.start.toISOString(),
        end: info.dataInterval.end.toISOString(),
      };
const hours = (info: DagRunInfo | undefined) =>
  info === undefined ? NaN : (info.dataInterval.end.getTime() - info.dataInterval.start.getTime()) / HOUR_MS;

describe('nextDagRunInfo: cron, catchup on', () => {
  const d = dag();

  it('first run: logical date 2022-01-01T01:00Z, interval to 2022-01-02T01:00Z, due only when it has ended', () => {
    expect(nextDagRunInfo(d, null, at('2022-01-02T00:59:59.999Z'))).toBeNull();
    expect(iso(nextDagRunInfo(d, null, at('2022-01-02T01:00:00Z')))).toEqual({
      logical: '2022-01-01T01:00:00.000Z',
      start: '2022-01-01T01:00:00.000Z',
      end: '2022-01-02T01:00:00.000Z',
    });
  });

  it('after the last automated run, the next interval, and catches up one by one', () => {
    const now = at('2022-03-01T12:00:00Z');
    expect(iso(nextDagRunInfo(d, at('2022-01-01T01:00:00Z'), now))?.logical).toBe('2022-01-02T01:00:00.000Z');
    let last: Date | null = null;
    let created = 0;
    for (let info = nextDagRunInfo(d, last, now); info !== null; info = nextDagRunInfo(d, last, now)) {
      last = info.logicalDate;
      created += 1;
    }
    // Jan 1 .. Feb 28: 59 intervals have ended by Mar 1 12:00 (the Mar 1 one ends Mar 2 01:00).
    expect(created).toBe(59);
    expect(last?.toISOString()).toBe('2022-02-28T01:00:00.000Z');
  });

  it('a start date between cron points is aligned to the next one', () => {
    const mid = dag({ startDate: '2022-01-01T05:00' });
    expect(iso(nextDagRunInfo(mid, null, at('2022-01-10T00:00:00Z')))?.logical).toBe(
      '2022-01-02T01:00:00.000Z',
    );
  });

  it('respects endDate as the last logical date (inclusive)', () => {
    const ended = dag({ endDate: '2022-01-03T01:00' });
    const now = at('2022-06-01T00:00:00Z');
    expect(iso(nextDagRunInfo(ended, at('2022-01-02T01:00:00Z'), now))?.logical).toBe(
      '2022-01-03T01:00:00.000Z',
    );
    expect(nextDagRunInfo(ended, at('2022-01-03T01:00:00Z'), now)).toBeNull();
    const beforeFirst = dag({ endDate: '2022-01-01T00:30' });
    expect(nextDagRunInfo(beforeFirst, null, now)).toBeNull();
  });
});

describe('nextDagRunInfo: catchup off', () => {
  const d = dag({ catchup: false });

  it('only the latest interval that has ended, never earlier than startDate', () => {
    expect(iso(nextDagRunInfo(d, null, at('2022-06-15T12:00:00Z')))).toEqual({
      logical: '2022-06-14T01:00:00.000Z',
      start: '2022-06-14T01:00:00.000Z',
      end: '2022-06-15T01:00:00.000Z',
    });
    // exactly on a boundary: the interval that ends now is due
    expect(iso(nextDagRunInfo(d, null, at('2022-06-15T01:00:00Z')))?.logical).toBe(
      '2022-06-14T01:00:00.000Z',
    );
    // before the first interval has ended: nothing
    expect(nextDagRunInfo(d, null, at('2022-01-01T23:00:00Z'))).toBeNull();
    expect(iso(nextDagRunInfo(d, null, at('2022-01-02T01:00:00Z')))?.logical).toBe(
      '2022-01-01T01:00:00.000Z',
    );
  });

  it('skips the missed intervals after a pause, and never repeats the last run', () => {
    expect(iso(nextDagRunInfo(d, at('2022-01-05T01:00:00Z'), at('2022-06-15T12:00:00Z')))?.logical).toBe(
      '2022-06-14T01:00:00.000Z',
    );
    expect(nextDagRunInfo(d, at('2022-06-14T01:00:00Z'), at('2022-06-15T12:00:00Z'))).toBeNull();
    expect(iso(nextDagRunInfo(d, at('2022-06-14T01:00:00Z'), at('2022-06-16T01:00:00Z')))?.logical).toBe(
      '2022-06-15T01:00:00.000Z',
    );
  });
});

describe('nextDagRunInfo: @once and null', () => {
  it('@once runs once at startDate with a zero-length interval', () => {
    const once = dag({ schedule: '@once', startDate: '2022-01-01T06:00:00Z' });
    expect(nextDagRunInfo(once, null, at('2022-01-01T05:59:59Z'))).toBeNull();
    expect(iso(nextDagRunInfo(once, null, at('2022-01-01T06:00:00Z')))).toEqual({
      logical: '2022-01-01T06:00:00.000Z',
      start: '2022-01-01T06:00:00.000Z',
      end: '2022-01-01T06:00:00.000Z',
    });
    expect(nextDagRunInfo(once, at('2022-01-01T06:00:00Z'), at('2030-01-01T00:00:00Z'))).toBeNull();
  });

  it('a null schedule never creates runs', () => {
    expect(nextDagRunInfo(dag({ schedule: null }), null, at('2030-01-01T00:00:00Z'))).toBeNull();
  });
});

describe('time zones and DST (Europe/London, 0 1 * * *)', () => {
  const london = dag({ timezone: 'Europe/London', startDate: '2022-01-01' });
  const year = dagRunInfosBetween(
    london,
    parseDagDate('2022-01-01', 'Europe/London', false),
    parseDagDate('2022-12-31', 'Europe/London', true),
  );
  const byDs = new Map(year.map((info) => [formatDs(info.logicalDate, 'Europe/London'), info]));

  it('one run per local day, 365 in 2022, with ds = the local date', () => {
    expect(year).toHaveLength(365);
    expect(byDs.size).toBe(365);
    expect(formatDs(year[0]!.logicalDate, 'Europe/London')).toBe('2022-01-01');
    expect(formatDs(year.at(-1)!.logicalDate, 'Europe/London')).toBe('2022-12-31');
  });

  it('keeps 01:00 local on both sides of the changes (GMT in winter, BST in summer)', () => {
    expect(byDs.get('2022-03-26')?.logicalDate.toISOString()).toBe('2022-03-26T01:00:00.000Z');
    expect(byDs.get('2022-03-28')?.logicalDate.toISOString()).toBe('2022-03-28T00:00:00.000Z');
    expect(byDs.get('2022-07-01')?.logicalDate.toISOString()).toBe('2022-07-01T00:00:00.000Z');
    expect(byDs.get('2022-10-29')?.logicalDate.toISOString()).toBe('2022-10-29T00:00:00.000Z');
    expect(byDs.get('2022-10-31')?.logicalDate.toISOString()).toBe('2022-10-31T01:00:00.000Z');
  });

  it('the interval of 2022-03-26 is 23 h, of 2022-10-29 is 25 h, and intervals tile the year', () => {
    expect(hours(byDs.get('2022-03-26'))).toBe(23);
    expect(hours(byDs.get('2022-10-29'))).toBe(25);
    const lengths = year.map(hours);
    expect(lengths.filter((h) => h === 24)).toHaveLength(363);
    for (let i = 1; i < year.length; i += 1) {
      expect(year[i]!.dataInterval.start.getTime()).toBe(year[i - 1]!.dataInterval.end.getTime());
    }
  });

  it('nextDagRunInfo steps across the changes one local day at a time', () => {
    const now = at('2022-11-15T00:00:00Z');
    expect(iso(nextDagRunInfo(london, at('2022-03-25T01:00:00Z'), now))?.logical).toBe(
      '2022-03-26T01:00:00.000Z',
    );
    expect(iso(nextDagRunInfo(london, at('2022-03-26T01:00:00Z'), now))).toEqual({
      logical: '2022-03-27T00:00:00.000Z',
      start: '2022-03-27T00:00:00.000Z',
      end: '2022-03-28T00:00:00.000Z',
    });
    expect(iso(nextDagRunInfo(london, at('2022-10-29T00:00:00Z'), now))).toEqual({
      logical: '2022-10-30T01:00:00.000Z',
      start: '2022-10-30T01:00:00.000Z',
      end: '2022-10-31T01:00:00.000Z',
    });
  });

  it('an hourly schedule fires every real hour across both changes', () => {
    const hourly = dag({ schedule: '@hourly', timezone: 'Europe/London', startDate: '2022-01-01' });
    const spring = dagRunInfosBetween(hourly, at('2022-03-26T22:00:00Z'), at('2022-03-27T03:00:00Z'));
    const autumn = dagRunInfosBetween(hourly, at('2022-10-29T22:00:00Z'), at('2022-10-30T03:00:00Z'));
    for (const runs of [spring, autumn]) {
      expect(runs).toHaveLength(6);
      expect(runs.map(hours)).toEqual([1, 1, 1, 1, 1, 1]);
    }
  });
});

describe('dagRunInfosBetween (backfill)', () => {
  it('2022-01-01..2022-12-31 of 0 1 * * * gives exactly 365 runs, in order, inclusive at both ends', () => {
    const infos = dagRunInfosBetween(
      dag(),
      parseDagDate('2022-01-01', 'UTC', false),
      parseDagDate('2022-12-31', 'UTC', true),
    );
    expect(infos).toHaveLength(365);
    expect(iso(infos[0])?.logical).toBe('2022-01-01T01:00:00.000Z');
    expect(iso(infos.at(-1))).toEqual({
      logical: '2022-12-31T01:00:00.000Z',
      start: '2022-12-31T01:00:00.000Z',
      end: '2023-01-01T01:00:00.000Z',
    });
    const single = dagRunInfosBetween(dag(), at('2022-02-01T01:00:00Z'), at('2022-02-01T01:00:00Z'));
    expect(single.map((i) => i.logicalDate.toISOString())).toEqual(['2022-02-01T01:00:00.000Z']);
  });

  it('is clamped to the DAG start and end dates', () => {
    const bounded = dag({ startDate: '2022-03-01', endDate: '2022-03-10T23:00' });
    const infos = dagRunInfosBetween(bounded, at('2021-01-01T00:00:00Z'), at('2023-01-01T00:00:00Z'));
    expect(infos).toHaveLength(10);
    expect(iso(infos[0])?.logical).toBe('2022-03-01T01:00:00.000Z');
    expect(dagRunInfosBetween(bounded, at('2023-01-01T00:00:00Z'), at('2023-02-01T00:00:00Z'))).toEqual([]);
  });

  it('@once gives its single run when in range; a null schedule gives none', () => {
    const once = dag({ schedule: '@once', startDate: '2022-05-05T05:00:00Z' });
    expect(dagRunInfosBetween(once, at('2022-01-01T00:00:00Z'), at('2022-12-31T00:00:00Z'))).toHaveLength(1);
    expect(dagRunInfosBetween(once, at('2022-06-01T00:00:00Z'), at('2022-12-31T00:00:00Z'))).toHaveLength(0);
    expect(
      dagRunInfosBetween(dag({ schedule: null }), at('2022-01-01T00:00:00Z'), at('2022-12-31T00:00:00Z')),
    ).toEqual([]);
  });
});

describe('inferManualDataInterval', () => {
  it('cron: the latest complete period ending at or before the logical date', () => {
    const info = inferManualDataInterval(dag(), at('2022-05-10T10:30:00Z'));
    expect(iso(info)).toEqual({
      logical: '2022-05-10T10:30:00.000Z',
      start: '2022-05-09T01:00:00.000Z',
      end: '2022-05-10T01:00:00.000Z',
    });
    const onPoint = inferManualDataInterval(dag(), at('2022-05-10T01:00:00Z'));
    expect(iso(onPoint)?.start).toBe('2022-05-09T01:00:00.000Z');
    expect(iso(onPoint)?.end).toBe('2022-05-10T01:00:00.000Z');
  });

  it('@once and null: the zero-length interval [L, L]', () => {
    for (const schedule of ['@once', null]) {
      const info = inferManualDataInterval(dag({ schedule }), at('2022-05-10T10:30:00Z'));
      expect(iso(info)).toEqual({
        logical: '2022-05-10T10:30:00.000Z',
        start: '2022-05-10T10:30:00.000Z',
        end: '2022-05-10T10:30:00.000Z',
      });
    }
  });
});

describe('parseDagDate and formatDs', () => {
  it('a date is local midnight, or the end of the local day for -e', () => {
    expect(parseDagDate('2022-01-01', 'UTC', false).toISOString()).toBe('2022-01-01T00:00:00.000Z');
    expect(parseDagDate('2022-12-31', 'UTC', true).toISOString()).toBe('2022-12-31T23:59:59.999Z');
    expect(parseDagDate('2022-07-01', 'Europe/London', false).toISOString()).toBe('2022-06-30T23:00:00.000Z');
    expect(parseDagDate('2022-07-01', 'Europe/London', true).toISOString()).toBe('2022-07-01T22:59:59.999Z');
  });

  it('a date-time is local wall time unless it carries an offset', () => {
    expect(parseDagDate('2022-07-01T05:00', 'Europe/London', true).toISOString()).toBe(
      '2022-07-01T04:00:00.000Z',
    );
    expect(parseDagDate('2022-07-01T05:00:00Z', 'Europe/London', true).toISOString()).toBe(
      '2022-07-01T05:00:00.000Z',
    );
    expect(parseDagDate('2022-07-01T05:00:00+02:00', 'UTC', false).toISOString()).toBe(
      '2022-07-01T03:00:00.000Z',
    );
  });

  it('rejects garbage and unknown zones', () => {
    expect(() => parseDagDate('last tuesday', 'UTC', false)).toThrow(TimetableError);
    expect(() => parseDagDate('2022-02-30', 'UTC', false)).toThrow(TimetableError);
    expect(() => parseDagDate('2022-01-01', 'Nowhere/City', false)).toThrow(/time zone/);
  });

  it("formatDs is the calendar date in the DAG's zone", () => {
    expect(formatDs(at('2022-06-30T23:30:00Z'), 'UTC')).toBe('2022-06-30');
    expect(formatDs(at('2022-06-30T23:30:00Z'), 'Europe/London')).toBe('2022-07-01');
    expect(formatDs(at('2022-01-01T04:00:00Z'), 'America/New_York')).toBe('2021-12-31');
  });
});

describe('parseDagDate errors', () => {
  it('names a day the calendar does not have in words, and keeps the format hint for the rest', () => {
    expect(() => parseDagDate('2022-02-30', 'Europe/London', false)).toThrow(
      'invalid date "2022-02-30": 2022-02-30 is not a calendar date',
    );
    expect(() => parseDagDate('2022-02-30T01:00', 'Europe/London', false)).toThrow(
      '2022-02-30 is not a calendar date',
    );
    expect(() => parseDagDate('abc', 'Europe/London', false)).toThrow(
      /invalid date "abc": expected YYYY-MM-DD or an ISO 8601 date-time/,
    );
  });

  it('names a time of day the clock does not have, not the (good) day', () => {
    expect(() => parseDagDate('2022-06-15T25:00:00Z', 'UTC', false)).toThrow(
      'invalid date "2022-06-15T25:00:00Z": 25:00:00Z is not a time of day',
    );
    expect(() => parseDagDate('2022-04-31T10:00:00Z', 'UTC', false)).toThrow(
      '2022-04-31 is not a calendar date',
    );
  });

  it('refuses a UTC offset beyond ±14:00 (luxon would shift the instant by 99 hours)', () => {
    expect(() => parseDagDate('2022-06-01T00:00:00+99:00', 'UTC', false)).toThrow(
      'invalid date "2022-06-01T00:00:00+99:00": +99:00 is not a UTC offset (they lie within ±14:00)',
    );
    expect(() => parseDagDate('2022-06-01T00:00:00-1430', 'UTC', false)).toThrow(/-1430 is not a UTC offset/);
    expect(parseDagDate('2022-06-01T00:00:00+14:00', 'UTC', false).toISOString()).toBe(
      '2022-05-31T10:00:00.000Z',
    );
    expect(parseDagDate('2022-06-01T00:00:00-12:00', 'UTC', false).toISOString()).toBe(
      '2022-06-01T12:00:00.000Z',
    );
  });
});
