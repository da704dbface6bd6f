import { describe, expect, it } from 'vitest';
import { runDates } from '../../dags/heating_analytics.js';
import { isNoRetryError } from '../../src/core/errors.js';
import type { RunContext } from '../../src/core/types.js';
import { FailTask } from '../../src/task-sdk/index.js';

const ctx = (dates: unknown): RunContext => ({
  dagId: 'heating_analytics',
  runId: 'manual__2022-12-07T00:00:00+00:00',
  runType: 'manual',
  taskId: 'clean',
  tryNumber: 1,
  logicalDate: new Date('2022-12-07T00:00:00Z'),
  ds: '2022-12-07',
  dataIntervalStart: new Date('2022-12-07T00:00:00Z'),
  dataIntervalEnd: new Date('2022-12-08T00:00:00Z'),
  params: { dates },
  upstreamXComs: {},
  triggeringAssetEvents: [],
});

describe('heating_analytics runDates', () => {
  it('renders the dates param as a compact date set', () => {
    expect(runDates(ctx('2022-12-03,2022-12-01..2022-12-02'))).toBe('2022-12-01..2022-12-03');
  });

  it.each([
    ['2022-12-01..2022-11-30', 'param "dates": range "2022-12-01..2022-11-30" ends before it starts'],
    [
      '2022-02-30',
      'param "dates": date set item "2022-02-30": "2022-02-30" is not a calendar date (expected YYYY-MM-DD)',
    ],
    [
      42,
      'param "dates": must be a list of dates YYYY-MM-DD (or ranges first..last), or one date set text, got 42',
    ],
    [['2022-12-01', 7], 'param "dates": must be a date YYYY-MM-DD or a range first..last, got 7'],
  ])('refuses %j with a FailTask (no retries) naming the param', (dates, message) => {
    let thrown: unknown;
    try {
      runDates(ctx(dates));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(FailTask);
    expect(isNoRetryError(thrown)).toBe(true);
    expect((thrown as Error).message).toBe(message);
  });
});
