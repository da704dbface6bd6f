/**
 * Thrown by a task program to end its try as "skipped" (exit code 99, Airflow's
 * `AirflowSkipException`): the task instance becomes `skipped`, not `failed`, and is not retried.
 */
import { HeatflowError } from '../core/errors.js';

/** Throw from a task function to skip the task instance; `message` is its log line. */
export class SkipTask extends HeatflowError {
  constructor(message: string) {
    super('TASK_SKIPPED', message);
  }
}
