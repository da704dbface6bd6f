/**
 * Orchestration benchmarks (issue 2), on real Postgres and Redis:
 *  1. latency from an upstream task's success being recorded to its downstream task running
 *     (p50, p95), process executor, chains of no-op tasks;
 *  2. throughput in task instances per second for a backfill of a wide DAG with an in-process
 *     no-op executor.
 * Run: `npm run build && npx tsx bench/orchestration.ts` (prints its figures).
 */
import { defineDag } from '../src/core/define-dag.js';
import { parseDagDate } from '../src/core/timetable.js';
import type { Executor, ExecutionRequest, ExecutionResult } from '../src/executors/executor.js';
import { countRunsByState } from '../src/db/dag-run-repository.js';
import { createBackfill } from '../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor } from '../test/helpers/orchestrator.js';

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

class NoopExecutor implements Executor {
  readonly name = 'noop';
  execute(_req: ExecutionRequest): Promise<ExecutionResult> {
    return Promise.resolve({ outcome: 'success', exitCode: 0, durationMs: 0 });
  }
  reapOrphans() {
    return Promise.resolve([]);
  }
  close() {
    return Promise.resolve();
  }
}

async function latency(): Promise<void> {
  const chain = 6;
  const days = 10;
  const dag = defineDag({
    dagId: 'bench_chain',
    schedule: '@daily',
    startDate: '2022-01-01',
    isPausedUponCreation: true, // only the backfill's runs: no catchup runs competing
    maxActiveRuns: 1,
    tasks: Array.from({ length: chain }, (_, i) => ({
      taskId: `t${i}`,
      command: ['node', '-e', ''],
      ...(i === 0 ? {} : { upstream: [`t${i - 1}`] }),
    })),
  });
  const h = await createTestOrchestrator('benchlat', {
    dags: [dag],
    env: { HEATFLOW_SCHEDULER_INTERVAL_MS: '1000' },
  });
  try {
    await h.startScheduler();
    await h.startWorker({ concurrency: 2 });
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: parseDagDate('2022-01-01', 'UTC', false),
      to: parseDagDate(`2022-01-${String(days).padStart(2, '0')}`, 'UTC', true),
      maxActiveRuns: 1,
    });
    await waitFor(
      'latency backfill',
      async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
        return (c.success ?? 0) + (c.failed ?? 0) === days ? c : undefined;
      },
      300_000,
    );
    const tis = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .select(['run_id', 'task_id', 'start_date', 'end_date'])
      .execute();
    const by = new Map(tis.map((t) => [`${t.run_id}/${t.task_id}`, t]));
    const gaps: number[] = [];
    for (const t of tis) {
      const i = Number(t.task_id.slice(1));
      if (i === 0) continue;
      const up = by.get(`${t.run_id}/t${i - 1}`);
      if (up?.end_date && t.start_date) gaps.push(t.start_date.getTime() - up.end_date.getTime());
    }
    console.log(
      `latency upstream success recorded -> downstream running (process executor, ${gaps.length} edges): ` +
        `p50 ${pct(gaps, 50)} ms, p95 ${pct(gaps, 95)} ms, max ${Math.max(...gaps)} ms (targets: p50 < 20, p95 < 100)`,
    );
  } finally {
    await h.cleanup();
  }
}

async function throughput(): Promise<void> {
  const width = 50;
  const days = 40;
  const dag = defineDag({
    dagId: 'bench_wide',
    schedule: '@daily',
    startDate: '2022-01-01',
    isPausedUponCreation: true, // only the backfill's runs: no catchup runs competing
    maxActiveRuns: 8,
    maxActiveTasks: 512,
    tasks: [
      { taskId: 'start', command: ['true'] },
      ...Array.from({ length: width }, (_, i) => ({
        taskId: `w${i}`,
        command: ['true'],
        upstream: ['start'],
      })),
      { taskId: 'end', command: ['true'], upstream: Array.from({ length: width }, (_, i) => `w${i}`) },
    ],
  });
  const h = await createTestOrchestrator('benchtp', {
    dags: [dag],
    env: { HEATFLOW_SCHEDULER_INTERVAL_MS: '1000' },
  });
  try {
    await h.rt.db
      .updateTable('heatflow.pools')
      .set({ slots: 1024 })
      .where('pool', '=', 'default_pool')
      .execute();
    await h.startScheduler();
    await h.startWorker({ executor: new NoopExecutor(), concurrency: 64 });
    const t0 = Date.now();
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: parseDagDate('2022-01-01', 'UTC', false),
      to: parseDagDate(`2022-02-${String(days - 31).padStart(2, '0')}`, 'UTC', true),
      maxActiveRuns: 8,
    });
    await waitFor(
      'throughput backfill',
      async () => {
        const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
        return (c.success ?? 0) + (c.failed ?? 0) === days ? c : undefined;
      },
      600_000,
      50,
    );
    const ms = Date.now() - t0;
    const n = days * (width + 2);
    console.log(
      `throughput: ${n} task instances in ${(ms / 1000).toFixed(2)} s = ${(n / (ms / 1000)).toFixed(0)} TI/s (in-process no-op executor, ${days} runs x ${width + 2} tasks; target >= 500)`,
    );
  } finally {
    await h.cleanup();
  }
}

// BENCH_ONLY=latency|throughput runs one of the two.
if (process.env.BENCH_ONLY !== 'throughput') await latency();
if (process.env.BENCH_ONLY !== 'latency') await throughput();
process.exit(0);
