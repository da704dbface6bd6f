/**
 * The task-instance state machine and the rule that decides a DAG run's final state.
 *
 * ```
 *            ┌──────────────► upstream_failed / skipped / removed   (trigger rule, DAG change)
 *   none ──► scheduled ──► queued ──► running ──► success | failed | skipped
 *    ▲          ▲  ▲          │  ▲                 │
 *    │          │  └──────────┘  │ (re-enqueue)    ▼
 *    │          ├────────────── up_for_retry ◄─────┤ (try failed, retries left)
 *    │          └────────────── up_for_reschedule ◄┘ (try asked to run later: no retry spent)
 *    └── any state (clear)
 * ```
 *
 * Every state write in the scheduler and the worker should go through {@link assertTiTransition}
 * (or {@link canTransitionTi} inside a conditional `UPDATE … WHERE state IN (…)`), so that an
 * impossible move, e.g. `success → running` by a stale worker, is refused.
 */
import { HeatflowError } from './errors.js';
import { FINISHED_TI_STATES } from './types.js';
import type { DagRunState, TaskInstanceState } from './types.js';

/** The states a task instance may move to from each state (besides `→ none`, allowed from all). */
export const TI_TRANSITIONS: Readonly<Record<TaskInstanceState, readonly TaskInstanceState[]>> =
  Object.freeze({
    // evaluated by the scheduler: deps met, or decided by the trigger rule; removed when the task
    // left the DAG; queued directly when the scheduler schedules and enqueues in one transaction
    none: ['scheduled', 'queued', 'upstream_failed', 'skipped', 'removed'],
    // enqueued; back to none when its run is re-evaluated; skipped/failed when the run times out
    scheduled: ['queued', 'skipped', 'failed', 'removed'],
    // picked by a worker; back to scheduled when re-enqueued (queued deadline); failed or
    // up_for_retry when the queue reports the job lost/failed; skipped when the run times out
    queued: ['running', 'scheduled', 'failed', 'up_for_retry', 'skipped', 'removed'],
    // the try's outcome; up_for_retry / failed also for timeouts and zombies; up_for_reschedule
    // when the task asked to run again later (exit code 97 with a reschedule date)
    running: ['success', 'failed', 'up_for_retry', 'up_for_reschedule', 'skipped'],
    // final until cleared
    success: [],
    failed: [],
    // the retry is due (scheduled, or queued directly); failed / skipped when the run times out
    up_for_retry: ['scheduled', 'queued', 'failed', 'skipped', 'removed'],
    // the reschedule date has come (scheduled, or queued directly); failed / skipped when the run
    // times out
    up_for_reschedule: ['scheduled', 'queued', 'failed', 'skipped', 'removed'],
    upstream_failed: [],
    skipped: [],
    // the task came back into the DAG: only through none (clear)
    removed: [],
  });

/**
 * Whether a task instance may move from `from` to `to`. Moving to `none` (clear) is allowed from
 * every other state; a state never "moves" to itself.
 */
export function canTransitionTi(from: TaskInstanceState, to: TaskInstanceState): boolean {
  if (from === to) return false;
  if (to === 'none') return true;
  return TI_TRANSITIONS[from].includes(to);
}

/** A task-instance state change that the state machine does not allow. */
export class InvalidTransitionError extends HeatflowError {
  constructor(
    readonly from: TaskInstanceState,
    readonly to: TaskInstanceState,
  ) {
    const allowed = [...TI_TRANSITIONS[from], ...(from === 'none' ? [] : ['none'])];
    super(
      'INVALID_TRANSITION',
      `task instance cannot move from "${from}" to "${to}" (allowed from "${from}": ${allowed.join(', ') || 'none'})`,
    );
  }
}

/**
 * Throw unless `from → to` is allowed.
 *
 * @throws InvalidTransitionError (a `HeatflowError` with code `INVALID_TRANSITION`) naming both states
 */
export function assertTiTransition(from: TaskInstanceState, to: TaskInstanceState): void {
  if (!canTransitionTi(from, to)) throw new InvalidTransitionError(from, to);
}

/** Whether a task instance in `state` is finished (it changes only when cleared). */
export function isFinishedTiState(state: TaskInstanceState): boolean {
  return FINISHED_TI_STATES.includes(state);
}

/**
 * The final state of a DAG run, or `null` while it is not finished.
 *
 * As Airflow's `DagRun.update_state`: the run is unfinished while any task instance is unfinished
 * (`none`, `scheduled`, `queued`, `running`, `up_for_retry`, `up_for_reschedule`; a leaf missing from `states` counts as
 * unfinished); once all are finished, the **leaves** decide: `failed` if any leaf is `failed` or
 * `upstream_failed`, otherwise `success` (leaves that succeeded, were skipped or removed).
 * Timeouts and deadlocks are the scheduler's to detect.
 *
 * @param states every task instance of the run, by task id
 * @param leaves the DAG's leaf task ids (`dag.leaves`)
 */
export function dagRunFinalState(
  states: ReadonlyMap<string, TaskInstanceState>,
  leaves: readonly string[],
): DagRunState | null {
  for (const state of states.values()) if (!isFinishedTiState(state)) return null;
  let failed = false;
  for (const leaf of leaves) {
    const state = states.get(leaf);
    if (state === undefined) return null;
    if (state === 'failed' || state === 'upstream_failed') failed = true;
  }
  return failed ? 'failed' : 'success';
}
