/**
 * The DAG model's public types.
 *
 * Terminology (Airflow's, used as Airflow means it):
 * - **DAG**: a set of tasks with dependencies and a schedule.
 * - **DAG run**: one run of a DAG for one logical date; **task instance (TI)**: one task in one DAG run.
 * - **try**: one attempt of a task instance; `tryNumber` counts from 1.
 * - **logical date**: the start of the run's data interval (Airflow 2 semantics); the run starts
 *   only once the interval has ended. **ds**: the logical date as `YYYY-MM-DD` in the DAG's time zone.
 * - **backfill**: runs created for a past range, recorded separately from the schedule's cursor.
 *
 * - **asset**: data named by a URI that tasks produce (`outlets`) and DAGs can be scheduled on;
 *   **asset event**: one successful try of a producing task, consumed by the next run of each DAG
 *   scheduled on the asset.
 *
 * Durations are milliseconds (`…Ms`), instants are `Date` (UTC) named `…At` or `…Date`.
 */

import type { z } from 'zod';
import type { Asset } from './asset.js';

/** State of a DAG run. */
export type DagRunState =
  /** created, waiting for a `max_active_runs` slot */
  | 'queued'
  /** its task instances are being scheduled */
  | 'running'
  /** finished; every leaf task succeeded or was skipped */
  | 'success'
  /** finished; a leaf task failed or was upstream_failed, or the run timed out */
  | 'failed';

/** State of a task instance (Airflow's). */
export type TaskInstanceState =
  /** not yet considered by the scheduler */
  | 'none'
  /** dependencies met; waiting for capacity (pool, max_active_tasks) */
  | 'scheduled'
  /** a try has been put on the queue for a worker */
  | 'queued'
  /** a worker is running a try */
  | 'running'
  /** the latest try succeeded */
  | 'success'
  /** the latest try failed and no retries are left */
  | 'failed'
  /** a try failed; another will be queued at `nextRetryAt` */
  | 'up_for_retry'
  /**
   * the latest try asked to run again later (a spent tado quota: until its refill) without
   * spending a retry (Airflow's sensor reschedule mode); the next try is queued at `nextRetryAt`
   */
  | 'up_for_reschedule'
  /** not run because an upstream task failed (per its trigger rule) */
  | 'upstream_failed'
  /** not run: skipped by its trigger rule or by the task itself (reserved exit code) */
  | 'skipped'
  /** the task no longer exists in the DAG */
  | 'removed';

/** How a DAG run came to exist. */
export type RunType =
  /** created by the DAG's cron/preset schedule */
  | 'scheduled'
  /** triggered by hand (CLI, web page, API) */
  | 'manual'
  /** created by a backfill */
  | 'backfill'
  /** created because every asset the DAG is scheduled on had an event since its last run */
  | 'asset_triggered';

/** When a task may run, given its direct upstream tasks' states (Airflow's trigger rules). */
export type TriggerRule =
  | 'all_success'
  | 'all_failed'
  | 'all_done'
  | 'one_success'
  | 'one_failed'
  | 'none_failed'
  | 'none_skipped'
  | 'always';

/** The states a task instance does not leave unless cleared. */
export const FINISHED_TI_STATES: readonly TaskInstanceState[] = [
  'success',
  'failed',
  'skipped',
  'upstream_failed',
  'removed',
];

/** The data interval of a run: `[start, end)`. */
export interface DataInterval {
  readonly start: Date;
  readonly end: Date;
}

/** What a DAG run is for: its logical date and data interval. */
export interface DagRunInfo {
  readonly logicalDate: Date;
  readonly dataInterval: DataInterval;
}

/**
 * An asset event that triggered an `asset_triggered` run (Airflow's `triggering_asset_events`):
 * a successful try of a task with the asset among its outlets.
 */
export interface TriggeringAssetEvent {
  /** the asset's URI */
  readonly uri: string;
  readonly sourceDagId: string;
  readonly sourceRunId: string;
  readonly sourceTaskId: string;
  /** start of the producing run's data interval, `[start, end)` */
  readonly dataIntervalStart: Date;
  /** end of the producing run's data interval */
  readonly dataIntervalEnd: Date;
  /** when the event was recorded (the producing try's success) */
  readonly timestamp: Date;
  /** the event's metadata (JSON); `{}` when none */
  readonly extra: Readonly<Record<string, unknown>>;
}

