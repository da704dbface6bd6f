/**
 * SQL for assets on the write side: the DAG processor's asset references, the scheduler's
 * consumption of queued asset events, and the events a run consumed (for the worker). Events are
 * recorded by `finishTry` (task-instance-repository.ts), in the statement that records a success.
 * The read side of the web pages, the API and the CLI is in asset-queries.ts.
 */
import { sql, type Kysely } from 'kysely';
import type { TriggeringAssetEvent } from '../core/types.js';
import type { Database } from './database.js';

/** The assets one parsed DAG names. */
export interface DagAssetDeclaration {
  readonly dagId: string;
  /** URIs the DAG is scheduled on */
  readonly scheduleAssets: readonly string[];
  /** (task, URI) of every task outlet */
  readonly outlets: readonly { readonly taskId: string; readonly uri: string }[];
  /** every asset the DAG names, with its static extra */
  readonly assets: readonly { readonly uri: string; readonly extra: Readonly<Record<string, unknown>> }[];
}

/**
 * Records the assets of the parsed DAGs: upserts every asset (its extra when it changed, the
 * first non-empty extra among the DAGs winning), and replaces the schedule and outlet references
 * of these DAGs; events queued for an asset one of them is no longer scheduled on are dropped.
 * References of DAGs not given (whose file is gone or does not parse now) are kept: their pending
 * events wait until they come back. Runs inside the DAG sync's transaction, after the DAG rows.
 */
export async function syncAssetReferences(
  trx: Kysely<Database>,
  dags: readonly DagAssetDeclaration[],
  now: Date,
): Promise<void> {
  if (dags.length === 0) return;
  const extraByUri = new Map<string, Readonly<Record<string, unknown>>>();
  for (const d of dags)
    for (const a of d.assets) {
      const known = extraByUri.get(a.uri);
      if (known === undefined || (Object.keys(known).length === 0 && Object.keys(a.extra).length > 0))
        extraByUri.set(a.uri, a.extra);
    }
  // in URI order, so two concurrent syncs lock asset rows in the same order
  const uris = [...extraByUri.keys()].sort();
  if (uris.length > 0) {
    const extras = uris.map((u) => JSON.stringify(extraByUri.get(u) ?? {}));
    await sql`
      INSERT INTO heatflow.assets AS a (uri, extra, created_at, updated_at)
      SELECT v.uri, v.extra::jsonb, ${now}, ${now} FROM unnest(${uris}::text[], ${extras}::text[]) AS v(uri, extra)
      ON CONFLICT (uri) DO UPDATE SET extra = excluded.extra, updated_at = excluded.updated_at
      WHERE a.extra IS DISTINCT FROM excluded.extra`.execute(trx);
  }
  const dagIds = dags.map((d) => d.dagId);
  const schedDags = dags.flatMap((d) => d.scheduleAssets.map(() => d.dagId));
  const schedUris = dags.flatMap((d) => d.scheduleAssets);
  await sql`
    DELETE FROM heatflow.dag_schedule_asset_refs r
    USING heatflow.assets a
    WHERE a.id = r.asset_id AND r.dag_id = ANY(${dagIds}::text[])
      AND (r.dag_id, a.uri) NOT IN (SELECT * FROM unnest(${schedDags}::text[], ${schedUris}::text[]))`.execute(
    trx,
  );
  if (schedUris.length > 0)
    await sql`
      INSERT INTO heatflow.dag_schedule_asset_refs (asset_id, dag_id, created_at, updated_at)
      SELECT a.id, v.dag_id, ${now}, ${now}
      FROM unnest(${schedDags}::text[], ${schedUris}::text[]) AS v(dag_id, uri)
      JOIN heatflow.assets a ON a.uri = v.uri
      ON CONFLICT DO NOTHING`.execute(trx);
  // events queued for an asset a DAG is no longer scheduled on would never be consumed
  await sql`
    DELETE FROM heatflow.asset_dag_run_queue q
    WHERE q.target_dag_id = ANY(${dagIds}::text[])
      AND NOT EXISTS (SELECT 1 FROM heatflow.dag_schedule_asset_refs r
                      WHERE r.dag_id = q.target_dag_id AND r.asset_id = q.asset_id)`.execute(trx);
  const outDags = dags.flatMap((d) => d.outlets.map(() => d.dagId));
  const outTasks = dags.flatMap((d) => d.outlets.map((o) => o.taskId));
  const outUris = dags.flatMap((d) => d.outlets.map((o) => o.uri));
  await sql`
    DELETE FROM heatflow.task_outlet_asset_refs r
    USING heatflow.assets a
    WHERE a.id = r.asset_id AND r.dag_id = ANY(${dagIds}::text[])
      AND (r.dag_id, r.task_id, a.uri) NOT IN (
        SELECT * FROM unnest(${outDags}::text[], ${outTasks}::text[], ${outUris}::text[]))`.execute(trx);
  if (outUris.length > 0)
    await sql`
      INSERT INTO heatflow.task_outlet_asset_refs (asset_id, dag_id, task_id, created_at, updated_at)
      SELECT a.id, v.dag_id, v.task_id, ${now}, ${now}
      FROM unnest(${outDags}::text[], ${outTasks}::text[], ${outUris}::text[]) AS v(dag_id, task_id, uri)
      JOIN heatflow.assets a ON a.uri = v.uri
      ON CONFLICT DO NOTHING`.execute(trx);
}

