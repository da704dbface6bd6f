import { describe, expect, it } from 'vitest';
import {
  DagDefinitionError,
  MAX_ASSET_URI_LENGTH,
  asset,
  assetScheduleLabel,
  defineDag,
  isAsset,
  makeRunId,
  jobIdFor,
  parseJobId,
} from '../../src/core/index.js';
import type { Asset, DagSpec } from '../../src/core/index.js';

const cmd = ['node', 'dist/tasks/noop.js'];

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

describe('asset()', () => {
  it('keeps a valid URI, lower-cases its scheme, copies and freezes its extra', () => {
    const extra = { owner: 'me', tags: ['a'] };
    const a = asset('S3+Custom.v2://Bucket/Key?x=1', extra);
    expect(a.uri).toBe('s3+custom.v2://Bucket/Key?x=1');
    expect(a.extra).toEqual(extra);
    expect(a.extra).not.toBe(extra);
    expect(Object.isFrozen(a)).toBe(true);
    expect(isAsset(a)).toBe(true);
    expect(isAsset({ uri: 'x://y' })).toBe(false);
    expect(asset('tado://warehouse').extra).toEqual({});
    expect(asset(`x://${'a'.repeat(MAX_ASSET_URI_LENGTH - 4)}`).uri).toHaveLength(MAX_ASSET_URI_LENGTH);
  });

  it.each([
    ['', 'must be a non-empty string'],
    ['warehouse', 'must have the form scheme://'],
    ['tado:/warehouse', 'must have the form scheme://'],
    ['1tado://warehouse', 'must have the form scheme://'],
    ['tado://', "nothing after 'tado://'"],
    ['tado://ware house', 'must not contain whitespace'],
    ['tado://ware\thouse', 'must not contain whitespace'],
    ['tado://entrepôt', 'ASCII characters only'],
    ['airflow://x', "the scheme 'airflow' is reserved"],
    ['AIRFLOW://x', "the scheme 'airflow' is reserved"],
    ['postgres://user:secret@db/x', 'must not carry credentials'],
    [`x://${'a'.repeat(MAX_ASSET_URI_LENGTH)}`, `over the ${MAX_ASSET_URI_LENGTH}-character limit`],
  ])('refuses %j naming the field uri (%s)', (uri, message) => {
    const e = definitionError(() => asset(uri));
    expect(e.field).toBe('uri');
    expect(e.message).toContain(message);
  });

  it('allows an @ after the authority (a path or query, not credentials)', () => {
    expect(asset('mailto://list/a@b').uri).toBe('mailto://list/a@b');
  });

  it.each([
    [[1, 2], 'must be a plain object'],
    [{ when: new Date(0) }, 'extra.when is not a plain object or array'],
    [{ f: () => 1 }, 'extra.f is a function'],
    [{ n: Number.NaN }, 'extra.n is not a finite number'],
    [{ deep: [{ u: undefined }] }, 'extra.deep[0].u is a undefined'],
  ])('refuses the extra %j naming the field extra', (extra, message) => {
    const e = definitionError(() => asset('x://y', extra as unknown as Record<string, unknown>));
    expect(e.field).toBe('extra');
    expect(e.message).toContain(message);
  });

  it('refuses a circular extra', () => {
    const extra: Record<string, unknown> = {};
    extra.self = extra;
    expect(definitionError(() => asset('x://y', extra)).message).toContain('circular');
  });

  it('labels a schedule on one or several assets', () => {
    expect(assetScheduleLabel(['tado://warehouse'])).toBe('on asset tado://warehouse');
    expect(assetScheduleLabel(['a://x', 'b://y'])).toBe('on assets a://x, b://y');
  });
});

