/**
 * Read-only SQL about assets behind the Assets page, the `/api/v1/datasets` endpoints and
 * `heatflow assets`. Every value from a request is a parameter; sort columns come from the fixed
 * whitelists {@link ASSET_ORDER_COLUMNS} and {@link ASSET_EVENT_ORDER_COLUMNS}.
 */
import { sql, type Kysely } from 'kysely';
import type { AssetEventRow, AssetRow, Database, DagRunRow } from './database.js';

/** A DAG scheduled on an asset. */
export interface AssetConsumerRef {
  readonly dag_id: string;
  /** the DAG's file still declares it */
  readonly is_active: boolean;
  readonly created_at: Date;
  readonly updated_at: Date;
}

/** A task with an asset among its outlets. */
export interface AssetProducerRef extends AssetConsumerRef {
  readonly task_id: string;
}

/** An asset with the DAGs scheduled on it and the tasks producing it. */
export interface AssetWithRefs extends AssetRow {
  readonly consumers: readonly AssetConsumerRef[];
  readonly producers: readonly AssetProducerRef[];
}

/** Sortable columns of assets (Airflow's `order_by` names → column). */
export const ASSET_ORDER_COLUMNS = {
  id: 'id',
  uri: 'uri',
  created_at: 'created_at',
  updated_at: 'updated_at',
} as const;

/** Sortable columns of asset events (Airflow's `order_by` names → column). */
export const ASSET_EVENT_ORDER_COLUMNS = {
  id: 'id',
  timestamp: 'timestamp',
  dataset_id: 'asset_id',
  source_dag_id: 'source_dag_id',
  source_task_id: 'source_task_id',
  source_run_id: 'source_run_id',
} as const;

/** A page request with a whitelisted sort column. */
export interface Page<K extends string> {
  readonly limit: number;
  readonly offset: number;
  readonly orderBy: K;
  readonly descending: boolean;
}

/**
 * Assets (all of them, or those whose URI contains `uriPattern`, case-insensitively), one page,
 * each with its consumers and producers (3 queries), and the number matching.
 */
export async function listAssetsWithRefs(
  db: Kysely<Database>,
  filter: { uriPattern?: string; uri?: string },
  page: Page<keyof typeof ASSET_ORDER_COLUMNS>,
): Promise<{ assets: AssetWithRefs[]; totalEntries: number }> {
  const column = ASSET_ORDER_COLUMNS[page.orderBy];
  const dir = page.descending ? 'desc' : 'asc';
  let q = db.selectFrom('heatflow.assets');
  if (filter.uri !== undefined) q = q.where('uri', '=', filter.uri);
  if (filter.uriPattern !== undefined)
    q = q.where(sql<boolean>`strpos(lower(uri), lower(${filter.uriPattern})) > 0`);
  const rows = await q
    .selectAll()
    .select(sql<number>`count(*) over ()::int`.as('total_entries'))
    .orderBy(sql.ref(column), dir)
    .orderBy('id', dir)
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  let total = rows[0]?.total_entries;
  if (total === undefined) {
    const c = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    total = c.n;
  }
  const assets = await withRefs(
    db,
    rows.map(({ total_entries: _t, ...a }) => a),
  );
  return { assets, totalEntries: total };
}

/** One asset by URI with its references, or undefined. */
export async function getAssetWithRefs(
  db: Kysely<Database>,
  uri: string,
): Promise<AssetWithRefs | undefined> {
  const r = await listAssetsWithRefs(db, { uri }, { limit: 1, offset: 0, orderBy: 'id', descending: false });
  return r.assets[0];
}

