/**
 * Wires the services from the configuration: database, Redis, queue, XCom store, DAG registry,
 * executor, scheduler and worker. The CLI and the tests build on it; nothing here parses
 * arguments or prints.
 */
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { HeatflowConfig } from '../config/config.js';
import { createDb, ensureDatabase } from '../db/connection.js';
import type { Database } from '../db/database.js';
import { migrateToLatest } from '../db/migrator.js';
import { DagRegistry } from '../dag-processing/dag-registry.js';
import type { Executor } from '../executors/executor.js';
import { ProcessExecutor } from '../executors/process-executor.js';
import { subscribeEvents } from '../queue/events.js';
import { TaskQueue } from '../queue/task-queue.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { schedulerLivenessKey } from './job-liveness.js';
import type { ServiceDeps } from '../scheduler/dag-run-service.js';
import { TaskWorker } from '../worker/task-worker.js';
import { XComStore } from '../xcom/xcom-store.js';
import { warnNoFernetKeyOnce } from '../secrets/no-key-warning.js';
import { secretStores } from '../secrets/secret-stores.js';

/** The shared connections of one process. */
export interface Runtime {
  readonly config: HeatflowConfig;
  readonly logger: Logger;
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  readonly xcom: XComStore;
  readonly registry: DagRegistry;
  /** what the services in `scheduler/dag-run-service.ts` need */
  readonly deps: ServiceDeps;
  /** closes everything this runtime opened (not schedulers or workers: stop those first) */
  close(): Promise<void>;
}

/** Options of {@link openRuntime}. */
export interface OpenRuntimeOptions {
  /** run `db migrate` first (creating the database when missing); `@defaultValue false` */
  migrate?: boolean;
  /** pool size; `@defaultValue 10` */
  dbPoolSize?: number;
}

/**
 * Opens the database and Redis connections.
 * @throws Error from pg or ioredis when a server does not answer (the message names the address)
 */