/** What a task's templated values (command, environment) can read. */
export interface RunContext {
  readonly dagId: string;
  readonly runId: string;
  readonly runType: RunType;
  readonly taskId: string;
  readonly tryNumber: number;
  readonly logicalDate: Date;
  /** logical date as `YYYY-MM-DD` in the DAG's time zone */
  readonly ds: string;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  /** the DAG's params merged with the run's `conf` */
  readonly params: Readonly<Record<string, unknown>>;
  /** return values of the direct upstream tasks, by task id (absent when none was pushed) */
  readonly upstreamXComs: Readonly<Record<string, unknown>>;
  /**
   * The asset events an `asset_triggered` run consumed, oldest first (by timestamp); empty for
   * every other run type.
   */
  readonly triggeringAssetEvents: readonly TriggeringAssetEvent[];
}

/** A value given literally or computed from the run context at queue time. */
export type Templated<T> = T | ((ctx: RunContext) => T);

/** Retry and timeout arguments a task takes (and a DAG's `defaultArgs` sets for all its tasks). */
export interface TaskArgs {
  /** tries after the first; `@defaultValue 0` */
  retries?: number;
  /** wait before the next try; `@defaultValue 300_000` (5 min, as Airflow) */
  retryDelayMs?: number;
  /** double the delay on each try (with jitter capped by `maxRetryDelayMs`); `@defaultValue false` */
  retryExponentialBackoff?: boolean;
  /** cap on the backoff delay; `@defaultValue 86_400_000` (24 h) */
  maxRetryDelayMs?: number;
  /** a try running longer is killed and fails; `@defaultValue undefined` (no limit) */
  executionTimeoutMs?: number;
  /** pool whose slots the task takes; `@defaultValue 'default_pool'` */
  pool?: string;
  /** slots taken in the pool; `@defaultValue 1` */
  poolSlots?: number;
  /** Docker image for the Docker executor; `@defaultValue` the configured `HEATFLOW_TASK_IMAGE` */
  image?: string;
}

/** A task as declared in a DAG file. */
export interface TaskSpec extends TaskArgs {
  /** unique in the DAG; letters, digits, `_`, `-`, `.` */
  taskId: string;
  /** argv of the program to run, e.g. `['node', 'dist/tasks/extract.js']` */
  command: Templated<readonly string[]>;
  /** extra environment of the task (never secrets in plain text: use the names of the worker's variables) */
  env?: Readonly<Record<string, Templated<string>>>;
  /** ids of the tasks that must finish first */
  upstream?: readonly string[];
  /** `@defaultValue 'all_success'` */
  triggerRule?: TriggerRule;
  description?: string;
  /**
   * Assets this task produces (`asset('tado://warehouse')`, or the URI itself): each successful
   * try records one asset event per outlet; `@defaultValue []`
   */
  outlets?: readonly (Asset | string)[];
}

