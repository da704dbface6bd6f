/**
 * `heatflow tasks run DAG_ID TASK_ID LOGICAL_DATE_OR_RUN_ID`: Airflow's `tasks run`, one new try
 * of a task instance of a recorded DAG run, in this process, recorded as a worker records it
 * (running → success/failed, try number incremented, log file, XCom), without the scheduler or
 * BullMQ: the checks and the queueing in scheduler/task-run-service.ts, the try in
 * `TaskWorker.runQueuedTry` (the worker's own code).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { getTi } from '../db/task-instance-repository.js';
import { ProcessExecutor } from '../executors/process-executor.js';
import { createWorker } from '../runtime/runtime.js';
import { printNoFernetKeyWarningOnce } from '../secrets/no-key-warning.js';
import { secretStores } from '../secrets/secret-stores.js';
import { queueManualTry, TaskRunRefusedError } from '../scheduler/task-run-service.js';
import { tryLogPath } from '../worker/log-paths.js';
import { CliError, requireDag, withRuntime } from './context.js';
import { requireTask, resolveRunArg } from './task-args.js';

interface TasksRunOptions {
  force?: boolean;
  ignoreDependencies?: boolean;
  ignoreAllDependencies?: boolean;
  ignoreDependsOnPast?: boolean;
  local?: boolean;
}

/** Registers `run` under the `tasks` command. */
export function registerTasksRunCommand(tasks: Command): void {
  tasks
    .command('run <dag_id> <task_id> <logical_date_or_run_id>')
    .description(
      'run one task instance of an existing DAG run now, in this process, recorded as a worker records it ' +
        '(a new try, its log and XCom), with the configured executor (--local: the process executor); ' +
        'checks first that it is not running, not finished and that its upstream tasks let it run',
    )
    .option(
      '-f, --force',
      'run even when the task instance is in a finished state (success, failed, …) or its running try has no heartbeat',
    )
    .option('-i, --ignore-dependencies', 'do not check the upstream tasks (the trigger rule)')
    .option(
      '-A, --ignore-all-dependencies',
      'no checks but one: state, upstream tasks (a try that is alive is never doubled)',
    )
    .option('-I, --ignore-depends-on-past', "accepted for Airflow's CLI; heatflow has no depends_on_past")
    .option('-l, --local', 'run the try with the process executor, whatever HEATFLOW_EXECUTOR says')
    .action(async (dagId: string, taskId: string, value: string, o: TasksRunOptions) => {
      await withRuntime('tasks', async (rt) => {
        const dag = await requireDag(rt, dagId);
        requireTask(dag, taskId);
        const { run, logicalDate } = await resolveRunArg(rt.db, dag, value);
        if (run === undefined)
          throw new CliError(
            `DAG "${dagId}" has no run ${logicalDate === undefined ? value : `with logical date ${logicalDate.toISOString()}`} ` +
              `(task ${taskId}); create one with \`heatflow dags trigger ${dagId}\``,
          );
        if (!secretStores(rt.db, rt.config).cipher.enabled) printNoFernetKeyWarningOnce();
        const worker = await createWorker(
          rt,
          o.local === true ? { executor: new ProcessExecutor({ dataDir: rt.config.HEATFLOW_DATA_DIR }) } : {},
        );
        let t;
        try {
          t = await queueManualTry(
            rt.db,
            dag,
            run,
            taskId,
            {
              force: o.force === true,
              ignoreDependencies: o.ignoreDependencies === true,
              ignoreAllDependencies: o.ignoreAllDependencies === true,
            },
            // the worker records the executor that ran the try on the claim
            o.local === true ? 'process' : rt.config.HEATFLOW_EXECUTOR,
            { zombieThresholdMs: rt.config.HEATFLOW_ZOMBIE_THRESHOLD_MS },
          );
        } catch (err) {
          if (err instanceof TaskRunRefusedError) throw new CliError(err.message);
          throw err;
        }
        process.stderr.write(`running ${dagId}.${taskId} of ${run.run_id}, try ${t.tryNumber}\n`);
        const state = await worker.runQueuedTry(t);
        const logPath = tryLogPath(rt.config.HEATFLOW_LOG_DIR, t);
        process.stdout.write(await readFile(logPath, 'utf8').catch(() => ''));
        const ti = await getTi(rt.db, t);
        await recordEvent(
          rt.db,
          cliActor(),
          {
            event: 'tasks.run',
            dagId,
            taskId,
            runId: run.run_id,
            tryNumber: t.tryNumber,
            logicalDate: run.logical_date,
            extra: { state, force: o.force === true, local: o.local === true },
          },
          rt.logger,
        );
        process.stdout.write(
          `${dagId}.${taskId} of ${run.run_id}, try ${t.tryNumber}: ${state}; log ${logPath}\n`,
        );
        if (state !== 'success' && state !== 'skipped')
          throw new CliError(
            `${dagId}.${taskId} of ${run.run_id}, try ${t.tryNumber}: ${state}${ti?.state_reason == null ? '' : `: ${ti.state_reason}`}`,
          );
      });
    });
}