describe('defineDag with assets', () => {
  const producer = (outlets: unknown): DagSpec => ({
    dagId: 'producer',
    schedule: '@daily',
    startDate: '2022-01-01',
    tasks: [
      { taskId: 'extract', command: cmd },
      { taskId: 'load', command: cmd, upstream: ['extract'], outlets: outlets as Asset[] },
    ],
  });

  it('compiles outlets (assets or URI strings) to URIs and collects the DAG assets with their extras', () => {
    const dag = defineDag(producer([asset('tado://warehouse', { v: 1 }), 'TADO://rooms']));
    expect(dag.tasks.get('load')?.outlets).toEqual(['tado://warehouse', 'tado://rooms']);
    expect(dag.tasks.get('extract')?.outlets).toEqual([]);
    expect(dag.scheduleAssets).toEqual([]);
    expect(dag.schedule).toBe('@daily');
    expect([...dag.assets.keys()]).toEqual(['tado://warehouse', 'tado://rooms']);
    expect(dag.assets.get('tado://warehouse')?.extra).toEqual({ v: 1 });
  });

  it('an asset schedule: schedule null, scheduleAssets in order, all of them among the assets', () => {
    const dag = defineDag({
      dagId: 'consumer',
      schedule: [asset('a://x'), asset('b://y', { k: 'v' })],
      startDate: '2022-01-01',
      tasks: [{ taskId: 'only', command: cmd }],
    });
    expect(dag.schedule).toBeNull();
    expect(dag.scheduleAssets).toEqual(['a://x', 'b://y']);
    expect(dag.assets.get('b://y')?.extra).toEqual({ k: 'v' });
    expect(Object.isFrozen(dag.scheduleAssets)).toBe(true);
  });

  it.each([
    [[], 'schedule', 'must not be empty'],
    [['tado://warehouse'], 'schedule[0]', 'must be an asset'],
    [[asset('a://x'), asset('A://x')], 'schedule[1]', 'asset a://x is listed twice'],
    [[asset('a://x'), { uri: 'b://y' }], 'schedule[1]', 'must be an asset'],
    [42, 'schedule', 'a list of assets'],
  ])('refuses the schedule %j naming %s', (schedule, field, message) => {
    const e = definitionError(() =>
      defineDag({
        dagId: 'consumer',
        schedule: schedule as unknown as Asset[],
        startDate: '2022-01-01',
        tasks: [{ taskId: 'only', command: cmd }],
      }),
    );
    expect(e.field).toBe(field);
    expect(e.dagId).toBe('consumer');
    expect(e.message).toContain(message);
  });

  it.each([
    ['tado://warehouse', 'tasks[1].outlets', 'must be an array'],
    [['warehouse'], 'tasks[1].outlets[0]', 'must have the form scheme://'],
    [[42], 'tasks[1].outlets[0]', 'must be an asset'],
    [['a://x', asset('a://x')], 'tasks[1].outlets[1]', 'listed twice'],
    [
      [{ __heatflowAsset: true, uri: 'airflow://x', extra: {} }],
      'tasks[1].outlets[0]',
      "the scheme 'airflow' is reserved",
    ],
  ])('refuses the outlets %j naming %s', (outlets, field, message) => {
    const e = definitionError(() => defineDag(producer(outlets)));
    expect(e.field).toBe(field);
    expect(e.message).toContain(message);
  });

  it('refuses one URI declared with two different extras in one DAG, accepts it once bare', () => {
    const e = definitionError(() =>
      defineDag({
        dagId: 'both',
        schedule: [asset('a://x', { v: 1 })],
        startDate: '2022-01-01',
        tasks: [{ taskId: 'only', command: cmd, outlets: [asset('a://x', { v: 2 })] }],
      }),
    );
    expect(e.field).toBe('tasks[0].outlets[0]');
    expect(e.message).toContain('two different extras');
    const ok = defineDag({
      dagId: 'both',
      schedule: [asset('a://x')],
      startDate: '2022-01-01',
      tasks: [{ taskId: 'only', command: cmd, outlets: [asset('a://x', { v: 2 })] }],
    });
    expect(ok.assets.get('a://x')?.extra).toEqual({ v: 2 });
  });
});

describe('asset-triggered run ids', () => {
  it('have Airflow shape and round-trip through job ids', () => {
    const runId = makeRunId('asset_triggered', new Date('2026-12-02T10:11:12.345Z'));
    expect(runId).toBe('asset_triggered__2026-12-02T10:11:12.345000+00:00');
    const jobId = jobIdFor('heating_analytics', runId, 'clean', 1);
    expect(jobId).not.toContain(':');
    expect(parseJobId(jobId)).toEqual({
      dagId: 'heating_analytics',
      runId,
      taskId: 'clean',
      tryNumber: 1,
    });
  });
});
