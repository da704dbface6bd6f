/**
 * Fault suite, issue 14: Redis restarted during a backfill, with its data (append-only file kept)
 * and without it (queues, XComs and liveness keys lost). A private redis-server on its own port
 * (the shared one is never restarted); scheduler and worker run as separate processes
 * (`test/helpers/fault-backfill.ts`). Postgres is the source of truth: tries whose jobs were lost
 * are re-enqueued once they have been queued for HEATFLOW_QUEUED_TIMEOUT_MS, and every run ends
 * `success` with exactly 24 rows a day, each task instance's tries numbered 1..n. The long variant
 * (`HEATFLOW_FAULTS_LONG=1`) keeps Redis down 10 s (instead of a bare restart) during a 30-day
 * backfill.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DAYS,
  expectCompleteAndExact,
  killChildren,
  longOr,
  startBackfill,
  successes,
  writeDag,
} from '../helpers/fault-backfill.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';
import { startPrivateRedis, type PrivateRedis } from '../helpers/private-redis.js';

let h: TestOrchestrator | undefined;
let redis: PrivateRedis | undefined;
let dagsDir: string | undefined;
afterEach(async () => {
  killChildren();
  await h?.cleanup().catch(() => undefined);
  h = undefined;
  await redis?.destroy();
  redis = undefined;
  if (dagsDir !== undefined) await rm(dagsDir, { recursive: true, force: true });
  dagsDir = undefined;
});

describe('Redis restarted during a backfill', () => {
  for (const keepData of [true, false]) {
    it(
      `${keepData ? 'with' : 'without'} its data: processes live, every run succeeds, rows exact`,
      async () => {
        redis = await startPrivateRedis();
        const r = redis;
        dagsDir = await writeDag(0.5);
        h = await createTestOrchestrator(keepData ? 'redis_keep' : 'redis_lost', {
          dagsDir,
          env: { REDIS_URL: r.url, HEATFLOW_LOG_LEVEL: 'error', HEATFLOW_QUEUED_TIMEOUT_MS: '3000' },
        });
        const t = h;
        const { scheduler, worker, backfillId } = await startBackfill(t);
        await waitFor(
          'a first run to succeed',
          async () => (((await successes(t, backfillId)) ?? 0) >= 1 ? true : undefined),
          60_000,
        );
        const before = (await successes(t, backfillId)) ?? 0;
        const downMs = longOr(0, 10_000);
        await r.restart({ keepData, downMs });
        const keys = await t.rt.redis.dbsize();
        const summary = await expectCompleteAndExact(t, backfillId, [scheduler, worker]);
        expect(before).toBeLessThan(DAYS);
        process.stdout.write(
          `redis restarted ${keepData ? 'with' : 'without'} its data after ${before} runs, ${downMs} ms down (${keys} keys right after); ${summary.text}\n`,
        );
      },
      longOr(150_000, 400_000),
    );
  }
});
