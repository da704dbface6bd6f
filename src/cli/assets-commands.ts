/**
 * `heatflow assets …`: list (assets with producing tasks, consuming DAGs, events and pending
 * events) and events (asset events, newest first, with the runs they triggered).
 */
import type { Command } from 'commander';
import { assetUriProblem, normaliseAssetUri } from '../core/asset.js';
import { ID_PATTERN } from '../core/define-dag.js';
import { assetActivity, listAssetEventPage, listAssetsWithRefs } from '../db/asset-queries.js';
import { datasetEventJson, datasetJson } from '../web/api-serializers.js';
import { CliError, parsePositiveInt, withRuntime } from './context.js';
import { syncDagFolder } from './sync-dags.js';

export function registerAssetsCommands(program: Command): void {
  const assets = program.command('assets').description('assets (data-aware scheduling) and their events');

  assets
    .command('list')
    .description('list the assets, their producing tasks, consuming DAGs, events and pending events')
    .option('--json', 'print JSON (the API’s dataset objects, with event_count and pending)')
    .action(async (o: { json?: boolean }) => {
      await withRuntime('assets', async (rt) => {
        await syncDagFolder(rt);
        const [page, activity] = await Promise.all([
          listAssetsWithRefs(rt.db, {}, { limit: 100_000, offset: 0, orderBy: 'uri', descending: false }),
          assetActivity(rt.db, 1),
        ]);
        const pendingOf = (dagId: string, assetId: string) => activity.pending.get(dagId)?.get(assetId) ?? 0;
        if (o.json === true) {
          const out = page.assets.map((a) => ({
            ...datasetJson(a),
            event_count: activity.eventCounts.get(a.id) ?? 0,
            pending: Object.fromEntries(a.consumers.map((c) => [c.dag_id, pendingOf(c.dag_id, a.id)])),
          }));
          process.stdout.write(`${JSON.stringify({ assets: out }, null, 2)}\n`);
          return;
        }
        if (page.assets.length === 0) {
          process.stdout.write('no asset: no DAG declares outlets or an asset schedule\n');
          return;
        }
        const lines = page.assets.map((a) => {
          const producers = a.producers.map((p) => `${p.dag_id}.${p.task_id}`).join(', ') || '-';
          const consumers =
            a.consumers.map((c) => `${c.dag_id} (${pendingOf(c.dag_id, a.id)} pending)`).join(', ') || '-';
          const last = activity.latestEvents.get(a.id)?.[0]?.timestamp.toISOString() ?? '-';
          return [
            a.uri,
            `  produced by: ${producers}`,
            `  consumed by: ${consumers}`,
            `  events: ${activity.eventCounts.get(a.id) ?? 0}, latest ${last}`,
          ].join('\n');
        });
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });

  assets
    .command('events')
    .description('list asset events, newest first, with the runs they triggered')
    .option('--asset <uri>', 'only the events of this asset')
    .option('--dag <dag_id>', 'only the events produced by this DAG')
    .option('--limit <n>', 'at most this many events', '20')
    .option('--json', 'print JSON (the API’s dataset event objects)')
    .action(async (o: { asset?: string; dag?: string; limit: string; json?: boolean }) => {
      const limit = parsePositiveInt('--limit', o.limit);
      if (o.asset !== undefined) {
        const problem = assetUriProblem(o.asset);
        if (problem !== undefined) throw new CliError(`--asset: ${problem}`);
      }
      if (o.dag !== undefined && !ID_PATTERN.test(o.dag))
        throw new CliError(`--dag: ${JSON.stringify(o.dag)} is not a DAG id`);
      await withRuntime('assets', async (rt) => {
        if (o.asset !== undefined) {
          const uri = normaliseAssetUri(o.asset);
          await syncDagFolder(rt);
          const known = (
            await listAssetsWithRefs(
              rt.db,
              {},
              { limit: 100_000, offset: 0, orderBy: 'uri', descending: false },
            )
          ).assets.map((a) => a.uri);
          if (!known.includes(uri))
            throw new CliError(
              `--asset ${uri}: unknown asset; known assets: ${known.length === 0 ? '(none: no DAG declares outlets or an asset schedule)' : known.join(', ')}`,
            );
        }
        const page = await listAssetEventPage(
          rt.db,
          {
            ...(o.asset === undefined ? {} : { uri: normaliseAssetUri(o.asset) }),
            ...(o.dag === undefined ? {} : { sourceDagId: o.dag }),
          },
          { limit, offset: 0, orderBy: 'timestamp', descending: true },
        );
        if (o.json === true) {
          process.stdout.write(
            `${JSON.stringify({ asset_events: page.events.map(datasetEventJson), total_entries: page.totalEntries }, null, 2)}\n`,
          );
          return;
        }
        if (page.events.length === 0) {
          process.stdout.write('no asset event\n');
          return;
        }
        const lines = page.events.map((e) => {
          const runs = e.created_runs.map((r) => `${r.dag_id} ${r.run_id} (${r.state})`).join(', ');
          return [
            `${e.timestamp.toISOString()}  ${e.uri}  from ${e.source_dag_id}.${e.source_task_id} ${e.source_run_id} try ${e.source_try_number}`,
            `  data interval ${e.source_data_interval_start.toISOString()} .. ${e.source_data_interval_end.toISOString()}`,
            `  triggered: ${runs === '' ? 'nothing yet' : runs}`,
          ].join('\n');
        });
        process.stdout.write(
          `${lines.join('\n')}\n${page.totalEntries > page.events.length ? `(${page.events.length} of ${page.totalEntries}; --limit for more)\n` : ''}`,
        );
      });
    });
}
