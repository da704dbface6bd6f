/**
 * Which data errors of the tado_etl tasks fail the task instance at once, without spending
 * retries (exit code 98, {@link FailTask}). Pure code.
 *
 * - a day report whose window is that of another time zone or day ({@link DayReportInvalidError}
 *   with `windowMismatch`): every fetch returns the same report, so neither a retry of extract
 *   nor of validate can help; the message says which time zone the window implies and which one
 *   is configured;
 * - a run-folder file that is truncated, not JSON or missing ({@link TaskFileUnreadableError}):
 *   the reading task would read the same bytes again; the message says which upstream task to
 *   run again.
 *
 * - an invalid setting ({@link ConfigError}: a `TADO_*` variable or the `tado` connection): every
 *   retry reads the same setting.
 *
 * Anything else is returned unchanged (a report cut short stays retryable: fetching it again
 * after the day is over gives a whole one).
 */
import { ConfigError } from '../core/errors.js';
import { FailTask } from '../task-sdk/fail-task.js';
import { DayReportInvalidError } from './errors.js';
import { TaskFileUnreadableError } from './task-json-file.js';

/** The error to throw from a tado_etl task function for `err`: a {@link FailTask}, or `err` itself. */
export function etlTaskSignal(err: unknown): unknown {
  if (err instanceof DayReportInvalidError && err.windowMismatch) {
    return new FailTask(`${err.message} [not retried: ${err.code}, time zone/window mismatch]`, {
      cause: err,
    });
  }
  if (err instanceof TaskFileUnreadableError) {
    return new FailTask(`${err.message} [not retried: ${err.code}]`, { cause: err });
  }
  // a bad setting (TADO_*, the tado connection) reads the same on every retry
  if (err instanceof ConfigError) {
    return new FailTask(`${err.message} [not retried: ${err.code}, fix the setting]`, { cause: err });
  }
  return err;
}
