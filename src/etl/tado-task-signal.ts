/**
 * Which tado° errors end an extract try in a way other than an ordinary (retried) failure. Pure code.
 *
 * - `TadoRateLimitError` (a 429, or the quota down to `TADO_RATE_RESERVE`): {@link RescheduleTask}
 *   until the client would send again (the refill time tado gave with `t` or `Retry-After`, else an
 *   hour after the last answer). A 429 is never the task's fault, so it spends no retry: a spent
 *   daily quota waits for its refill (hours), a spurious 429 with a short `Retry-After` waits those
 *   seconds. Each reschedule costs at most the one request that met the 429.
 * - `TadoAuthError` (no token file, `invalid_grant`, 401 with a fresh token, a refused device
 *   code): {@link FailTask}, since no retry can sign in again; the message says to run
 *   `heatflow tado login`.
 * - anything else: unchanged (5xx, timeouts and network errors are retried per the task's retries).
 */
import { TadoAuthError, TadoRateLimitError } from '../tado/errors.js';
import { FailTask } from '../task-sdk/fail-task.js';
import { RescheduleTask } from '../task-sdk/reschedule-task.js';

/** Without any time from tado or the client, reschedule this long after `now`, in ms (1 h). */
export const DEFAULT_QUOTA_RESCHEDULE_MS = 3_600_000;

const LOGIN_HINT = 'run `heatflow tado login`';

/**
 * The error to throw from the task function for `err`: a {@link RescheduleTask}, a
 * {@link FailTask}, or `err` itself.
 * @param now - the current time (a reschedule date in the past is moved to it)
 */
export function tadoTaskSignal(err: unknown, now: Date): unknown {
  if (err instanceof TadoRateLimitError) {
    const at = err.retryAt ?? new Date(now.getTime() + DEFAULT_QUOTA_RESCHEDULE_MS);
    return new RescheduleTask(err.message, at.getTime() < now.getTime() ? now : at, { cause: err });
  }
  if (err instanceof TadoAuthError) {
    const hint = err.message.includes('heatflow tado login') ? '' : `; ${LOGIN_HINT}`;
    return new FailTask(`tado sign-in failed (${err.reason}), retrying cannot help: ${err.message}${hint}`, {
      cause: err,
    });
  }
  return err;
}
