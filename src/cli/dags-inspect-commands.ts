/**
 * `heatflow dags list-runs` and `heatflow dags next-execution`, as Airflow 2's: the runs of a DAG
 * (newest first, filtered by state and logical-date range); the next logical dates its schedule
 * will create.
 */
import type { Command } from 'commander';
import { dagRunInfosBetween } from '../core/timetable.js';
import type { Dag } from '../core/types.js';
import { getDagRow } from '../db/dag-repository.js';
import { runLogicalDatesAfter } from '../db/dag-run-repository.js';
import { listDagRuns } from '../db/run-listing-queries.js';
import { nextRunOf } from '../web/next-run.js';
import { CliError, parseDateRange, parsePositiveInt, requireDag, withRuntime } from './context.js';
import { addOutputOptions, outputFormatOf, printRows, type OutputOptions } from './output-format.js';
import { syncDagFolder } from './sync-dags.js';

const RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
const DAY_MS = 86_400_000;
const iso = (d: Date | null) => d?.toISOString() ?? '';

/** `-n, --num-executions` at most this (Airflow's `dags next-execution` has no cap; a year is 365). */
export const MAX_NEXT_EXECUTIONS = 1000;

/**
 * The next `n` logical dates the schedule will create after `cursor` (the last one it created or
 * stepped over), stepping over the logical dates that already have a run (a backfill's, a manual
 * run's), as the scheduler does: the first is the web's and `dags list --json`'s next run
 * (`nextRunOf`). Fewer when the schedule ends; empty for a DAG with no time schedule.
 * @param existing - epoch milliseconds of the logical dates that have a run after the cursor
 */
export function nextLogicalDates(
  dag: Dag,
  cursor: Date | null,
  n: number,
  now: Date,
  existing: ReadonlySet<number> = new Set(),
): Date[] {
  const first = nextRunOf(dag, cursor, now, existing);
  if (first === null) return [];
  const out = [first.logicalDate];
  // windows of a year at a time, at most 50 years ahead (a schedule with no date in a year ends)
  for (let from = first.logicalDate.getTime() + 1, i = 0; out.length < n && i < 50; i++) {
    const infos = dagRunInfosBetween(dag, new Date(from), new Date(from + 366 * DAY_MS));
    if (infos.length === 0) break;
    for (const info of infos)
      if (out.length < n && !existing.has(info.logicalDate.getTime())) out.push(info.logicalDate);
    from = (infos.at(-1)?.logicalDate.getTime() ?? from) + 1;
  }
  return out;
}

/** Adds `list-runs` and `next-execution` to the `dags` command. */
export function registerDagsInspectCommands(dags: Command): void {
  addOutputOptions(
    dags
      .command('list-runs <dag_id>')
      .description('list the runs of a DAG, newest logical date first')
      .option('--state <state>', `only runs in this state (${RUN_STATES.join(', ')})`)
      .option(
        '-s, --start-date <date>',
        'logical date on or after this (YYYY-MM-DD in the DAG time zone, or ISO 8601)',
      )
      .option('-e, --end-date <date>', 'logical date on or before this (a date: to the end of that day)'),
  ).action(
    async (dagId: string, o: OutputOptions & { state?: string; startDate?: string; endDate?: string }) => {
      const format = outputFormatOf(o);
      if (o.state !== undefined && !(RUN_STATES as readonly string[]).includes(o.state))
        throw new CliError(`--state must be one of ${RUN_STATES.join(', ')}, got "${o.state}"`);
      await withRuntime('dags', async (rt) => {
        const row = await getDagRow(rt.db, dagId);
        if (row === undefined) throw new CliError(`DAG "${dagId}" not found in the database`);
        const { from, to } = parseDateRange(row, o.startDate, o.endDate);
        const runs = await listDagRuns(rt.db, {
          dagId,
          ...(o.state === undefined ? {} : { state: o.state }),
          ...(from === undefined ? {} : { from }),
          ...(to === undefined ? {} : { to }),
        });
        printRows(
          format,
          ['dag_id', 'run_id', 'state', 'logical_date', 'start_date', 'end_date'],
          runs.map((r) => [
            r.dag_id,
            r.run_id,
            r.state,
            iso(r.logical_date),
            iso(r.start_date),
            iso(r.end_date),
          ]),
          runs.map((r) => ({
            dag_id: r.dag_id,
            run_id: r.run_id,
            state: r.state,
            run_type: r.run_type,
            logical_date: iso(r.logical_date),
            start_date: r.start_date?.toISOString() ?? null,
            end_date: r.end_date?.toISOString() ?? null,
          })),
        );
      });
    },
  );

  dags
    .command('next-execution <dag_id>')
    .description("the next logical dates of a DAG's schedule (None when it has none)")
    .option('-n, --num-executions <n>', `how many (1..${MAX_NEXT_EXECUTIONS})`, '1')
    .action(async (dagId: string, o: { numExecutions: string }) => {
      const n = parsePositiveInt('--num-executions', o.numExecutions);
      if (n > MAX_NEXT_EXECUTIONS)
        throw new CliError(
          `--num-executions must be at most ${MAX_NEXT_EXECUTIONS}, got "${o.numExecutions}"`,
        );
      await withRuntime('dags', async (rt) => {
        const dag = await requireDag(rt, dagId);
        await syncDagFolder(rt);
        const row = await getDagRow(rt.db, dagId);
        if (row?.is_paused === true)
          process.stderr.write(`[INFO] Please be reminded this DAG is PAUSED now.\n`);
        const cursor = row?.next_dagrun_logical_date ?? null;
        // the runs a backfill or a trigger made are stepped over, as the scheduler does
        const existing = await runLogicalDatesAfter(rt.db, dagId, cursor);
        const dates = nextLogicalDates(dag, cursor, n, new Date(), existing);
        process.stdout.write(
          dates.length === 0 ? 'None\n' : dates.map((d) => `${d.toISOString()}\n`).join(''),
        );
      });
    });
}
