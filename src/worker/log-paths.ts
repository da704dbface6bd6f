/**
 * Where try logs live: `<log dir>/dag_id=<dag>/run_id=<run>/task_id=<task>/attempt=<n>.log`
 * (Airflow's layout).
 */
import path from 'node:path';

/** Absolute path of one try's log file. */
export function tryLogPath(
  logDir: string,
  t: { dagId: string; runId: string; taskId: string; tryNumber: number },
): string {
  return path.join(
    logDir,
    `dag_id=${t.dagId}`,
    `run_id=${t.runId}`,
    `task_id=${t.taskId}`,
    `attempt=${t.tryNumber}.log`,
  );
}
