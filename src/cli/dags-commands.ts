/**
 * `heatflow dags …`: list, show, trigger, pause, unpause, backfill.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { assetScheduleLabel } from '../core/asset.js';
import { resolveTriggerDate, type TriggerDate } from '../core/trigger-date.js';
import type { Dag, DataInterval } from '../core/types.js';
import { getDagRow, listDagRows, listImportErrors, setDagPaused } from '../db/dag-repository.js';
import { completeFinishedBackfills } from '../db/backfill-repository.js';
import { countRunsByState, type RunFilter } from '../db/dag-run-repository.js';
import { startScheduler, startWorker, type Runtime } from '../runtime/runtime.js';
import { printNoFernetKeyWarningOnce } from '../secrets/no-key-warning.js';
import { secretStores } from '../secrets/secret-stores.js';
import { createBackfill, triggerDagRun } from '../scheduler/dag-run-service.js';
import { syncDagFolder } from './sync-dags.js';
import { formatTable } from './text-table.js';
import {
  CliError,
  parseDateRange,
  parseJsonObject,
  parsePositiveInt,
  requireDag,
  withConfOption,
  withRuntime,
} from './context.js';
import { registerDagsStateCommand } from './dags-state-command.js';
import { catchupLine, nextDagrunFields, nextRunOfRow } from './next-run-output.js';
import { waitForBackfill } from './wait-backfill.js';

export function registerDagsCommands(program: Command): void {
  const dags = program.command('dags').description('DAGs and their runs');
  registerDagsStateCommand(dags);

  dags
    .command('list')
    .description('list the DAGs of the DAG folder, with import errors')
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }) => {
      await withRuntime('dags', async (rt) => {
        await syncDagFolder(rt);
        const rows = await listDagRows(rt.db);
        const errors = await listImportErrors(rt.db);
        const scheduleOf = (r: (typeof rows)[number]) =>
          r.schedule_assets.length > 0 ? assetScheduleLabel(r.schedule_assets) : (r.schedule ?? 'None');
        if (o.json === true) {
          // an asset-scheduled DAG's schedule is its assets (as the text says), not null
          // next_dagrun*: the run the scheduler would create next, as the web page and the API say
          const dags = await Promise.all(
            rows.map(async (r) => ({
              ...r,
              schedule: r.schedule_assets.length > 0 ? scheduleOf(r) : r.schedule,
              ...nextDagrunFields(r, await nextRunOfRow(rt, r)),
            })),
          );
          process.stdout.write(`${JSON.stringify({ dags, import_errors: errors }, null, 2)}\n`);
          return;
        }
        process.stdout.write(
          formatTable(
            ['dag_id', 'schedule', 'state', 'file'],
            rows
              .filter((r) => r.is_active)
              .map((r) => [r.dag_id, scheduleOf(r), r.is_paused ? 'paused' : 'active', r.fileloc ?? '']),
          ),
        );
        if (errors.length > 0) {
          process.stdout.write(
            `\nimport errors:\n${errors.map((e) => `  ${e.filename}: ${e.error}`).join('\n')}\n`,
          );
        }
      });
    });

  dags
    .command('show <dag_id>')
    .description('show a DAG: schedule, tasks and their dependencies')
    .action(async (dagId: string) => {
      await withRuntime('dags', async (rt) => {
        const dag = await requireDag(rt, dagId);
        const out = [
          `dag_id: ${dag.dagId}`,
          `schedule: ${dag.scheduleAssets.length > 0 ? assetScheduleLabel(dag.scheduleAssets) : (dag.schedule ?? 'None')} (${dag.timezone}), start ${dag.startDate.toISOString()}${dag.endDate ? `, end ${dag.endDate.toISOString()}` : ''}`,
          `catchup: ${dag.catchup}, max_active_runs: ${dag.maxActiveRuns}, max_active_tasks: ${dag.maxActiveTasks}`,
          'tasks:',
          ...dag.taskIds.map((id) => {
            const t = dag.tasks.get(id);
            const outlets =
              t === undefined || t.outlets.length === 0 ? '' : `  outlets=[${t.outlets.join(', ')}]`;
            return `  ${id}  <- [${t?.upstream.join(', ') ?? ''}]  trigger_rule=${t?.triggerRule} retries=${t?.retries} pool=${t?.pool}${outlets}`;
          }),
        ];
        process.stdout.write(`${out.join('\n')}\n`);
      });
    });

  dags
    .command('trigger <dag_id>')
    .description('create a manual DAG run')
    .option('--conf <json>', 'run configuration (JSON object)')
    .option(
      '--logical-date <date>',
      "YYYY-MM-DD: that day's scheduled logical date; or an ISO 8601 date-time; default: now",
    )
    .action(async (dagId: string, o: { conf?: string; logicalDate?: string }) => {
      await withRuntime('dags', async (rt) => {
        const dag = await requireDag(rt, dagId);
        await syncDagFolder(rt);
        const conf = parseJsonObject('--conf', o.conf);
        const when = o.logicalDate === undefined ? undefined : triggerDate(dag, o.logicalDate);
        if (when?.note !== undefined) process.stderr.write(`${when.note}\n`);
        const run = await withConfOption('--conf', () =>
          triggerDagRun(rt.deps, dag, {
            conf,
            ...(when === undefined ? {} : { logicalDate: when.logicalDate }),
            ...(when?.dataInterval === undefined ? {} : { dataInterval: when.dataInterval }),
          }),
        );
        await recordEvent(
          rt.db,
          cliActor(),
          { event: 'trigger', dagId, runId: run.run_id, logicalDate: run.logical_date },
          rt.logger,
        );
        process.stdout.write(`created ${run.run_id} (state ${run.state})\n`);
        if ((await getDagRow(rt.db, dagId))?.is_paused === true) {
          process.stderr.write(
            `note: ${dagId} is paused; the run stays queued until \`heatflow dags unpause ${dagId}\`\n`,
          );
        }
      });
    });

  for (const [verb, paused] of [
    ['pause', true],
    ['unpause', false],
  ] as const) {
    dags
      .command(`${verb} <dag_id>`)
      .description(`${verb} a DAG's schedule`)
      .action(async (dagId: string) => {
        await withRuntime('dags', async (rt) => {
          await requireDag(rt, dagId);
          await syncDagFolder(rt);
          await setDagPaused(rt.db, dagId, paused);
          await recordEvent(rt.db, cliActor(), { event: verb, dagId }, rt.logger);
          process.stdout.write(`${dagId}: ${paused ? 'paused' : 'unpaused'}\n`);
          if (!paused) process.stdout.write(`${await catchupLine(rt, dagId)}\n`);
        });
      });
  }

  dags
    .command('backfill <dag_id>')
    .description('create a backfill over a date range and, by default, wait for it')
    .requiredOption(
      '-s, --start-date <date>',
      'first logical date (YYYY-MM-DD in the DAG time zone, or ISO 8601)',
    )
    .requiredOption(
      '-e, --end-date <date>',
      'last logical date, inclusive (a date means to the end of that day)',
    )
    .option('--reprocess <behavior>', 'existing runs: none | failed | completed', 'none')
    .option('--run-backwards', 'start with the newest date')
    .option('--dry-run', 'print the runs it would create, create nothing')
    .option('--max-active-runs <n>', "runs of this backfill at once (default: the DAG's max_active_runs)")
    .option('--conf <json>', 'run configuration (JSON object)')
    .option('--no-wait', 'return once the backfill is created')
    .option('--local', 'run a scheduler and a worker in this process while waiting')
    .option('--json', 'print the summary as JSON')
    .action(
      async (
        dagId: string,
        o: {
          startDate: string;
          endDate: string;
          reprocess: string;
          runBackwards?: boolean;
          dryRun?: boolean;
          maxActiveRuns?: string;
          conf?: string;
          wait: boolean;
          local?: boolean;
          json?: boolean;
        },
      ) => {
        if (!['none', 'failed', 'completed'].includes(o.reprocess)) {
          throw new CliError(`--reprocess must be none, failed or completed, got "${o.reprocess}"`);
        }
        if (o.local === true && !o.wait)
          throw new CliError('--local runs the backfill while waiting for it: it cannot go with --no-wait');
        await withRuntime('backfill', async (rt) => {
          const dag = await requireDag(rt, dagId);
          await syncDagFolder(rt);
          const { from, to } = parseDateRange(dag, o.startDate, o.endDate);
          const conf = parseJsonObject('--conf', o.conf);
          const maxActiveRuns =
            o.maxActiveRuns === undefined
              ? undefined
              : parsePositiveInt('--max-active-runs', o.maxActiveRuns);
          const result = await withConfOption('--conf', () =>
            createBackfill(rt.deps, dag, {
              from,
              to,
              reprocess: o.reprocess as 'none' | 'failed' | 'completed',
              runBackwards: o.runBackwards === true,
              dryRun: o.dryRun === true,
              conf,
              ...(maxActiveRuns === undefined ? {} : { maxActiveRuns }),
            }),
          );
          const counts = { create: 0, reprocess: 0, skip: 0 };
          for (const p of result.plan) counts[p.action]++;
          const unfinished = result.plan.filter(
            (p) => p.action === 'skip' && p.existingState !== 'success' && p.existingState !== 'failed',
          ).length;
          if (o.dryRun === true) {
            for (const p of result.plan)
              process.stdout.write(
                `${p.action.padEnd(9)} ${p.runId}${p.existingState ? ` (${p.existingState})` : ''}\n`,
              );
            process.stdout.write(
              `dry run: ${counts.create} to create, ${counts.reprocess} to reprocess, ${counts.skip} left alone\n`,
            );
            return;
          }
          const id = result.backfill?.id ?? '';
          await recordEvent(
            rt.db,
            cliActor(),
            {
              event: 'backfill',
              dagId,
              extra: {
                backfill_id: result.backfill?.id ?? null,
                from_date: from.toISOString(),
                to_date: to.toISOString(),
                reprocess_behavior: o.reprocess,
                runs: counts.create + counts.reprocess,
              },
            },
            rt.logger,
          );
          process.stderr.write(
            `backfill ${id} of ${dagId}: ${counts.create} runs created, ${counts.reprocess} reprocessed, ${counts.skip} existing left alone${unfinished > 0 ? ` (${unfinished} of them unfinished: waited for${o.local === true ? ' and run here' : ''})` : ''}\n`,
          );
          if (!o.wait) return;
          // Runs of the range left unfinished by an earlier, interrupted backfill are waited for
          // (and, with --local, run) too, as Airflow's backfill picks up the range's existing runs.
          const summary = await runAndWait(rt, id, { dagId, from, to }, o.local === true);
          if (o.json === true) process.stdout.write(`${JSON.stringify(summary)}\n`);
          else
            process.stdout.write(
              `backfill ${id}: ${summary.success} succeeded, ${summary.failed} failed, in ${(summary.wallMs / 1000).toFixed(1)} s\n`,
            );
          if (summary.failed > 0)
            throw new CliError(
              `${summary.failed} of ${summary.total} runs of ${o.startDate}..${o.endDate} failed (see heatflow's logs folder; --reprocess failed runs them again)`,
            );
        });
      },
    );
}

/**
 * What `dags trigger --logical-date VALUE` means. A date-time is that instant (a time without an
 * offset is read in the DAG's zone), with Airflow 2's manual data interval. A bare date
 * `YYYY-MM-DD` is that local day's scheduled logical date, with the scheduled run's data interval
 * (so it is the same run as the schedule's or a backfill's for that day, and collides with it), or
 * local midnight when the schedule has no logical date that day; `note` says which.
 * @throws CliError naming --logical-date when the value is not a date
 */
