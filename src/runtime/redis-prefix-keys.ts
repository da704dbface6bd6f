/**
 * Every Redis key of one deployment: `<HEATFLOW_REDIS_PREFIX>:*` (XComs, the BullMQ queue, job
 * liveness, the scheduler's locks). `heatflow db reset` clears them with the database, so a
 * re-created run never reads an XCom a deleted run left behind.
 */
import type { Redis } from 'ioredis';

/** A glob pattern matching `s` literally (Redis SCAN MATCH syntax). */
export const globEscape = (s: string): string => s.replace(/[*?[\]\\]/g, '\\$&');

/**
 * Deletes every key under `<prefix>:` (SCAN + UNLINK in batches of 500; other prefixes untouched).
 * @returns how many keys were deleted
 * @throws Error from ioredis when Redis does not answer
 */
export async function deletePrefixedKeys(redis: Redis, prefix: string): Promise<number> {
  const pattern = `${globEscape(`${prefix}:`)}*`;
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
    cursor = next;
    if (batch.length > 0) deleted += await redis.unlink(...batch);
  } while (cursor !== '0');
  return deleted;
}
