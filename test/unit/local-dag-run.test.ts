/**
 * The in-process DAG run of `dags test` (src/worker/local-dag-run.ts): dependency order, upstream
 * return values from memory, trigger rules deciding the tasks that do not run, the run's state.
 */
import { describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import type { Task } from '../../src/core/types.js';
import { localRunState, runDagLocally } from '../../src/worker/local-dag-run.js';

const dag = defineDag({
  dagId: 'local_run',
  schedule: null,
  startDate: '2022-01-01',
  tasks: [
    { taskId: 'first', command: ['x'] },
    { taskId: 'breaks', command: ['x'], upstream: ['first'] },
    { taskId: 'needs_all', command: ['x'], upstream: ['breaks'] },
    { taskId: 'on_failure', command: ['x'], upstream: ['breaks'], triggerRule: 'one_failed' },
    { taskId: 'on_success', command: ['x'], upstream: ['first'], triggerRule: 'one_failed' },
    { taskId: 'done', command: ['x'], upstream: ['needs_all', 'on_failure'], triggerRule: 'all_done' },
  ],
});

describe('runDagLocally', () => {
  it('runs in dependency order with upstream values and decides the rest by trigger rule', async () => {
    const seen: [string, Readonly<Record<string, unknown>>][] = [];
    const t = new Date(0);
    const results = await runDagLocally(dag, (task: Task, up) => {
      seen.push([task.taskId, up]);
      if (task.taskId === 'breaks') throw new Error('boom');
      return Promise.resolve({
        state: 'success',
        durationMs: 1,
        startedAt: t,
        endedAt: t,
        exitCode: 0,
        returnValue: { from: task.taskId },
      });
    });
    expect(Object.fromEntries(results.map((r) => [r.taskId, r.state]))).toEqual({
      first: 'success',
      breaks: 'failed',
      needs_all: 'upstream_failed',
      on_failure: 'success',
      on_success: 'skipped',
      done: 'success',
    });
    expect(seen.map(([id]) => id)).toEqual(['first', 'breaks', 'on_failure', 'done']);
    expect(seen[1]).toEqual(['breaks', { first: { from: 'first' } }]);
    expect(seen[3]).toEqual(['done', { on_failure: { from: 'on_failure' } }]);
    expect(results.find((r) => r.taskId === 'breaks')?.error).toBe('boom');
    expect(results.find((r) => r.taskId === 'needs_all')?.error).toBe(
      'not run: trigger rule all_success (upstream breaks=failed)',
    );
    // leaves: on_success (skipped) and done (success); needs_all is not a leaf
    expect(localRunState(dag, results)).toBe('success');
    expect(
      localRunState(
        dag,
        results.map((r) => (r.taskId === 'done' ? { ...r, state: 'failed' } : r)),
      ),
    ).toBe('failed');
  });
});
