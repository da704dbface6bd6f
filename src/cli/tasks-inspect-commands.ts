/**
 * `heatflow tasks list` and `heatflow tasks state`, as Airflow 2's: the tasks of a DAG (in
 * dependency order, or as a tree of downstream tasks); the state of one task instance.
 */
import type { Command } from 'commander';
import type { Dag } from '../core/types.js';
import { getTi } from '../db/task-instance-repository.js';
import { CliError, requireDag, withRuntime } from './context.js';
import { requireTask, resolveRunArg } from './task-args.js';

/**
 * The DAG's tasks as a tree: each root (no upstream) at the left, each task's downstream tasks
 * indented under it (a task with several upstreams appears under each, as Airflow's tree does).
 */
export function taskTree(dag: Dag): string {
  const downstream = new Map<string, string[]>(dag.taskIds.map((id) => [id, []]));
  for (const id of dag.taskIds)
    for (const up of dag.tasks.get(id)?.upstream ?? []) downstream.get(up)?.push(id);
  const lines: string[] = [];
  const walk = (id: string, depth: number) => {
    lines.push(`${'    '.repeat(depth)}${id}`);
    for (const d of downstream.get(id) ?? []) walk(d, depth + 1);
  };
  for (const id of dag.taskIds) if ((dag.tasks.get(id)?.upstream.length ?? 0) === 0) walk(id, 0);
  return lines.map((l) => `${l}\n`).join('');
}

/** Adds `list` and `state` to the `tasks` command. */
export function registerTasksInspectCommands(tasks: Command): void {
  tasks
    .command('list <dag_id>')
    .description('list the tasks of a DAG (dependency order), or --tree')
    .option('-t, --tree', 'print the tasks as a tree of downstream tasks')
    .action(async (dagId: string, o: { tree?: boolean }) => {
      await withRuntime('tasks', async (rt) => {
        const dag = await requireDag(rt, dagId);
        process.stdout.write(o.tree === true ? taskTree(dag) : dag.taskIds.map((id) => `${id}\n`).join(''));
      });
    });

  tasks
    .command('state <dag_id> <task_id> <logical_date>')
    .description('print the state of a task instance (LOGICAL_DATE: a date, a date-time or a run id)')
    .action(async (dagId: string, taskId: string, value: string) => {
      await withRuntime('tasks', async (rt) => {
        const dag = await requireDag(rt, dagId);
        requireTask(dag, taskId);
        const { run, logicalDate } = await resolveRunArg(rt.db, dag, value);
        if (run === undefined)
          throw new CliError(
            `DAG "${dagId}" has no run with logical date ${logicalDate?.toISOString() ?? value}`,
          );
        const ti = await getTi(rt.db, { dagId, runId: run.run_id, taskId });
        process.stdout.write(`${ti === undefined || ti.state === 'none' ? 'None' : ti.state}\n`);
      });
    });
}
