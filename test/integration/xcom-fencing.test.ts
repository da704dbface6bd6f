/**
 * A stale worker (issue 14, items 8 and 9): worker A runs try 1 but stops heartbeating (its
 * heartbeat period is far longer than the zombie threshold), the scheduler fails the try as a
 * zombie and queues try 2, worker B runs try 2 and succeeds; only then does A's child exit. A must
 * not replace try 2's XCom with its own value, and its log must not announce a retry it did not
 * record. Real Postgres, Redis, scheduler, workers and child processes; the order is forced by a
 * gate file, not by timing. And a push that fails inside the fence (the worker's Redis connection
 * closed) fails the try instead of leaving it running.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { ProcessExecutor } from '../../src/executors/process-executor.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { TaskWorker } from '../../src/worker/task-worker.js';
import { XComStore } from '../../src/xcom/xcom-store.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

/**
 * Try 1 waits for the gate file (argv[1]), then returns "stale" (mode `value`) or exits 3 (mode
 * `fail`); later tries return `{from: 'try N'}` at once.
 */
const SCRIPT = `
const fs = require('node:fs');
const [gate, mode] = process.argv.slice(1);
const n = process.env.HEATFLOW_TRY_NUMBER;
const done = () => {
  if (n === '1' && mode === 'fail') { console.error('try 1 fails late'); process.exit(3); }
  fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ from: n === '1' ? 'stale try 1' : 'try ' + n }));
};
const wait = () => (n !== '1' || fs.existsSync(gate) ? done() : setTimeout(wait, 25));
wait();
`;

describe('a stale worker after its try was failed as a zombie and retried elsewhere', () => {
  let h: TestOrchestrator;
  let stale: TaskWorker;
  let gate: string;
  const runId = makeRunId('backfill', new Date(Date.UTC(2022, 0, 1, 1)));
  const task = (taskId: string, mode: string) => ({
    taskId,
    command: ['node', '-e', SCRIPT, gate, mode],
    retries: 1,
    retryDelayMs: 0,
  });
  const tries = (taskId: string) =>
    h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['try_number', 'state', 'error', 'worker_id'])
      .where('task_id', '=', taskId)
      .orderBy('try_number')
      .execute();

  beforeAll(async () => {
    const tmp = await import('node:os').then((os) => os.tmpdir());
    gate = path.join(tmp, `hf-xcom-gate-${process.pid}-${Date.now()}`);
    const dag = defineDag({
      dagId: 'fence_dag',
      schedule: '0 1 * * *',
      startDate: '2022-01-01',
      timezone: 'UTC',
      isPausedUponCreation: true,
      tasks: [task('produce', 'value'), task('flaky', 'fail')],
    });
    h = await createTestOrchestrator('xfence', {
      dags: [dag],
      env: { HEATFLOW_ZOMBIE_THRESHOLD_MS: '1000' },
    });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    // worker A: heartbeats once a minute, so its tries turn zombies after 1 s
    stale = new TaskWorker({
      db: h.rt.db,
      redis: h.rt.redis,
      redisUrl: h.config.REDIS_URL,
      prefix: h.config.HEATFLOW_REDIS_PREFIX,
      registry: h.rt.registry,
      executor: new ProcessExecutor({ dataDir: h.config.HEATFLOW_DATA_DIR }),
      xcom: h.rt.xcom,
      logger: h.rt.logger,
      logDir: h.config.HEATFLOW_LOG_DIR,
      concurrency: 2,
      heartbeatMs: 60_000,
      workerId: 'stale-worker-a',
    });
    await stale.start();
    await h.startScheduler();
    const registered = await h.rt.registry.get('fence_dag');
    if (registered === undefined) throw new Error('fence_dag not registered');
    const { backfill } = await createBackfill(h.rt.deps, registered, {
      from: parseDagDate('2022-01-01', 'UTC', false),
      to: parseDagDate('2022-01-01', 'UTC', true),
    });
    await waitFor('worker A to run both first tries', async () => {
      const rows = await h.rt.db
        .selectFrom('heatflow.task_tries')
        .select('task_id')
        .where('try_number', '=', 1)
        .where('state', '=', 'running')
        .execute();
      return rows.length === 2 ? rows : undefined;
    });
    // worker B takes the second tries, once the scheduler has failed the first as zombies
    await h.startWorker({ concurrency: 2 });
    await waitFor(
      'both second tries to succeed and the run to finish',
      async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
        return c.success === 1 ? c : undefined;
      },
      30_000,
    );
    expect(await h.rt.xcom.pull({ dagId: 'fence_dag', runId: runId, taskId: 'produce' })).toEqual({
      from: 'try 2',
    });
    // now worker A's children exit: one returns a value, the other fails
    await writeFile(gate, '');
    await waitFor('worker A to finish its stale tries', () =>
      Promise.resolve(stale.activeTries === 0 ? true : undefined),
    );
  }, 90_000);
  afterAll(async () => {
    await stale?.stop(true);
    await h?.cleanup();
  });

  it("keeps try 2's XCom: the stale worker's value is not pushed", async () => {
    expect(await h.rt.xcom.list({ dagId: 'fence_dag', runId: runId, taskId: 'produce' })).toEqual([
      { key: 'return_value', value: { from: 'try 2' } },
    ]);
  });

  it('records the zombie failure and the second success, nothing from the stale worker', async () => {
    for (const taskId of ['produce', 'flaky']) {
      const rows = await tries(taskId);
      expect(rows.map((r) => [r.try_number, r.state, r.worker_id === 'stale-worker-a'])).toEqual([
        [1, 'failed', true],
        [2, 'success', false],
      ]);
      expect(rows[0]?.error).toMatch(/^zombie: no heartbeat from worker stale-worker-a/);
    }
  });

  it("the stale worker's log says what it saw and that nothing was recorded, not a next try", async () => {
    for (const [taskId, seen] of [
      ['produce', /\] success in \d+ ms\n/],
      ['flaky', /\] failed: exited with code 3/],
    ] as const) {
      const log = await readFile(
        tryLogPath(h.config.HEATFLOW_LOG_DIR, { dagId: 'fence_dag', runId, taskId, tryNumber: 1 }),
        'utf8',
      );
      expect(log).toMatch(seen);
      expect(log).toContain('outcome not recorded');
      expect(log).toContain('this worker no longer holds the try');
      expect(log).not.toContain('next try at');
    }
  });
});

