/**
 * The kysely database type of the `heatflow` schema (orchestrator metadata). Tables are addressed
 * as `heatflow.<table>`; columns are snake_case as in Postgres. The `tado` warehouse schema has
 * its own type in `src/db/warehouse.ts`.
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** jsonb column: read as T, written as a JSON string (optional on insert: the column has a default). */
type Json<T> = ColumnType<T, string | undefined, string>;

export interface DagsTable {
  dag_id: string;
  is_paused: Generated<boolean>;
  is_active: Generated<boolean>;
  fileloc: string | null;
  description: string | null;
  schedule: string | null;
  timezone: Generated<string>;
  tags: Generated<string[]>;
  max_active_runs: Generated<number>;
  max_active_tasks: Generated<number>;
  task_ids: Generated<string[]>;
  last_parsed_at: Timestamp | null;
  next_dagrun_logical_date: Timestamp | null;
  next_dagrun_create_after: Timestamp | null;
  /** URIs of the assets the DAG is scheduled on (display; the scheduler reads the refs) */
  schedule_assets: Generated<string[]>;
}

export interface ImportErrorsTable {
  filename: string;
  error: string;
  created_at: Generated<Date>;
}

export interface BackfillsTable {
  id: Generated<string>;
  dag_id: string;
  from_date: Timestamp;
  to_date: Timestamp;
  /** `none` | `failed` | `completed` */
  reprocess_behavior: Generated<string>;
  run_backwards: Generated<boolean>;
  max_active_runs: Generated<number>;
  dag_run_conf: Json<Record<string, unknown>>;
  /** `running` | `completed` | `cancelled` */
  state: Generated<string>;
  created_at: Generated<Date>;
  completed_at: Timestamp | null;
}

