/**
 * What a failed try leads to: another try after a delay, or failure (Airflow's retries).
 */
import { retryDelayMsFor, type RetryJitterKey } from './retry-delay.js';
import type { Task } from './types.js';

/** The decision after a try failed. */
export type FailureDecision =
  { readonly state: 'up_for_retry'; readonly nextRetryAt: Date } | { readonly state: 'failed' };

/**
 * Decides between `up_for_retry` and `failed`. `maxTries` is the task instance's `max_tries`
 * (the task's `retries`, extended when cleared): try `n` may be retried while `n <= maxTries`.
 * `jitterKey` (DAG id and logical date) spreads the exponential backoff of different runs, as
 * Airflow's per-task-instance hash does.
 *
 * The exponential backoff counts the tries since the task instance was last cleared
 * (`tryNumber - (maxTries - retries)`), not all its tries: Airflow uses the whole `try_number`, so
 * a day cleared after four tries waits 2^4 times the first delay for its first retry (up to
 * `maxRetryDelayMs`); here a cleared or reprocessed day starts again from `retryDelayMs`.
 */
export function decideAfterFailure(
  task: Task | undefined,
  tryNumber: number,
  maxTries: number,
  now: Date,
  jitterKey?: RetryJitterKey,
): FailureDecision {
  if (task === undefined || tryNumber > maxTries) return { state: 'failed' };
  const sinceClear = tryNumber - Math.max(0, maxTries - task.retries);
  const delayMs = retryDelayMsFor(task, tryNumber, jitterKey, Math.max(1, sinceClear));
  return { state: 'up_for_retry', nextRetryAt: new Date(now.getTime() + delayMs) };
}

/** The decision after a try asked to be rescheduled. */
export interface RescheduleDecision {
  readonly state: 'up_for_reschedule';
  /** when the next try may be queued: the asked date, never before `now` */
  readonly rescheduleAt: Date;
}

/**
 * A try that asked to run again later (Airflow's `AirflowRescheduleException`, sensor reschedule
 * mode): the task instance waits in `up_for_reschedule` until `rescheduleAt` and then gets a new
 * try that costs no retry (the worker grants it: `max_tries + 1`). A date in the past means "as soon
 * as the scheduler sees it".
 *
 * @throws RangeError when `rescheduleAt` is an invalid Date
 */
export function decideAfterReschedule(rescheduleAt: Date, now: Date): RescheduleDecision {
  if (Number.isNaN(rescheduleAt.getTime())) throw new RangeError('reschedule date is an invalid Date');
  return {
    state: 'up_for_reschedule',
    rescheduleAt: rescheduleAt.getTime() < now.getTime() ? now : rescheduleAt,
  };
}
