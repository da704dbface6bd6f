import { describe, expect, it } from 'vitest';
import { DagCycleError, DagDefinitionError, defineDag, isDag } from '../../src/core/index.js';
import type { DagSpec, TaskSpec } from '../../src/core/index.js';

const cmd = ['node', 'dist/tasks/noop.js'];

function spec(overrides: Partial<DagSpec> = {}, tasks?: TaskSpec[]): DagSpec {
  return {
    dagId: 'sample',
    schedule: '0 1 * * *',
    startDate: '2022-01-01',
    tasks: tasks ?? [
      { taskId: 'extract', command: cmd },
      { taskId: 'validate', command: cmd, upstream: ['extract'] },
      { taskId: 'transform', command: cmd, upstream: ['validate'] },
      { taskId: 'load', command: cmd, upstream: ['transform'] },
    ],
    ...overrides,
  };
}

/** The DagDefinitionError thrown by `fn`, failing the test when none is thrown. */
function definitionError(fn: () => unknown): DagDefinitionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DagDefinitionError);
    return error as DagDefinitionError;
  }
  throw new Error('expected a DagDefinitionError');
}

describe('defineDag: defaults and compiled form', () => {
  it('applies the documented defaults and brands the result', () => {
    const dag = defineDag(spec());
    expect(isDag(dag)).toBe(true);
    expect(dag.__heatflowDag).toBe(true);
    expect(dag).toMatchObject({
      dagId: 'sample',
      schedule: '0 1 * * *',
      timezone: 'UTC',
      catchup: true,
      maxActiveRuns: 16,
      maxActiveTasks: 16,
      isPausedUponCreation: false,
    });
    expect(dag.startDate.toISOString()).toBe('2022-01-01T00:00:00.000Z');
    expect(dag.endDate).toBeUndefined();
    const extract = dag.tasks.get('extract');
    expect(extract).toMatchObject({
      retries: 0,
      retryDelayMs: 300_000,
      retryExponentialBackoff: false,
      maxRetryDelayMs: 86_400_000,
      pool: 'default_pool',
      poolSlots: 1,
      triggerRule: 'all_success',
      upstream: [],
      downstream: ['validate'],
    });
    expect(extract?.executionTimeoutMs).toBeUndefined();
  });

  it('computes downstream, roots, leaves and a topological order', () => {
    const dag = defineDag(
      spec({}, [
        { taskId: 'report', command: cmd, upstream: ['metrics', 'anomalies'] },
        { taskId: 'anomalies', command: cmd, upstream: ['preprocess'] },
        { taskId: 'metrics', command: cmd, upstream: ['preprocess'] },
        { taskId: 'preprocess', command: cmd },
        { taskId: 'lonely', command: cmd },
      ]),
    );
    expect(dag.taskIds).toEqual(['preprocess', 'lonely', 'anomalies', 'metrics', 'report']);
    expect([...dag.tasks.keys()]).toEqual(dag.taskIds);
    expect(dag.roots).toEqual(['preprocess', 'lonely']);
    expect(dag.leaves).toEqual(['lonely', 'report']);
    expect(dag.tasks.get('preprocess')?.downstream).toEqual(['anomalies', 'metrics']);
    for (const [i, id] of dag.taskIds.entries()) {
      for (const up of dag.tasks.get(id)?.upstream ?? []) expect(dag.taskIds.indexOf(up)).toBeLessThan(i);
    }
  });

  it('merges defaultArgs under each task and lets the task override them', () => {
    const dag = defineDag(
      spec(
        { defaultArgs: { retries: 3, retryDelayMs: 1000, pool: 'tado_api', executionTimeoutMs: 60_000 } },
        [
          { taskId: 'a', command: cmd },
          {
            taskId: 'b',
            command: cmd,
            retries: 0,
            pool: 'default_pool',
            triggerRule: 'all_done',
            upstream: ['a'],
          },
        ],
      ),
    );
    expect(dag.tasks.get('a')).toMatchObject({
      retries: 3,
      retryDelayMs: 1000,
      pool: 'tado_api',
      executionTimeoutMs: 60_000,
    });
    expect(dag.tasks.get('b')).toMatchObject({
      retries: 0,
      retryDelayMs: 1000,
      pool: 'default_pool',
      triggerRule: 'all_done',
    });
  });

  it("reads string dates in the DAG's time zone and keeps explicit offsets", () => {
    const london = defineDag(
      spec({ timezone: 'Europe/London', startDate: '2022-07-01', endDate: '2022-12-31' }),
    );
    expect(london.startDate.toISOString()).toBe('2022-06-30T23:00:00.000Z');
    expect(london.endDate?.toISOString()).toBe('2022-12-31T00:00:00.000Z');
    const offset = defineDag(spec({ timezone: 'Europe/London', startDate: '2022-07-01T00:00:00+02:00' }));
    expect(offset.startDate.toISOString()).toBe('2022-06-30T22:00:00.000Z');
    const date = new Date('2022-03-04T05:06:07Z');
    expect(defineDag(spec({ startDate: date })).startDate.getTime()).toBe(date.getTime());
  });

  it('accepts presets, @once and null schedules', () => {
    for (const schedule of [
      '@hourly',
      '@daily',
      '@weekly',
      '@monthly',
      '@yearly',
      '@annually',
      '@midnight',
      '@once',
      null,
    ]) {
      expect(defineDag(spec({ schedule })).schedule).toBe(schedule);
    }
  });

  it('isDag rejects look-alikes', () => {
    expect(isDag(null)).toBe(false);
    expect(isDag({ dagId: 'x', tasks: new Map() })).toBe(false);
    expect(isDag({ __heatflowDag: 'yes', dagId: 'x', tasks: new Map() })).toBe(false);
    expect(isDag(spec())).toBe(false);
  });
});

