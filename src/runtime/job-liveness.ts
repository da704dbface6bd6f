/**
 * Which schedulers and workers are alive, from the Redis keys their heartbeats refresh (each with
 * an expiry, so a dead process's key goes away): `<prefix>:worker:<hostname>-<pid>-<hex>` (the
 * worker's liveness key) and `<prefix>:scheduler:<hostname>-<pid>` (the scheduler's). What
 * `heatflow jobs check` reads, as Airflow's `jobs check` reads its job table.
 */
import type { Redis } from 'ioredis';
import { globEscape } from './redis-prefix-keys.js';

/** The kinds of job with a heartbeat. */
export type JobType =
  /** a scheduling loop (`heatflow scheduler`, `standalone`, `backfill --local`) */
  | 'scheduler'
  /** a task worker (`heatflow worker`, …) */
  | 'worker';

/** The job types, for validating an option. */
export const JOB_TYPES: readonly JobType[] = ['scheduler', 'worker'];

/** A job whose heartbeat key exists. */
export interface AliveJob {
  readonly jobType: JobType;
  /** `<hostname>-<pid>[-<hex>]` */
  readonly id: string;
  /** when it last beat */
  readonly latestHeartbeatAt: Date;
}

/** The Redis key a scheduler's heartbeat refreshes. */
export function schedulerLivenessKey(prefix: string, id: string): string {
  return `${prefix}:scheduler:${id}`;
}

/** Which jobs {@link findAliveJobs} looks for. */
export interface AliveJobFilter {
  /** only this type; both when absent */
  readonly jobType?: JobType;
  /** only jobs of this host (ids start with `<hostname>-`) */
  readonly hostname?: string;
  /** at most this many; `@defaultValue` all */
  readonly limit?: number;
}

/** The alive jobs, newest heartbeat first. */
export async function findAliveJobs(
  redis: Redis,
  prefix: string,
  f: AliveJobFilter = {},
): Promise<AliveJob[]> {
  const found: AliveJob[] = [];
  for (const jobType of f.jobType === undefined ? JOB_TYPES : [f.jobType]) {
    const base = `${prefix}:${jobType}:`;
    const pattern = `${globEscape(base)}${f.hostname === undefined ? '' : `${globEscape(f.hostname)}-`}*`;
    let cursor = '0';
    const keys: string[] = [];
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) continue;
    const beats = await redis.mget(keys);
    keys.forEach((key, i) => {
      const beat = Number(beats[i]);
      if (beats[i] === null || beats[i] === undefined || !Number.isFinite(beat)) return; // expired meanwhile
      found.push({ jobType, id: key.slice(base.length), latestHeartbeatAt: new Date(beat) });
    });
  }
  found.sort((a, b) => b.latestHeartbeatAt.getTime() - a.latestHeartbeatAt.getTime());
  return f.limit === undefined ? found : found.slice(0, f.limit);
}
