/**
 * The run context of a task for a logical date outside the scheduler (`tasks test`, `tasks render`,
 * `dags test`): the recorded DAG run of that date when there is one (its run id, type, data
 * interval and conf), otherwise the run the schedule would make (or a manual one), recorded nowhere.
 */
import { makeRunId } from '../core/run-id.js';
import { dagRunInfosBetween, formatDs, inferManualDataInterval } from '../core/timetable.js';
import type { Dag, DataInterval, RunContext, RunType, Task } from '../core/types.js';
import type { DagRunRow } from '../db/database.js';
import { SecretMasker } from '../secrets/secret-masker.js';
import type { TemplateSources } from '../variables/template-render.js';
import { renderSecretTemplates } from './render-secrets.js';
import { renderTask, type RenderedTask } from './render-task.js';

/** A DAG run as a preview sees it. */
export interface PreviewRun {
  readonly runId: string;
  readonly runType: RunType;
  readonly logicalDate: Date;
  readonly dataInterval: DataInterval;
  /** the run's conf (the recorded run's, or the one given) */
  readonly conf: Readonly<Record<string, unknown>>;
  /** the recorded run, when there is one */
  readonly recorded: DagRunRow | undefined;
}

/**
 * The run of `logicalDate`: `recorded` when given, else the schedule's run of that date, else a
 * manual run with Airflow's inferred data interval (`manual__<date>`).
 */
export function previewRun(
  dag: Dag,
  logicalDate: Date,
  recorded: DagRunRow | undefined,
  conf: Readonly<Record<string, unknown>> = {},
): PreviewRun {
  if (recorded !== undefined)
    return {
      runId: recorded.run_id,
      runType: recorded.run_type as RunType,
      logicalDate: recorded.logical_date,
      dataInterval: { start: recorded.data_interval_start, end: recorded.data_interval_end },
      conf: recorded.conf,
      recorded,
    };
  const info =
    dagRunInfosBetween(dag, logicalDate, logicalDate)[0] ?? inferManualDataInterval(dag, logicalDate);
  return {
    runId: makeRunId('manual', logicalDate),
    runType: 'manual',
    logicalDate: info.logicalDate,
    dataInterval: info.dataInterval,
    conf,
    recorded: undefined,
  };
}

/** The context a task's templates read for one try of `run`. */
export function previewContext(
  dag: Dag,
  task: Task,
  run: PreviewRun,
  upstreamXComs: Readonly<Record<string, unknown>>,
  tryNumber = 1,
): RunContext {
  return {
    dagId: dag.dagId,
    runId: run.runId,
    runType: run.runType,
    taskId: task.taskId,
    tryNumber,
    logicalDate: run.logicalDate,
    ds: formatDs(run.logicalDate, dag.timezone),
    dataIntervalStart: run.dataInterval.start,
    dataIntervalEnd: run.dataInterval.end,
    params: { ...dag.params, ...run.conf },
    upstreamXComs,
    triggeringAssetEvents: [],
  };
}

/**
 * Renders a task as a worker would (both passes: the DAG's template functions, then
 * `{{ var.… }}` / `{{ conn.… }}`), and returns it with the masker that knows its secrets.
 * @throws Error from a template function; TemplateError naming a missing variable or connection
 */
export async function renderWithSecrets(
  task: Task,
  ctx: RunContext,
  sources: TemplateSources | undefined,
): Promise<{ readonly rendered: RenderedTask; readonly masker: SecretMasker }> {
  const masker = new SecretMasker();
  const rendered = await renderSecretTemplates(task.taskId, renderTask(task, ctx), sources, masker);
  return { rendered, masker };
}
