/**
 * The scheduling loop. Creates due DAG runs (catchup, end date) and asset-triggered runs (when
 * every asset a DAG is scheduled on has a pending event; asset-triggered-run.ts), starts queued runs within
 * `max_active_runs` (a backfill's own limit for its runs), decides which task instances may run
 * (trigger rules, `max_active_tasks`, pools), queues their tries on BullMQ, retries, enforces
 * `dagrun_timeout`, fails zombies, re-enqueues lost jobs and closes runs.
 *
 * Completion events from workers wake it at once (only the affected run is evaluated); a slower
 * periodic pass reconciles everything. Safe to run several at once: per-run and per-DAG row locks
 * (`FOR UPDATE`), an advisory lock around capacity checks, `ON CONFLICT DO NOTHING` inserts and
 * deterministic job ids. The scheduler never runs task code.
 */
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import { dagRunFinalState } from '../core/state-machine.js';
import { evaluateTriggerRule } from '../core/trigger-rules.js';
import { decideAfterFailure } from '../core/try-outcome.js';
import type { Dag, TaskInstanceState } from '../core/types.js';
import {
  completeBackfillIfFinished,
  completeFinishedBackfills,
  runningBackfillLimits,
} from '../db/backfill-repository.js';
import { advisoryXactLock, getDagRow, lockDagRow } from '../db/dag-repository.js';
import { dagIdsWithPendingAssetEvents } from '../db/asset-repository.js';
import { syncDagBag } from '../dag-processing/sync-dag-bag.js';
import {
  countRunningByBackfill,
  dagIdsWithQueuedRuns,
  listQueuedRuns,
  listRunsByState,
  lockRun,
  setRunState,
} from '../db/dag-run-repository.js';
import type { Database, TaskInstanceRow } from '../db/database.js';
import {
  countActiveTis,
  findStaleQueued,
  findZombies,
  finishTryFenced,
  insertTaskInstances,
  listRunTis,
  poolUsage,
  queueTis,
  setTiStates,
  type QueuedTry,
} from '../db/task-instance-repository.js';
import type { DagRegistry } from '../dag-processing/dag-registry.js';
import type { TaskQueue, TaskJob } from '../queue/task-queue.js';
import type { XComStore } from '../xcom/xcom-store.js';
import { createAssetTriggeredRun } from './asset-triggered-run.js';
import { createScheduledRunsWithinLimit } from './scheduled-runs.js';

/** Advisory lock key serialising capacity checks (pools, max_active_tasks) across schedulers. */
const QUEUE_LOCK_KEY = 0x68667131; // "hfq1"

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  readonly db: Kysely<Database>;
  readonly queue: TaskQueue;
  readonly registry: DagRegistry;
  readonly logger: Logger;
  /** name recorded on each try (`process` or `docker`) */
  readonly executorName: string;
  /** period of the reconciling pass, in ms; `@defaultValue 1000` */
  readonly intervalMs?: number;
  /** a running try with an older heartbeat is a zombie, in ms; `@defaultValue 60_000` */
  readonly zombieThresholdMs?: number;
  /** a TI queued longer than this gets its job checked and re-added, in ms; `@defaultValue 120_000` */
  readonly queuedTimeoutMs?: number;
  /** how often to re-parse the DAG folder and sync it to the database, in ms; `@defaultValue 30_000` */
  readonly dagSyncMs?: number;
  /** at most this many scheduled runs created per DAG per pass; `@defaultValue 1000` */
  readonly maxRunsPerPass?: number;
  /** clock; `@defaultValue () => new Date()` */
  readonly clock?: () => Date;
  /**
   * where the XComs are: a zombie try's XComs (pushed inside its fence by a worker killed before
   * its transaction committed) are deleted when the try is failed; without it they are left in
   * Redis (tests that never push)
   */
  readonly xcom?: XComStore;
}

