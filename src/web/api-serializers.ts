/**
 * Rows → the JSON objects of Airflow's stable REST API (`/api/v1`), with Airflow's field names
 * (`dag_run_id`, `execution_date`, `duration` in seconds, …). Source: the DAG, DAGRun,
 * TaskInstance, XCom, ImportError, Dataset and DatasetEvent schemas of Airflow 2's stable REST API
 * reference (heatflow's assets are Airflow 2's datasets). Fields
 * heatflow has no notion of are given Airflow's empty value (`null`, `[]`, `-1` for `map_index`).
 */
import { assetScheduleLabel } from '../core/asset.js';
import type { AssetWithRefs, AssetEventWithRuns, CreatedRun } from '../db/asset-queries.js';
import type { BackfillRow, DagRow, TaskTryRow } from '../db/database.js';
import type { DagSummary, TiWithTry } from '../db/web-queries.js';
import { fileTokenOf } from './file-token.js';
import type { NextRun } from './next-run.js';

const iso = (d: Date | string | null | undefined): string | null =>
  d === null || d === undefined ? null : typeof d === 'string' ? d : d.toISOString();

/** Airflow's `DAG` object. */
export function dagJson(
  dag: DagRow,
  extra: { hasImportErrors?: boolean; nextRun?: NextRun | null } = {},
): Record<string, unknown> {
  return {
    dag_id: dag.dag_id,
    dag_display_name: dag.dag_id,
    root_dag_id: null,
    is_paused: dag.is_paused,
    is_active: dag.is_active,
    is_subdag: false,
    last_parsed_time: iso(dag.last_parsed_at),
    fileloc: dag.fileloc,
    file_token: fileTokenOf(dag.fileloc),
    owners: [],
    description: dag.description,
    schedule_interval: dag.schedule === null ? null : { __type: 'CronExpression', value: dag.schedule },
    timetable_description:
      dag.schedule_assets.length > 0 ? assetScheduleLabel(dag.schedule_assets) : dag.schedule,
    // heatflow's: the asset URIs of an asset schedule (all-of), [] otherwise
    schedule_assets: dag.schedule_assets,
    timezone: dag.timezone,
    tags: dag.tags.map((name) => ({ name })),
    max_active_tasks: dag.max_active_tasks,
    max_active_runs: dag.max_active_runs,
    has_task_concurrency_limits: false,
    has_import_errors: extra.hasImportErrors ?? false,
    next_dagrun: iso(extra.nextRun?.logicalDate),
    next_dagrun_data_interval_start: iso(extra.nextRun?.dataIntervalStart),
    next_dagrun_data_interval_end: iso(extra.nextRun?.dataIntervalEnd),
    next_dagrun_create_after: iso(extra.nextRun?.createAfter),
  };
}

/** `DAG` plus heatflow's run counts, last run and pending asset events (the `/dags` list adds them; Airflow ignores extras). */
export function dagSummaryJson(
  s: DagSummary,
  extra: { hasImportErrors?: boolean; nextRun?: NextRun | null },
): Record<string, unknown> {
  return {
    ...dagJson(s.dag, extra),
    task_ids: s.dag.task_ids,
    dag_run_counts: s.runCounts,
    pending_asset_events: s.pendingAssetEvents,
    last_dag_run:
      s.lastRun === undefined
        ? null
        : {
            dag_run_id: s.lastRun.run_id,
            state: s.lastRun.state,
            logical_date: iso(s.lastRun.logical_date),
            end_date: iso(s.lastRun.end_date),
          },
  };
}

/** Airflow's `TaskInstance` object (`duration` in seconds). */
export function taskInstanceJson(t: TiWithTry, operator = 'CommandOperator'): Record<string, unknown> {
  return {
    task_id: t.task_id,
    task_display_name: t.task_id,
    dag_id: t.dag_id,
    dag_run_id: t.run_id,
    execution_date: iso(t.logical_date),
    logical_date: iso(t.logical_date),
    start_date: iso(t.start_date),
    end_date: iso(t.end_date),
    duration: t.duration_ms === null ? null : t.duration_ms / 1000,
    state: t.state === 'none' ? null : t.state,
    try_number: t.try_number,
    map_index: -1,
    max_tries: t.max_tries,
    hostname: t.hostname ?? '',
    unixname: null,
    pool: t.pool,
    pool_slots: t.pool_slots,
    queue: 'default',
    priority_weight: null,
    operator,
    queued_when: iso(t.queued_at),
    pid: null,
    executor_config: '{}',
    note: t.state_reason,
    exit_code: t.exit_code,
    next_retry_at: iso(t.next_retry_at),
  };
}

