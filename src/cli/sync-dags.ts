/**
 * Parses the DAG folder and records it, so commands that run without a scheduler (trigger,
 * pause, backfill) see up-to-date DAG rows.
 */
import { stat } from 'node:fs/promises';
import { syncDagBag } from '../dag-processing/sync-dag-bag.js';
import type { Runtime } from '../runtime/runtime.js';
import { CliError } from './context.js';

/**
 * @throws CliError naming `HEATFLOW_DAGS_DIR` when the DAG folder does not exist (a typo there
 * would otherwise read as "no DAGs" and record every DAG as gone)
 */
export async function syncDagFolder(rt: Runtime): Promise<void> {
  const dir = rt.config.HEATFLOW_DAGS_DIR;
  const found = await stat(dir).catch(() => undefined);
  if (found === undefined || !found.isDirectory())
    throw new CliError(`HEATFLOW_DAGS_DIR: the DAG folder ${dir} does not exist (or is not a folder)`);
  await syncDagBag(rt.db, await rt.registry.refresh(), new Date());
}