function triggerDate(
  dag: Dag,
  value: string,
): { logicalDate: Date; dataInterval?: DataInterval; note?: string } {
  let resolved: TriggerDate;
  try {
    resolved = resolveTriggerDate(dag, value);
  } catch (err) {
    throw new CliError(`--logical-date: ${(err as Error).message}`);
  }
  const { logicalDate, dataInterval, kind } = resolved;
  const day = value.trim();
  const local = (d: Date) => DateTime.fromJSDate(d, { zone: dag.timezone }).toFormat('yyyy-MM-dd HH:mm');
  if (kind === 'instant') return { logicalDate };
  if (kind === 'local-midnight' || dataInterval === undefined)
    return {
      logicalDate,
      note: `--logical-date ${day}: ${dag.dagId}'s schedule has no logical date that day; using local midnight ${logicalDate.toISOString()} (${dag.timezone})`,
    };
  const { start, end } = dataInterval;
  return {
    logicalDate,
    dataInterval,
    note: `--logical-date ${day}: the day's scheduled logical date ${logicalDate.toISOString()} (${local(start)} ${dag.timezone}), data interval ${local(start)} → ${local(end)}`,
  };
}

async function runAndWait(rt: Runtime, backfillId: string, range: RunFilter, local: boolean) {
  if (!local) return waitForBackfill(rt, range, undefined, backfillId);
  if (!secretStores(rt.db, rt.config).cipher.enabled) printNoFernetKeyWarningOnce();
  const sched = await startScheduler(rt);
  const worker = await startWorker(rt);
  try {
    const summary = await waitForBackfill(rt, range, undefined, backfillId);
    // the earlier backfills whose runs this one finished are complete now: say so before the
    // scheduler stops (its next pass would have)
    await completeFinishedBackfills(rt.db, new Date());
    return summary;
  } finally {
    await worker.stop();
    await sched.stop();
  }
}

export { countRunsByState };
