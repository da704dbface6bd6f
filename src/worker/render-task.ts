/**
 * Renders a task's templated command and environment for one try, and adds the task container
 * contract's context variables.
 */
import type { RunContext, Task, Templated } from '../core/types.js';

/** A task ready to run. */
export interface RenderedTask {
  readonly command: readonly string[];
  /** contract variables (`HEATFLOW_DAG_ID`…) and the task's own */
  readonly env: Readonly<Record<string, string>>;
}

const resolve = <T>(v: Templated<T>, ctx: RunContext): T =>
  typeof v === 'function' ? (v as (c: RunContext) => T)(ctx) : v;

/**
 * Computes argv and environment from the run context.
 * @throws Error when a template function throws or returns a non-string
 */
export function renderTask(task: Task, ctx: RunContext): RenderedTask {
  const command = resolve(task.command, ctx);
  if (!Array.isArray(command) || command.some((a) => typeof a !== 'string')) {
    throw new Error(`command of task "${task.taskId}" must be an array of strings`);
  }
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(task.env)) {
    const v = resolve(value, ctx);
    if (typeof v !== 'string') throw new Error(`env.${name} of task "${task.taskId}" must be a string`);
    env[name] = v;
  }
  return {
    command,
    env: {
      ...env,
      HEATFLOW_DAG_ID: ctx.dagId,
      HEATFLOW_RUN_ID: ctx.runId,
      HEATFLOW_TASK_ID: ctx.taskId,
      HEATFLOW_TRY_NUMBER: String(ctx.tryNumber),
      HEATFLOW_LOGICAL_DATE: ctx.logicalDate.toISOString(),
      HEATFLOW_DS: ctx.ds,
      HEATFLOW_DATA_INTERVAL_START: ctx.dataIntervalStart.toISOString(),
      HEATFLOW_DATA_INTERVAL_END: ctx.dataIntervalEnd.toISOString(),
    },
  };
}
