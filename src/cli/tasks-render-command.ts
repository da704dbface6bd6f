/**
 * `heatflow tasks render DAG_ID TASK_ID LOGICAL_DATE_OR_RUN_ID`: Airflow's `tasks render`, which
 * prints each templated field of a task instance rendered for a date. heatflow's templated fields
 * are the command and the environment; secrets are masked (`***`). Nothing is recorded.
 */
import type { Command } from 'commander';
import { secretStores } from '../secrets/secret-stores.js';
import { previewContext, previewRun, renderWithSecrets } from '../worker/run-preview.js';
import { CliError, requireDag, withRuntime } from './context.js';
import { requireTask, resolveRunArg } from './task-args.js';

/** One templated field as Airflow's `tasks render` prints it. */
export function renderedField(property: string, content: string): string {
  const rule = `# ${'-'.repeat(58)}`;
  return `\n${rule}\n# property: ${property}\n${rule}\n${content}\n`;
}

/** Registers `render` under the `tasks` command. */
export function registerTasksRenderCommand(tasks: Command): void {
  tasks
    .command('render <dag_id> <task_id> <logical_date_or_run_id>')
    .description(
      "print a task's templated fields (command, env) rendered for a date or run, secrets masked; records nothing",
    )
    .action(async (dagId: string, taskId: string, value: string) => {
      await withRuntime('tasks', async (rt) => {
        const dag = await requireDag(rt, dagId);
        const task = requireTask(dag, taskId);
        const arg = await resolveRunArg(rt.db, dag, value);
        if (arg.logicalDate === undefined)
          throw new CliError(`<logical_date_or_run_id>: "${value}" is not a date`);
        const run = previewRun(dag, arg.logicalDate, arg.run);
        const upstream =
          arg.run === undefined ? {} : await rt.xcom.pullReturnValues(dagId, run.runId, task.upstream);
        let out;
        try {
          out = await renderWithSecrets(
            task,
            previewContext(dag, task, run, upstream),
            secretStores(rt.db, rt.config),
          );
        } catch (err) {
          throw new CliError(
            `rendering ${dagId}.${taskId} for ${run.runId} failed: ${(err as Error).message}`,
          );
        }
        const { rendered, masker } = out;
        process.stdout.write(
          renderedField('command', masker.mask(rendered.command.map((a) => JSON.stringify(a)).join(' '))),
        );
        const env = Object.entries(rendered.env)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([k, v]) => `${k}=${masker.mask(v)}`)
          .join('\n');
        process.stdout.write(renderedField('env', env));
      });
    });
}