export interface DagRunsTable {
  id: Generated<string>;
  dag_id: string;
  run_id: string;
  run_type: string;
  logical_date: Timestamp;
  data_interval_start: Timestamp;
  data_interval_end: Timestamp;
  state: string;
  conf: Json<Record<string, unknown>>;
  backfill_id: string | null;
  backfill_sort_ordinal: number | null;
  queued_at: Timestamp | null;
  start_date: Timestamp | null;
  end_date: Timestamp | null;
  state_reason: string | null;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface TaskInstancesTable {
  dag_id: string;
  run_id: string;
  task_id: string;
  state: Generated<string>;
  try_number: Generated<number>;
  max_tries: Generated<number>;
  pool: Generated<string>;
  pool_slots: Generated<number>;
  queued_at: Timestamp | null;
  start_date: Timestamp | null;
  end_date: Timestamp | null;
  duration_ms: number | null;
  next_retry_at: Timestamp | null;
  /** fencing token of the current try; every state write by a worker checks it */
  lease_token: string | null;
  worker_id: string | null;
  heartbeat_at: Timestamp | null;
  state_reason: string | null;
  updated_at: Generated<Date>;
}

export interface TaskTriesTable {
  dag_id: string;
  run_id: string;
  task_id: string;
  try_number: number;
  state: string;
  lease_token: string;
  executor: string | null;
  worker_id: string | null;
  hostname: string | null;
  container_id: string | null;
  /** process group of a try the process executor runs, while its child runs (then null) */
  process_group: number | null;
  queued_at: Timestamp | null;
  start_date: Timestamp | null;
  end_date: Timestamp | null;
  duration_ms: number | null;
  exit_code: number | null;
  error: string | null;
  log_path: string | null;
}

export interface PoolsTable {
  pool: string;
  slots: number;
  description: string | null;
}

/** Airflow's `variable`: `val` is cipher text when `is_encrypted` (src/secrets/secret-cipher.ts). */
export interface VariablesTable {
  key: string;
  val: string;
  description: string | null;
  is_encrypted: Generated<boolean>;
}

/**
 * Airflow's `connection`: `password` is cipher text when `is_encrypted`, `extra` (JSON text) when
 * `is_extra_encrypted`.
 */
export interface ConnectionsTable {
  conn_id: string;
  conn_type: string;
  description: string | null;
  host: string | null;
  schema: string | null;
  login: string | null;
  password: string | null;
  port: number | null;
  extra: string | null;
  is_encrypted: Generated<boolean>;
  is_extra_encrypted: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface AssetsTable {
  id: Generated<string>;
  uri: string;
  extra: Json<Record<string, unknown>>;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A consumer DAG scheduled on an asset. */
export interface DagScheduleAssetRefsTable {
  asset_id: string;
  dag_id: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** A producer task with an asset among its outlets. */
export interface TaskOutletAssetRefsTable {
  asset_id: string;
  dag_id: string;
  task_id: string;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

/** One asset event: a successful try of a producing task, for one of its outlets. */
export interface AssetEventsTable {
  id: Generated<string>;
  asset_id: string;
  extra: Json<Record<string, unknown>>;
  source_dag_id: string;
  source_run_id: string;
  source_task_id: string;
  source_try_number: number;
  source_data_interval_start: Timestamp;
  source_data_interval_end: Timestamp;
  timestamp: Generated<Date>;
}

/** An event a consumer DAG has not consumed yet (one row per consumer and event). */
export interface AssetDagRunQueueTable {
  target_dag_id: string;
  event_id: string;
  /** the event's asset (denormalised: the all-of check groups by it) */
  asset_id: string;
  created_at: Generated<Date>;
}

/** An event an asset-triggered run consumed. */
export interface DagRunAssetEventsTable {
  /** `heatflow.dag_runs.id` */
  dag_run_id: string;
  event_id: string;
}

/** One action in the event log (audit): src/audit/event-log.ts. */
export interface EventLogTable {
  id: Generated<string>;
  dttm: Generated<Date>;
  /** what was done, e.g. `trigger`, `clear`, `variable.set`, `login.failed` */
  event: string;
  dag_id: string | null;
  task_id: string | null;
  run_id: string | null;
  try_number: number | null;
  logical_date: Timestamp | null;
  /** who: a user name, `token` for the bearer token, the OS user for the CLI, `anonymous` */
  owner: string;
  /** through what: `web`, `api` or `cli` */
  source: string;
  /** from where: the client address for web and API, the host name for the CLI */
  remote_addr: string | null;
  /** further details (secrets never: values of connections and secret variables are left out) */
  extra: Json<Record<string, unknown>>;
}

/** A person who signs in to the web page (src/web/person-sign-in.ts). */
export interface UsersTable {
  username: string;
  /** `scrypt$N$r$p$salt$hash` (src/web/password-hash.ts); never the password */
  password_hash: string;
  /** `admin` (every action); kept for roles to come */
  role: Generated<string>;
  created_at: Generated<Date>;
}

/** Every table heatflow's own code reads or writes. */
export interface Database {
  'heatflow.dags': DagsTable;
  'heatflow.import_errors': ImportErrorsTable;
  'heatflow.backfills': BackfillsTable;
  'heatflow.dag_runs': DagRunsTable;
  'heatflow.task_instances': TaskInstancesTable;
  'heatflow.task_tries': TaskTriesTable;
  'heatflow.pools': PoolsTable;
  'heatflow.variables': VariablesTable;
  'heatflow.connections': ConnectionsTable;
  'heatflow.assets': AssetsTable;
  'heatflow.dag_schedule_asset_refs': DagScheduleAssetRefsTable;
  'heatflow.task_outlet_asset_refs': TaskOutletAssetRefsTable;
  'heatflow.asset_events': AssetEventsTable;
  'heatflow.asset_dag_run_queue': AssetDagRunQueueTable;
  'heatflow.dag_run_asset_events': DagRunAssetEventsTable;
  'heatflow.log': EventLogTable;
  'heatflow.users': UsersTable;
}

export type DagRow = Selectable<DagsTable>;
export type DagRunRow = Selectable<DagRunsTable>;
export type NewDagRun = Insertable<DagRunsTable>;
export type TaskInstanceRow = Selectable<TaskInstancesTable>;
export type TaskInstanceUpdate = Updateable<TaskInstancesTable>;
export type TaskTryRow = Selectable<TaskTriesTable>;
export type BackfillRow = Selectable<BackfillsTable>;
export type PoolRow = Selectable<PoolsTable>;
export type AssetRow = Selectable<AssetsTable>;
export type AssetEventRow = Selectable<AssetEventsTable>;
export type EventLogRow = Selectable<EventLogTable>;
export type UserRow = Selectable<UsersTable>;