describe('defineDag: validation names the field', () => {
  const cases: [string, () => DagSpec, string][] = [
    ['bad dagId', () => spec({ dagId: 'tado etl' }), 'dagId'],
    ['empty dagId', () => spec({ dagId: '' }), 'dagId'],
    ['bad task id', () => spec({}, [{ taskId: 'a:b', command: cmd }]), 'tasks[0].taskId'],
    [
      'duplicate task id',
      () =>
        spec({}, [
          { taskId: 'a', command: cmd },
          { taskId: 'b', command: cmd },
          { taskId: 'a', command: cmd },
        ]),
      'tasks[2].taskId',
    ],
    [
      'unknown upstream',
      () =>
        spec({}, [
          { taskId: 'a', command: cmd },
          { taskId: 'b', command: cmd },
          { taskId: 'c', command: cmd, upstream: ['nope', 'a'] },
        ]),
      'tasks[2].upstream[0]',
    ],
    [
      'upstream listed twice',
      () =>
        spec({}, [
          { taskId: 'a', command: cmd },
          { taskId: 'b', command: cmd, upstream: ['a', 'a'] },
        ]),
      'tasks[1].upstream[1]',
    ],
    ['invalid cron', () => spec({ schedule: '61 * * * *' }), 'schedule'],
    ['cron with 6 fields', () => spec({ schedule: '0 0 1 * * *' }), 'schedule'],
    ['cron with 3 fields', () => spec({ schedule: '* * *' }), 'schedule'],
    ['unknown preset', () => spec({ schedule: '@fortnightly' }), 'schedule'],
    ['unknown time zone', () => spec({ timezone: 'Mars/Olympus_Mons' }), 'timezone'],
    ['unparsable start date', () => spec({ startDate: '2022-13-45' }), 'startDate'],
    ['invalid Date object', () => spec({ startDate: new Date('nope') }), 'startDate'],
    ['end before start', () => spec({ startDate: '2022-06-01', endDate: '2022-05-31' }), 'endDate'],
    ['zero maxActiveRuns', () => spec({ maxActiveRuns: 0 }), 'maxActiveRuns'],
    ['fractional maxActiveTasks', () => spec({ maxActiveTasks: 1.5 }), 'maxActiveTasks'],
    ['negative dagrun timeout', () => spec({ dagrunTimeoutMs: -1 }), 'dagrunTimeoutMs'],
    ['negative default retries', () => spec({ defaultArgs: { retries: -1 } }), 'defaultArgs.retries'],
    [
      'bad task poolSlots',
      () => spec({}, [{ taskId: 'a', command: cmd, poolSlots: 0 }]),
      'tasks[0].poolSlots',
    ],
    [
      'bad trigger rule',
      () => spec({}, [{ taskId: 'a', command: cmd, triggerRule: 'sometimes' as never }]),
      'tasks[0].triggerRule',
    ],
    ['empty command', () => spec({}, [{ taskId: 'a', command: [] }]), 'tasks[0].command'],
    ['no tasks', () => spec({}, []), 'tasks'],
  ];
  it.each(cases)('%s → %s', (_name, make, field) => {
    const error = definitionError(() => defineDag(make()));
    expect(error.field).toBe(field);
    expect(error.code).toBe('DAG_INVALID');
    expect(error.message).toContain(field);
  });

  it('reports the DAG id on field errors', () => {
    const error = definitionError(() => defineDag(spec({ timezone: 'Nowhere/City' })));
    expect(error.dagId).toBe('sample');
    expect(error.message).toContain('sample');
  });
});

describe('defineDag: cycles', () => {
  it('throws DagCycleError with the cycle path, first task repeated', () => {
    const error = definitionError(() =>
      defineDag(
        spec({}, [
          { taskId: 'start', command: cmd },
          { taskId: 'a', command: cmd, upstream: ['start', 'c'] },
          { taskId: 'b', command: cmd, upstream: ['a'] },
          { taskId: 'c', command: cmd, upstream: ['b'] },
          { taskId: 'end', command: cmd, upstream: ['c'] },
        ]),
      ),
    );
    expect(error).toBeInstanceOf(DagCycleError);
    expect((error as DagCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
    expect(error.message).toContain('a -> b -> c -> a');
    expect(error.field).toBe('tasks');
  });

  it('finds a self-dependency', () => {
    const error = definitionError(() =>
      defineDag(spec({}, [{ taskId: 'a', command: cmd, upstream: ['a'] }])),
    );
    expect((error as DagCycleError).cycle).toEqual(['a', 'a']);
  });
});
