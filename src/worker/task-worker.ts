/**
 * The worker: takes task tries from BullMQ, claims each in Postgres (a job whose task instance is
 * no longer `queued` under the same lease token is acknowledged and dropped), renders the task's
 * command and environment (with, for an asset-triggered run, the asset events it consumed), runs
 * it through the executor while heartbeating, records the outcome fenced by the lease token (a
 * success stores its return value as an XCom while holding that fence, and a task with outlets
 * records its asset events in the same statement; a task's "do not retry" and "reschedule me" exit
 * codes: control-outcome.ts) and wakes the schedulers.
 *
 * At start and every 30 s it reaps what dead workers left: containers (Docker executor) and
 * process groups on this host (process executor), failing those tries.
 *
 * When a try finds the executor's backend unreachable (the Docker engine is down), the try costs
 * no retry and its next try waits for the next ping; the worker takes no tries until the engine
 * answers a ping again (engine-watch.ts).
 *
 * Lifecycle: first `stop()` drains (running tries finish, no new ones are taken); `stop(true)`
 * aborts running tries (their processes or containers are killed, the tries recorded as failed).
 */
import { appendFile, mkdir, open } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import {
  HeatflowError,
  InvalidIdError,
  isNoRetryError,
  PathEscapeError,
  XComTooLargeError,
} from '../core/errors.js';
import { assertTryIds } from '../core/ids.js';
import { formatDs } from '../core/timetable.js';
import { decideAfterFailure } from '../core/try-outcome.js';
import type { Dag, RunContext, RunType, Task } from '../core/types.js';
import { listRunTriggeringEvents } from '../db/asset-repository.js';
import type { Database } from '../db/database.js';
import { isConnectionError, retryOnConnectionError } from '../db/pool-errors.js';
import {
  claimTry,
  type ClaimedTry,
  finishTry,
  finishTryFenced,
  heartbeatTry,
  isTryLive,
  listTriesWithProcessGroup,
  setTryContainer,
  setTryProcessGroup,
  type QueuedTry,
  type TryOutcome,
} from '../db/task-instance-repository.js';
import type { DagRegistry } from '../dag-processing/dag-registry.js';
import type { ExecutionResult, Executor, OrphanTry } from '../executors/executor.js';
import { ExecutorUnavailableError } from '../executors/executor-unavailable-error.js';
import { killTryProcessGroup } from '../executors/process-groups.js';
import { publishEvent } from '../queue/events.js';
import { bullConnection, TASK_QUEUE_NAME, taskJobSchema } from '../queue/task-queue.js';
import type { XComStore } from '../xcom/xcom-store.js';
import { controlOutcome } from './control-outcome.js';
import { EngineWatch } from './engine-watch.js';
import { refuseTry } from './refuse-try.js';
import { renderTask } from './render-task.js';
import { renderSecretTemplates } from './render-secrets.js';
import { SecretMasker } from '../secrets/secret-masker.js';
import type { TemplateSources } from '../variables/template-render.js';
import { tryLogPath } from './log-paths.js';
import { testPause } from './test-pause.js';

/** Options of {@link TaskWorker}. */
export interface TaskWorkerOptions {
  readonly db: Kysely<Database>;
  /** a Redis connection for XComs, events and liveness keys */
  readonly redis: Redis;
  readonly redisUrl: string;
  readonly prefix: string;
  readonly registry: DagRegistry;
  readonly executor: Executor;
  readonly xcom: XComStore;
  readonly logger: Logger;
  /** root of the try logs (HEATFLOW_LOG_DIR) */
  readonly logDir: string;
  /** tries run at once; `@defaultValue 4` */
  readonly concurrency?: number;
  /** heartbeat period, in ms; `@defaultValue 5000` */
  readonly heartbeatMs?: number;
  /** period of orphan reaping after start, in ms; `@defaultValue 30_000` */
  readonly reapIntervalMs?: number;
  /**
   * period of the pings of an unreachable executor backend (the Docker engine), in ms; the try
   * the outage cut is queued again no sooner; `@defaultValue 1000`
   */
  readonly engineProbeMs?: number;
  /** stable id of this worker; `@defaultValue` `<hostname>-<pid>-<random>` */
  readonly workerId?: string;
  /**
   * variables and connections for `{{ var.… }}` / `{{ conn.… }}` templates; `@defaultValue`
   * undefined (templates are left as they are)
   */
  readonly secrets?: TemplateSources;
}

