/**
 * Thrown by a task program to fail its try for good (exit code 98, Airflow's
 * `AirflowFailException`, BullMQ's `UnrecoverableError`): the task instance becomes `failed` at
 * once, whatever retries it has left. Throw it for errors that cannot heal by themselves (no
 * credentials, a refused sign-in, a malformed parameter); never for a network error or a 5xx.
 */
import { HeatflowError } from '../core/errors.js';

/** Throw from a task function to fail the task instance without retries; `message` is its reason. */
export class FailTask extends HeatflowError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TASK_FAILED_NO_RETRY', message, options);
  }
}
