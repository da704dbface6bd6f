/**
 * The error an executor rejects with when its backend does not answer (the Docker engine is down
 * or unreachable): the try could not be attempted, through no fault of the task. The worker grants
 * the try its replacement (no retry spent) and stops taking tries until the backend answers
 * `Executor.ping` again (src/worker/engine-watch.ts).
 */
import { HeatflowError } from '../core/errors.js';

/** The executor's backend did not answer; `endpoint` names it (the socket or DOCKER_HOST). */
export class ExecutorUnavailableError extends HeatflowError {
  constructor(
    code: string,
    /** what was tried, e.g. `unix socket /var/run/docker.sock (DOCKER_HOST not set)` */
    readonly endpoint: string,
    message: string,
    options: { cause?: unknown },
  ) {
    super(code, message, { cause: options.cause, retryable: true });
  }
}
