/**
 * The error hierarchy of heatflow. Every error carries a stable, machine-readable `code`, and
 * subclasses carry their context as readonly fields. Retryability is data, not guesswork.
 */

/** Base of every error heatflow throws on purpose. */
export class HeatflowError extends Error {
  /** Stable identifier of the error kind, e.g. `DAG_CYCLE`. */
  readonly code: string;
  /** Whether trying the same operation again may succeed (network, timeouts, 5xx, 429). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options?: { cause?: unknown; retryable?: boolean }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options?.retryable ?? false;
  }
}

/** A configuration value (environment variable or option) is missing or invalid. */
export class ConfigError extends HeatflowError {
  constructor(
    message: string,
    /** The variables at fault, e.g. `['DATABASE_URL']`. */
    readonly variables: readonly string[],
  ) {
    super('CONFIG_INVALID', message);
  }
}

/** A DAG declaration is invalid: names the DAG file (when known) and the field at fault. */
export class DagDefinitionError extends HeatflowError {
  constructor(
    message: string,
    /** The field at fault, e.g. `tasks[2].upstream` or `schedule`. */
    readonly field: string,
    /** The DAG id, when it could be read. */
    readonly dagId?: string,
    /** The file the DAG came from, when loaded from a file. */
    readonly file?: string,
  ) {
    super('DAG_INVALID', message);
  }
}

/** The DAG's dependency graph has a cycle; `cycle` is the path, first task repeated at the end. */
export class DagCycleError extends DagDefinitionError {
  constructor(
    readonly cycle: readonly string[],
    dagId?: string,
    file?: string,
  ) {
    super(`cycle in task dependencies: ${cycle.join(' -> ')}`, 'tasks', dagId, file);
  }
}

/** An XCom value is over the size cap. */
export class XComTooLargeError extends HeatflowError {
  constructor(
    readonly taskId: string,
    readonly sizeBytes: number,
    readonly limitBytes: number,
  ) {
    super(
      'XCOM_TOO_LARGE',
      `XCom of task "${taskId}" is ${sizeBytes} bytes, over the ${limitBytes}-byte cap (HEATFLOW_XCOM_MAX_BYTES); ` +
        'write large data to a file under HEATFLOW_RUN_DIR and return its path instead',
    );
  }
}

/** A thing looked up by id does not exist (DAG, DAG run, task instance, pool). */
export class NotFoundError extends HeatflowError {
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

/**
 * The `code` of errors that say "failed, and retrying cannot help" (the task SDK's `FailTask`,
 * Airflow's `AirflowFailException`). Checked by code, not class: a DAG file's template may throw
 * one from its own copy of the module.
 */
export const NO_RETRY_ERROR_CODE = 'TASK_FAILED_NO_RETRY';

/** Whether `err` says retrying cannot help (its `code` is {@link NO_RETRY_ERROR_CODE}). */
export function isNoRetryError(err: unknown): boolean {
  return err instanceof Error && (err as { code?: unknown }).code === NO_RETRY_ERROR_CODE;
}

/**
 * An id (DAG, run or task) that may not be used: empty, too long, with a character outside the
 * safe set, or made of dots only. Ids become folder names, so this is also a path-safety check.
 */
export class InvalidIdError extends HeatflowError {
  constructor(
    message: string,
    /** the id's field, e.g. `dag_run_id` or `task_id` */
    readonly field: string,
    /** the value refused */
    readonly value: string,
  ) {
    super('INVALID_ID', message);
  }
}

/** A path built from ids or read back from a record would leave its root folder. */
export class PathEscapeError extends HeatflowError {
  constructor(
    message: string,
    /** the root the path must stay in, e.g. HEATFLOW_LOG_DIR */
    readonly root: string,
    /** the offending path */
    readonly target: string,
  ) {
    super('PATH_ESCAPE', message);
  }
}
