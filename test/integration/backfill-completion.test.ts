/**
 * Whoever finishes a backfill's last run completes the backfill (issue 16, item 2): the demo stops
 * its scheduler once the runs are done, so a completion left to the next reconciling pass left the
 * backfill `running` with no completion time. Real Postgres and Redis; the scheduler is driven
 * step by step and never runs its reconciling pass.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { getBackfill } from '../../src/db/backfill-repository.js';
import { setTiStates } from '../../src/db/task-instance-repository.js';
import { createLogger } from '../../src/logging/logger.js';
import { TaskQueue } from '../../src/queue/task-queue.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { Scheduler } from '../../src/scheduler/scheduler.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const dag = defineDag({
  dagId: 'bf_done',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
});

describe('backfill completion (real Postgres and Redis)', () => {
  let h: TestOrchestrator;
  let queue: TaskQueue;
  let schedulers: Scheduler[];
  beforeAll(async () => {
    h = await createTestOrchestrator('bfdone', { dags: [dag] });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    queue = new TaskQueue(h.config.REDIS_URL, h.config.HEATFLOW_REDIS_PREFIX);
    const logger = createLogger({ level: 'warn', format: 'json' });
    schedulers = [1, 2].map(
      () => new Scheduler({ db: h.rt.db, queue, registry: h.rt.registry, logger, executorName: 'process' }),
    );
  }, 60_000);
  afterAll(async () => {
    await queue?.close();
    await h?.cleanup();
  });

  /** Starts a 2-day backfill's runs and records their only task as succeeded, as a worker would. */
  const twoRunsDone = async (from: string, to: string) => {
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: parseDagDate(from, 'UTC', false),
      to: parseDagDate(to, 'UTC', true),
    });
    const id = backfill?.id ?? '';
    const started = await schedulers[0]?.startQueuedRuns('bf_done');
    expect(started).toHaveLength(2);
    for (const [, runId] of started ?? [])
      await setTiStates(h.rt.db, 'bf_done', runId, ['only'], 'success', new Date());
    return { id, runIds: (started ?? []).map(([, r]) => r) };
  };

  it('the scheduler that finishes the last run completes the backfill, not before', async () => {
    const { id, runIds } = await twoRunsDone('2022-01-01', '2022-01-02');
    expect(await schedulers[0]?.scheduleRun('bf_done', runIds[0] ?? '')).toBe(true);
    expect((await getBackfill(h.rt.db, id))?.state).toBe('running');
    expect(await schedulers[0]?.scheduleRun('bf_done', runIds[1] ?? '')).toBe(true);
    const b = await getBackfill(h.rt.db, id);
    expect(b?.state).toBe('completed');
    expect(b?.completed_at).toBeInstanceOf(Date);
  }, 60_000);

  it('two schedulers finishing its two last runs at once: one of them completes it', async () => {
    const { id, runIds } = await twoRunsDone('2022-02-01', '2022-02-02');
    const [a, b] = await Promise.all(
      runIds.map((runId, i) => schedulers[i]?.scheduleRun('bf_done', runId) ?? Promise.resolve(false)),
    );
    expect([a, b]).toEqual([true, true]);
    expect((await getBackfill(h.rt.db, id))?.state).toBe('completed');
  }, 60_000);
});