/** How a try ended, with its return value's JSON (size-checked) still to push, fenced. */
type FinishedTry = TryOutcome & { readonly returnValueJson?: string };

/** Lifecycle of a worker. */
export type WorkerState = 'INITIALIZED' | 'RUNNING' | 'DRAINING' | 'STOPPED';

/** The worker. */
export class TaskWorker {
  readonly workerId: string;
  private bull: Worker | undefined;
  private stateValue: WorkerState = 'INITIALIZED';
  private readonly running = new Map<string, AbortController>();
  private timers: NodeJS.Timeout[] = [];
  private readonly heartbeatMs: number;
  /** set when the executor has a backend to ping (Docker) */
  private readonly engine: EngineWatch | undefined;

  constructor(private readonly o: TaskWorkerOptions) {
    this.workerId = o.workerId ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    this.heartbeatMs = o.heartbeatMs ?? 5000;
    const ping = o.executor.ping?.bind(o.executor);
    this.engine =
      ping === undefined
        ? undefined
        : new EngineWatch({
            ping,
            probeMs: o.engineProbeMs ?? 1000,
            logger: o.logger,
            onDown: async () => this.bull?.pause(true),
            // resume, and remove at once the containers the outage left (their removal failed)
            onUp: async () => {
              await this.bull?.resume();
              await this.reapLogged();
            },
          });
  }

  get state(): WorkerState {
    return this.stateValue;
  }

  /** The Redis key that says this worker is alive (refreshed by its heartbeat). */
  livenessKey(workerId = this.workerId): string {
    return `${this.o.prefix}:worker:${workerId}`;
  }

  /** Reaps orphans of dead workers, then starts taking jobs. */
  async start(): Promise<void> {
    if (this.stateValue !== 'INITIALIZED') return;
    await this.beat();
    try {
      await this.reap();
    } catch (err) {
      // e.g. the Docker daemon is down: start anyway (paused until it answers) and reap again on
      // the next period.
      this.o.logger.warn({ err }, 'orphan reaping at start failed; will retry');
      if (err instanceof ExecutorUnavailableError) this.engine?.noteUnavailable(err);
    }
    this.timers.push(
      setInterval(
        () => void this.beat().catch((err: unknown) => this.o.logger.warn({ err }, 'liveness beat failed')),
        this.heartbeatMs,
      ),
    );
    this.timers.push(setInterval(() => void this.reapLogged(), this.o.reapIntervalMs ?? 30_000));
    this.bull = new Worker(TASK_QUEUE_NAME, (job) => this.process(job), {
      connection: bullConnection(this.o.redisUrl),
      prefix: this.o.prefix,
      concurrency: this.o.concurrency ?? 4,
      // The scheduler owns retries; BullMQ's stalled-job recovery only re-delivers, and the claim drops duplicates.
      maxStalledCount: 1,
    });
    this.bull.on('error', (err) => this.o.logger.error({ err }, 'BullMQ worker error'));
    this.stateValue = 'RUNNING';
    // the engine was found down at start (reaping): take no tries until it answers
    if (this.engine?.state === 'down') await this.bull.pause(true);
    this.o.logger.info(
      { workerId: this.workerId, executor: this.o.executor.name, concurrency: this.o.concurrency ?? 4 },
      'worker started',
    );
  }