/** Lifecycle of a scheduler. */
export type SchedulerState =
  /** constructed, not started */
  | 'INITIALIZED'
  /** looping */
  | 'RUNNING'
  /** finishing the current pass */
  | 'STOPPING'
  /** stopped */
  | 'STOPPED';

const runKey = (dagId: string, runId: string) => JSON.stringify([dagId, runId]);

/** The scheduler. */
export class Scheduler {
  private stateValue: SchedulerState = 'INITIALIZED';
  private readonly pending = new Set<string>();
  private wakeUp: (() => void) | undefined;
  private loopDone: Promise<void> | undefined;
  /** passes failed in a row (for the back-off) */
  private failedPasses = 0;
  private nextPassAt = 0;
  private lastDagSync = -Infinity;
  private readonly clock: () => Date;
  private readonly intervalMs: number;

  constructor(private readonly o: SchedulerOptions) {
    this.clock = o.clock ?? (() => new Date());
    this.intervalMs = o.intervalMs ?? 1000;
  }

  get state(): SchedulerState {
    return this.stateValue;
  }

  /** Starts the loop in the background. */
  start(): void {
    if (this.stateValue !== 'INITIALIZED') return;
    this.stateValue = 'RUNNING';
    this.loopDone = this.loop();
  }

  /** Finishes the current pass and stops. */
  async stop(): Promise<void> {
    if (this.stateValue !== 'RUNNING') return;
    this.stateValue = 'STOPPING';
    this.wakeUp?.();
    await this.loopDone;
    this.stateValue = 'STOPPED';
  }

  /** A task of this run finished (or the run changed): evaluate it at once. */
  notifyRun(dagId: string, runId: string): void {
    this.pending.add(runKey(dagId, runId));
    this.wakeUp?.();
  }

  /** Something changed (new runs, clear, unpause): run a full pass at once. */
  notifyAll(): void {
    this.nextPassAt = 0;
    this.wakeUp?.();
  }

