/**
 * `scheduledRunOnDay`: what a bare date given to `dags trigger --logical-date` stands for, the
 * schedule's logical date of that local day with the scheduled run's data interval, the same one
 * `dagRunInfosBetween` (backfills) and the scheduler give that day.
 */
import { describe, expect, it } from 'vitest';
import {
  dagRunInfosBetween,
  defineDag,
  parseDagDate,
  scheduledRunOnDay,
  TimetableError,
} from '../../src/core/index.js';

const dag = (schedule: string | null) =>
  defineDag({
    dagId: 'd',
    schedule,
    startDate: '2022-01-01',
    timezone: 'Europe/London',
    tasks: [{ taskId: 'a', command: ['true'] }],
  });
const daily = dag('0 1 * * *');

describe('scheduledRunOnDay', () => {
  it("is the day's 01:00 run of a daily-at-01:00 DAG, the one a backfill of that day creates", () => {
    for (const day of ['2022-01-01', '2022-03-26', '2022-03-27', '2022-10-30', '2022-12-31']) {
      const [backfilled] = dagRunInfosBetween(
        daily,
        parseDagDate(day, daily.timezone, false),
        parseDagDate(day, daily.timezone, true),
      );
      expect(scheduledRunOnDay(daily, day), day).toEqual(backfilled);
    }
    const run = scheduledRunOnDay(daily, '2022-01-01');
    expect(run?.logicalDate.toISOString()).toBe('2022-01-01T01:00:00.000Z');
    expect(run?.dataInterval.end.toISOString()).toBe('2022-01-02T01:00:00.000Z');
    // the spring-forward day: 01:00 does not exist, read with BST's offset (docs/dag-authoring.md)
    expect(scheduledRunOnDay(daily, '2022-03-27')?.logicalDate.toISOString()).toBe(
      '2022-03-27T00:00:00.000Z',
    );
  });

  it('is not bounded by the start date', () => {
    expect(scheduledRunOnDay(daily, '2021-06-01')?.logicalDate.toISOString()).toBe(
      '2021-06-01T00:00:00.000Z',
    );
  });

  it('is null when the schedule has no logical date that day', () => {
    expect(scheduledRunOnDay(dag('0 0 * * 0'), '2022-01-03')).toBeNull(); // a Monday, weekly on Sundays
    expect(scheduledRunOnDay(dag('0 0 * * 0'), '2022-01-02')?.logicalDate.toISOString()).toBe(
      '2022-01-02T00:00:00.000Z',
    );
    expect(scheduledRunOnDay(dag(null), '2022-01-01')).toBeNull();
    expect(scheduledRunOnDay(dag('@once'), '2022-01-01')).toBeNull();
  });

  it('rejects what is not a calendar date', () => {
    expect(() => scheduledRunOnDay(daily, '2022-02-30')).toThrow(TimetableError);
    expect(() => scheduledRunOnDay(daily, '2022-1-1')).toThrow('"2022-1-1" is not a calendar date');
  });
});
