/**
 * An isolated orchestrator for integration tests: its own database, Redis key prefix, data and log
 * folders; real Postgres and Redis.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig, type HeatflowConfig } from '../../src/config/config.js';
import type { Dag } from '../../src/core/types.js';
import { DagRegistry } from '../../src/dag-processing/dag-registry.js';
import { createLogger } from '../../src/logging/logger.js';
import {
  openRuntime,
  startScheduler,
  startWorker,
  type RunningScheduler,
  type Runtime,
} from '../../src/runtime/runtime.js';
import type { TaskWorker } from '../../src/worker/task-worker.js';
import type { Executor } from '../../src/executors/executor.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export interface TestOrchestrator {
  readonly config: HeatflowConfig;
  readonly rt: Runtime;
  readonly database: TestDatabase;
  /** environment for child processes (CLI scheduler/worker) pointing at the same isolation */
  readonly env: NodeJS.ProcessEnv;
  startScheduler(): Promise<RunningScheduler>;
  startWorker(options?: { executor?: Executor; concurrency?: number }): Promise<TaskWorker>;
  cleanup(): Promise<void>;
}

/** Creates an isolated orchestrator. `dags`: fixed DAGs; or `dagsDir` to parse a folder. */
export async function createTestOrchestrator(
  tag: string,
  o: {
    dags?: readonly Dag[];
    dagsDir?: string;
    env?: Record<string, string>;
    /** the Postgres server to create the database on; `@defaultValue` the shared test server */
    serverUrl?: string;
  } = {},
): Promise<TestOrchestrator> {
  const database = await createTestDatabase(tag, o.serverUrl);
  const tmp = await mkdtemp(path.join(os.tmpdir(), `hf-${tag}-`));
  const env: Record<string, string> = {
    DATABASE_URL: database.url,
    REDIS_URL: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    HEATFLOW_REDIS_PREFIX: `hftest-${tag}-${randomBytes(4).toString('hex')}`,
    HEATFLOW_DATA_DIR: path.join(tmp, 'data'),
    HEATFLOW_LOG_DIR: path.join(tmp, 'logs'),
    HEATFLOW_DAGS_DIR: o.dagsDir ?? path.join(tmp, 'dags'),
    HEATFLOW_SCHEDULER_INTERVAL_MS: '200',
    HEATFLOW_HEARTBEAT_MS: '300',
    HEATFLOW_ZOMBIE_THRESHOLD_MS: '10000',
    HEATFLOW_QUEUED_TIMEOUT_MS: '5000',
    HEATFLOW_LOG_LEVEL: process.env.HEATFLOW_TEST_LOG_LEVEL ?? 'warn',
    HEATFLOW_LOG_FORMAT: 'json',
    ...o.env,
  };
  const config = loadConfig(env);
  const logger = createLogger({ level: config.HEATFLOW_LOG_LEVEL, format: 'json' });
  const rt0 = await openRuntime(config, logger, { dbPoolSize: 20 });
  const rt: Runtime = o.dags === undefined ? rt0 : { ...rt0, registry: DagRegistry.fromDags(o.dags) };
  const started: { stop(): Promise<void> }[] = [];
  return {
    config,
    rt,
    database,
    env: { ...process.env, ...env },
    async startScheduler() {
      const s = await startScheduler(rt);
      started.push(s);
      return s;
    },
    async startWorker(wo = {}) {
      const w = await startWorker(rt, wo);
      started.push({ stop: () => w.stop(true) });
      return w;
    },
    async cleanup() {
      for (const s of started.reverse()) await s.stop().catch(() => undefined);
      const keys = await rt.redis.keys(`${env.HEATFLOW_REDIS_PREFIX}:*`);
      if (keys.length > 0) await rt.redis.del(...keys);
      await rt.close();
      await database.drop();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}

/** Polls `fn` until it returns a non-undefined value or the timeout passes. */
export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