  private async loop(): Promise<void> {
    while (this.stateValue === 'RUNNING') {
      try {
        if (this.pending.size > 0) {
          const keys = [...this.pending];
          this.pending.clear();
          await this.processRuns(keys.map((k) => JSON.parse(k) as [string, string]));
        } else if (Date.now() >= this.nextPassAt) {
          this.nextPassAt = Date.now() + this.intervalMs;
          await this.runPass();
        } else {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, Math.max(1, this.nextPassAt - Date.now()));
            this.wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wakeUp = undefined;
        }
        this.failedPasses = 0;
      } catch (err) {
        // A failed pass (e.g. a lost Postgres connection) is logged and retried after a growing
        // wait (interval, doubled per failure in a row, at most 10 s); the loop never ends on it.
        this.failedPasses++;
        const waitMs = Math.min(Math.min(this.intervalMs, 1000) * 2 ** (this.failedPasses - 1), 10_000);
        this.o.logger.error(
          { err, failedPasses: this.failedPasses, waitMs },
          'scheduler pass failed; retrying after a wait',
        );
        // runs that were due in the failed pass are evaluated again by the next full pass
        this.nextPassAt = 0;
        await new Promise((r) => setTimeout(r, waitMs));
      }
    }
  }

  /** One full reconciling pass (also used by tests to drive the scheduler step by step). */
  async runPass(): Promise<void> {
    await this.syncDags();
    for (const { dag } of this.o.registry.current().dags.values()) {
      await this.createScheduledRuns(dag);
    }
    await this.createAssetTriggeredRuns();
    await this.reapZombies();
    await this.checkQueued();
    await this.enforceDagrunTimeouts();
    const started = await this.startAllQueuedRuns();
    const running = await listRunsByState(this.o.db, 'running');
    const keys = new Map<string, [string, string]>();
    for (const r of [...started, ...running.map((x) => [x.dag_id, x.run_id] as [string, string])])
      keys.set(runKey(...r), r);
    await this.processRuns([...keys.values()]);
    await completeFinishedBackfills(this.o.db, this.clock());
  }

  private async syncDags(): Promise<void> {
    const reparsed = await this.o.registry.refreshIfStale();
    const ms = this.o.dagSyncMs ?? 30_000;
    if (!reparsed && Date.now() - this.lastDagSync < ms) return;
    this.lastDagSync = Date.now();
    await syncDagBag(this.o.db, this.o.registry.current(), this.clock());
  }

  /**
   * Creates the runs the schedule says are due (not paused; catchup; end date) while the DAG's
   * `max_active_runs` leaves room (scheduled-runs.ts).
   */
  async createScheduledRuns(dag: Dag): Promise<number> {
    const created = await createScheduledRunsWithinLimit(
      this.o.db,
      dag,
      this.clock(),
      this.o.maxRunsPerPass ?? 1000,
    );
    if (created > 0) this.o.logger.info({ dagId: dag.dagId, created }, 'created scheduled DAG runs');
    return created;
  }

  /**
   * Creates the asset-triggered runs that pending asset events call for: at most one per consumer
   * DAG per call (it consumes all of the DAG's pending events).
   * @returns the DAG ids that got a run (queued; the caller starts them)
   */
  async createAssetTriggeredRuns(): Promise<string[]> {
    const out: string[] = [];
    for (const dagId of await dagIdsWithPendingAssetEvents(this.o.db)) {
      // a consumer whose file does not parse now keeps its events until it does
      const dag = await this.o.registry.get(dagId);
      if (dag === undefined || dag.scheduleAssets.length === 0) continue;
      const run = await createAssetTriggeredRun(this.o.db, dagId, this.clock());
      if (run === undefined) continue;
      out.push(dagId);
      this.o.logger.info(
        {
          dagId,
          runId: run.runId,
          events: run.eventIds.length,
          dataIntervalStart: run.dataIntervalStart.toISOString(),
          dataIntervalEnd: run.dataIntervalEnd.toISOString(),
        },
        'created asset-triggered DAG run',
      );
    }
    return out;
  }

  private async startAllQueuedRuns(): Promise<[string, string][]> {
    const out: [string, string][] = [];
    for (const dagId of await dagIdsWithQueuedRuns(this.o.db))
      out.push(...(await this.startQueuedRuns(dagId)));
    return out;
  }

  /**
   * Starts queued runs of a DAG while `max_active_runs` allows: the DAG's limit for scheduled and
   * manual runs, each backfill's own limit for its runs. Creates their task instances.
   */
  async startQueuedRuns(dagId: string): Promise<[string, string][]> {
    const dag = await this.o.registry.get(dagId);
    if (dag === undefined) return [];
    return this.o.db.transaction().execute(async (trx) => {
      const row = await lockDagRow(trx, dagId, false);
      if (row === undefined) return [];
      const running = await countRunningByBackfill(trx, dagId);
      const limits = await runningBackfillLimits(trx, dagId);
      const started: [string, string][] = [];
      const now = this.clock();
      for (const run of await listQueuedRuns(trx, dagId)) {
        // Runs of a finished backfill (re-run later by a clear) count as the DAG's own runs.
        const group = run.backfill_id !== null && limits.has(run.backfill_id) ? run.backfill_id : null;
        const limit =
          group === null
            ? row.is_paused && run.backfill_id === null
              ? 0
              : row.max_active_runs
            : (limits.get(group) ?? 0);
        const n = running.get(group) ?? 0;
        if (n >= limit) continue;
        running.set(group, n + 1);
        await setRunState(trx, dagId, run.run_id, 'running', now);
        await insertTaskInstances(
          trx,
          dag.taskIds.map((taskId) => {
            const task = dag.tasks.get(taskId);
            return {
              dagId,
              runId: run.run_id,
              taskId,
              maxTries: task?.retries ?? 0,
              pool: task?.pool ?? 'default_pool',
              poolSlots: task?.poolSlots ?? 1,
            };
          }),
        );
        started.push([dagId, run.run_id]);
      }
      return started;
    });
  }

  /**
   * Evaluates runs; when one finishes, starts the next queued runs of its DAG and evaluates them.
   * When a run of a DAG with outlets was evaluated (a producing task may have just succeeded) or a
   * run of an asset-scheduled DAG finished (a slot is free), creates the asset-triggered runs that
   * are due and starts them, without waiting for the next reconciling pass.
   */
  private async processRuns(runs: readonly [string, string][]): Promise<void> {
    const finishedDags = new Set<string>();
    for (const [dagId, runId] of runs) {
      const finished = await this.scheduleRun(dagId, runId);
      if (finished) finishedDags.add(dagId);
    }
    const registry = this.o.registry;
    const producing = runs.some(([dagId]) => {
      const dag = registry.peek(dagId);
      return dag !== undefined && dag.taskIds.some((t) => (dag.tasks.get(t)?.outlets.length ?? 0) > 0);
    });
    const freed = [...finishedDags].some((d) => (registry.peek(d)?.scheduleAssets.length ?? 0) > 0);
    const toStart = new Set(finishedDags);
    // a finished run leaves room under max_active_runs: the schedule's next run is created now
    for (const d of finishedDags) {
      const dag = registry.peek(d);
      if (dag !== undefined) await this.createScheduledRuns(dag);
    }
    if (producing || freed) for (const d of await this.createAssetTriggeredRuns()) toStart.add(d);
    for (const dagId of toStart) {
      const started = await this.startQueuedRuns(dagId);
      for (const [d, r] of started) await this.scheduleRun(d, r);
    }
  }

  /**
   * Evaluates one running run: trigger rules in topological order (so `upstream_failed` and
   * `skipped` cascade in one pass), due retries, capacity, queueing; closes the run when every
   * task instance is finished (leaves decide its state).
   * @returns true when the run finished in this call
   */
  async scheduleRun(dagId: string, runId: string): Promise<boolean> {
    const dag = await this.o.registry.get(dagId);
    if (dag === undefined) return false;
    const result = await this.o.db.transaction().execute(async (trx) => {
      const run = await lockRun(trx, dagId, runId);
      if (run === undefined || run.state !== 'running') return { jobs: [] as TaskJob[], finished: false };
      const now = this.clock();
      const tis = await listRunTis(trx, dagId, runId);
      const byTask = new Map<string, TaskInstanceRow>(tis.map((t) => [t.task_id, t]));
      const states = new Map<string, TaskInstanceState>(
        tis.map((t) => [t.task_id, t.state as TaskInstanceState]),
      );

      // Tasks added to or removed from the DAG since the run started.
      const missing = dag.taskIds.filter((id) => !byTask.has(id));
      if (missing.length > 0) {
        await insertTaskInstances(
          trx,
          missing.map((taskId) => {
            const task = dag.tasks.get(taskId);
            return {
              dagId,
              runId,
              taskId,
              maxTries: task?.retries ?? 0,
              pool: task?.pool ?? 'default_pool',
              poolSlots: task?.poolSlots ?? 1,
            };
          }),
        );
        for (const id of missing) states.set(id, 'none');
      }
      const removed = tis
        .filter((t) => !dag.tasks.has(t.task_id) && t.state !== 'removed')
        .map((t) => t.task_id);
      await setTiStates(trx, dagId, runId, removed, 'removed', now, 'task no longer in the DAG');
      for (const id of removed) states.set(id, 'removed');

      const decided: Record<'scheduled' | 'skipped' | 'upstream_failed', string[]> = {
        scheduled: [],
        skipped: [],
        upstream_failed: [],
      };
      for (const taskId of dag.taskIds) {
        const task = dag.tasks.get(taskId);
        if (task === undefined) continue;
        const st = states.get(taskId);
        if (st === 'none') {
          const d = evaluateTriggerRule(
            task.triggerRule,
            task.upstream.map((u) => states.get(u) ?? 'none'),
          );
          if (d === 'wait') continue;
          const next = d === 'run' ? 'scheduled' : d;
          decided[next].push(taskId);
          states.set(taskId, next);
        } else if (st === 'up_for_retry' || st === 'up_for_reschedule') {
          const at = byTask.get(taskId)?.next_retry_at;
          if (at === null || at === undefined || at.getTime() <= now.getTime()) {
            decided.scheduled.push(taskId);
            states.set(taskId, 'scheduled');
          }
        }
      }
      await setTiStates(trx, dagId, runId, decided.scheduled, 'scheduled', now);
      await setTiStates(trx, dagId, runId, decided.skipped, 'skipped', now, 'skipped by trigger rule');
      await setTiStates(
        trx,
        dagId,
        runId,
        decided.upstream_failed,
        'upstream_failed',
        now,
        'an upstream task failed',
      );

      const jobs = await this.queueScheduled(trx, dag, runId, run.run_type, states, byTask, now);
      for (const j of jobs) states.set(j.taskId, 'queued');

      const final = dagRunFinalState(states, dag.leaves);
      if (final !== null) {
        await setRunState(trx, dagId, runId, final, now);
        this.o.logger.info({ dagId, runId, state: final }, 'DAG run finished');
        // whoever finishes a backfill's last run completes it
        if (run.backfill_id !== null) await completeBackfillIfFinished(trx, run.backfill_id, now);
      }
      return { jobs, finished: final !== null };
    });
    await this.o.queue.enqueue(result.jobs);
    return result.finished;
  }

  private async queueScheduled(
    trx: Kysely<Database>,
    dag: Dag,
    runId: string,
    runType: string,
    states: Map<string, TaskInstanceState>,
    byTask: Map<string, TaskInstanceRow>,
    now: Date,
  ): Promise<TaskJob[]> {
    const candidates = dag.taskIds.filter((id) => states.get(id) === 'scheduled');
    if (candidates.length === 0) return [];
    const dagRow = await getDagRow(trx, dag.dagId);
    if (dagRow?.is_paused === true && runType !== 'backfill') return [];
    await advisoryXactLock(trx, QUEUE_LOCK_KEY);
    let free = dag.maxActiveTasks - (await countActiveTis(trx, dag.dagId));
    const pools = await poolUsage(trx);
    const tries: QueuedTry[] = [];
    for (const taskId of candidates) {
      if (free <= 0) break;
      const task = dag.tasks.get(taskId);
      if (task === undefined) continue;
      const pool = pools.get(task.pool);
      if (pool === undefined) {
        await setTiStates(
          trx,
          dag.dagId,
          runId,
          [taskId],
          'failed',
          now,
          `pool "${task.pool}" does not exist`,
        );
        states.set(taskId, 'failed');
        continue;
      }
      if (pool.used + task.poolSlots > pool.slots) continue;
      pool.used += task.poolSlots;
      free -= 1;
      tries.push({
        dagId: dag.dagId,
        runId,
        taskId,
        tryNumber: (byTask.get(taskId)?.try_number ?? 0) + 1,
        leaseToken: randomUUID(),
      });
    }
    await queueTis(trx, tries, this.o.executorName, now);
    return tries;
  }

  /**
   * Fails the tries of workers that stopped heartbeating (then retried per the task's retries) and
   * deletes the XComs they left.
   * @returns how many tries were failed
   */
  async reapZombies(): Promise<number> {
    const now = this.clock();
    const cutoff = new Date(now.getTime() - (this.o.zombieThresholdMs ?? 60_000));
    let n = 0;
    for (const ti of await findZombies(this.o.db, cutoff)) {
      if (ti.lease_token === null) continue;
      const dag = await this.o.registry.get(ti.dag_id);
      const decision = decideAfterFailure(dag?.tasks.get(ti.task_id), ti.try_number, ti.max_tries, now);
      const error = `zombie: no heartbeat from worker ${ti.worker_id ?? '?'} since ${ti.heartbeat_at?.toISOString() ?? 'start'}`;
      const t = {
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: ti.task_id,
        tryNumber: ti.try_number,
        leaseToken: ti.lease_token,
      };
      // Under the row lock of this lease: any XCom of the task instance now is this try's (pushed
      // by a worker killed before its transaction committed) and no other try can push, so the
      // failed try leaves no value an `all_done` downstream could read (issue 14). A Redis error
      // rolls the failure back: the pass fails and the next one retries it.
      const ok = await finishTryFenced(
        this.o.db,
        t,
        {
          tiState: decision.state,
          tryState: 'failed',
          exitCode: null,
          error,
          ...(decision.state === 'up_for_retry' ? { nextRetryAt: decision.nextRetryAt } : {}),
          durationMs: ti.start_date === null ? 0 : now.getTime() - ti.start_date.getTime(),
        },
        now,
        async () => {
          await this.o.xcom?.clear(t);
        },
      );
      if (ok) {
        n++;
        this.o.logger.warn(
          { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id, tryNumber: ti.try_number },
          error,
        );
        this.pending.add(runKey(ti.dag_id, ti.run_id));
      }
    }
    return n;
  }

  /** Re-adds the jobs of tries queued too long whose job is missing or dead (Airflow #28120). */
  async checkQueued(): Promise<number> {
    const cutoff = new Date(this.clock().getTime() - (this.o.queuedTimeoutMs ?? 120_000));
    let n = 0;
    for (const ti of await findStaleQueued(this.o.db, cutoff)) {
      if (ti.lease_token === null) continue;
      const r = await this.o.queue.ensure({
        dagId: ti.dag_id,
        runId: ti.run_id,
        taskId: ti.task_id,
        tryNumber: ti.try_number,
        leaseToken: ti.lease_token,
      });
      if (r === 'readded') {
        n++;
        this.o.logger.warn(
          { dagId: ti.dag_id, runId: ti.run_id, taskId: ti.task_id },
          'queued try had no live job: re-enqueued',
        );
      }
    }
    return n;
  }

  /** Fails runs older than their DAG's `dagrun_timeout`; their unfinished tasks are skipped. */
  async enforceDagrunTimeouts(): Promise<number> {
    const now = this.clock();
    let n = 0;
    for (const run of await listRunsByState(this.o.db, 'running')) {
      const dag = this.o.registry.peek(run.dag_id);
      if (dag?.dagrunTimeoutMs === undefined || run.start_date === null) continue;
      if (now.getTime() - run.start_date.getTime() <= dag.dagrunTimeoutMs) continue;
      await this.o.db.transaction().execute(async (trx) => {
        const locked = await lockRun(trx, run.dag_id, run.run_id);
        if (locked?.state !== 'running') return;
        const tis = await listRunTis(trx, run.dag_id, run.run_id);
        const unfinished = tis
          .filter((t) => !['success', 'failed', 'skipped', 'upstream_failed', 'removed'].includes(t.state))
          .map((t) => t.task_id);
        await setTiStates(trx, run.dag_id, run.run_id, unfinished, 'skipped', now, 'dagrun_timeout reached');
        await setRunState(
          trx,
          run.dag_id,
          run.run_id,
          'failed',
          now,
          `dagrun_timeout of ${dag.dagrunTimeoutMs} ms reached`,
        );
        if (locked.backfill_id !== null) await completeBackfillIfFinished(trx, locked.backfill_id, now);
      });
      n++;
      this.o.logger.warn({ dagId: run.dag_id, runId: run.run_id }, 'DAG run failed: dagrun_timeout reached');
    }
    return n;
  }
}
