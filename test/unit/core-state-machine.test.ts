import { describe, expect, it } from 'vitest';
import {
  FINISHED_TI_STATES,
  HeatflowError,
  InvalidTransitionError,
  assertTiTransition,
  canTransitionTi,
  dagRunFinalState,
} from '../../src/core/index.js';
import type { TaskInstanceState } from '../../src/core/index.js';

const ALL: readonly TaskInstanceState[] = [
  'none',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'up_for_reschedule',
  'upstream_failed',
  'skipped',
  'removed',
];

describe('task-instance transitions', () => {
  it.each([
    ['none', 'scheduled'],
    ['scheduled', 'queued'],
    ['queued', 'running'],
    ['running', 'success'],
    ['running', 'failed'],
    ['running', 'up_for_retry'],
    ['running', 'skipped'],
    ['up_for_retry', 'scheduled'],
    ['up_for_retry', 'queued'],
    ['running', 'up_for_reschedule'],
    ['up_for_reschedule', 'scheduled'],
    ['up_for_reschedule', 'queued'],
    ['up_for_reschedule', 'failed'],
    ['none', 'upstream_failed'],
    ['none', 'skipped'],
    ['none', 'removed'],
    ['queued', 'scheduled'],
    ['queued', 'none'],
    ['queued', 'failed'],
  ] as const)('allows %s → %s', (from, to) => {
    expect(canTransitionTi(from, to)).toBe(true);
    expect(() => assertTiTransition(from, to)).not.toThrow();
  });

  it('allows clearing (→ none) from every other state', () => {
    for (const from of ALL) if (from !== 'none') expect(canTransitionTi(from, 'none')).toBe(true);
  });

  it.each([
    ['success', 'running'],
    ['failed', 'success'],
    ['none', 'running'],
    ['none', 'success'],
    ['scheduled', 'running'],
    ['skipped', 'queued'],
    ['upstream_failed', 'scheduled'],
    ['removed', 'scheduled'],
    ['running', 'queued'],
    ['running', 'running'],
    ['up_for_reschedule', 'running'],
    ['up_for_reschedule', 'success'],
    ['queued', 'up_for_reschedule'],
    ['up_for_retry', 'up_for_reschedule'],
  ] as const)('refuses %s → %s with INVALID_TRANSITION naming both', (from, to) => {
    expect(canTransitionTi(from, to)).toBe(false);
    let thrown: unknown;
    try {
      assertTiTransition(from, to);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidTransitionError);
    expect(thrown).toBeInstanceOf(HeatflowError);
    const error = thrown as InvalidTransitionError;
    expect(error.code).toBe('INVALID_TRANSITION');
    expect(error.message).toContain(`"${from}"`);
    expect(error.message).toContain(`"${to}"`);
    expect([error.from, error.to]).toEqual([from, to]);
  });

  it('finished states only leave through a clear', () => {
    for (const from of FINISHED_TI_STATES) {
      for (const to of ALL)
        if (to !== 'none') expect(canTransitionTi(from, to), `${from} → ${to}`).toBe(false);
    }
  });
});

describe('dagRunFinalState', () => {
  const leaves = ['load', 'report'];
  const run = (entries: Record<string, TaskInstanceState>) => new Map(Object.entries(entries));

  it('is null while any task instance is unfinished', () => {
    for (const unfinished of [
      'none',
      'scheduled',
      'queued',
      'running',
      'up_for_retry',
      'up_for_reschedule',
    ] as const) {
      expect(
        dagRunFinalState(run({ extract: unfinished, load: 'success', report: 'success' }), leaves),
      ).toBeNull();
    }
    // a failed leaf does not end the run while another branch still runs
    expect(
      dagRunFinalState(run({ extract: 'running', load: 'failed', report: 'success' }), leaves),
    ).toBeNull();
  });

  it('fails when a leaf failed or is upstream_failed', () => {
    expect(dagRunFinalState(run({ extract: 'success', load: 'failed', report: 'success' }), leaves)).toBe(
      'failed',
    );
    expect(
      dagRunFinalState(run({ extract: 'failed', load: 'upstream_failed', report: 'success' }), leaves),
    ).toBe('failed');
  });

  it('succeeds when the leaves succeeded or were skipped, even if a non-leaf failed', () => {
    expect(dagRunFinalState(run({ extract: 'success', load: 'success', report: 'skipped' }), leaves)).toBe(
      'success',
    );
    // e.g. a cleanup leaf with trigger rule all_done after a failed task
    expect(dagRunFinalState(run({ extract: 'failed', load: 'success', report: 'success' }), leaves)).toBe(
      'success',
    );
  });

  it('is null when a leaf has no task instance yet', () => {
    expect(dagRunFinalState(run({ extract: 'success', load: 'success' }), leaves)).toBeNull();
  });
});
