/**
 * `heatflow dags state DAG_ID LOGICAL_DATE`: the state of the DAG run of that logical date, as
 * Airflow's `dags state` prints it, and on a second line why it is not moving when it is held
 * (DAG paused, max_active_runs reached, pool full, no worker alive; run-blocker-service.ts).
 */
import type { Command } from 'commander';
import { scheduledRunOnDay } from '../core/timetable.js';
import { getRunByLogicalDate } from '../db/dag-run-repository.js';
import { runBlockers } from '../scheduler/run-blocker-service.js';
import { CliError, parseDateOption, requireDag, withRuntime } from './context.js';

/** Registers `dags state` on the `dags` command. */
export function registerDagsStateCommand(dags: Command): void {
  dags
    .command('state <dag_id> <logical_date>')
    .description("print a DAG run's state, and why it is not moving when it is held")
    .action(async (dagId: string, logicalDate: string) => {
      await withRuntime('dags', async (rt) => {
        const dag = await requireDag(rt, dagId);
        const given = parseDateOption('<logical_date>', logicalDate, dag.timezone, false);
        // a bare date is that day's scheduled logical date, as `dags trigger --logical-date` reads it
        const day = /^\d{4}-\d{2}-\d{2}$/.test(logicalDate.trim())
          ? scheduledRunOnDay(dag, logicalDate.trim())
          : null;
        const at = day?.logicalDate ?? given;
        const run = await getRunByLogicalDate(rt.db, dagId, at);
        if (run === undefined)
          throw new CliError(`<logical_date>: DAG ${dagId} has no run with logical date ${at.toISOString()}`);
        process.stdout.write(`${run.state}\n`);
        const why = (await runBlockers(rt.deps, dagId, [run])).get(run.run_id);
        if (why !== undefined) process.stdout.write(`not moving: ${why}\n`);
      });
    });
}
