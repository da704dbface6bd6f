/**
 * Thrown by a task program to end its try with "run me again at `rescheduleAt`" (exit code 97 with
 * the date in the return file, Airflow's `AirflowRescheduleException`): the task instance waits in
 * `up_for_reschedule` and its next try spends no retry. For a wait whose end is known and that is
 * nobody's fault, e.g. a spent API quota until its refill.
 */
import { HeatflowError } from '../core/errors.js';

/** Throw from a task function to reschedule the task instance; `message` is its reason. */
export class RescheduleTask extends HeatflowError {
  /**
   * @param rescheduleAt - when to run again (a past date: as soon as the scheduler sees it)
   * @throws RangeError when `rescheduleAt` is an invalid Date
   */
  constructor(
    message: string,
    readonly rescheduleAt: Date,
    options?: { cause?: unknown },
  ) {
    if (Number.isNaN(rescheduleAt.getTime()))
      throw new RangeError('RescheduleTask: rescheduleAt is an invalid Date');
    super('TASK_RESCHEDULED', message, options);
  }
}