/** A DAG as declared in a DAG file (the input of `defineDag`). */
export interface DagSpec {
  /** unique id; letters, digits, `_`, `-`, `.` */
  dagId: string;
  description?: string;
  /**
   * Cron expression (5 fields), a preset (`@daily`, `@hourly`, `@weekly`, `@monthly`, `@yearly`,
   * `@once`), `null` for manual runs only, or a non-empty list of assets: a run whenever every one
   * of them has had an event since the DAG's last such run (all-of).
   */
  schedule: string | null | readonly Asset[];
  /** first logical date (a `Date`, or an ISO date/date-time read in `timezone`) */
  startDate: Date | string;
  /** last logical date, inclusive; `@defaultValue undefined` (none) */
  endDate?: Date | string;
  /** IANA time zone the schedule is read in; `@defaultValue 'UTC'` */
  timezone?: string;
  /** create the runs missed since `startDate`; `@defaultValue true` (Airflow 2) */
  catchup?: boolean;
  /** `@defaultValue 16` */
  maxActiveRuns?: number;
  /** running+queued TIs of this DAG across its runs; `@defaultValue 16` */
  maxActiveTasks?: number;
  /** a run older than this is failed; `@defaultValue undefined` (no limit) */
  dagrunTimeoutMs?: number;
  /** defaults for every task's retry, timeout and pool arguments */
  defaultArgs?: TaskArgs;
  /** params available to templates, overridden by a run's conf */
  params?: Readonly<Record<string, unknown>>;
  /**
   * A zod schema every run conf must pass before the run is created (Airflow's DAG `params`
   * validation): `dags trigger --conf`, `dags backfill --conf` and the REST API reject a conf it
   * refuses, naming the key. `z.strictObject({...})` also rejects unknown (e.g. misspelt) keys;
   * with `z.object` they are accepted and kept. `@defaultValue undefined` (any JSON object)
   */
  paramsSchema?: z.ZodType;
  tags?: readonly string[];
  /** new DAGs start paused; `@defaultValue false` */
  isPausedUponCreation?: boolean;
  /**
   * Pools this DAG's tasks use, by name, with their initial size. A declaration only creates a
   * pool that does not exist yet: once the pool is a row of `heatflow.pools`, `heatflow pools set`
   * and the REST API own its size, and DAG syncs never change it (docs/dag-authoring.md "Pools").
   * `@defaultValue {}`
   */
  pools?: Readonly<Record<string, PoolSpec>>;
  tasks: readonly TaskSpec[];
}

/** A pool as DAG code declares it (see {@link DagSpec.pools}). */
export interface PoolSpec {
  /** slots of a pool created by this declaration (a positive integer) */
  slots: number;
  description?: string;
}

/** A pool declared by a DAG, validated. */
export interface DeclaredPool {
  readonly name: string;
  readonly slots: number;
  readonly description?: string;
}

/** A task after validation, with every default applied (what `defineDag` returns inside a `Dag`). */
export interface Task {
  readonly taskId: string;
  readonly description?: string;
  readonly command: Templated<readonly string[]>;
  readonly env: Readonly<Record<string, Templated<string>>>;
  /** direct upstream task ids */
  readonly upstream: readonly string[];
  /** direct downstream task ids */
  readonly downstream: readonly string[];
  readonly triggerRule: TriggerRule;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly retryExponentialBackoff: boolean;
  readonly maxRetryDelayMs: number;
  readonly executionTimeoutMs?: number;
  readonly pool: string;
  readonly poolSlots: number;
  readonly image?: string;
  /** URIs of the assets this task produces (normalised), in declaration order */
  readonly outlets: readonly string[];
}

/** A validated DAG, with defaults applied and the graph indexed. */
export interface Dag {
  /** brand that lets the DAG loader find DAGs among a file's exports */
  readonly __heatflowDag: true;
  readonly dagId: string;
  readonly description?: string;
  /** cron expression or preset; `null` for manual-only and for asset-scheduled DAGs */
  readonly schedule: string | null;
  /** URIs of the assets the DAG is scheduled on (all-of); empty unless asset-scheduled */
  readonly scheduleAssets: readonly string[];
  /** every asset the DAG names (outlets and schedule), by URI, with its `extra` */
  readonly assets: ReadonlyMap<string, Asset>;
  readonly startDate: Date;
  readonly endDate?: Date;
  readonly timezone: string;
  readonly catchup: boolean;
  readonly maxActiveRuns: number;
  readonly maxActiveTasks: number;
  readonly dagrunTimeoutMs?: number;
  readonly params: Readonly<Record<string, unknown>>;
  /** the schema of a run's conf, when the DAG declares one (see {@link DagSpec.paramsSchema}) */
  readonly paramsSchema?: z.ZodType;
  readonly tags: readonly string[];
  readonly isPausedUponCreation: boolean;
  /** pools the DAG declares (created when missing, never resized by a sync), by name order */
  readonly pools: readonly DeclaredPool[];
  /** tasks by id */
  readonly tasks: ReadonlyMap<string, Task>;
  /** task ids in a topological order (upstream before downstream) */
  readonly taskIds: readonly string[];
  /** tasks with no downstream task: they decide the run's final state */
  readonly leaves: readonly string[];
  /** tasks with no upstream task */
  readonly roots: readonly string[];
}
