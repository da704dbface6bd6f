import { describe, expect, it } from 'vitest';
import { HeatflowError, jobIdFor, makeRunId, parseJobId } from '../../src/core/index.js';

describe('makeRunId', () => {
  it("has Airflow's shape with a +00:00 offset", () => {
    expect(makeRunId('scheduled', new Date('2022-01-01T01:00:00Z'))).toBe(
      'scheduled__2022-01-01T01:00:00+00:00',
    );
    expect(makeRunId('backfill', new Date('2022-12-31T01:00:00Z'))).toBe(
      'backfill__2022-12-31T01:00:00+00:00',
    );
    expect(makeRunId('manual', new Date('2022-05-10T10:30:15.123Z'))).toBe(
      'manual__2022-05-10T10:30:15.123000+00:00',
    );
  });

  it('refuses an invalid date', () => {
    expect(() => makeRunId('manual', new Date('nope'))).toThrow(HeatflowError);
  });
});

describe('jobIdFor / parseJobId', () => {
  const runId = makeRunId('scheduled', new Date('2022-01-01T01:00:00Z'));

  it('is deterministic, free of ":", never all digits, and readable', () => {
    const id = jobIdFor('tado_etl', runId, 'extract', 1);
    expect(id).toBe('tado_etl/scheduled__2022-01-01T01%3A00%3A00+00%3A00/extract/1');
    expect(jobIdFor('tado_etl', runId, 'extract', 1)).toBe(id);
    expect(id).not.toContain(':');
    expect(jobIdFor('1', '2', '3', 4)).not.toMatch(/^\d+$/);
  });

  it('round-trips any run id, including ones with ":", "/" and "%"', () => {
    const weird = ['manual__2022-05-10T10:30:15.123000+00:00', 'my/run:with%25odd%3Achars', '12345', 'a/b/c'];
    for (const r of weird) {
      const id = jobIdFor('dag.v2', r, 'task-1', 12);
      expect(id).not.toContain(':');
      expect(parseJobId(id)).toEqual({ dagId: 'dag.v2', runId: r, taskId: 'task-1', tryNumber: 12 });
    }
  });

  it('distinguishes tries and tasks', () => {
    expect(jobIdFor('d', runId, 't', 1)).not.toBe(jobIdFor('d', runId, 't', 2));
    expect(jobIdFor('d', runId, 'a', 1)).not.toBe(jobIdFor('d', runId, 'b', 1));
  });

  it('rejects bad try numbers and foreign job ids', () => {
    expect(() => jobIdFor('d', runId, 't', 0)).toThrow(/try number/);
    expect(() => jobIdFor('d', runId, 't', 1.5)).toThrow(HeatflowError);
    for (const bad of ['123', 'a/b/c', 'a/b/c/0', 'a/b/c/x', 'a/b/c/d/1']) {
      expect(() => parseJobId(bad)).toThrow(HeatflowError);
    }
  });
});
