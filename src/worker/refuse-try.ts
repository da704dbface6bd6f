/**
 * The worker's answer to a try whose ids cannot name a folder (a run recorded before ids were
 * checked, issue 14): no log, no run folder, no command. The try is claimed and failed at once,
 * without retries (they could not heal), with an error naming the id.
 */
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { InvalidIdError, PathEscapeError } from '../core/errors.js';
import type { Database } from '../db/database.js';
import { claimTry, finishTry, type QueuedTry } from '../db/task-instance-repository.js';
import { publishEvent } from '../queue/events.js';

/** What {@link refuseTry} writes to. */
export interface RefuseTryDeps {
  readonly db: Kysely<Database>;
  readonly redis: Redis;
  /** Redis key prefix (HEATFLOW_REDIS_PREFIX) */
  readonly prefix: string;
  readonly logger: Logger;
}

/**
 * Claims the try (lease-fenced, with an empty log path) and records it failed with
 * `refused: <the id error>`, then wakes the schedulers.
 * @returns `'dropped'` when the try was no longer queued under this lease, else `'failed'`
 */
export async function refuseTry(
  d: RefuseTryDeps,
  t: QueuedTry,
  err: InvalidIdError | PathEscapeError,
  workerId: string,
): Promise<'dropped' | 'failed'> {
  const now = new Date();
  const ti = await claimTry(d.db, t, { workerId, hostname: os.hostname(), logPath: '' }, now);
  if (ti === undefined) return 'dropped';
  const error = `refused: ${err.message}`;
  d.logger.error({ ...t }, error);
  await finishTry(
    d.db,
    t,
    { tiState: 'failed', tryState: 'failed', exitCode: null, error, durationMs: 0 },
    now,
  );
  await publishEvent(d.redis, d.prefix, {
    kind: 'ti_finished',
    dagId: t.dagId,
    runId: t.runId,
    taskId: t.taskId,
  });
  return 'failed';
}
