/**
 * The schedule seen from its cursor (src/core/schedule-ahead.ts): the next run the scheduler
 * would actually create steps over logical dates that already have a run (issue 16: after the
 * 2022 backfill the DAG list said "Next run 2022-01-01"), and catch-up counts what is due.
 */
import { describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { catchupPlanOf, dueScheduledRuns, nextRunOf } from '../../src/core/schedule-ahead.js';
import { dagRunInfosBetween } from '../../src/core/timetable.js';
import { describeCatchup } from '../../src/scheduler/next-run-service.js';

const dag = defineDag({
  dagId: 'daily',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'Europe/London',
  tasks: [{ taskId: 't', command: ['true'] }],
});
/** The logical dates of a backfill of 2022 (as `createBackfill` plans them). */
const year2022 = new Set(
  dagRunInfosBetween(dag, new Date('2022-01-01T00:00:00Z'), new Date('2022-12-31T23:59:59Z')).map((i) =>
    i.logicalDate.getTime(),
  ),
);
const now = new Date('2023-01-10T12:00:00Z');

describe('nextRunOf', () => {
  it('after a full 2022 backfill with catchup and no cursor: the first day of 2023, due', () => {
    expect(year2022.size).toBe(365);
    const next = nextRunOf(dag, null, now, year2022);
    expect(next?.logicalDate.toISOString()).toBe('2023-01-01T01:00:00.000Z');
    expect(next?.due).toBe(true);
  });

  it('with no runs: the start date; a run in the middle is stepped over', () => {
    expect(nextRunOf(dag, null, now, new Set())?.logicalDate.toISOString()).toBe('2022-01-01T01:00:00.000Z');
    const jan1 = new Date('2022-01-01T01:00:00Z').getTime();
    expect(nextRunOf(dag, null, now, new Set([jan1]))?.logicalDate.toISOString()).toBe(
      '2022-01-02T01:00:00.000Z',
    );
  });

  it('nothing due: the interval in progress, stepping over a run that exists for it', () => {
    const soon = new Date('2023-01-10T00:30:00Z'); // the 01-09 interval ends at 01:00
    const cursor = new Date('2023-01-08T01:00:00Z');
    expect(nextRunOf(dag, cursor, soon, new Set())?.due).toBe(false);
    const pending = nextRunOf(dag, cursor, soon, new Set())?.logicalDate.getTime() ?? 0;
    const after = nextRunOf(dag, cursor, soon, new Set([pending]));
    expect(after?.logicalDate.getTime()).toBe(pending + 86_400_000);
  });
});

describe('dueScheduledRuns and catch-up', () => {
  it('creates at most max runs, skipping existing ones, and moves the cursor over both', () => {
    const jan2 = new Date('2022-01-02T01:00:00Z').getTime();
    const step = dueScheduledRuns(dag, null, now, new Set([jan2]), 3);
    expect(step.runs.map((r) => r.logicalDate.toISOString())).toEqual([
      '2022-01-01T01:00:00.000Z',
      '2022-01-03T01:00:00.000Z',
      '2022-01-04T01:00:00.000Z',
    ]);
    expect(step.cursor?.toISOString()).toBe('2022-01-04T01:00:00.000Z');
  });

  it('counts what catch-up creates after the backfilled year, and says it', () => {
    const plan = catchupPlanOf(dag, null, now, year2022);
    // every 2023 day whose interval [01:00, next 01:00) ended by now (01-09 ends 01-10 01:00)
    const due2023 = dagRunInfosBetween(dag, new Date('2023-01-01T00:00:00Z'), now).filter(
      (i) => i.dataInterval.end <= now,
    );
    expect(plan.count).toBe(due2023.length);
    expect(plan.first?.logicalDate.toISOString()).toBe('2023-01-01T01:00:00.000Z');
    expect(describeCatchup(dag, plan, 16)).toBe(
      `catch-up will create ${due2023.length} runs from 2023-01-01 (max_active_runs 16 at a time)`,
    );
    const many = catchupPlanOf(dag, null, new Date('2026-12-03T12:00:00Z'), year2022);
    expect(describeCatchup(dag, many, 16)).toMatch(/^catch-up will create 1,\d{3} runs from 2023-01-01 /);
    expect(describeCatchup(dag, catchupPlanOf(dag, null, new Date('2021-06-01'), new Set()), 16)).toBe(
      'catch-up: no runs are due',
    );
  });
});
