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
 */
export function decideAfterFailure(
  task: Task | undefined,
  tryNumber: number,
  maxTries: number,
  now: Date,
  jitterKey?: RetryJitterKey,
): FailureDecision {
  if (task === undefined || tryNumber > maxTries) return { state: 'failed' };
  const delayMs = retryDelayMsFor(task, tryNumber, jitterKey);
  return { state: 'up_for_retry', nextRetryAt: new Date(now.getTime() + delayMs) };
}