async function withRefs(db: Kysely<Database>, assets: readonly AssetRow[]): Promise<AssetWithRefs[]> {
  if (assets.length === 0) return [];
  const ids = assets.map((a) => a.id);
  const [consumers, producers] = await Promise.all([
    db
      .selectFrom('heatflow.dag_schedule_asset_refs as r')
      .innerJoin('heatflow.dags as d', 'd.dag_id', 'r.dag_id')
      .select(['r.asset_id', 'r.dag_id', 'd.is_active', 'r.created_at', 'r.updated_at'])
      .where('r.asset_id', 'in', ids)
      .orderBy('r.dag_id')
      .execute(),
    db
      .selectFrom('heatflow.task_outlet_asset_refs as r')
      .innerJoin('heatflow.dags as d', 'd.dag_id', 'r.dag_id')
      .select(['r.asset_id', 'r.dag_id', 'r.task_id', 'd.is_active', 'r.created_at', 'r.updated_at'])
      .where('r.asset_id', 'in', ids)
      .orderBy('r.dag_id')
      .orderBy('r.task_id')
      .execute(),
  ]);
  return assets.map((a) => ({
    ...a,
    consumers: consumers.filter((c) => c.asset_id === a.id).map(({ asset_id: _a, ...c }) => c),
    producers: producers.filter((p) => p.asset_id === a.id).map(({ asset_id: _a, ...p }) => p),
  }));
}

/** A DAG run an asset event triggered (Airflow's `BasicDAGRun`). */
export type CreatedRun = Pick<
  DagRunRow,
  | 'dag_id'
  | 'run_id'
  | 'logical_date'
  | 'start_date'
  | 'end_date'
  | 'data_interval_start'
  | 'data_interval_end'
  | 'state'
>;

/** An asset event with its asset's URI and the runs it triggered. */
export interface AssetEventWithRuns extends AssetEventRow {
  readonly uri: string;
  readonly created_runs: readonly CreatedRun[];
}

/** Which asset events {@link listAssetEventPage} returns (all given conditions hold). */
export interface AssetEventFilter {
  readonly assetId?: string;
  readonly uri?: string;
  readonly sourceDagId?: string;
  readonly sourceTaskId?: string;
  readonly sourceRunId?: string;
  /** only the events this run consumed */
  readonly consumedBy?: { readonly dagId: string; readonly runId: string };
}

/** Asset events matching a filter, one page, each with the runs it triggered (2 queries). */
export async function listAssetEventPage(
  db: Kysely<Database>,
  filter: AssetEventFilter,
  page: Page<keyof typeof ASSET_EVENT_ORDER_COLUMNS>,
): Promise<{ events: AssetEventWithRuns[]; totalEntries: number }> {
  const column = ASSET_EVENT_ORDER_COLUMNS[page.orderBy];
  const dir = page.descending ? 'desc' : 'asc';
  let q = db.selectFrom('heatflow.asset_events as e').innerJoin('heatflow.assets as a', 'a.id', 'e.asset_id');
  if (filter.assetId !== undefined) q = q.where('e.asset_id', '=', filter.assetId);
  if (filter.uri !== undefined) q = q.where('a.uri', '=', filter.uri);
  if (filter.sourceDagId !== undefined) q = q.where('e.source_dag_id', '=', filter.sourceDagId);
  if (filter.sourceTaskId !== undefined) q = q.where('e.source_task_id', '=', filter.sourceTaskId);
  if (filter.sourceRunId !== undefined) q = q.where('e.source_run_id', '=', filter.sourceRunId);
  const consumedBy = filter.consumedBy;
  if (consumedBy !== undefined)
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('heatflow.dag_run_asset_events as l')
          .innerJoin('heatflow.dag_runs as r', 'r.id', 'l.dag_run_id')
          .select(sql`1`.as('one'))
          .whereRef('l.event_id', '=', 'e.id')
          .where('r.dag_id', '=', consumedBy.dagId)
          .where('r.run_id', '=', consumedBy.runId),
      ),
    );
  const rows = await q
    .selectAll('e')
    .select(['a.uri', sql<number>`count(*) over ()::int`.as('total_entries')])
    .orderBy(sql.ref(`e.${column}`), dir)
    .orderBy('e.id', dir)
    .limit(page.limit)
    .offset(page.offset)
    .execute();
  let total = rows[0]?.total_entries;
  if (total === undefined) {
    const c = await q.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
    total = c.n;
  }
  const runs = await createdRunsOf(
    db,
    rows.map((r) => r.id),
  );
  return {
    events: rows.map(({ total_entries: _t, ...e }) => ({ ...e, created_runs: runs.get(e.id) ?? [] })),
    totalEntries: total,
  };
}

