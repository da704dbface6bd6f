/**
 * Trigger-rule evaluation: may a task instance run, given its direct upstream task instances'
 * states?
 *
 * Mirrors Airflow 2's `TriggerRuleDep._evaluate_direct_relatives`
 * (airflow/ti_deps/deps/trigger_rule_dep.py) as the scheduler runs it (`flag_upstream_failed=True`),
 * without mapped tasks and setup/teardown. An upstream counts as **done** when its state is one of
 * `FINISHED_TI_STATES` (`success`, `failed`, `skipped`, `upstream_failed`, `removed`);
 * `up_for_retry` is not done.
 */
import { HeatflowError } from './errors.js';
import type { TaskInstanceState, TriggerRule } from './types.js';

/**
 * What the scheduler does with a task instance in state `none` after evaluating its trigger rule:
 */
export type TriggerDecision =
  /** dependencies met: schedule it */
  | 'run'
  /** not decidable yet: leave it in `none` and evaluate again when an upstream finishes */
  | 'wait'
  /** will never run: set it to `skipped` */
  | 'skipped'
  /** will never run because upstream failed: set it to `upstream_failed` */
  | 'upstream_failed';

interface UpstreamCounts {
  readonly upstream: number;
  readonly success: number;
  readonly skipped: number;
  readonly failed: number;
  readonly upstreamFailed: number;
  readonly done: number;
}

function count(states: readonly TaskInstanceState[]): UpstreamCounts {
  let success = 0;
  let skipped = 0;
  let failed = 0;
  let upstreamFailed = 0;
  let removed = 0;
  for (const state of states) {
    if (state === 'success') success += 1;
    else if (state === 'skipped') skipped += 1;
    else if (state === 'failed') failed += 1;
    else if (state === 'upstream_failed') upstreamFailed += 1;
    else if (state === 'removed') removed += 1;
  }
  return {
    upstream: states.length,
    success,
    skipped,
    failed,
    upstreamFailed,
    done: success + skipped + failed + upstreamFailed + removed,
  };
}

/**
 * Evaluate `rule` against the states of a task's direct upstream task instances (one state per
 * upstream task, in any order).
 *
 * | rule | `run` when | `skipped` when | `upstream_failed` when | else |
 * | --- | --- | --- | --- | --- |
 * | all_success | all upstream succeeded | none failed and ≥ 1 skipped | ≥ 1 failed or upstream_failed | wait |
 * | all_failed | all failed or upstream_failed | ≥ 1 succeeded or skipped | never | wait |
 * | all_done | all done | never | never | wait |
 * | one_success | ≥ 1 succeeded (even while others run) | all done and all skipped | all done, none succeeded, not all skipped | wait |
 * | one_failed | ≥ 1 failed or upstream_failed (even while others run) | all done, none failed or upstream_failed | never | wait |
 * | none_failed | all done, each succeeded or skipped | never | ≥ 1 failed or upstream_failed | wait |
 * | none_skipped | all done, none skipped | ≥ 1 skipped | never | wait |
 * | always | at once | never | never | — |
 *
 * A task without upstream tasks (`upstreamStates` empty) always gets `run`. Decisions that move the
 * task to a final state win over `run`, in Airflow's order (the state change is evaluated first);
 * e.g. `one_success` with one success and one skipped upstream runs. A `removed` upstream counts as
 * done but not as success, so `all_success` and `none_failed` wait on it, as in Airflow.
 *
 * Source: apache/airflow `airflow/ti_deps/deps/trigger_rule_dep.py`
 * (`TriggerRuleDep._get_dep_statuses` and `_evaluate_direct_relatives`); documented at
 * https://airflow.apache.org/docs/apache-airflow/stable/core-concepts/dags.html#trigger-rules
 */
export function evaluateTriggerRule(
  rule: TriggerRule,
  upstreamStates: readonly TaskInstanceState[],
): TriggerDecision {
  // `_get_dep_statuses`: no upstream → passing; `always` → passing.
  if (upstreamStates.length === 0 || rule === 'always') return 'run';
  const c = count(upstreamStates);
  const upstreamDone = c.done >= c.upstream;

  switch (rule) {
    case 'all_success':
      if (c.upstreamFailed > 0 || c.failed > 0) return 'upstream_failed';
      if (c.skipped > 0) return 'skipped';
      return c.upstream - c.success > 0 ? 'wait' : 'run';
    case 'all_failed':
      if (c.success > 0 || c.skipped > 0) return 'skipped';
      return c.upstream - c.failed - c.upstreamFailed > 0 ? 'wait' : 'run';
    case 'all_done':
      return upstreamDone ? 'run' : 'wait';
    case 'one_success':
      if (upstreamDone && c.done === c.skipped) return 'skipped';
      if (upstreamDone && c.success <= 0) return 'upstream_failed';
      return c.success > 0 ? 'run' : 'wait';
    case 'one_failed':
      if (upstreamDone && c.failed === 0 && c.upstreamFailed === 0) return 'skipped';
      return c.failed > 0 || c.upstreamFailed > 0 ? 'run' : 'wait';
    case 'none_failed':
      if (c.upstreamFailed > 0 || c.failed > 0) return 'upstream_failed';
      return c.upstream - c.success - c.skipped > 0 ? 'wait' : 'run';
    case 'none_skipped':
      if (c.skipped > 0) return 'skipped';
      return upstreamDone ? 'run' : 'wait';
    default: {
      const unknown: never = rule;
      throw new HeatflowError('INVALID_TRIGGER_RULE', `unknown trigger rule ${JSON.stringify(unknown)}`);
    }
  }
}
