/**
 * SQL of `heatflow dags test --save`: a DAG run carried out in-process recorded afterwards as a
 * normal manual DAG run with its task instances and tries, in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Dag, DataInterval } from '../core/types.js';
import type { Database } from './database.js';

/** One task of the run as it ended. */
export interface LocalTiRecord {
  readonly taskId: string;
  readonly state: 'success' | 'failed' | 'skipped' | 'upstream_failed';
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly durationMs: number;
  readonly exitCode: number | null;
  readonly error?: string;
  /** set for tasks that ran (they get try 1); absent for tasks decided by their trigger rule */
  readonly logPath?: string;
}

/** The run to record. */
export interface LocalRunRecord {
  readonly dag: Dag;
  readonly runId: string;
  readonly logicalDate: Date;
  readonly dataInterval: DataInterval;
  readonly conf: Readonly<Record<string, unknown>>;
  readonly state: 'success' | 'failed';
  readonly startedAt: Date;
  readonly endedAt: Date;
  readonly tis: readonly LocalTiRecord[];
  /** the executor that ran the tries (`process`) and the host */
  readonly executor: string;
  readonly hostname: string;
}

/**
 * Inserts the run (`run_type` manual), its task instances and the tries of the tasks that ran.
 * @throws the unique-violation error of Postgres when the DAG already has a run with this run id
 *   or logical date (nothing is written)
 */
export async function recordLocalRun(db: Kysely<Database>, r: LocalRunRecord): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('heatflow.dag_runs')
      .values({
        dag_id: r.dag.dagId,
        run_id: r.runId,
        run_type: 'manual',
        logical_date: r.logicalDate,
        data_interval_start: r.dataInterval.start,
        data_interval_end: r.dataInterval.end,
        state: r.state,
        conf: JSON.stringify(r.conf),
        queued_at: r.startedAt,
        start_date: r.startedAt,
        end_date: r.endedAt,
        state_reason: 'dags test --save',
      })
      .execute();
    if (r.tis.length === 0) return;
    await trx
      .insertInto('heatflow.task_instances')
      .values(
        r.tis.map((t) => {
          const task = r.dag.tasks.get(t.taskId);
          const ran = t.logPath !== undefined;
          return {
            dag_id: r.dag.dagId,
            run_id: r.runId,
            task_id: t.taskId,
            state: t.state,
            try_number: ran ? 1 : 0,
            max_tries: task?.retries ?? 0,
            pool: task?.pool ?? 'default_pool',
            pool_slots: task?.poolSlots ?? 1,
            start_date: ran ? t.startedAt : null,
            end_date: t.endedAt,
            duration_ms: ran ? t.durationMs : null,
            state_reason: t.error ?? null,
            updated_at: t.endedAt,
          };
        }),
      )
      .execute();
    const tries = r.tis.filter((t) => t.logPath !== undefined);
    if (tries.length === 0) return;
    await trx
      .insertInto('heatflow.task_tries')
      .values(
        tries.map((t) => ({
          dag_id: r.dag.dagId,
          run_id: r.runId,
          task_id: t.taskId,
          try_number: 1,
          state: t.state,
          lease_token: randomUUID(),
          executor: r.executor,
          hostname: r.hostname,
          queued_at: t.startedAt,
          start_date: t.startedAt,
          end_date: t.endedAt,
          duration_ms: t.durationMs,
          exit_code: t.exitCode,
          error: t.error ?? null,
          log_path: t.logPath ?? null,
        })),
      )
      .execute();
  });
}
