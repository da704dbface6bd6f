/**
 * What the CLI says about a DAG's next run and its catch-up (`dags list --json`, `dags unpause`),
 * from the same functions as the web page and the API (`src/scheduler/next-run-service.ts`).
 */
import type { NextRun } from '../core/schedule-ahead.js';
import { getDagRow } from '../db/dag-repository.js';
import type { DagRow } from '../db/database.js';
import type { Runtime } from '../runtime/runtime.js';
import { describeCatchup, loadCatchupPlan, loadNextRun } from '../scheduler/next-run-service.js';

/** The next run of a DAG row, or `null` (manual-only, past its end, not in the DAG folder). */
export async function nextRunOfRow(rt: Runtime, row: DagRow): Promise<NextRun | null> {
  const dag = rt.registry.peek(row.dag_id) ?? (await rt.registry.get(row.dag_id));
  return dag === undefined ? null : loadNextRun(rt.db, dag, row, new Date());
}

/**
 * The API's fields of a next run (`next_dagrun`, …, Airflow's DAG fields), in place of the row's
 * `next_dagrun_logical_date` and `next_dagrun_create_after`; the row's value of the first, the
 * schedule's cursor (the last logical date it created or stepped over), is `schedule_cursor`.
 */
export function nextDagrunFields(
  row: Pick<DagRow, 'next_dagrun_logical_date'>,
  next: NextRun | null,
): Record<string, string | null> {
  return {
    schedule_cursor: row.next_dagrun_logical_date?.toISOString() ?? null,
    next_dagrun: next?.logicalDate.toISOString() ?? null,
    next_dagrun_logical_date: next?.logicalDate.toISOString() ?? null,
    next_dagrun_data_interval_start: next?.dataIntervalStart.toISOString() ?? null,
    next_dagrun_data_interval_end: next?.dataIntervalEnd.toISOString() ?? null,
    next_dagrun_create_after: next?.createAfter.toISOString() ?? null,
  };
}

/** `catch-up will create 1,428 runs from 2023-01-04 (max_active_runs 16 at a time)`. */
export async function catchupLine(rt: Runtime, dagId: string): Promise<string> {
  const dag = await rt.registry.get(dagId);
  const row = await getDagRow(rt.db, dagId);
  if (dag === undefined || row === undefined) return 'catch-up: the DAG is not in the DAG folder';
  const plan = await loadCatchupPlan(rt.db, dag, row, new Date());
  return describeCatchup(dag, plan, row.max_active_runs);
}
