/**
 * The two try endings a task program asks for with a reserved exit code (docs/task-contract.md),
 * turned into what the worker records. Pure code.
 *
 * - {@link NO_RETRY_EXIT_CODE} (98): the task instance fails at once, retries left or not
 *   (Airflow's `AirflowFailException`).
 * - {@link RESCHEDULE_EXIT_CODE} (97) with a {@link RescheduleRequest} in the return file: the task
 *   instance waits in `up_for_reschedule` until the asked date; the try is recorded as
 *   `up_for_reschedule` and grants its own replacement (`max_tries + 1`), so no retry is spent
 *   (Airflow's sensor reschedule mode, `AirflowRescheduleException`).
 */
import { z } from 'zod';
import { decideAfterReschedule } from '../core/try-outcome.js';
import type { TryOutcome } from '../db/task-instance-repository.js';
import {
  NO_RETRY_EXIT_CODE,
  RESCHEDULE_EXIT_CODE,
  type ExecutionResult,
  type RescheduleRequest,
} from '../executors/executor.js';

const rescheduleRequestSchema = z.object({
  reschedule_at: z.iso.datetime({ offset: true }),
  reason: z.string().min(1),
}) satisfies z.ZodType<RescheduleRequest>;

/** A recorded outcome with the line the worker writes to the try's log. */
export interface ControlOutcome {
  readonly outcome: TryOutcome;
  readonly logLine: string;
}

/** The longest reason kept on the try's record, in characters (the log has it whole). */
const MAX_REASON_CHARS = 2000;

/**
 * The outcome of a try that ended `failed_no_retry` or `reschedule`; undefined for any other.
 *
 * A reschedule whose request is missing or malformed is an ordinary failure (`retryable: true`:
 * the caller decides with the task's retries), with an error naming the task, the file and the
 * field at fault.
 */
export function controlOutcome(
  result: ExecutionResult,
  taskId: string,
  now: Date,
  durationMs: number,
): ControlOutcome | { readonly retryableError: string } | undefined {
  if (result.outcome === 'failed_no_retry') {
    const error = result.error ?? `exited with code ${NO_RETRY_EXIT_CODE} (failed, not to be retried)`;
    return {
      outcome: { tiState: 'failed', tryState: 'failed', exitCode: result.exitCode, error, durationMs },
      logLine: `failed, not retried (the task said retrying cannot help): ${error}`,
    };
  }
  if (result.outcome !== 'reschedule') return undefined;
  const parsed = rescheduleRequestSchema.safeParse(result.returnValue);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? '(root)' : issue.path.join('.');
    return {
      retryableError:
        `task "${taskId}" exited with the reschedule code ${RESCHEDULE_EXIT_CODE} but its return file ` +
        `(HEATFLOW_XCOM_RETURN_PATH) holds no valid reschedule request: ${field}: ${issue?.message ?? 'invalid'}` +
        ' (expected {"reschedule_at": ISO 8601 with a zone, "reason": text})',
    };
  }
  const decision = decideAfterReschedule(new Date(parsed.data.reschedule_at), now);
  const at = decision.rescheduleAt.toISOString();
  const reason = parsed.data.reason.slice(0, MAX_REASON_CHARS);
  return {
    outcome: {
      tiState: decision.state,
      tryState: 'up_for_reschedule',
      exitCode: result.exitCode,
      error: `rescheduled until ${at}: ${reason}`,
      nextRetryAt: decision.rescheduleAt,
      extraTry: true,
      durationMs,
    },
    logLine: `rescheduled (no retry spent): ${parsed.data.reason}; next try at ${at}`,
  };
}