/** One try (Airflow's `TaskInstanceHistory` shape, plus heatflow's exit code and error). */
export function taskTryJson(t: TaskTryRow): Record<string, unknown> {
  return {
    task_id: t.task_id,
    dag_id: t.dag_id,
    dag_run_id: t.run_id,
    try_number: t.try_number,
    state: t.state,
    start_date: iso(t.start_date),
    end_date: iso(t.end_date),
    queued_when: iso(t.queued_at),
    duration: t.duration_ms === null ? null : t.duration_ms / 1000,
    hostname: t.hostname ?? '',
    executor: t.executor,
    exit_code: t.exit_code,
    error: t.error,
  };
}

/** Airflow's `XCom` object (the value only when asked for one entry). */
export function xcomJson(
  ti: { dag_id: string; run_id: string; task_id: string; logical_date: Date },
  key: string,
  value?: { value: unknown },
): Record<string, unknown> {
  return {
    key,
    timestamp: null,
    execution_date: iso(ti.logical_date),
    logical_date: iso(ti.logical_date),
    map_index: -1,
    task_id: ti.task_id,
    dag_id: ti.dag_id,
    dag_run_id: ti.run_id,
    ...(value === undefined ? {} : { value: JSON.stringify(value.value) }),
  };
}

/** A backfill (Airflow 3's `Backfill` object, plus progress). */
export function backfillJson(
  b: BackfillRow,
  progress?: { runCounts: Readonly<Record<string, number>>; totalRuns: number },
): Record<string, unknown> {
  return {
    id: Number(b.id),
    dag_id: b.dag_id,
    from_date: iso(b.from_date),
    to_date: iso(b.to_date),
    dag_run_conf: b.dag_run_conf,
    is_paused: false,
    reprocess_behavior: b.reprocess_behavior,
    max_active_runs: b.max_active_runs,
    run_backwards: b.run_backwards,
    state: b.state,
    created_at: iso(b.created_at),
    completed_at: iso(b.completed_at),
    ...(progress === undefined ? {} : { dag_run_counts: progress.runCounts, total_runs: progress.totalRuns }),
  };
}

/** Airflow's `Dataset` object (an asset with its consuming DAGs and producing tasks). */
export function datasetJson(a: AssetWithRefs): Record<string, unknown> {
  return {
    id: Number(a.id),
    uri: a.uri,
    extra: a.extra,
    created_at: iso(a.created_at),
    updated_at: iso(a.updated_at),
    consuming_dags: a.consumers.map((c) => ({
      dag_id: c.dag_id,
      created_at: iso(c.created_at),
      updated_at: iso(c.updated_at),
    })),
    producing_tasks: a.producers.map((p) => ({
      dag_id: p.dag_id,
      task_id: p.task_id,
      created_at: iso(p.created_at),
      updated_at: iso(p.updated_at),
    })),
  };
}

/** Airflow's `BasicDAGRun` object (a run an asset event triggered). */
export function basicDagRunJson(r: CreatedRun): Record<string, unknown> {
  return {
    run_id: r.run_id,
    dag_id: r.dag_id,
    logical_date: iso(r.logical_date),
    start_date: iso(r.start_date),
    end_date: iso(r.end_date),
    data_interval_start: iso(r.data_interval_start),
    data_interval_end: iso(r.data_interval_end),
    state: r.state,
  };
}

/**
 * Airflow's `DatasetEvent` object; heatflow adds the producing try's number and data interval
 * (`source_try_number`, `source_data_interval_start`, `source_data_interval_end`).
 */
export function datasetEventJson(e: AssetEventWithRuns): Record<string, unknown> {
  return {
    id: Number(e.id),
    dataset_id: Number(e.asset_id),
    dataset_uri: e.uri,
    extra: e.extra,
    source_dag_id: e.source_dag_id,
    source_task_id: e.source_task_id,
    source_run_id: e.source_run_id,
    source_map_index: -1,
    source_try_number: e.source_try_number,
    source_data_interval_start: iso(e.source_data_interval_start),
    source_data_interval_end: iso(e.source_data_interval_end),
    created_dagruns: e.created_runs.map(basicDagRunJson),
    timestamp: iso(e.timestamp),
  };
}
