import { describe, expect, it } from 'vitest';
import { TRIGGER_RULES, evaluateTriggerRule } from '../../src/core/index.js';
import type { TaskInstanceState, TriggerDecision, TriggerRule } from '../../src/core/index.js';

type Case = readonly [TriggerRule, readonly TaskInstanceState[], TriggerDecision];

// Expected decisions follow apache/airflow airflow/ti_deps/deps/trigger_rule_dep.py
// (_evaluate_direct_relatives with flag_upstream_failed=True).
const cases: readonly Case[] = [
  // all_success
  ['all_success', ['success', 'success'], 'run'],
  ['all_success', ['success', 'running'], 'wait'],
  ['all_success', ['success', 'up_for_retry'], 'wait'],
  ['all_success', ['failed', 'running'], 'upstream_failed'],
  ['all_success', ['upstream_failed', 'success'], 'upstream_failed'],
  ['all_success', ['skipped', 'success'], 'skipped'],
  ['all_success', ['skipped', 'failed'], 'upstream_failed'],
  ['all_success', ['skipped', 'none'], 'skipped'],
  ['all_success', ['removed', 'success'], 'wait'],
  // all_failed
  ['all_failed', ['failed', 'upstream_failed'], 'run'],
  ['all_failed', ['failed', 'running'], 'wait'],
  ['all_failed', ['failed', 'success'], 'skipped'],
  ['all_failed', ['failed', 'skipped'], 'skipped'],
  // all_done
  ['all_done', ['success', 'failed', 'skipped', 'upstream_failed', 'removed'], 'run'],
  ['all_done', ['failed', 'up_for_retry'], 'wait'],
  ['all_done', ['failed', 'queued'], 'wait'],
  // one_success
  ['one_success', ['success', 'running'], 'run'],
  ['one_success', ['success', 'failed'], 'run'],
  ['one_success', ['failed', 'running'], 'wait'],
  ['one_success', ['skipped', 'skipped'], 'skipped'],
  ['one_success', ['skipped', 'failed'], 'upstream_failed'],
  ['one_success', ['failed', 'upstream_failed'], 'upstream_failed'],
  ['one_success', ['success', 'skipped'], 'run'],
  // one_failed
  ['one_failed', ['failed', 'running'], 'run'],
  ['one_failed', ['upstream_failed', 'none'], 'run'],
  ['one_failed', ['success', 'running'], 'wait'],
  ['one_failed', ['success', 'skipped'], 'skipped'],
  // none_failed
  ['none_failed', ['success', 'skipped'], 'run'],
  ['none_failed', ['skipped', 'skipped'], 'run'],
  ['none_failed', ['success', 'running'], 'wait'],
  ['none_failed', ['failed', 'running'], 'upstream_failed'],
  ['none_failed', ['upstream_failed', 'success'], 'upstream_failed'],
  // none_skipped
  ['none_skipped', ['success', 'failed', 'upstream_failed'], 'run'],
  ['none_skipped', ['success', 'running'], 'wait'],
  ['none_skipped', ['skipped', 'running'], 'skipped'],
  // always
  ['always', ['failed', 'running', 'none'], 'run'],
  ['always', ['up_for_retry'], 'run'],
];

describe('evaluateTriggerRule', () => {
  it.each(cases)('%s with %j → %s', (rule, states, expected) => {
    expect(evaluateTriggerRule(rule, states)).toBe(expected);
  });

  it('a task without upstream tasks runs, whatever its rule', () => {
    for (const rule of TRIGGER_RULES) expect(evaluateTriggerRule(rule, [])).toBe('run');
  });

  it('does not depend on the order of the upstream states', () => {
    const states: TaskInstanceState[] = ['success', 'skipped', 'failed', 'running', 'upstream_failed'];
    for (const rule of TRIGGER_RULES) {
      const forward = evaluateTriggerRule(rule, states);
      expect(evaluateTriggerRule(rule, [...states].reverse())).toBe(forward);
    }
  });

  it('every rule decides (never waits) once all upstream tasks are finished', () => {
    const finished: TaskInstanceState[] = ['success', 'failed', 'skipped', 'upstream_failed'];
    for (const rule of TRIGGER_RULES) {
      for (const a of finished) {
        for (const b of finished)
          expect(evaluateTriggerRule(rule, [a, b]), `${rule} ${a} ${b}`).not.toBe('wait');
      }
    }
  });
});
