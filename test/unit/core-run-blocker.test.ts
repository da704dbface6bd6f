/** Why a DAG run is not moving (src/core/run-blocker.ts; issue 16, item 4). */
import { describe, expect, it } from 'vitest';
import { runBlocker, summariseBlockers, type RunFacts } from '../../src/core/run-blocker.js';

const base: RunFacts = {
  dagId: 'tado_etl',
  state: 'queued',
  runType: 'manual',
  inRunningBackfill: false,
  dagPaused: false,
  runningRuns: 0,
  maxActiveRuns: 16,
  tiStates: {},
  pools: [],
  dagActiveTis: 0,
  maxActiveTasks: 16,
  workerAlive: true,
};

describe('runBlocker', () => {
  it('a queued manual run of a paused DAG: the DAG is paused; a backfill run is not held by it', () => {
    expect(runBlocker({ ...base, dagPaused: true })).toMatch(/^DAG tado_etl is paused/);
    expect(
      runBlocker({ ...base, dagPaused: true, inRunningBackfill: true, runType: 'backfill' }),
    ).toBeUndefined();
  });
  it('max_active_runs reached, the DAG’s or the backfill’s', () => {
    expect(runBlocker({ ...base, runningRuns: 16 })).toBe('max_active_runs reached (16 of 16 runs running)');
    expect(runBlocker({ ...base, inRunningBackfill: true, runningRuns: 2, maxActiveRuns: 2 })).toBe(
      "the backfill's max_active_runs reached (2 of 2 runs running)",
    );
  });
  it('a running run: pool full, max_active_tasks, no worker alive; nothing when it moves', () => {
    const running = { ...base, state: 'running' };
    expect(
      runBlocker({
        ...running,
        tiStates: { scheduled: 1 },
        pools: [{ pool: 'tado_api', used: 1, slots: 1 }],
      }),
    ).toBe('pool "tado_api" full (1 of 1 slots in use)');
    expect(runBlocker({ ...running, tiStates: { scheduled: 1 }, dagActiveTis: 16 })).toMatch(
      /^max_active_tasks reached/,
    );
    expect(runBlocker({ ...running, tiStates: { queued: 1 }, workerAlive: false })).toMatch(
      /^no worker alive/,
    );
    expect(runBlocker({ ...running, tiStates: { running: 1 } })).toBeUndefined();
    expect(runBlocker({ ...base, state: 'success', dagPaused: true })).toBeUndefined();
  });
  it('summarises the reasons of several runs, most frequent first', () => {
    expect(summariseBlockers(['a', 'b', 'b', undefined])).toBe('2 not moving: b; 1 not moving: a');
    expect(summariseBlockers([undefined])).toBeUndefined();
  });
});