describe('a push that fails inside the fence', () => {
  it('records the try as failed with the Redis error, and stores nothing', async () => {
    const dag = defineDag({
      dagId: 'push_dag',
      schedule: '0 1 * * *',
      startDate: '2022-01-01',
      timezone: 'UTC',
      isPausedUponCreation: true,
      tasks: [{ taskId: 'produce', command: ['node', '-e', SCRIPT, '/', 'value'], retries: 0 }],
    });
    const h = await createTestOrchestrator('xpush', { dags: [dag] });
    // the worker's XCom store talks to a Redis connection that is closed: every push fails
    const closed = new Redis(h.config.REDIS_URL, { maxRetriesPerRequest: 0 });
    await closed.quit();
    try {
      await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
      const worker = new TaskWorker({
        db: h.rt.db,
        redis: h.rt.redis,
        redisUrl: h.config.REDIS_URL,
        prefix: h.config.HEATFLOW_REDIS_PREFIX,
        registry: h.rt.registry,
        executor: new ProcessExecutor({ dataDir: h.config.HEATFLOW_DATA_DIR }),
        xcom: new XComStore(closed, { prefix: h.config.HEATFLOW_REDIS_PREFIX }),
        logger: h.rt.logger,
        logDir: h.config.HEATFLOW_LOG_DIR,
        heartbeatMs: 300,
      });
      await worker.start();
      await h.startScheduler();
      const registered = await h.rt.registry.get('push_dag');
      if (registered === undefined) throw new Error('push_dag not registered');
      const { backfill } = await createBackfill(h.rt.deps, registered, {
        from: parseDagDate('2022-01-01', 'UTC', false),
        to: parseDagDate('2022-01-01', 'UTC', true),
      });
      await waitFor('the run to fail', async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
        return c.failed === 1 ? c : undefined;
      });
      await worker.stop(true);
      const rows = await h.rt.db.selectFrom('heatflow.task_tries').select(['state', 'error']).execute();
      expect(rows.map((r) => r.state)).toEqual(['failed']);
      expect(rows[0]?.error).toMatch(/^worker .* failed while running the try: .*(closed|Connection)/i);
      const runId = makeRunId('backfill', new Date(Date.UTC(2022, 0, 1, 1)));
      expect(await h.rt.xcom.list({ dagId: 'push_dag', runId, taskId: 'produce' })).toEqual([]);
    } finally {
      await h.cleanup();
    }
  }, 60_000);
});
