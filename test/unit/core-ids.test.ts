import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { InvalidIdError, PathEscapeError } from '../../src/core/errors.js';
import { assertId, idProblem } from '../../src/core/ids.js';
import { makeRunId } from '../../src/core/run-id.js';
import { isInside, resolveInside } from '../../src/core/safe-path.js';
import { logFileOf } from '../../src/web/log-reader.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { runDirOf } from '../../src/worker/task-worker.js';

const HOSTILE_RUN_IDS = [
  '../../../../elsewhere/evil',
  '..',
  '.',
  'a/b',
  'a\\b',
  'nul\u0000byte',
  'new\nline',
  '<img src=x>',
  'space here',
  '',
  'x'.repeat(251),
];

describe('run ids', () => {
  it('accepts every id heatflow generates', () => {
    const at = new Date(Date.UTC(2022, 0, 1, 1, 0, 0, 123));
    for (const type of ['scheduled', 'manual', 'backfill', 'asset_triggered'] as const) {
      expect(idProblem('run_id', makeRunId(type, at))).toBeUndefined();
      expect(idProblem('run_id', makeRunId(type, new Date(Date.UTC(2022, 5, 14, 1))))).toBeUndefined();
    }
    expect(idProblem('run_id', 'my-run_1.2~x:y+z')).toBeUndefined();
    expect(idProblem('run_id', 'x'.repeat(250))).toBeUndefined();
  });

  it('refuses path separators, dots-only ids, control characters, markup and overlong ids, naming the field', () => {
    for (const bad of HOSTILE_RUN_IDS) {
      expect(idProblem('run_id', bad), JSON.stringify(bad)).toBeDefined();
      expect(() => assertId('run_id', bad, 'dag_run_id'), JSON.stringify(bad)).toThrow(InvalidIdError);
    }
    expect(() => assertId('run_id', 'a/b', 'dag_run_id')).toThrow(
      /invalid dag_run_id "a\/b": may contain only/,
    );
    expect(() => assertId('run_id', 'nul\u0000')).toThrow(/"nul\\u0000"/);
  });

  it('DAG and task ids keep Airflow’s KEY_REGEX (no ":" "+" "~") and refuse dots only', () => {
    expect(idProblem('dag_id', 'tado_etl')).toBeUndefined();
    expect(idProblem('task_id', 'a.b-c_d')).toBeUndefined();
    for (const bad of ['a:b', 'a+b', '..', '.', 'a/b', ''])
      expect(idProblem('dag_id', bad), bad).toBeDefined();
    expect(() =>
      defineDag({
        dagId: '..',
        schedule: null,
        startDate: '2022-01-01',
        tasks: [{ taskId: 't', command: ['x'] }],
      }),
    ).toThrow(/dots only/);
    expect(() =>
      defineDag({
        dagId: 'd',
        schedule: null,
        startDate: '2022-01-01',
        tasks: [{ taskId: '.', command: ['x'] }],
      }),
    ).toThrow(/dots only/);
  });
});

describe('paths built from ids stay inside their roots', () => {
  const root = path.resolve('/srv/hf/logs');

  it('isInside / resolveInside', () => {
    expect(isInside(root, path.join(root, 'a', 'b'))).toBe(true);
    expect(isInside(root, root)).toBe(true);
    expect(isInside(root, path.join(root, '..', 'logs2', 'x'))).toBe(false);
    expect(isInside(root, '/etc/passwd')).toBe(false);
    expect(isInside(root, path.join(root, '..a'))).toBe(true); // a folder named "..a" is inside
    expect(resolveInside(root, 'file', 'a', 'b.log')).toBe(path.join(root, 'a', 'b.log'));
    expect(() => resolveInside(root, 'file', '..', 'x')).toThrow(PathEscapeError);
    expect(() => resolveInside(root, 'file', '/etc')).toThrow(/outside its folder/);
    expect(() => resolveInside(root, 'file', '.')).toThrow(PathEscapeError);
  });

  it('tryLogPath and runDirOf refuse a hostile run id instead of building a path outside the root', () => {
    const t = { dagId: 'd', runId: '../../../../elsewhere/evil', taskId: 't', tryNumber: 1 };
    expect(() => tryLogPath(root, t)).toThrow(InvalidIdError);
    expect(() => runDirOf('d', t.runId)).toThrow(InvalidIdError);
    expect(() => runDirOf('..', 'r')).toThrow(InvalidIdError);
    const ok = { ...t, runId: makeRunId('manual', new Date(Date.UTC(2022, 0, 1))) };
    expect(tryLogPath(root, ok)).toBe(
      path.join(root, 'dag_id=d', `run_id=${ok.runId}`, 'task_id=t', 'attempt=1.log'),
    );
    expect(runDirOf('d', ok.runId)).toBe(`runs/d/${ok.runId}`);
  });

  it('logFileOf never returns a recorded path outside the log folder', () => {
    const t = { dagId: 'd', runId: 'r', taskId: 't', tryNumber: 1 };
    expect(logFileOf(root, path.join(root, 'dag_id=d', 'x.log'), t)).toBe(
      path.join(root, 'dag_id=d', 'x.log'),
    );
    expect(logFileOf(root, path.join(root, '..', '..', 'elsewhere', 'evil.log'), t)).toBeUndefined();
    expect(logFileOf(root, '/etc/passwd', t)).toBeUndefined();
    expect(logFileOf(root, 'relative.log', t)).toBeUndefined();
    expect(logFileOf(root, '', t)).toBeUndefined();
    expect(logFileOf(root, null, { ...t, runId: '../x' })).toBeUndefined();
    expect(logFileOf(root, null, t)).toBe(
      path.join(root, 'dag_id=d', 'run_id=r', 'task_id=t', 'attempt=1.log'),
    );
  });
});
