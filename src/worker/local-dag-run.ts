/**
 * One DAG run carried out in this process (`heatflow dags test`, Airflow's `dag.test()`): every
 * task in dependency order, one at a time, each given the return values of its direct upstream
 * tasks from memory; a task whose trigger rule says it will never run becomes `skipped` or
 * `upstream_failed` without running. No scheduler, worker or queue; the caller's runner decides how
 * a task runs and this loop records nothing anywhere.
 */
import { evaluateTriggerRule } from '../core/trigger-rules.js';
import type { Dag, Task, TaskInstanceState } from '../core/types.js';

/** How one task ended in a local run. */
export interface LocalTaskResult {
  readonly taskId: string;
  readonly state: Extract<TaskInstanceState, 'success' | 'failed' | 'skipped' | 'upstream_failed'>;
  /** wall time of the try, in ms (0 for a task that did not run) */
  readonly durationMs: number;
  readonly startedAt: Date;
  readonly endedAt: Date;
  /** the task's return value (success only), absent when none */
  readonly returnValue?: unknown;
  /** the exit code of the task program, null when it did not run or was killed */
  readonly exitCode: number | null;
  /** why it failed, or why it did not run */
  readonly error?: string;
  /** where its log was written (tasks that ran) */
  readonly logPath?: string;
}

/** Runs one task with its upstream return values (the caller's executor, log and output). */
export type LocalTaskRunner = (
  task: Task,
  upstreamXComs: Readonly<Record<string, unknown>>,
) => Promise<Omit<LocalTaskResult, 'taskId'>>;

/**
 * Runs every task of `dag` in `dag.taskIds` order (dependency order), honouring trigger rules.
 * A runner that throws fails that task (the error recorded) and the run goes on.
 * @returns one result per task, in the order they were decided
 */
export async function runDagLocally(
  dag: Dag,
  runTask: LocalTaskRunner,
  clock: () => Date = () => new Date(),
): Promise<LocalTaskResult[]> {
  const results = new Map<string, LocalTaskResult>();
  for (const taskId of dag.taskIds) {
    const task = dag.tasks.get(taskId);
    if (task === undefined) continue;
    const upstreamStates = task.upstream.map((u) => results.get(u)?.state ?? 'none');
    const decision = evaluateTriggerRule(task.triggerRule, upstreamStates);
    if (decision !== 'run') {
      const now = clock();
      // in dependency order every upstream is decided, so `wait` cannot happen; treat it as skipped
      const state = decision === 'upstream_failed' ? 'upstream_failed' : 'skipped';
      const failedUp = task.upstream.filter((u) => results.get(u)?.state !== 'success');
      results.set(taskId, {
        taskId,
        state,
        durationMs: 0,
        startedAt: now,
        endedAt: now,
        exitCode: null,
        error: `not run: trigger rule ${task.triggerRule} (upstream ${failedUp.map((u) => `${u}=${results.get(u)?.state ?? 'none'}`).join(', ')})`,
      });
      continue;
    }
    const upstreamXComs: Record<string, unknown> = {};
    for (const u of task.upstream) {
      const r = results.get(u);
      if (r?.returnValue !== undefined) upstreamXComs[u] = r.returnValue;
    }
    const startedAt = clock();
    try {
      results.set(taskId, { taskId, ...(await runTask(task, upstreamXComs)) });
    } catch (err) {
      const endedAt = clock();
      results.set(taskId, {
        taskId,
        state: 'failed',
        durationMs: endedAt.getTime() - startedAt.getTime(),
        startedAt,
        endedAt,
        exitCode: null,
        error: (err as Error).message,
      });
    }
  }
  return [...results.values()];
}

/**
 * The state of the run, as Airflow decides it: `failed` when any leaf task (no downstream) failed
 * or is upstream_failed, else `success`.
 */
export function localRunState(dag: Dag, results: readonly LocalTaskResult[]): 'success' | 'failed' {
  const hasDownstream = new Set<string>();
  for (const id of dag.taskIds) for (const u of dag.tasks.get(id)?.upstream ?? []) hasDownstream.add(u);
  return results.some(
    (r) => !hasDownstream.has(r.taskId) && (r.state === 'failed' || r.state === 'upstream_failed'),
  )
    ? 'failed'
    : 'success';
}