  /**
   * Stops taking jobs. Without `force`, waits for running tries to finish (drain); with `force`,
   * aborts them (their processes/containers are killed and the tries recorded as failed).
   */
  async stop(force = false): Promise<void> {
    if (this.stateValue === 'STOPPED') return;
    this.stateValue = 'DRAINING';
    this.engine?.stop();
    if (force) for (const ac of this.running.values()) ac.abort();
    await this.bull?.close(force);
    if (force) {
      // give aborted tries a moment to record their outcome
      const until = Date.now() + 10_000;
      while (this.running.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    }
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.o.redis.del(this.livenessKey()).catch(() => undefined);
    this.stateValue = 'STOPPED';
  }

  /** Number of tries running now. */
  get activeTries(): number {
    return this.running.size;
  }

  /** {@link reap}, its failure logged; an unreachable engine noted. */
  private async reapLogged(): Promise<void> {
    await this.reap().catch((err: unknown) => {
      this.o.logger.warn({ err }, 'orphan reaping failed');
      if (err instanceof ExecutorUnavailableError) this.engine?.noteUnavailable(err);
    });
  }

  private async beat(): Promise<void> {
    await this.o.redis.set(this.livenessKey(), String(Date.now()), 'PX', this.heartbeatMs * 3);
  }

  /** Is the try still owned by a live worker (this one running it, or another that beats)? */
  private async isOwnedByLiveWorker(o: OrphanTry): Promise<boolean> {
    const key = {
      dagId: o.dagId,
      runId: o.runId,
      taskId: o.taskId,
      tryNumber: o.tryNumber,
      leaseToken: o.leaseToken,
    };
    if (this.running.has(o.leaseToken)) return true;
    if (!(await isTryLive(this.o.db, key))) return false;
    const row = await this.o.db
      .selectFrom('heatflow.task_instances')
      .select('worker_id')
      .where('dag_id', '=', o.dagId)
      .where('run_id', '=', o.runId)
      .where('task_id', '=', o.taskId)
      .executeTakeFirst();
    if (row?.worker_id === null || row?.worker_id === undefined) return true; // queued, not yet claimed
    if (row.worker_id === this.workerId) return this.running.has(o.leaseToken);
    return (await this.o.redis.exists(this.livenessKey(row.worker_id))) === 1;
  }

  /**
   * Kills the process groups (process executor) that dead workers on this host left running: the
   * tries with a group still recorded whose worker is gone or whose lease has moved on.
   * @returns those tries, to be failed
   */
  private async reapProcessGroups(): Promise<OrphanTry[]> {
    const reaped: OrphanTry[] = [];
    for (const t of await listTriesWithProcessGroup(this.o.db, os.hostname())) {
      if (await this.isOwnedByLiveWorker(t)) continue;
      const killed = await killTryProcessGroup(t.processGroup, t);
      await setTryProcessGroup(this.o.db, t, null);
      this.o.logger.warn({ ...t, killed }, 'killed the process group of an orphaned try');
      reaped.push(t);
    }
    return reaped;
  }

  /**
   * Removes containers and kills process groups of tries whose worker is gone, and fails those
   * tries (they are then retried).
   */
  private async reap(): Promise<void> {
    // the groups first, and failed at once: an engine that does not answer must not hold them up
    await this.failOrphans(await this.reapProcessGroups());
    await this.failOrphans(await this.o.executor.reapOrphans((o) => this.isOwnedByLiveWorker(o)));
  }

  /**
   * Fails reaped tries and deletes their XComs (fenced: a try failed meanwhile as a zombie is left
   * as it is).
   */
  private async failOrphans(orphans: readonly OrphanTry[]): Promise<void> {
    for (const o of orphans) {
      const dag = await this.o.registry.get(o.dagId);
      const ti = await this.o.db
        .selectFrom('heatflow.task_instances')
        .select(['max_tries', 'start_date'])
        .where('dag_id', '=', o.dagId)
        .where('run_id', '=', o.runId)
        .where('task_id', '=', o.taskId)
        .executeTakeFirst();
      const now = new Date();
      const decision = decideAfterFailure(dag?.tasks.get(o.taskId), o.tryNumber, ti?.max_tries ?? 0, now);
      // fenced, and its XComs deleted under the lease, as the scheduler's zombie pass does
      const ok = await finishTryFenced(
        this.o.db,
        o,
        {
          tiState: decision.state,
          tryState: 'failed',
          exitCode: null,
          error: `orphaned: its worker died; ${o.processGroup === undefined ? `container ${o.containerId ?? '?'} removed` : `process group ${o.processGroup} killed`} by worker ${this.workerId}`,
          ...(decision.state === 'up_for_retry' ? { nextRetryAt: decision.nextRetryAt } : {}),
          durationMs: ti?.start_date == null ? 0 : now.getTime() - ti.start_date.getTime(),
        },
        now,
        async () => {
          await this.o.xcom.clear(o);
        },
      );
      this.o.logger.warn({ ...o, recorded: ok }, 'reaped orphaned try');
      if (ok)
        await publishEvent(this.o.redis, this.o.prefix, {
          kind: 'ti_finished',
          dagId: o.dagId,
          runId: o.runId,
          taskId: o.taskId,
        });
    }
  }

  private async process(job: Job): Promise<string> {
    const parsed = taskJobSchema.safeParse(job.data);
    if (!parsed.success) {
      this.o.logger.error({ jobId: job.id, issues: parsed.error.issues }, 'malformed job dropped');
      return 'malformed';
    }
    if (this.engine?.state === 'down') {
      // a job fetched as the engine went down waits, unclaimed, for it to answer again
      await this.engine.whenUp();
      // stopping meanwhile: left queued, unclaimed; the scheduler re-enqueues it (checkQueued)
      if (this.stateValue !== 'RUNNING') return 'dropped';
    }
    return this.claimAndRun(parsed.data);
  }

  /**
   * Runs one try that is already queued in Postgres, in this process and without BullMQ (`heatflow
   * tasks run`), as a job would: claim, run, record, wake the schedulers. The worker need not be
   * started; its liveness key is kept while the try runs, so reapers on this host leave the try
   * alone.
   * @returns the task instance's new state, or `dropped` when the try was no longer queued under
   *   its lease (nothing run)
   */
  async runQueuedTry(t: QueuedTry): Promise<string> {
    await this.beat();
    const beat = setInterval(
      () => void this.beat().catch((err: unknown) => this.o.logger.warn({ err }, 'liveness beat failed')),
      this.heartbeatMs,
    );
    try {
      return await this.claimAndRun(t);
    } finally {
      clearInterval(beat);
      if (this.stateValue === 'INITIALIZED')
        await this.o.redis.del(this.livenessKey()).catch(() => undefined);
    }
  }

  /** Claims a queued try and carries it through (the body of a job). */
  private async claimAndRun(t: QueuedTry): Promise<string> {
    let logPath: string;
    try {
      logPath = tryLogPath(this.o.logDir, t);
    } catch (err) {
      if (err instanceof InvalidIdError || err instanceof PathEscapeError)
        return refuseTry(
          { db: this.o.db, redis: this.o.redis, prefix: this.o.prefix, logger: this.o.logger },
          t,
          err,
          this.workerId,
        );
      throw err;
    }
    const claimedAt = new Date();
    // fenced by lease and state: repeating it after a lost connection cannot claim twice
    const ti = await retryOnConnectionError(
      () =>
        claimTry(
          this.o.db,
          t,
          { workerId: this.workerId, hostname: os.hostname(), logPath, executor: this.o.executor.name },
          claimedAt,
        ),
      { attempts: 4 },
    );
    if (ti === undefined) {
      this.o.logger.debug({ ...t }, 'job dropped: task instance no longer queued under this lease');
      return 'dropped';
    }
    await testPause('claimed', { ...t });
    const ac = new AbortController();
    this.running.set(t.leaseToken, ac);
    let finishing = false;
    const hb = setInterval(() => {
      heartbeatTry(this.o.db, t, new Date())
        .then((ok) => {
          if (!ok && !finishing && !ac.signal.aborted) {
            this.o.logger.warn({ ...t }, 'lease lost: killing the try');
            ac.abort();
          }
        })
        .catch((err: unknown) => this.o.logger.warn({ err }, 'heartbeat failed'));
    }, this.heartbeatMs);
    try {
      const finished = await this.runTry(t, ti, logPath, ac.signal).catch((err: unknown): FinishedTry =>
        this.workerErrorOutcome(t, ti, err),
      );
      finishing = true;
      await testPause('exited', { ...t });
      // The write is fenced by the lease, so repeating it after a lost connection is safe; without
      // this the try would wait for the zombie threshold to be retried (issue 14).
      const { outcome, recorded } = await retryOnConnectionError(() => this.record(t, ti, finished), {
        onRetry: (err, attempt, delayMs) =>
          this.o.logger.warn(
            { ...t, err: (err as Error).message, attempt, delayMs },
            'recording the outcome failed; retrying',
          ),
      });
      await this.noteRecorded(logPath, outcome, recorded);
      await testPause('finished', { ...t, recorded });
      if (!recorded)
        this.o.logger.warn(
          { ...t },
          'outcome not recorded: lease lost (or recorded by an attempt whose answer was lost)',
        );
      await publishEvent(this.o.redis, this.o.prefix, {
        kind: 'ti_finished',
        dagId: t.dagId,
        runId: t.runId,
        taskId: t.taskId,
      });
      return outcome.tiState;
    } finally {
      clearInterval(hb);
      this.running.delete(t.leaseToken);
    }
  }

  /**
   * Records the outcome, fenced by the lease; a return value is pushed inside the same fence, so a
   * worker whose lease is gone never replaces the XCom of the try that holds it now. A push that
   * fails (Redis) fails the try instead.
   */
  private async record(
    t: QueuedTry,
    run: ClaimedTry,
    finished: FinishedTry,
  ): Promise<{ outcome: TryOutcome; recorded: boolean }> {
    const { returnValueJson, ...outcome } = finished;
    if (returnValueJson === undefined)
      return { outcome, recorded: await finishTry(this.o.db, t, outcome, new Date()) };
    try {
      const recorded = await finishTryFenced(this.o.db, t, outcome, new Date(), async () => {
        await this.o.xcom.pushSerialized(t, returnValueJson);
        await testPause('xcom-pushed', { ...t });
      });
      return { outcome, recorded };
    } catch (err) {
      // a lost connection is retried by the caller (the fence makes that safe); other errors of
      // the push fail the try
      if (isConnectionError(err)) throw err;
      const failed = this.workerErrorOutcome(t, run, err);
      return { outcome: failed, recorded: await finishTry(this.o.db, t, failed, new Date()) };
    }
  }

  /**
   * The try log's last line: what was recorded (the next try's time for a retry), or that nothing
   * was, since the lease had moved on; never a retry this worker did not schedule.
   */
  private async noteRecorded(logPath: string, outcome: TryOutcome, recorded: boolean): Promise<void> {
    const line = !recorded
      ? `outcome not recorded (${outcome.tiState} seen here): this worker no longer holds the try's lease (failed as a zombie, cleared or marked elsewhere); see the task instance for its state`
      : outcome.tiState === 'up_for_retry' && outcome.nextRetryAt !== undefined
        ? `recorded up_for_retry: next try at ${outcome.nextRetryAt.toISOString()}`
        : `recorded ${outcome.tiState}`;
    await appendFile(logPath, `[heatflow ${new Date().toISOString()}] ${line}\n`).catch((err: unknown) =>
      this.o.logger.warn({ err, logPath }, 'could not write the try log'),
    );
  }

  /**
   * The outcome of a try the worker itself could not carry through (its log folder cannot be
   * written, Redis failed while storing the XCom...): recorded at once as a failed try, retried per
   * the task's retries, instead of being left `running` until the zombie threshold.
   */
  private workerErrorOutcome(t: QueuedTry, run: ClaimedTry, err: unknown): TryOutcome {
    const error = `worker ${this.workerId} failed while running the try: ${(err as Error).message ?? String(err)}`;
    this.o.logger.error({ ...t, err }, error);
    const dag = this.o.registry.peek(t.dagId);
    const now = new Date();
    const decision = decideAfterFailure(dag?.tasks.get(t.taskId), t.tryNumber, run.max_tries, now, {
      dagId: t.dagId,
      logicalDate: run.logical_date,
    });
    return {
      tiState: decision.state,
      tryState: 'failed',
      exitCode: null,
      error,
      ...(decision.state === 'up_for_retry' ? { nextRetryAt: decision.nextRetryAt } : {}),
      durationMs: now.getTime() - (run.start_date?.getTime() ?? now.getTime()),
    };
  }

  private async runTry(
    t: QueuedTry,
    run: ClaimedTry,
    logPath: string,
    signal: AbortSignal,
  ): Promise<FinishedTry> {
    await mkdir(path.dirname(logPath), { recursive: true });
    // One handle for the worker's own lines; the executor appends the task's output (O_APPEND).
    const log = await open(logPath, 'a');
    try {
      return await this.runTryLogged(t, run, logPath, signal, async (line) => {
        await log.write(`[heatflow ${new Date().toISOString()}] ${line}\n`);
      });
    } finally {
      await log.close();
    }
  }

  private async runTryLogged(
    t: QueuedTry,
    run: ClaimedTry,
    logPath: string,
    signal: AbortSignal,
    note: (line: string) => Promise<void>,
  ): Promise<FinishedTry> {
    const started = Date.now();
    const maxTries = run.max_tries;
    await note(
      `try ${t.tryNumber} of ${t.dagId}.${t.taskId} (${t.runId}) on worker ${this.workerId}, executor ${this.o.executor.name}`,
    );
    const dag = await this.o.registry.get(t.dagId);
    const task = dag?.tasks.get(t.taskId);
    const jitterKey = { dagId: t.dagId, logicalDate: run.logical_date };
    // the secrets this try is given, masked in what the worker writes (log, recorded error)
    const masker = new SecretMasker();
    const fail = async (
      error: string,
      exitCode: number | null,
      extraTry = false,
      noRetry = false,
    ): Promise<TryOutcome> => {
      const decision = noRetry
        ? ({ state: 'failed' } as const)
        : decideAfterFailure(task, t.tryNumber, extraTry ? maxTries + 1 : maxTries, new Date(), jitterKey);
      error = masker.mask(error);
      await note(`failed: ${error}`);
      return {
        tiState: decision.state,
        tryState: 'failed',
        exitCode,
        error,
        ...(decision.state === 'up_for_retry' ? { nextRetryAt: decision.nextRetryAt } : {}),
        ...(extraTry ? { extraTry: true } : {}),
        durationMs: Date.now() - started,
      };
    };
    if (dag === undefined || task === undefined) {
      return fail(
        `task "${t.taskId}" not found in DAG "${t.dagId}" (DAG folder ${this.o.registry.dagsDir})`,
        null,
      );
    }

    // XComs of an earlier try must not leak into this one (clear and reprocess delete them too).
    if (t.tryNumber > 1) await this.o.xcom.clear(t);
    const upstreamXComs = await this.o.xcom.pullReturnValues(t.dagId, t.runId, task.upstream);
    // one query, only for runs that consumed asset events
    const triggeringAssetEvents =
      run.run_type === 'asset_triggered' ? await listRunTriggeringEvents(this.o.db, t.dagId, t.runId) : [];
    const ctx: RunContext = {
      dagId: t.dagId,
      runId: t.runId,
      runType: run.run_type as RunType,
      taskId: t.taskId,
      tryNumber: t.tryNumber,
      logicalDate: run.logical_date,
      ds: formatDs(run.logical_date, dag.timezone),
      dataIntervalStart: run.data_interval_start,
      dataIntervalEnd: run.data_interval_end,
      params: { ...dag.params, ...run.conf },
      upstreamXComs,
      triggeringAssetEvents,
    };
    let rendered;
    try {
      rendered = await renderSecretTemplates(t.taskId, renderTask(task, ctx), this.o.secrets, masker);
    } catch (err) {
      // a template that says retrying cannot help (FailTask) renders the same error on every try
      const noRetry = isNoRetryError(err);
      return fail(
        `rendering the command or environment failed${noRetry ? ' (not retried)' : ''}: ${(err as Error).message}`,
        null,
        false,
        noRetry,
      );
    }

    let result: ExecutionResult;
    let recordingGroup: Promise<void> | undefined;
    try {
      result = await this.o.executor.execute(
        {
          dagId: t.dagId,
          runId: t.runId,
          taskId: t.taskId,
          tryNumber: t.tryNumber,
          leaseToken: t.leaseToken,
          command: rendered.command,
          env: rendered.env,
          runDir: runDirOf(t.dagId, t.runId),
          xcomInput: upstreamXComs,
          // the return file's size is checked before it is read (issue 14 item 9)
          maxReturnFileBytes: this.o.xcom.maxBytes * 4,
          ...(task.image === undefined ? {} : { image: task.image }),
          ...(task.executionTimeoutMs === undefined ? {} : { executionTimeoutMs: task.executionTimeoutMs }),
          logPath,
          signal,
          masker,
        },
        {
          onStarted: (info) => {
            if (info.containerId !== undefined) {
              setTryContainer(this.o.db, t, info.containerId).catch((err: unknown) =>
                this.o.logger.warn({ err }, 'could not record container id'),
              );
            } else if (info.pid !== undefined) {
              // the child leads its own process group (spawned detached): its pid is the group id
              const pid = info.pid;
              recordingGroup = setTryProcessGroup(this.o.db, t, pid).catch((err: unknown) =>
                this.o.logger.warn({ err }, 'could not record the process group'),
              );
            }
          },
        },
      );
      if (recordingGroup !== undefined) {
        await recordingGroup;
        // the child has exited: nothing left to reap
        await setTryProcessGroup(this.o.db, t, null).catch((err: unknown) =>
          this.o.logger.warn({ err }, 'could not clear the process group'),
        );
      }
    } catch (err) {
      const retryable = err instanceof HeatflowError && err.retryable;
      const failed = await fail(`could not run the try: ${(err as Error).message}`, null, retryable);
      if (!(err instanceof ExecutorUnavailableError) || this.engine === undefined) return failed;
      // the engine is down: no retry spent (extraTry), no try taken until it answers, and the next
      // try of this one not queued before the next ping
      this.engine.noteUnavailable(err);
      const nextCheckAt = this.engine.nextCheckAt(new Date());
      return failed.tiState === 'up_for_retry' &&
        failed.nextRetryAt !== undefined &&
        failed.nextRetryAt < nextCheckAt
        ? { ...failed, nextRetryAt: nextCheckAt }
        : failed;
    }

    if (result.outcome === 'success') {
      // checked (size, JSON) now; pushed when the outcome is recorded, under the lease (record())
      let returnValueJson: string | undefined;
      if (result.returnValue !== undefined) {
        try {
          returnValueJson = this.o.xcom.serialize(t, result.returnValue);
        } catch (err) {
          if (err instanceof XComTooLargeError || err instanceof TypeError)
            return fail(err.message, result.exitCode);
          throw err;
        }
      }
      await note(
        `success in ${result.durationMs} ms${task.outlets.length > 0 ? `; asset events for ${task.outlets.join(', ')}` : ''}`,
      );
      return {
        tiState: 'success',
        tryState: 'success',
        exitCode: result.exitCode,
        durationMs: Date.now() - started,
        ...(task.outlets.length > 0 ? { recordAssetEvents: true } : {}),
        ...(returnValueJson === undefined ? {} : { returnValueJson }),
      };
    }
    const control = controlOutcome(result, t.taskId, new Date(), Date.now() - started);
    if (control !== undefined && 'retryableError' in control)
      return fail(control.retryableError, result.exitCode);
    if (control !== undefined) {
      await note(control.logLine);
      return control.outcome;
    }
    if (result.outcome === 'skipped') {
      await note('skipped (the task exited with the skip code)');
      return {
        tiState: 'skipped',
        tryState: 'skipped',
        exitCode: result.exitCode,
        durationMs: Date.now() - started,
      };
    }
    return fail(result.error ?? result.outcome, result.exitCode);
  }
}

/**
 * The run's folder relative to the data root: `runs/<dag_id>/<run_id>`.
 * @throws InvalidIdError when `dagId` or `runId` is not a valid id (it would name another folder)
 */
export function runDirOf(dagId: string, runId: string): string {
  assertTryIds({ dagId, runId });
  return path.posix.join('runs', dagId, runId);
}

export type { Dag, Task };
