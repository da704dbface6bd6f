/**
 * `heatflow dags delete DAG_ID [-y]`: Airflow's `dags delete`, over dag-delete-service.ts.
 */
import type { Command } from 'commander';
import { cliActor, recordEvent } from '../audit/event-log.js';
import { NotFoundError } from '../core/errors.js';
import { deleteDag } from '../scheduler/dag-delete-service.js';
import { confirmOrRefuse } from './confirm.js';
import { CliError, withRuntime } from './context.js';

/** Registers `delete` under the `dags` command. */
export function registerDagsDeleteCommand(dags: Command): void {
  dags
    .command('delete <dag_id>')
    .description(
      'delete all metadata of a DAG (runs, task instances, tries, XComs, backfills, asset events, its DAG row); ' +
        'the warehouse tables (tado.*, analytics.*) and the event log are kept; the DAG file is not touched, ' +
        'so the DAG comes back, fresh, at the next DAG sync',
    )
    .option('-y, --yes', 'do not ask for confirmation (needed when stdin is not a terminal)')
    .action(async (dagId: string, o: { yes?: boolean }) => {
      await withRuntime('dags', async (rt) => {
        const go = await confirmOrRefuse(
          `This will drop all existing records related to the specified DAG "${dagId}". Proceed?`,
          o.yes,
          `DAG "${dagId}" not deleted`,
        );
        if (!go) {
          process.stdout.write('cancelled: nothing deleted\n');
          return;
        }
        let r;
        try {
          r = await deleteDag(rt.deps, dagId);
        } catch (err) {
          if (err instanceof NotFoundError) throw new CliError(err.message);
          throw err;
        }
        await recordEvent(rt.db, cliActor(), { event: 'dag.delete', dagId, extra: { ...r } }, rt.logger);
        const lines: [string, number][] = [
          ['DAG row', r.dags],
          ['DAG runs', r.dagRuns],
          ['task instances', r.taskInstances],
          ['task tries', r.taskTries],
          ['XComs (Redis keys)', r.xcomKeys],
          ['task queue jobs (BullMQ)', r.queueJobs],
          ['backfills', r.backfills],
          ['asset events produced', r.assetEvents],
          ['asset events queued for it', r.queuedAssetEvents],
          ['import errors', r.importErrors],
        ];
        process.stdout.write(`deleted the metadata of DAG "${dagId}":\n`);
        for (const [what, n] of lines) process.stdout.write(`  ${what}: ${n}\n`);
        const file = (await rt.registry.refresh()).dags.get(dagId)?.dag;
        const comesBack =
          file === undefined
            ? 'its DAG file is gone, so it does not come back'
            : file.isPausedUponCreation
              ? 'the DAG file still exists, so the DAG reappears at the next DAG sync, paused (is_paused_upon_creation)'
              : `the DAG file still exists, so the DAG reappears at the next DAG sync ACTIVE (it is not paused upon creation${file.catchup ? ': a running scheduler catches up from its start date' : ''}); pause it with \`heatflow dags pause ${dagId}\`${dagId === 'tado_etl' ? ' or set TADO_ETL_PAUSED_UPON_CREATION=true' : ''}`;
        process.stdout.write(`warehouse tables (tado.*, analytics.*) untouched; ${comesBack}\n`);
      });
    });
}
