/**
 * `heatflow tasks …`: test (run one task now, record nothing) and clear.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { getRunByLogicalDate } from '../db/dag-run-repository.js';
import { dagRunInfosBetween, parseDagDate } from '../core/timetable.js';
import { ProcessExecutor } from '../executors/process-executor.js';
import { secretStores } from '../secrets/secret-stores.js';
import { previewContext, previewRun, renderWithSecrets } from '../worker/run-preview.js';
import { runDirOf } from '../worker/task-worker.js';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { clearTaskInstances } from '../scheduler/dag-run-service.js';
import { confirmOrRefuse } from './confirm.js';
import { CliError, parseDateRange, requireDag, withRuntime } from './context.js';

export function registerTasksCommands(program: Command): void {
  const tasks = program.command('tasks').description('task instances');

  tasks
    .command('test <dag_id> <task_id> <date>')
    .description('run one task now with the process executor, printing its log; records no state')
    .action(async (dagId: string, taskId: string, date: string) => {
      await withRuntime('tasks', async (rt) => {
        const dag = await requireDag(rt, dagId);
        const task = dag.tasks.get(taskId);
        if (task === undefined)
          throw new CliError(`task "${taskId}" not in DAG "${dagId}" (tasks: ${dag.taskIds.join(', ')})`);
        let logical: Date;
        try {
          const from = parseDagDate(date, dag.timezone, false);
          const sameDay = dagRunInfosBetween(dag, from, parseDagDate(date, dag.timezone, true));
          logical =
            /^\d{4}-\d{2}-\d{2}$/.test(date) && sameDay[0] !== undefined ? sameDay[0].logicalDate : from;
        } catch (err) {
          throw new CliError(`<date>: ${(err as Error).message}`);
        }
        // As Airflow's `tasks test`: the DAG run of that logical date when there is one (its
        // upstream XComs and run folder); otherwise a manual run id that exists nowhere.
        const run = previewRun(dag, logical, await getRunByLogicalDate(rt.db, dagId, logical));
        const runId = run.runId;
        const upstream = await rt.xcom.pullReturnValues(dagId, runId, task.upstream);
        if (run.recorded !== undefined)
          process.stderr.write(
            `using the XComs of the existing DAG run ${runId} (${run.recorded.state}); nothing is recorded\n`,
          );
        const ctx = previewContext(dag, task, run, upstream);
        let prepared;
        try {
          prepared = await renderWithSecrets(task, ctx, secretStores(rt.db, rt.config));
        } catch (err) {
          throw new CliError(`rendering ${dagId}.${taskId} for ${runId} failed: ${(err as Error).message}`);
        }
        const { rendered, masker } = prepared;
        const logDir = await mkdtemp(path.join(os.tmpdir(), 'heatflow-test-'));
        const logPath = path.join(logDir, 'attempt=1.log');
        const executor = new ProcessExecutor({ dataDir: rt.config.HEATFLOW_DATA_DIR });
        process.stderr.write(
          `running ${dagId}.${taskId} for ${ctx.ds} (${runId}); run folder ${path.join(rt.config.HEATFLOW_DATA_DIR, runDirOf(dagId, runId))}\n`,
        );
        const result = await executor.execute({
          dagId,
          runId,
          taskId,
          tryNumber: 1,
          leaseToken: 'tasks-test',
          command: rendered.command,
          env: rendered.env,
          runDir: runDirOf(dagId, runId),
          xcomInput: upstream,
          ...(task.executionTimeoutMs === undefined ? {} : { executionTimeoutMs: task.executionTimeoutMs }),
          logPath,
          masker,
        });
        process.stdout.write(await readFile(logPath, 'utf8').catch(() => ''));
        process.stdout.write(
          `\n${result.outcome} (exit ${result.exitCode ?? '-'}, ${result.durationMs} ms)${result.returnValue === undefined ? '' : `; return value: ${JSON.stringify(result.returnValue)}`}\n`,
        );
        if (result.outcome !== 'success' && result.outcome !== 'skipped')
          throw new CliError(result.error ?? result.outcome);
      });
    });

  tasks
    .command('clear <dag_id>')
    .description('clear task instances so they run again')
    .option('-s, --start-date <date>', 'runs with logical date on or after this')
    .option(
      '-e, --end-date <date>',
      'runs with logical date on or before this (a date: to the end of that day)',
    )
    .option('-t, --task-regex <regex>', 'only tasks whose id matches')
    .option('--only-failed', 'only failed and upstream_failed task instances')
    .option('--downstream', 'also clear the downstream tasks')
    .option('--dry-run', 'list what would be cleared')
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .action(
      async (
        dagId: string,
        o: {
          startDate?: string;
          endDate?: string;
          taskRegex?: string;
          onlyFailed?: boolean;
          downstream?: boolean;
          dryRun?: boolean;
          yes?: boolean;
        },
      ) => {
        await withRuntime('tasks', async (rt) => {
          const dag = await requireDag(rt, dagId);
          let regex: RegExp | undefined;
          try {
            regex = o.taskRegex === undefined ? undefined : new RegExp(o.taskRegex);
          } catch (err) {
            throw new CliError(`--task-regex: ${(err as Error).message}`);
          }
          const { from: start, to: end } = parseDateRange(dag, o.startDate, o.endDate);
          const selection = {
            ...(start === undefined ? {} : { start }),
            ...(end === undefined ? {} : { end }),
            ...(regex === undefined ? {} : { taskRegex: regex }),
            onlyFailed: o.onlyFailed === true,
            downstream: o.downstream === true,
          };
          // As Airflow's `tasks clear`: say how many and ask, unless --yes.
          if (o.dryRun !== true && o.yes !== true) {
            const would = await clearTaskInstances(rt.deps, dag, { ...selection, dryRun: true });
            if (would.length > 0) {
              if (process.stdin.isTTY !== true)
                throw new CliError(
                  `would clear ${would.length} task instance(s) of ${dagId}: nothing cleared; pass --yes to clear them (--dry-run lists them)`,
                );
              for (const c of would.slice(0, 20))
                process.stderr.write(`  ${c.runId} ${c.taskId} (${c.previousState})\n`);
              if (would.length > 20) process.stderr.write(`  … and ${would.length - 20} more\n`);
              if (
                !(await confirmOrRefuse(
                  `clear these ${would.length} task instance(s) of ${dagId}?`,
                  false,
                  `nothing of ${dagId} cleared`,
                ))
              ) {
                process.stdout.write('cancelled: nothing cleared\n');
                return;
              }
            }
          }
          const cleared = await clearTaskInstances(rt.deps, dag, { ...selection, dryRun: o.dryRun === true });
          if (o.dryRun !== true)
            await recordEvent(
              rt.db,
              cliActor(),
              {
                event: 'clear',
                dagId,
                extra: {
                  cleared: cleared.length,
                  start_date: start?.toISOString() ?? null,
                  end_date: end?.toISOString() ?? null,
                  task_regex: o.taskRegex ?? null,
                  only_failed: selection.onlyFailed,
                  include_downstream: selection.downstream,
                },
              },
              rt.logger,
            );
          for (const c of cleared)
            process.stdout.write(
              `${o.dryRun === true ? 'would clear' : 'cleared'} ${c.runId} ${c.taskId} (was ${c.previousState})\n`,
            );
          process.stdout.write(
            `${cleared.length} task instance(s) ${o.dryRun === true ? 'would be ' : ''}cleared\n`,
          );
        });
      },
    );
}
