/**
 * The arguments `tasks render`, `tasks run` and `dags test` share: a task of a DAG, and a
 * `LOGICAL_DATE_OR_RUN_ID` resolved to a recorded DAG run (or only to a logical date).
 */
import type { Kysely } from 'kysely';
import type { Dag, Task } from '../core/types.js';
import type { Database, DagRunRow } from '../db/database.js';
import { findRunByIdOrLogicalDate } from '../db/run-listing-queries.js';
import { scheduledRunOnDay } from '../core/timetable.js';
import { CliError, parseDateOption } from './context.js';

/**
 * The logical date a `LOGICAL_DATE` argument means: a bare `YYYY-MM-DD` is that local day's
 * scheduled logical date (as `dags trigger --logical-date`), else local midnight; a date-time is
 * that instant. @throws CliError naming the argument when it is not a date
 */
export function logicalDateArg(dag: Dag, value: string): Date {
  const at = parseDateOption('<logical_date>', value, dag.timezone, false);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value.trim())) return at;
  return scheduledRunOnDay(dag, value.trim())?.logicalDate ?? at;
}

/** The task `taskId` of `dag`. @throws CliError naming the task and the DAG's tasks */
export function requireTask(dag: Dag, taskId: string): Task {
  const task = dag.tasks.get(taskId);
  if (task === undefined)
    throw new CliError(`task "${taskId}" not in DAG "${dag.dagId}" (tasks: ${dag.taskIds.join(', ')})`);
  return task;
}

/** What a `LOGICAL_DATE_OR_RUN_ID` argument names. */
export interface RunArg {
  /** the logical date it means (undefined when it is a run id that is not a date) */
  readonly logicalDate: Date | undefined;
  /** the recorded DAG run it names, when there is one */
  readonly run: DagRunRow | undefined;
}

/**
 * Resolves a date, a date-time or a run id (a bare date is that day's scheduled logical date).
 * @throws CliError naming the argument when it is neither a date nor a run id of the DAG
 */
export async function resolveRunArg(db: Kysely<Database>, dag: Dag, value: string): Promise<RunArg> {
  let logicalDate: Date | undefined;
  let dateError: CliError | undefined;
  try {
    logicalDate = logicalDateArg(dag, value);
  } catch (err) {
    dateError = err as CliError;
  }
  const run = await findRunByIdOrLogicalDate(db, dag.dagId, value, logicalDate);
  if (run === undefined && dateError !== undefined)
    throw new CliError(`${dateError.message} (nor a run id of ${dag.dagId})`);
  return { logicalDate: logicalDate ?? run?.logical_date, run };
}
