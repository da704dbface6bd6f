/**
 * The executor contract: how a worker runs one task try. `ProcessExecutor` (child process) and
 * `DockerExecutor` (one container per try) implement it identically, so either slots into the
 * worker. Executors report results; they never write task state (the worker does, fenced by the
 * try's lease token).
 *
 * The task container contract (docs/task-contract.md): the task program gets the environment
 * `HEATFLOW_DAG_ID`, `HEATFLOW_RUN_ID`, `HEATFLOW_TASK_ID`, `HEATFLOW_TRY_NUMBER`,
 * `HEATFLOW_LOGICAL_DATE`, `HEATFLOW_DS`, `HEATFLOW_DATA_INTERVAL_START`,
 * `HEATFLOW_DATA_INTERVAL_END` (all in {@link ExecutionRequest.env}), plus `HEATFLOW_RUN_DIR`,
 * `HEATFLOW_XCOM_INPUT_PATH` and `HEATFLOW_XCOM_RETURN_PATH`, which each executor sets to paths
 * it can see. Exit 0 is success, {@link SKIP_EXIT_CODE} is "skipped", {@link NO_RETRY_EXIT_CODE}
 * a failure not to retry, {@link RESCHEDULE_EXIT_CODE} "run me again later" (the date in the return
 * file), anything else failure.
 */
import type { SecretMasker } from '../secrets/secret-masker.js';

/** Exit code a task program uses to say "skip me" (Airflow's BashOperator default, 99). */
export const SKIP_EXIT_CODE = 99;

/**
 * Exit code a task program uses to say "failed, and retrying cannot help" (Airflow's
 * `AirflowFailException`, BullMQ's `UnrecoverableError`): the task instance fails at once, whatever
 * retries it has left.
 */
export const NO_RETRY_EXIT_CODE = 98;

/**
 * Exit code a task program uses to say "run me again at a later time" (Airflow's
 * `AirflowRescheduleException`): the return file then holds {@link RescheduleRequest} JSON, not a
 * return value. The task instance waits in `up_for_reschedule` and its next try spends no retry.
 */
export const RESCHEDULE_EXIT_CODE = 97;

/** What a task exiting with {@link RESCHEDULE_EXIT_CODE} writes to `HEATFLOW_XCOM_RETURN_PATH`. */
export interface RescheduleRequest {
  /** when to run again, ISO 8601 with a zone, e.g. `2026-12-03T10:00:00.000Z` */
  readonly reschedule_at: string;
  /** one line saying why, recorded on the try and in its log */
  readonly reason: string;
}

/** One task try to run. */
export interface ExecutionRequest {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** counts from 1 */
  readonly tryNumber: number;
  /** fencing token of this try (labels the container, so orphans can be matched to tries) */
  readonly leaseToken: string;
  /** argv of the task program */
  readonly command: readonly string[];
  /** context variables (`HEATFLOW_DAG_ID`…`HEATFLOW_DATA_INTERVAL_END`) and the task's own variables */
  readonly env: Readonly<Record<string, string>>;
  /** the run's folder, relative to the data root: `runs/<dag_id>/<run_id>` */
  readonly runDir: string;
  /** upstream return values by task id; written to the file at `HEATFLOW_XCOM_INPUT_PATH` */
  readonly xcomInput: Readonly<Record<string, unknown>>;
  /** Docker image (Docker executor only); `@defaultValue` the configured task image */
  readonly image?: string;
  /** kill the try after this long, in ms; `@defaultValue undefined` (no limit) */
  readonly executionTimeoutMs?: number;
  /**
   * largest return file read, in bytes (checked before reading); `@defaultValue undefined` (no
   * limit). The worker passes 4 x the XCom cap.
   */
  readonly maxReturnFileBytes?: number;
  /** absolute path of this try's log file; stdout and stderr are appended live */
  readonly logPath: string;
  /** aborting kills the try (lost lease, worker shutting down at once) */
  readonly signal?: AbortSignal;
  /** masks the try's secrets in its output before it reaches the log; `@defaultValue` none */
  readonly masker?: SecretMasker;
}

/** How a try ended, as the executor saw it. */
export type ExecutionOutcome =
  /** exit code 0 */
  | 'success'
  /** exit code {@link SKIP_EXIT_CODE} */
  | 'skipped'
  /** exit code {@link NO_RETRY_EXIT_CODE}: failed, not to be retried */
  | 'failed_no_retry'
  /** exit code {@link RESCHEDULE_EXIT_CODE}: `returnValue` is the (unchecked) reschedule request */
  | 'reschedule'
  /** non-zero exit, signal, OOM kill, or infrastructure error */
  | 'failed'
  /** killed after `executionTimeoutMs` */
  | 'timeout'
  /** killed because `signal` was aborted */
  | 'aborted';

/** The result of one try. */
export interface ExecutionResult {
  readonly outcome: ExecutionOutcome;
  /** process or container exit code; null when killed by a signal or never started */
  readonly exitCode: number | null;
  /**
   * parsed JSON the task wrote to `HEATFLOW_XCOM_RETURN_PATH`; undefined when it wrote none. For
   * `reschedule`, the reschedule request as written (the worker validates it).
   */
  readonly returnValue?: unknown;
  /** one-line reason for a non-success outcome (with the tail of stderr where useful) */
  readonly error?: string;
  /** Docker container id, when a container ran the try */
  readonly containerId?: string;
  readonly durationMs: number;
}

/** Called once the try's process or container has started. */
export interface ExecutionHooks {
  onStarted?(info: { readonly pid?: number; readonly containerId?: string }): void;
}

/** A try left behind by a dead worker, found by {@link Executor.reapOrphans}. */
export interface OrphanTry {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  readonly tryNumber: number;
  readonly leaseToken: string;
  readonly containerId?: string;
  /** the process group killed (process executor; see `process-groups.ts`) */
  readonly processGroup?: number;
}

/**
 * Runs task tries. Implementations never touch Postgres or Redis; callers never run two
 * `execute` calls for the same (dag, run, task, try).
 */
export interface Executor {
  /** `process` or `docker` */
  readonly name: string;
  /**
   * Runs one try to its end and reports the result. Resolves for every task outcome (failure
   * included); rejects only when the try could not be attempted at all (e.g. Docker daemon
   * unreachable, image missing), with a `HeatflowError` whose `retryable` says whether to retry.
   */
  execute(request: ExecutionRequest, hooks?: ExecutionHooks): Promise<ExecutionResult>;
  /**
   * Removes what tries of dead workers left running (containers) and returns them, so the caller
   * can fail them. `isLive` tells whether a try is still owned by a live worker.
   */
  reapOrphans(isLive: (orphan: OrphanTry) => Promise<boolean>): Promise<OrphanTry[]>;
  /**
   * Checks that the executor's backend answers (the Docker engine's `GET /_ping`); absent when
   * there is none (the process executor). The worker calls it while the backend is down, to
   * learn when to take tries again.
   * @throws ExecutorUnavailableError when the backend does not answer
   */
  ping?(): Promise<void>;
  /** Releases resources (connections). Does not kill running tries. */
  close(): Promise<void>;
}