export async function openRuntime(
  config: HeatflowConfig,
  logger: Logger,
  options: OpenRuntimeOptions = {},
): Promise<Runtime> {
  const postgresError = (err: unknown) =>
    new Error(
      `cannot use Postgres at ${redactUrl(config.DATABASE_URL)} (DATABASE_URL): ${(err as Error).message}`,
      { cause: err },
    );
  if (options.migrate === true) {
    try {
      await ensureDatabase(config.DATABASE_URL);
    } catch (err) {
      throw postgresError(err);
    }
  }
  const db = createDb(config.DATABASE_URL, {
    max: options.dbPoolSize ?? 10,
    // the statement on a lost connection fails and its pass or try is retried; log, don't crash
    onIdleError: (err) => logger.warn({ err: err.message }, 'Postgres connection lost; reconnecting'),
  });
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: true });
  // Without a listener ioredis prints "Unhandled error event" with a stack trace; connection errors
  // surface as the rejected connect() below, and later ones are retried by ioredis.
  redis.on('error', (err: Error) => logger.debug({ err }, 'redis connection error'));
  try {
    await redis.connect();
  } catch (err) {
    await db.destroy();
    redis.disconnect();
    throw new Error(
      `cannot reach Redis at ${redactUrl(config.REDIS_URL)} (REDIS_URL): ${(err as Error).message}`,
      { cause: err },
    );
  }
  try {
    if (options.migrate === true) await migrateToLatest(db as Kysely<unknown>);
    else await db.selectNoFrom((eb) => eb.val(1).as('one')).execute();
  } catch (err) {
    await db.destroy();
    redis.disconnect();
    throw postgresError(err);
  }
  const xcom = new XComStore(redis, {
    prefix: config.HEATFLOW_REDIS_PREFIX,
    maxBytes: config.HEATFLOW_XCOM_MAX_BYTES,
    ttlSeconds: config.HEATFLOW_XCOM_TTL_S,
  });
  const registry = new DagRegistry(config.HEATFLOW_DAGS_DIR);
  return {
    config,
    logger,
    db,
    redis,
    xcom,
    registry,
    deps: { db, redis, prefix: config.HEATFLOW_REDIS_PREFIX, xcom },
    async close() {
      await db.destroy();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

/** Hides the password of a connection string. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable URL)';
  }
}

/** Creates the configured executor. The Docker executor is loaded only when chosen. */
export async function createExecutor(config: HeatflowConfig, workerId?: string): Promise<Executor> {
  await mkdir(config.HEATFLOW_DATA_DIR, { recursive: true });
  if (config.HEATFLOW_EXECUTOR === 'docker') {
    const { DockerExecutor } = await import('../executors/docker-executor.js');
    return DockerExecutor.fromConfig(config, workerId === undefined ? {} : { workerId });
  }
  return new ProcessExecutor({ dataDir: config.HEATFLOW_DATA_DIR });
}

/** A running scheduler and its event subscription. */
export interface RunningScheduler {
  readonly scheduler: Scheduler;
  stop(): Promise<void>;
}

/** Starts a scheduler that also listens to completion events. */
export async function startScheduler(
  rt: Runtime,
  options: { executorName?: string } = {},
): Promise<RunningScheduler> {
  const c = rt.config;
  const queue = new TaskQueue(c.REDIS_URL, c.HEATFLOW_REDIS_PREFIX);
  await rt.registry.refresh();
  if (!secretStores(rt.db, c).cipher.enabled) warnNoFernetKeyOnce(rt.logger);
  const scheduler = new Scheduler({
    db: rt.db,
    queue,
    registry: rt.registry,
    logger: rt.logger.child({ component: 'scheduler' }),
    executorName: options.executorName ?? c.HEATFLOW_EXECUTOR,
    intervalMs: c.HEATFLOW_SCHEDULER_INTERVAL_MS,
    zombieThresholdMs: c.HEATFLOW_ZOMBIE_THRESHOLD_MS,
    queuedTimeoutMs: c.HEATFLOW_QUEUED_TIMEOUT_MS,
    xcom: rt.xcom,
  });
  const sub = new Redis(c.REDIS_URL, { maxRetriesPerRequest: null });
  sub.on('error', (err: Error) => rt.logger.warn({ err }, 'redis subscriber connection error'));
  const unsubscribe = await subscribeEvents(sub, c.HEATFLOW_REDIS_PREFIX, (e) => {
    if (e.kind === 'ti_finished' && e.runId !== undefined) scheduler.notifyRun(e.dagId, e.runId);
    else scheduler.notifyAll();
  });
  // one key for /api/v1/health, one per scheduler for `heatflow jobs check` (job-liveness.ts)
  const ownKey = schedulerLivenessKey(c.HEATFLOW_REDIS_PREFIX, `${os.hostname()}-${process.pid}`);
  const beatOnce = async () => {
    const now = String(Date.now());
    await rt.redis.set(`${c.HEATFLOW_REDIS_PREFIX}:scheduler-heartbeat`, now, 'PX', 30_000);
    await rt.redis.set(ownKey, now, 'PX', 30_000);
  };
  const beat = setInterval(() => void beatOnce().catch(() => undefined), 5000);
  await beatOnce();
  scheduler.start();
  return {
    scheduler,
    async stop() {
      clearInterval(beat);
      await rt.redis.del(ownKey).catch(() => undefined);
      await scheduler.stop();
      await unsubscribe().catch(() => undefined);
      sub.disconnect();
      await queue.close();
    },
  };
}

/** Starts a worker with the configured (or given) executor. */
export async function startWorker(
  rt: Runtime,
  options: { executor?: Executor; concurrency?: number } = {},
): Promise<TaskWorker> {
  const worker = await createWorker(rt, options);
  await worker.start();
  return worker;
}

/**
 * A worker with the configured (or given) executor, not started: `start()` it to take jobs from
 * the queue, or hand it one try with `runQueuedTry` (`heatflow tasks run`).
 */
export async function createWorker(
  rt: Runtime,
  options: { executor?: Executor; concurrency?: number } = {},
): Promise<TaskWorker> {
  const c = rt.config;
  const workerId = `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const executor = options.executor ?? (await createExecutor(c, workerId));
  await rt.registry.refresh();
  const secrets = secretStores(rt.db, c);
  if (!secrets.cipher.enabled) warnNoFernetKeyOnce(rt.logger);
  const worker = new TaskWorker({
    db: rt.db,
    redis: rt.redis,
    redisUrl: c.REDIS_URL,
    prefix: c.HEATFLOW_REDIS_PREFIX,
    registry: rt.registry,
    executor,
    xcom: rt.xcom,
    logger: rt.logger.child({ component: 'worker' }),
    logDir: c.HEATFLOW_LOG_DIR,
    concurrency: options.concurrency ?? c.HEATFLOW_WORKER_CONCURRENCY,
    heartbeatMs: c.HEATFLOW_HEARTBEAT_MS,
    workerId,
    secrets,
  });
  return worker;
}
