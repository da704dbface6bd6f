/**
 * What `heatflow info` reports: versions of heatflow, Node.js and each server it uses (Postgres,
 * Redis, the Docker engine when reachable), its paths and executor, connection strings with their
 * passwords masked. A server that does not answer is reported as such, not thrown.
 */
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { HeatflowConfig } from '../config/config.js';
import { maskUrlPassword } from '../config/mask-secret.js';
import { HEATFLOW_VERSION } from '../core/version.js';
import { createDb } from '../db/connection.js';
import { postgresServerVersion } from '../db/server-info.js';
import { resolveDockerEndpoint } from '../executors/docker-endpoint.js';

/** A server's version, or why it is not known. */
export type ServerVersion = { readonly version: string } | { readonly unreachable: string };

/** The report, grouped as Airflow's `info` groups it. */
export interface SystemInfo {
  readonly versions: {
    readonly heatflow: string;
    readonly node: string;
    readonly postgres: ServerVersion;
    readonly redis: ServerVersion;
    readonly docker: ServerVersion;
  };
  readonly paths: { readonly dags: string; readonly data: string; readonly logs: string };
  readonly executor: string;
  readonly connections: { readonly database: string; readonly redis: string; readonly docker: string };
}

const reason = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';

/** Rejects after `ms` (for a server that accepts the connection and never answers). */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

async function postgresVersion(url: string, timeoutMs: number): Promise<ServerVersion> {
  const db = createDb(url, { max: 1, applicationName: 'heatflow-info' });
  try {
    return { version: `PostgreSQL ${await within(timeoutMs, postgresServerVersion(db as Kysely<unknown>))}` };
  } catch (err) {
    return { unreachable: maskUrlPassword(reason(err)) };
  } finally {
    await db.destroy().catch(() => undefined);
  }
}

async function redisVersion(url: string, timeoutMs: number): Promise<ServerVersion> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs });
  redis.on('error', () => undefined);
  try {
    await within(timeoutMs, redis.connect());
    const text = await within(timeoutMs, redis.info('server'));
    const v = /^redis_version:(.+)$/m.exec(text)?.[1]?.trim();
    return { version: `Redis ${v ?? 'unknown'}` };
  } catch (err) {
    return { unreachable: reason(err) };
  } finally {
    redis.disconnect();
  }
}

async function dockerVersion(timeoutMs: number): Promise<ServerVersion> {
  try {
    const { default: Dockerode } = await import('dockerode');
    const v = await within(timeoutMs, new Dockerode(resolveDockerEndpoint().options).version());
    return { version: `Docker Engine ${v.Version} (API ${v.ApiVersion})` };
  } catch (err) {
    return { unreachable: reason(err) };
  }
}

/**
 * Collects the report; each server is asked at the same time, each within `timeoutMs`.
 * @param timeoutMs - per server; `@defaultValue 10_000`
 */
export async function collectSystemInfo(config: HeatflowConfig, timeoutMs = 10_000): Promise<SystemInfo> {
  const [postgres, redis, docker] = await Promise.all([
    postgresVersion(config.DATABASE_URL, timeoutMs),
    redisVersion(config.REDIS_URL, timeoutMs),
    dockerVersion(timeoutMs),
  ]);
  return {
    versions: { heatflow: HEATFLOW_VERSION, node: process.version, postgres, redis, docker },
    paths: { dags: config.HEATFLOW_DAGS_DIR, data: config.HEATFLOW_DATA_DIR, logs: config.HEATFLOW_LOG_DIR },
    executor: config.HEATFLOW_EXECUTOR,
    connections: {
      database: maskUrlPassword(config.DATABASE_URL),
      redis: maskUrlPassword(config.REDIS_URL),
      docker: maskUrlPassword(resolveDockerEndpoint().description),
    },
  };
}
