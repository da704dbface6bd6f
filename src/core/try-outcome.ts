/**
 * What a failed try leads to: another try after a delay, or failure (Airflow's retries).
 */
import { retryDelayMsFor } from './retry-delay.js';
import type { Task } from './types.js';

/** The decision after a try failed. */
export type FailureDecision =
  { readonly state: 'up_for_retry'; readonly nextRetryAt: Date } | { readonly state: 'failed' };

/**
 * Decides between `up_for_retry` and `failed`. `maxTries` is the task instance's `max_tries`
 * (the task's `retries`, extended when cleared): try `n` may be retried while `n <= maxTries`.
 */
export function decideAfterFailure(
  task: Task | undefined,
  tryNumber: number,
  maxTries: number,
  now: Date,
): FailureDecision {
  if (task === undefined || tryNumber > maxTries) return { state: 'failed' };
  return { state: 'up_for_retry', nextRetryAt: new Date(now.getTime() + retryDelayMsFor(task, tryNumber)) };
}
