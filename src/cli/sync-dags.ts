/**
 * Parses the DAG folder and records it, so commands that run without a scheduler (trigger,
 * pause, backfill) see up-to-date DAG rows.
 */
import { syncDagBag } from '../dag-processing/sync-dag-bag.js';
import type { Runtime } from '../runtime/runtime.js';

export async function syncDagFolder(rt: Runtime): Promise<void> {
  await syncDagBag(rt.db, await rt.registry.refresh(), new Date());
}