/** The runs each event triggered, by event id, oldest first. */
async function createdRunsOf(
  db: Kysely<Database>,
  eventIds: readonly string[],
): Promise<Map<string, CreatedRun[]>> {
  const out = new Map<string, CreatedRun[]>();
  if (eventIds.length === 0) return out;
  const rows = await db
    .selectFrom('heatflow.dag_run_asset_events as l')
    .innerJoin('heatflow.dag_runs as r', 'r.id', 'l.dag_run_id')
    .select([
      'l.event_id',
      'r.dag_id',
      'r.run_id',
      'r.logical_date',
      'r.start_date',
      'r.end_date',
      'r.data_interval_start',
      'r.data_interval_end',
      'r.state',
    ])
    .where('l.event_id', 'in', [...eventIds])
    .orderBy('r.id')
    .execute();
  for (const { event_id, ...run } of rows) {
    const list = out.get(event_id) ?? [];
    list.push(run);
    out.set(event_id, list);
  }
  return out;
}

/** What the Assets page shows beside each asset. */
export interface AssetActivity {
  /** events recorded, by asset id */
  readonly eventCounts: ReadonlyMap<string, number>;
  /** the latest events, newest first, by asset id */
  readonly latestEvents: ReadonlyMap<string, readonly AssetEventRow[]>;
  /** events not consumed yet, by consumer DAG id then asset id */
  readonly pending: ReadonlyMap<string, ReadonlyMap<string, number>>;
}

/** Event counts, the latest `latest` events of each asset, and pending events (3 queries). */
export async function assetActivity(db: Kysely<Database>, latest: number): Promise<AssetActivity> {
  const [counts, recent, pending] = await Promise.all([
    db
      .selectFrom('heatflow.asset_events')
      .select(['asset_id', sql<number>`count(*)::int`.as('n')])
      .groupBy('asset_id')
      .execute(),
    db
      .selectFrom((eb) =>
        eb
          .selectFrom('heatflow.asset_events')
          .selectAll()
          .select(
            sql<number>`row_number() over (partition by asset_id order by timestamp desc, id desc)`.as('k'),
          )
          .as('x'),
      )
      .selectAll()
      .where('k', '<=', latest)
      .orderBy('timestamp', 'desc')
      .orderBy('id', 'desc')
      .execute(),
    db
      .selectFrom('heatflow.asset_dag_run_queue')
      .select(['target_dag_id', 'asset_id', sql<number>`count(*)::int`.as('n')])
      .groupBy(['target_dag_id', 'asset_id'])
      .execute(),
  ]);
  const latestEvents = new Map<string, AssetEventRow[]>();
  for (const { k: _k, ...e } of recent) {
    const list = latestEvents.get(e.asset_id) ?? [];
    list.push(e);
    latestEvents.set(e.asset_id, list);
  }
  const pendingBy = new Map<string, Map<string, number>>();
  for (const p of pending) {
    const m = pendingBy.get(p.target_dag_id) ?? new Map<string, number>();
    m.set(p.asset_id, p.n);
    pendingBy.set(p.target_dag_id, m);
  }
  return {
    eventCounts: new Map(counts.map((c) => [c.asset_id, c.n])),
    latestEvents,
    pending: pendingBy,
  };
}

/** Events not consumed yet per consumer DAG (one grouped query), for the DAG list. */
export async function pendingAssetEventCounts(
  db: Kysely<Database>,
  dagIds: readonly string[],
): Promise<Map<string, number>> {
  if (dagIds.length === 0) return new Map();
  const rows = await db
    .selectFrom('heatflow.asset_dag_run_queue')
    .select(['target_dag_id', sql<number>`count(*)::int`.as('n')])
    .where('target_dag_id', 'in', [...dagIds])
    .groupBy('target_dag_id')
    .execute();
  return new Map(rows.map((r) => [r.target_dag_id, r.n]));
}