/**
 * Consumer DAGs that have asset events not consumed yet and may get a run now: active, not paused,
 * with fewer queued + running runs (outside backfills) than their `max_active_runs`. One query, so
 * the scheduler can ask after every task of a producing DAG; the run's creation checks it all
 * again under the DAG row's lock.
 */
export async function dagIdsWithPendingAssetEvents(db: Kysely<Database>): Promise<string[]> {
  const r = await sql<{ dag_id: string }>`
    SELECT d.dag_id
    FROM (SELECT DISTINCT target_dag_id FROM heatflow.asset_dag_run_queue) q
    JOIN heatflow.dags d ON d.dag_id = q.target_dag_id
    WHERE d.is_active AND NOT d.is_paused
      AND (SELECT count(*) FROM heatflow.dag_runs r
           WHERE r.dag_id = d.dag_id AND r.state IN ('queued', 'running') AND r.backfill_id IS NULL)
          < d.max_active_runs
    ORDER BY d.dag_id`.execute(db);
  return r.rows.map((x) => x.dag_id);
}

/** One pending (queued, not consumed) event of a consumer DAG. */
export interface PendingAssetEvent {
  readonly eventId: string;
  readonly assetId: string;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
}

/**
 * What an asset-scheduled DAG's next run would consume: the URIs it is scheduled on that have no
 * pending event yet (`missing`), and its pending events, oldest first. Call under the DAG row's lock.
 */
export async function pendingAssetState(
  trx: Kysely<Database>,
  dagId: string,
): Promise<{ scheduled: number; missing: string[]; pending: PendingAssetEvent[] }> {
  const refs = await trx
    .selectFrom('heatflow.dag_schedule_asset_refs as r')
    .innerJoin('heatflow.assets as a', 'a.id', 'r.asset_id')
    .select(['a.id', 'a.uri'])
    .where('r.dag_id', '=', dagId)
    .orderBy('a.uri')
    .execute();
  const rows = await trx
    .selectFrom('heatflow.asset_dag_run_queue as q')
    .innerJoin('heatflow.asset_events as e', 'e.id', 'q.event_id')
    .select(['q.event_id', 'q.asset_id', 'e.source_data_interval_start', 'e.source_data_interval_end'])
    .where('q.target_dag_id', '=', dagId)
    .orderBy('q.event_id')
    .execute();
  const withEvent = new Set(rows.map((r) => r.asset_id));
  return {
    scheduled: refs.length,
    missing: refs.filter((r) => !withEvent.has(r.id)).map((r) => r.uri),
    pending: rows.map((r) => ({
      eventId: r.event_id,
      assetId: r.asset_id,
      dataIntervalStart: r.source_data_interval_start,
      dataIntervalEnd: r.source_data_interval_end,
    })),
  };
}

/** Queued + running runs of a DAG outside backfills (what `max_active_runs` caps for asset runs). */
export async function countActiveDagRuns(trx: Kysely<Database>, dagId: string): Promise<number> {
  const r = await trx
    .selectFrom('heatflow.dag_runs')
    .select(sql<number>`count(*)::int`.as('n'))
    .where('dag_id', '=', dagId)
    .where('state', 'in', ['queued', 'running'])
    .where('backfill_id', 'is', null)
    .executeTakeFirstOrThrow();
  return r.n;
}

/**
 * Links the events a new run consumed to it and removes them from the DAG's queue (one
 * statement). Call under the DAG row's lock, in the transaction that created the run.
 * @returns how many events were linked
 */
export async function consumeAssetEvents(
  trx: Kysely<Database>,
  dagId: string,
  dagRunId: string,
  eventIds: readonly string[],
): Promise<number> {
  if (eventIds.length === 0) return 0;
  const r = await sql<{ n: number }>`
    WITH consumed AS (
      DELETE FROM heatflow.asset_dag_run_queue
      WHERE target_dag_id = ${dagId} AND event_id = ANY(${[...eventIds]}::bigint[])
      RETURNING event_id
    ), linked AS (
      INSERT INTO heatflow.dag_run_asset_events (dag_run_id, event_id)
      SELECT ${dagRunId}::bigint, event_id FROM consumed
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM linked`.execute(trx);
  return r.rows[0]?.n ?? 0;
}

/**
 * The asset events a run consumed, oldest first (timestamp, then id), as its tasks' run context
 * sees them. One query; empty for a run that consumed none.
 */
export async function listRunTriggeringEvents(
  db: Kysely<Database>,
  dagId: string,
  runId: string,
): Promise<TriggeringAssetEvent[]> {
  const rows = await db
    .selectFrom('heatflow.dag_runs as r')
    .innerJoin('heatflow.dag_run_asset_events as l', 'l.dag_run_id', 'r.id')
    .innerJoin('heatflow.asset_events as e', 'e.id', 'l.event_id')
    .innerJoin('heatflow.assets as a', 'a.id', 'e.asset_id')
    .select([
      'a.uri',
      'e.source_dag_id',
      'e.source_run_id',
      'e.source_task_id',
      'e.source_data_interval_start',
      'e.source_data_interval_end',
      'e.timestamp',
      'e.extra',
    ])
    .where('r.dag_id', '=', dagId)
    .where('r.run_id', '=', runId)
    .orderBy('e.timestamp')
    .orderBy('e.id')
    .execute();
  return rows.map((e) => ({
    uri: e.uri,
    sourceDagId: e.source_dag_id,
    sourceRunId: e.source_run_id,
    sourceTaskId: e.source_task_id,
    dataIntervalStart: e.source_data_interval_start,
    dataIntervalEnd: e.source_data_interval_end,
    timestamp: e.timestamp,
    extra: e.extra,
  }));
}
