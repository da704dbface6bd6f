/**
 * `heatflow dags test DAG_ID [LOGICAL_DATE] [--conf JSON] [--save]`: Airflow's `dags test`, one DAG
 * run carried out in this process (src/worker/local-dag-run.ts) with the process executor, each
 * task's log on stdout with a `[task_id]` prefix, a summary table at the end, exit 1 when a task
 * failed. Without `--save` nothing is written to Postgres or Redis (not even the event log); with
 * it the run is recorded afterwards as a normal manual DAG run (task instances, tries, logs in
 * HEATFLOW_LOG_DIR, XComs) and a `dags.test` event is logged; it records no asset events (a test
 * run triggers no asset-scheduled DAG). Each task runs once: retries are not tried.
 */
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { validateRunConf } from '../core/run-conf.js';
import { formatDs } from '../core/timetable.js';
import { getRunByLogicalDate } from '../db/dag-run-repository.js';
import { recordLocalRun } from '../db/local-run-record.js';
import { secretStores } from '../secrets/secret-stores.js';
import { localRunState, runDagLocally } from '../worker/local-dag-run.js';
import { processTaskRunner } from '../worker/process-task-runner.js';
import { previewRun } from '../worker/run-preview.js';
import { CliError, parseJsonObject, requireDag, withConfOption, withRuntime } from './context.js';
import { syncDagFolder } from './sync-dags.js';
import { logicalDateArg } from './task-args.js';
import { formatTable } from './text-table.js';

/** Registers `test` under the `dags` command. */
export function registerDagsTestCommand(dags: Command): void {
  dags
    .command('test <dag_id> [logical_date]')
    .description(
      'run every task of one DAG run in this process (process executor, dependency order, trigger rules), ' +
        'printing each log and a summary; exit 1 when a task failed. No scheduler or worker is needed and ' +
        'nothing is recorded in Postgres or Redis unless --save. The tasks do run: ' +
        "tado_etl's load writes the warehouse. LOGICAL_DATE: a date (that day's scheduled logical date), " +
        "a date-time; default today's",
    )
    .option('--conf <json>', "run configuration (JSON object), checked against the DAG's params")
    .option(
      '--save',
      'record the run, once it has ended, as a normal manual DAG run (task instances, tries, logs, XComs; ' +
        'no asset events, so it triggers no asset-scheduled DAG)',
    )
    .action(async (dagId: string, date: string | undefined, o: { conf?: string; save?: boolean }) => {
      await withRuntime('dags', async (rt) => {
        const dag = await requireDag(rt, dagId);
        const conf = await withConfOption('--conf', () =>
          Promise.resolve(validateRunConf(dag, parseJsonObject('--conf', o.conf))),
        );
        const logical = logicalDateArg(dag, date ?? formatDs(new Date(), dag.timezone));
        const save = o.save === true;
        if (save) {
          const existing = await getRunByLogicalDate(rt.db, dagId, logical);
          if (existing !== undefined)
            throw new CliError(
              `--save: DAG "${dagId}" already has the run ${existing.run_id} (${existing.state}) at ${logical.toISOString()}; ` +
                'run without --save, or use `tasks run` / `tasks clear` on that run',
            );
          await syncDagFolder(rt);
        }
        const run = previewRun(dag, logical, undefined, conf);
        const logDir = save
          ? rt.config.HEATFLOW_LOG_DIR
          : await mkdtemp(path.join(os.tmpdir(), 'heatflow-dags-test-'));
        process.stderr.write(
          `testing ${dagId} for ${formatDs(run.logicalDate, dag.timezone)} (${run.runId}) in this process; ` +
            `${save ? 'the run is recorded (--save)' : 'nothing is recorded'}; logs under ${logDir}\n`,
        );
        // Ctrl-C: the running task is killed, the others are not started; the summary still prints
        const interrupt = new AbortController();
        const onSigint = () => interrupt.abort();
        process.once('SIGINT', onSigint);
        const startedAt = new Date();
        const results = await runDagLocally(
          dag,
          processTaskRunner({
            dag,
            run,
            dataDir: rt.config.HEATFLOW_DATA_DIR,
            logDir,
            secrets: secretStores(rt.db, rt.config),
            out: (t) => process.stdout.write(t),
            signal: interrupt.signal,
          }),
        ).finally(() => process.off('SIGINT', onSigint));
        const endedAt = new Date();
        const state = localRunState(dag, results);
        process.stdout.write(
          `\n${formatTable(
            ['task', 'state', 'duration'],
            results.map((r) => [r.taskId, r.state, `${(r.durationMs / 1000).toFixed(2)} s`]),
          )}`,
        );
        for (const r of results)
          if (r.state === 'failed') process.stdout.write(`${r.taskId}: ${r.error ?? 'failed'}\n`);
        process.stdout.write(`DAG run ${run.runId}: ${state}\n`);
        if (save) {
          await recordLocalRun(rt.db, {
            dag,
            runId: run.runId,
            logicalDate: run.logicalDate,
            dataInterval: run.dataInterval,
            conf,
            state,
            startedAt,
            endedAt,
            tis: results,
            executor: 'process',
            hostname: os.hostname(),
          });
          for (const r of results)
            if (r.returnValue !== undefined)
              await rt.xcom.push({ dagId, runId: run.runId, taskId: r.taskId }, r.returnValue);
          await recordEvent(
            rt.db,
            cliActor(),
            { event: 'dags.test', dagId, runId: run.runId, logicalDate: run.logicalDate, extra: { state } },
            rt.logger,
          );
          process.stdout.write(`recorded ${run.runId} (state ${state})\n`);
        }
        if (results.some((r) => r.state === 'failed'))
          throw new CliError(
            `DAG run ${run.runId} of ${dagId}: failed task(s) ${results
              .filter((r) => r.state === 'failed')
              .map((r) => r.taskId)
              .join(', ')}`,
          );
      });
    });
}
