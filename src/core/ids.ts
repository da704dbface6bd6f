/**
 * The allowed shapes of DAG ids, task ids and run ids. Ids name folders of the log and data roots
 * (`dag_id=<dag>/run_id=<run>/…`, `runs/<dag>/<run>/`), so each id is checked against a safe
 * character set before it is stored or turned into a path.
 *
 * - DAG and task ids: Airflow's `KEY_REGEX` `^[A-Za-z0-9_.-]+$`, at most 250 characters
 *   (Airflow's `ID_LEN`).
 * - Run ids: Airflow's default `[scheduler] allowed_run_id_pattern` `^[A-Za-z0-9_.~:+-]+$`, at
 *   most 250 characters; the generated ids (`scheduled__2022-01-01T01:00:00+00:00`,
 *   `manual__…`, `backfill__…`, `asset_triggered__…`) fit it.
 * - Neither may be made of dots only (`.`, `..` would name the parent folder).
 */
import { InvalidIdError } from './errors.js';

/** Allowed characters of a DAG id and a task id (Airflow's `KEY_REGEX`). */
export const ID_PATTERN = /^[A-Za-z0-9_.-]+$/;

/** Longest DAG id or task id (Airflow's `ID_LEN`). */
export const MAX_ID_LENGTH = 250;

/** Allowed characters of a run id (Airflow's default `allowed_run_id_pattern`). */
export const RUN_ID_PATTERN = /^[A-Za-z0-9_.~:+-]+$/;

/** Longest run id (the `run_id` column of Airflow's `dag_run`). */
export const MAX_RUN_ID_LENGTH = 250;

/** What kind of id is checked; decides the character set. */
export type IdKind = 'dag_id' | 'task_id' | 'run_id';

/** The characters each kind allows, as told to users. */
const ALLOWED: Readonly<Record<IdKind, string>> = {
  dag_id: "letters, digits, '_', '-' and '.'",
  task_id: "letters, digits, '_', '-' and '.'",
  run_id: "letters, digits, '_', '-', '.', '~', ':' and '+'",
};

/**
 * What is wrong with an id, or `undefined` when it is valid.
 * @param kind - which id it is (run ids allow `~ : +` besides the DAG id's characters)
 * @param value - the id
 * @returns a sentence such as `may contain only letters, digits, …` (without the field name)
 */
export function idProblem(kind: IdKind, value: string): string | undefined {
  const max = kind === 'run_id' ? MAX_RUN_ID_LENGTH : MAX_ID_LENGTH;
  const pattern = kind === 'run_id' ? RUN_ID_PATTERN : ID_PATTERN;
  if (value.length === 0) return 'must not be empty';
  if (value.length > max) return `is longer than ${max} characters (${value.length})`;
  if (!pattern.test(value)) return `may contain only ${ALLOWED[kind]}`;
  if (/^\.+$/.test(value)) return 'may not be made of dots only';
  return undefined;
}

/**
 * Returns `value` when it is a valid id of that kind.
 * @param field - the name shown in the error; `@defaultValue kind`
 * @throws InvalidIdError naming the field and the value (as JSON, so a NUL or newline is visible)
 */
export function assertId(kind: IdKind, value: string, field: string = kind): string {
  const problem = idProblem(kind, value);
  if (problem !== undefined) {
    const shown = value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}…` : JSON.stringify(value);
    throw new InvalidIdError(`invalid ${field} ${shown}: ${problem}`, field, value);
  }
  return value;
}

/**
 * Checks the three ids of a task try at once (before any path is built from them).
 * @throws InvalidIdError naming the first id at fault
 */
export function assertTryIds(t: {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId?: string;
}): void {
  assertId('dag_id', t.dagId);
  assertId('run_id', t.runId);
  if (t.taskId !== undefined) assertId('task_id', t.taskId);
}
