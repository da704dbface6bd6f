/**
 * Thrown by a task program to fail its try for good (exit code 98, Airflow's
 * `AirflowFailException`, BullMQ's `UnrecoverableError`): the task instance becomes `failed` at
 * once, whatever retries it has left. Throw it for errors that cannot heal by themselves (no
 * credentials, a refused sign-in, a malformed parameter); never for a network error or a 5xx.
 * A DAG file's template function (a task's templated command or env) may throw it too: the worker
 * then fails the try at once instead of retrying a rendering that can only fail the same way.
 */
import { HeatflowError, NO_RETRY_ERROR_CODE } from '../core/errors.js';

/** Throw from a task function to fail the task instance without retries; `message` is its reason. */
export class FailTask extends HeatflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(NO_RETRY_ERROR_CODE, message, options);
  }
}
