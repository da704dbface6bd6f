/**
 * Parsed DAGs → Airflow's `Task`, `DAGDetail` and `DagStatsCollectionItem` objects (Airflow 2's
 * stable REST API, `airflow/api_connexion/openapi/v1.yaml`). Durations are Airflow's `TimeDelta`
 * (`{__type: "TimeDelta", days, seconds, microseconds}`); fields heatflow has no notion of get
 * Airflow's defaults (`depends_on_past: false`, `weight_rule: "downstream"`, …).
 */
import type { Dag, Task } from '../core/types.js';
import type { DagRow } from '../db/database.js';
import { dagJson } from './api-serializers.js';
import type { NextRun } from './next-run.js';

/** Airflow's `TimeDelta` object. */
export interface TimeDeltaJson {
  readonly __type: 'TimeDelta';
  readonly days: number;
  /** 0..86399 */
  readonly seconds: number;
  /** 0..999999 */
  readonly microseconds: number;
}

/** A duration in ms as Airflow's `TimeDelta` (days, seconds of the day, microseconds). */
export function timeDeltaJson(ms: number): TimeDeltaJson {
  const totalUs = Math.round(ms * 1000);
  const days = Math.floor(totalUs / 86_400_000_000);
  const restUs = totalUs - days * 86_400_000_000;
  const seconds = Math.floor(restUs / 1_000_000);
  return { __type: 'TimeDelta', days, seconds, microseconds: restUs - seconds * 1_000_000 };
}

/** The run states `/dagStats` counts for every DAG (Airflow's `DagRunState`). */
export const DAG_STATS_STATES = ['queued', 'running', 'success', 'failed'] as const;

/**
 * Airflow's `Task` object for a task of a parsed DAG; heatflow adds `upstream_task_ids` and
 * `outlets` (asset URIs).
 */
export function taskJson(dag: Dag, t: Task): Record<string, unknown> {
  return {
    class_ref: { module_path: 'heatflow', class_name: 'CommandOperator' },
    task_id: t.taskId,
    task_display_name: t.taskId,
    owner: 'airflow',
    start_date: dag.startDate.toISOString(),
    end_date: dag.endDate?.toISOString() ?? null,
    trigger_rule: t.triggerRule,
    extra_links: [],
    depends_on_past: false,
    is_mapped: false,
    wait_for_downstream: false,
    retries: t.retries,
    queue: 'default',
    executor: null,
    pool: t.pool,
    pool_slots: t.poolSlots,
    execution_timeout: t.executionTimeoutMs === undefined ? null : timeDeltaJson(t.executionTimeoutMs),
    retry_delay: timeDeltaJson(t.retryDelayMs),
    retry_exponential_backoff: t.retryExponentialBackoff,
    priority_weight: 1,
    weight_rule: 'downstream',
    ui_color: '#fff',
    ui_fgcolor: '#000',
    template_fields: ['command', 'env'],
    downstream_task_ids: [...t.downstream],
    doc_md: t.description ?? null,
    // heatflow's additions
    upstream_task_ids: [...t.upstream],
    outlets: [...t.outlets],
  };
}

/** Airflow's `DAGDetail`: the `DAG` object of the row plus what only the parsed DAG knows. */
export function dagDetailJson(
  row: DagRow,
  dag: Dag,
  extra: { nextRun?: NextRun | null; hasImportErrors?: boolean } = {},
): Record<string, unknown> {
  return {
    ...dagJson(row, extra),
    timezone: dag.timezone,
    catchup: dag.catchup,
    orientation: 'LR',
    concurrency: dag.maxActiveTasks,
    start_date: dag.startDate.toISOString(),
    dag_run_timeout: dag.dagrunTimeoutMs === undefined ? null : timeDeltaJson(dag.dagrunTimeoutMs),
    dataset_expression: dag.scheduleAssets.length === 0 ? null : { all: [...dag.scheduleAssets] },
    doc_md: dag.description ?? null,
    default_view: 'grid',
    params: { ...dag.params },
    end_date: dag.endDate?.toISOString() ?? null,
    is_paused_upon_creation: dag.isPausedUponCreation,
    last_parsed: row.last_parsed_at?.toISOString() ?? null,
    template_search_path: null,
    render_template_as_native_obj: false,
  };
}

/** One DAG's `DagStatsCollectionItem`: a count for every run state, zeros included (as Airflow). */
export function dagStatsJson(
  dagId: string,
  counts: Readonly<Record<string, number>>,
): { dag_id: string; stats: { state: string; count: number }[] } {
  return { dag_id: dagId, stats: DAG_STATS_STATES.map((state) => ({ state, count: counts[state] ?? 0 })) };
}
