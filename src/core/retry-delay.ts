/**
 * How long to wait before the next try of a failed task instance.
 *
 * Airflow 2's `TaskInstance.next_retry_datetime` (airflow/models/taskinstance.py):
 * - flat: `retry_delay`;
 * - with `retry_exponential_backoff`, in whole seconds:
 *   `min_backoff = max(1, ceil(retry_delay_s * 2 ** (try_number - 1)))`, then a deterministic
 *   jitter `delay_s = min_backoff + sha1("{dag_id}#{task_id}#{logical_date}#{try_number}") % min_backoff`
 *   (so the delay lies in `[min_backoff, 2 * min_backoff)`), capped at `MAX_RETRY_DELAY` (24 h) and
 *   then at the task's `max_retry_delay`.
 *
 * `try_number` is the number of the try that just failed (1 for the first try). The hash input has
 * Airflow's four fields, with the logical date as `Date#toISOString()`; the jitter therefore has the
 * same range and determinism as Airflow's, not the same values.
 */
import { createHash } from 'node:crypto';
import type { Task } from './types.js';

/** Airflow's `[core] max_task_retry_delay` default: 24 h. */
export const MAX_RETRY_DELAY_MS = 86_400_000;

/** Identifies the task instance whose jitter is computed (Airflow hashes these). */
export interface RetryJitterKey {
  readonly dagId: string;
  readonly logicalDate: Date;
}

/**
 * The delay in milliseconds before the try after try `tryNumber` (which failed).
 *
 * Flat: `task.retryDelayMs` (not capped, as in Airflow). Exponential (`retryExponentialBackoff`):
 * Airflow's formula above, deterministic for the same task instance and try, capped by
 * `min(24 h, task.maxRetryDelayMs)`. Without `jitterKey` the hash uses the task id and try number
 * only (still deterministic).
 *
 * @param tryNumber the try that failed, counting from 1 (hashed for the jitter)
 * @param jitterKey the DAG id and logical date of the task instance, for Airflow's jitter hash
 * @param attempt the failed try's place in its retry sequence, counting from 1 (the exponent's
 *   `n`); `@defaultValue tryNumber`, as in Airflow. {@link decideAfterFailure} passes the place
 *   since the task instance was last cleared, so a re-run day starts again from `retryDelayMs`.
 */
export function retryDelayMsFor(
  task: Task,
  tryNumber: number,
  jitterKey?: RetryJitterKey,
  attempt: number = tryNumber,
): number {
  if (!task.retryExponentialBackoff) return task.retryDelayMs;
  const capSeconds = Math.min(MAX_RETRY_DELAY_MS, task.maxRetryDelayMs) / 1000;
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  const rawMin = Math.ceil((task.retryDelayMs / 1000) * 2 ** exponent);
  // Beyond the cap the jitter cannot matter (it only adds); this also avoids Infinity.
  if (!Number.isFinite(rawMin) || rawMin >= capSeconds) return Math.round(capSeconds * 1000);
  const minBackoff = Math.max(1, rawMin);
  const logicalDate = jitterKey === undefined ? '' : jitterKey.logicalDate.toISOString();
  const digest = createHash('sha1')
    .update(`${jitterKey?.dagId ?? ''}#${task.taskId}#${logicalDate}#${tryNumber}`)
    .digest('hex');
  const moddedHash = minBackoff + Number(BigInt(`0x${digest}`) % BigInt(minBackoff));
  return Math.min(moddedHash, capSeconds) * 1000;
}
