/**
 * Where try logs live: `<log dir>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`
 * (Airflow's layout). The ids are checked first (`core/ids.ts`) and the result is checked to stay
 * inside the log folder, so a hostile run id cannot write elsewhere.
 */
import { assertTryIds } from '../core/ids.js';
import { resolveInside } from '../core/safe-path.js';

/**
 * Absolute path of one try's log file.
 * @throws InvalidIdError when an id is not a valid DAG, run or task id
 * @throws PathEscapeError when the path would leave `logDir` (cannot happen with valid ids)
 */
export function tryLogPath(
  logDir: string,
  t: { dagId: string; runId: string; taskId: string; tryNumber: number },
): string {
  assertTryIds(t);
  return resolveInside(
    logDir,
    'log file',
    `dag_id=${t.dagId}`,
    `run_id=${t.runId}`,
    `task_id=${t.taskId}`,
    `attempt=${t.tryNumber}.log`,
  );
}
