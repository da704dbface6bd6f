/**
 * Run conf validation (`validateRunConf`) with a DAG's `paramsSchema`, and the two shipped DAGs'
 * schemas: heating_analytics' `dates` (real calendar dates, strict keys) and tado_etl (no conf).
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { heatingAnalytics, runDates } from '../../dags/heating_analytics.js';
import { tadoEtl } from '../../dags/tado_etl.js';
import { expandDatesParam } from '../../src/analytics/dates-param.js';
import {
  DagDefinitionError,
  RunConfError,
  defineDag,
  formatConfPath,
  validateRunConf,
  type RunContext,
} from '../../src/core/index.js';

const dagWith = (paramsSchema?: z.ZodType) =>
  defineDag({
    dagId: 'conf_dag',
    schedule: null,
    startDate: '2022-01-01',
    ...(paramsSchema === undefined ? {} : { paramsSchema }),
    tasks: [{ taskId: 'a', command: ['true'] }],
  });

/** The RunConfError `fn` throws (fails the test when it throws none or another error). */
function confError(fn: () => unknown): RunConfError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(RunConfError);
    return err as RunConfError;
  }
  throw new Error('expected a RunConfError, nothing was thrown');
}

describe('validateRunConf', () => {
  it('accepts any JSON object for a DAG without a schema, and returns it unchanged', () => {
    const conf = { zone: 1, nested: { a: [1, 'x'] } };
    expect(validateRunConf(dagWith(), conf)).toBe(conf);
  });

  it('rejects a conf that is not an object', () => {
    for (const bad of [null, [], 'x', 3]) {
      const e = confError(() => validateRunConf(dagWith(), bad));
      expect(e.key).toBe('');
      expect(e.message).toBe('DAG "conf_dag": conf: must be a JSON object');
    }
  });

  it('rejects a NUL character in a value or a key, naming where, with or without a schema', () => {
    const inValue = confError(() => validateRunConf(dagWith(), { a: { b: ['ok', 'x\u0000y'] } }));
    expect(inValue.key).toBe('a.b[1]');
    expect(inValue.message).toContain('conf key "a.b[1]": holds a NUL character (\\u0000)');
    const inKey = confError(() => validateRunConf(heatingAnalytics, { 'da\u0000tes': 1 }));
    expect(inKey.key).toBe('da\u0000tes');
    expect(inKey.problem).toContain('NUL character');
  });

  it('names the key and the schema message of a value the schema refuses', () => {
    const dag = dagWith(z.strictObject({ zone: z.number().int() }));
    const e = confError(() => validateRunConf(dag, { zone: 'one' }));
    expect(e.key).toBe('zone');
    expect(e.message).toMatch(/^DAG "conf_dag": conf key "zone": .*number/i);
  });

  it('a strict schema rejects an unknown key, listing the keys the DAG takes; a loose one keeps it', () => {
    const e = confError(() => validateRunConf(dagWith(z.strictObject({ zone: z.number() })), { zome: 1 }));
    expect(e.key).toBe('zome');
    expect(e.message).toBe('DAG "conf_dag": conf key "zome": not a param of DAG "conf_dag" (it takes: zone)');
    const loose = { zone: 1, extra: true };
    expect(validateRunConf(dagWith(z.object({ zone: z.number() })), loose)).toEqual(loose);
  });

  it('formats JSON paths', () => {
    expect(formatConfPath([])).toBe('');
    expect(formatConfPath(['dates', 2])).toBe('dates[2]');
    expect(formatConfPath(['a', 'b', 0, 'c'])).toBe('a.b[0].c');
  });
});

describe('defineDag paramsSchema', () => {
  it('must be a zod schema', () => {
    expect(() =>
      defineDag({
        dagId: 'x',
        schedule: null,
        startDate: '2022-01-01',
        paramsSchema: { dates: 'list' } as unknown as z.ZodType,
        tasks: [{ taskId: 'a', command: ['true'] }],
      }),
    ).toThrow(DagDefinitionError);
  });
});

describe("heating_analytics' dates conf", () => {
  it('takes a list of dates and ranges, or a date set text', () => {
    expect(validateRunConf(heatingAnalytics, { dates: ['2022-01-02', '2022-01-01'] })).toBeDefined();
    expect(validateRunConf(heatingAnalytics, { dates: '2022-01-01..2022-12-31' })).toBeDefined();
    expect(validateRunConf(heatingAnalytics, {})).toEqual({});
    expect(expandDatesParam(['2022-03-01..2022-03-03', '2022-01-05', '2022-03-02'])).toEqual([
      '2022-01-05',
      '2022-03-01',
      '2022-03-02',
      '2022-03-03',
    ]);
  });

  it('rejects a date that is not on the calendar, naming it and its place in the list', () => {
    const e = confError(() => validateRunConf(heatingAnalytics, { dates: ['2022-02-28', '2022-02-30'] }));
    expect(e.key).toBe('dates[1]');
    expect(e.message).toContain('"2022-02-30" is not a calendar date (expected YYYY-MM-DD)');
    const text = confError(() => validateRunConf(heatingAnalytics, { dates: '2022-01-01..2022-02-30' }));
    expect(text.key).toBe('dates');
    expect(text.message).toContain('"2022-02-30" is not a calendar date');
    const notList = confError(() => validateRunConf(heatingAnalytics, { dates: 20220101 }));
    expect(notList.message).toContain('must be a list of dates YYYY-MM-DD');
    const notString = confError(() => validateRunConf(heatingAnalytics, { dates: ['2022-01-01', 5] }));
    expect(notString.key).toBe('dates[1]');
  });

  it('rejects a misspelt key (strict), naming it and the one it takes', () => {
    const e = confError(() => validateRunConf(heatingAnalytics, { date: ['2022-01-01'] }));
    expect(e.key).toBe('date');
    expect(e.message).toBe(
      'DAG "heating_analytics": conf key "date": not a param of DAG "heating_analytics" (it takes: dates)',
    );
  });

  it("a run's dates include those of a list conf", () => {
    const ctx = { params: { dates: ['2022-01-03', '2022-01-01..2022-01-02'] }, triggeringAssetEvents: [] };
    expect(runDates(ctx as unknown as RunContext)).toBe('2022-01-01..2022-01-03');
  });
});

describe("tado_etl's conf", () => {
  it('takes no key', () => {
    expect(validateRunConf(tadoEtl, {})).toEqual({});
    const e = confError(() => validateRunConf(tadoEtl, { ds: '2022-01-01' }));
    expect(e.message).toBe('DAG "tado_etl": conf key "ds": not a param of DAG "tado_etl" (it takes none)');
  });
});
