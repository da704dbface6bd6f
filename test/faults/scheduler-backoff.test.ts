/**
 * Fault suite, issue 14 item 1: a scheduler whose database is unreachable keeps its loop alive,
 * logs each failed pass and backs off (doubling from the interval, at most 10 s), and recovers
 * by itself once the database answers. Real components: the scheduler starts against a free port
 * where nothing listens yet; a private Postgres cluster is then started on that very port and
 * migrated, and the scheduler creates the DAG's runs without being restarted.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { DagRegistry } from '../../src/dag-processing/dag-registry.js';
import { createDb } from '../../src/db/connection.js';
import { migrateToLatest } from '../../src/db/migrator.js';
import { TaskQueue } from '../../src/queue/task-queue.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { freePort } from '../helpers/fault-backfill.js';
import { waitFor } from '../helpers/orchestrator.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';
import type { Kysely } from 'kysely';

let cluster: PrivatePostgres | undefined;
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
  await cluster?.destroy();
  cluster = undefined;
});

describe('scheduler loop with its database gone', () => {
  it('logs each failed pass, backs off doubling, and schedules once the database answers', async () => {
    const port = await freePort();
    const lines: { msg?: string; waitMs?: number; failedPasses?: number }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk
          .toString()
          .split('\n')
          .filter((x) => x !== ''))
          lines.push(JSON.parse(l) as { msg?: string; waitMs?: number });
        done();
      },
    });
    const logger = pino({ level: 'warn' }, sink);
    const dbUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
    const db = createDb(dbUrl, { max: 2 });
    closers.push(() => db.destroy());
    const queue = new TaskQueue(
      process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
      `hftest-backoff-${randomBytes(4).toString('hex')}`,
    );
    closers.push(() => queue.close());
    const dag = defineDag({
      dagId: 'backoff_dag',
      schedule: '@daily',
      startDate: '2022-01-01',
      endDate: '2022-01-03',
      tasks: [{ taskId: 't', command: ['node', '-e', '0'] }],
    });
    const scheduler = new Scheduler({
      db,
      queue,
      registry: DagRegistry.fromDags([dag]),
      logger,
      executorName: 'process',
      intervalMs: 100,
      dagSyncMs: 0,
    });
    scheduler.start();
    closers.push(() => scheduler.stop());
    // nothing listens on the port: passes fail, the loop lives and waits longer each time
    const failed = await waitFor(
      'four failed passes',
      () => {
        const f = lines.filter((l) => l.msg === 'scheduler pass failed; retrying after a wait');
        return Promise.resolve(f.length >= 4 ? f : undefined);
      },
      20_000,
    );
    expect(failed.slice(0, 4).map((l) => l.waitMs)).toEqual([100, 200, 400, 800]);
    expect(scheduler.state).toBe('RUNNING');
    // the database comes up on that port: the next pass succeeds and creates the DAG's 3 runs
    cluster = await startPrivatePostgres({ port });
    await migrateToLatest(db as Kysely<unknown>);
    const runs = await waitFor(
      'the scheduled runs',
      async () => {
        const r = await db
          .selectFrom('heatflow.dag_runs')
          .select('run_id')
          .execute()
          .catch(() => []);
        return r.length === 3 ? r : undefined;
      },
      30_000,
    );
    expect(runs.map((r) => r.run_id).sort()).toEqual([
      'scheduled__2022-01-01T00:00:00+00:00',
      'scheduled__2022-01-02T00:00:00+00:00',
      'scheduled__2022-01-03T00:00:00+00:00',
    ]);
  }, 60_000);
});
