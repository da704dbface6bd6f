/**
 * Failure handling on real Postgres and Redis: retries with backoff, upstream_failed, all_done,
 * XCom size cap, a try the worker itself cannot carry through, and a scheduler killed/restarted,
 * two schedulers at once, a worker SIGKILLed mid-try (those three as separate `heatflow` processes).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const step = (mode = 'ok') => ['node', STEP, mode];
const CLI = path.resolve('dist/src/cli/main.js');

let h: TestOrchestrator | undefined;
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await h?.cleanup();
  h = undefined;
});

async function finished(t: TestOrchestrator, backfillId: string, n: number, timeoutMs = 120_000) {
  return waitFor(
    `${n} runs to finish`,
    async () => {
      const c = await countRunsByState(t.rt.db, { backfillId });
      return (c.success ?? 0) + (c.failed ?? 0) === n ? c : undefined;
    },
    timeoutMs,
  );
}

const day = (d: string, end = false) => parseDagDate(d, 'UTC', end);

describe('retries, trigger rules and XCom limits', () => {
  it('a failing task retries with backoff then fails; downstream upstream_failed; all_done still runs', async () => {
    const dag = defineDag({
      dagId: 'failing',
      schedule: '@daily',
      startDate: '2022-01-01',
      isPausedUponCreation: true,
      defaultArgs: { retries: 2, retryDelayMs: 1000, retryExponentialBackoff: true },
      tasks: [
        { taskId: 'extract', command: step() },
        { taskId: 'flaky', command: step('fail'), upstream: ['extract'] },
        { taskId: 'load', command: step(), upstream: ['flaky'] },
        { taskId: 'report', command: step(), upstream: ['load'] },
        { taskId: 'cleanup', command: step(), upstream: ['flaky'], triggerRule: 'all_done' },
      ],
    });
    h = await createTestOrchestrator('fail', { dags: [dag] });
    await h.startScheduler();
    await h.startWorker();
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: day('2022-01-01'),
      to: day('2022-01-01', true),
    });
    expect(await finished(h, backfill?.id ?? '', 1)).toEqual({ failed: 1 });
    const tis = new Map(
      (await h.rt.db.selectFrom('heatflow.task_instances').selectAll().execute()).map((t) => [t.task_id, t]),
    );
    expect(tis.get('flaky')?.state).toBe('failed');
    expect(tis.get('flaky')?.try_number).toBe(3);
    expect(tis.get('load')?.state).toBe('upstream_failed');
    expect(tis.get('report')?.state).toBe('upstream_failed');
    expect(tis.get('cleanup')?.state).toBe('success');
    const tries = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .selectAll()
      .where('task_id', '=', 'flaky')
      .orderBy('try_number')
      .execute();
    expect(tries.map((t) => [t.state, t.exit_code])).toEqual([
      ['failed', 3],
      ['failed', 3],
      ['failed', 3],
    ]);
    // exponential backoff: the gap before try 3 is longer than before try 2
    const gap = (a: number, b: number) =>
      (tries[b]?.start_date?.getTime() ?? 0) - (tries[a]?.end_date?.getTime() ?? 0);
    // Airflow rounds the backoff to whole seconds: 1 s before try 2, at least 2 s before try 3
    expect(gap(0, 1)).toBeGreaterThanOrEqual(900);
    expect(gap(1, 2)).toBeGreaterThanOrEqual(1900);
    expect(gap(1, 2)).toBeGreaterThan(gap(0, 1));
    const log = await readFile(
      path.join(
        h.config.HEATFLOW_LOG_DIR,
        'dag_id=failing',
        `run_id=${tries[0]?.run_id}`,
        'task_id=flaky',
        'attempt=1.log',
      ),
      'utf8',
    );
    expect(log).toContain('fails on purpose');
    expect(log).toMatch(/failed: exited with code 3/);
  }, 120_000);

  it('a try the worker cannot carry through (its log folder is a file) is failed at once with the reason, then retried', async () => {
    const dag = defineDag({
      dagId: 'no_log_dir',
      schedule: '@daily',
      startDate: '2022-01-01',
      isPausedUponCreation: true,
      defaultArgs: { retries: 1, retryDelayMs: 100 },
      tasks: [{ taskId: 'only', command: step() }],
    });
    const os = await import('node:os');
    const blocker = path.join(os.tmpdir(), `hf-not-a-dir-${process.pid}-${Date.now()}`);
    await writeFile(blocker, 'a file where the log folder should be');
    // the zombie threshold is far beyond the test's wait: only the worker's own record can fail it
    h = await createTestOrchestrator('nolog', {
      dags: [dag],
      env: { HEATFLOW_LOG_DIR: path.join(blocker, 'logs'), HEATFLOW_ZOMBIE_THRESHOLD_MS: '600000' },
    });
    await h.startScheduler();
    await h.startWorker();
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: day('2022-01-01'),
      to: day('2022-01-01', true),
    });
    expect(await finished(h, backfill?.id ?? '', 1, 30_000)).toEqual({ failed: 1 });
    const tries = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['try_number', 'state', 'error'])
      .orderBy('try_number')
      .execute();
    expect(tries.map((x) => [x.try_number, x.state])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
    ]);
    for (const x of tries) {
      expect(x.error).toMatch(/^worker \S+ failed while running the try: ENOTDIR/);
      expect(x.error).toContain(blocker);
    }
  }, 60_000);

  it('passes an XCom downstream and rejects an oversized one naming the task and size', async () => {
    const dag = defineDag({
      dagId: 'xcoms',
      schedule: '@daily',
      startDate: '2022-01-01',
      isPausedUponCreation: true,
      tasks: [
        { taskId: 'small', command: step('xcom:100') },
        { taskId: 'reader', command: step('echo-upstream'), upstream: ['small'] },
        { taskId: 'huge', command: step('xcom:60000') },
        // over 4 x the cap: refused before the file is read
        { taskId: 'giant', command: step('xcom:300000') },
      ],
    });
    h = await createTestOrchestrator('xcom', { dags: [dag] });
    await h.startScheduler();
    await h.startWorker();
    const { backfill } = await createBackfill(h.rt.deps, dag, {
      from: day('2022-01-01'),
      to: day('2022-01-01', true),
    });
    await finished(h, backfill?.id ?? '', 1);
    const runId = 'backfill__2022-01-01T00:00:00+00:00';
    expect(await h.rt.xcom.pull({ dagId: 'xcoms', runId, taskId: 'reader' })).toEqual({
      sawUpstream: { small: { blob: 'x'.repeat(100) } },
    });
    const huge = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('task_id', '=', 'huge')
      .executeTakeFirstOrThrow();
    expect(huge.state).toBe('failed');
    expect(huge.state_reason).toMatch(/XCom of task "huge" is 60011 bytes, over the 49152-byte cap/);
    expect(await h.rt.xcom.pull({ dagId: 'xcoms', runId, taskId: 'huge' })).toBeUndefined();
    const giant = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('task_id', '=', 'giant')
      .executeTakeFirstOrThrow();
    expect(giant.state).toBe('failed');
    expect(giant.state_reason).toMatch(
      /task "giant" wrote 300011 bytes to its return file .*over the 196608-byte limit .*it was not read/,
    );
  }, 60_000);
});

/** A DAG folder for the `heatflow` child processes. */
async function writeDagFile(dir: string, body: string): Promise<void> {
  await mkdir(dir, { recursive: true });
  // DAG files are ES modules (the project's package.json says so; a temp folder needs its own)
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  const core = path.resolve('src/core/define-dag.js');
  await writeFile(
    path.join(dir, 'it_dag.ts'),
    `import { defineDag } from ${JSON.stringify(core)};\n${body}\n`,
  );
}

function spawnCli(t: TestOrchestrator, args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, ...args], { env: t.env, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  child.on('exit', (code) => {
    if (code !== 0 && code !== null)
      process.stderr.write(`heatflow ${args.join(' ')} exited ${code}: ${err}\n`);
  });
  children.push(child);
  return child;
}

const sleepyDag = (tasks: string) => `
export const dag = defineDag({
  dagId: 'proc_dag',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  maxActiveRuns: 4,
  defaultArgs: { retries: 2, retryDelayMs: 200 },
  tasks: ${tasks},
});`;

describe('separate scheduler and worker processes', () => {
  it('a scheduler killed and restarted mid-backfill finishes with no duplicate runs; two schedulers never run a try twice', async () => {
    const tmp = await import('node:os').then((os) => os.tmpdir());
    const dagsDir = path.join(tmp, `hf-dags-${process.pid}-${Date.now()}`);
    await writeDagFile(
      dagsDir,
      sleepyDag(`[
        { taskId: 'a', command: ['node', ${JSON.stringify(STEP)}, 'sleep:150'] },
        { taskId: 'b', command: ['node', ${JSON.stringify(STEP)}, 'ok'], upstream: ['a'] },
        { taskId: 'c', command: ['node', ${JSON.stringify(STEP)}, 'ok'], upstream: ['a'] },
        { taskId: 'd', command: ['node', ${JSON.stringify(STEP)}, 'ok'], upstream: ['b', 'c'] },
      ]`),
    );
    h = await createTestOrchestrator('sched', { dagsDir });
    const t = h;
    const s1 = spawnCli(t, ['scheduler']);
    spawnCli(t, ['scheduler']); // a second scheduler, all along
    spawnCli(t, ['worker', '--concurrency', '4']);
    await waitFor(
      'the DAG to be parsed',
      async () =>
        (await t.rt.db.selectFrom('heatflow.dags').select('dag_id').executeTakeFirst()) ?? undefined,
    );
    const dag = await t.rt.registry.get('proc_dag');
    if (dag === undefined) throw new Error('DAG not parsed');
    const { backfill } = await createBackfill(t.rt.deps, dag, {
      from: day('2022-01-01'),
      to: day('2022-01-20', true),
    });
    const id = backfill?.id ?? '';
    await waitFor(
      'some runs to finish',
      async () => ((await countRunsByState(t.rt.db, { backfillId: id })).success ?? 0) >= 4 || undefined,
    );
    s1.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    spawnCli(t, ['scheduler']); // restarted
    expect(await finished(t, id, 20)).toEqual({ success: 20 });
    const runs = await t.rt.db.selectFrom('heatflow.dag_runs').select(['run_id', 'logical_date']).execute();
    expect(runs).toHaveLength(20);
    expect(new Set(runs.map((r) => r.logical_date.getTime())).size).toBe(20);
    // every task instance ran exactly once: one try each, one line each in the executions logs
    const tries = await t.rt.db.selectFrom('heatflow.task_tries').selectAll().execute();
    // any try beyond the first, or not a success, with why (a bare count says nothing in a CI log)
    const extra = tries
      .filter((x) => x.try_number !== 1 || x.state !== 'success')
      .map((x) => `${x.run_id}.${x.task_id} try ${x.try_number} ${x.state}: ${x.error ?? ''}`);
    expect(extra).toEqual([]);
    expect(tries).toHaveLength(80);
    for (const r of runs) {
      const lines = (
        await readFile(
          path.join(t.config.HEATFLOW_DATA_DIR, 'runs', 'proc_dag', r.run_id, 'executions.log'),
          'utf8',
        )
      )
        .trim()
        .split('\n');
      expect(lines.map((l) => l.split(' ')[0]).sort()).toEqual(['a', 'b', 'c', 'd']);
    }
  }, 180_000);

  it('a worker killed with SIGKILL mid-try leads to a retried try and a finished run', async () => {
    const tmp = await import('node:os').then((os) => os.tmpdir());
    const dagsDir = path.join(tmp, `hf-dags-w-${process.pid}-${Date.now()}`);
    await writeDagFile(
      dagsDir,
      sleepyDag(`[
        { taskId: 'slow', command: ['node', ${JSON.stringify(STEP)}, 'sleep:4000'] },
        { taskId: 'after', command: ['node', ${JSON.stringify(STEP)}, 'ok'], upstream: ['slow'] },
      ]`),
    );
    h = await createTestOrchestrator('wkill', { dagsDir, env: { HEATFLOW_ZOMBIE_THRESHOLD_MS: '2000' } });
    const t = h;
    spawnCli(t, ['scheduler']);
    const w1 = spawnCli(t, ['worker']);
    await waitFor(
      'the DAG to be parsed',
      async () =>
        (await t.rt.db.selectFrom('heatflow.dags').select('dag_id').executeTakeFirst()) ?? undefined,
    );
    const dag = await t.rt.registry.get('proc_dag');
    if (dag === undefined) throw new Error('DAG not parsed');
    const { backfill } = await createBackfill(t.rt.deps, dag, {
      from: day('2022-01-01'),
      to: day('2022-01-01', true),
    });
    await waitFor(
      'the slow try to run',
      async () =>
        (await t.rt.db
          .selectFrom('heatflow.task_instances')
          .select('state')
          .where('task_id', '=', 'slow')
          .where('state', '=', 'running')
          .executeTakeFirst()) ?? undefined,
    );
    w1.kill('SIGKILL');
    spawnCli(t, ['worker']);
    expect(await finished(t, backfill?.id ?? '', 1, 60_000)).toEqual({ success: 1 });
    const tries = await t.rt.db
      .selectFrom('heatflow.task_tries')
      .selectAll()
      .where('task_id', '=', 'slow')
      .orderBy('try_number')
      .execute();
    expect(tries.map((x) => x.state)).toEqual(['failed', 'success']);
    expect(tries[0]?.error).toMatch(/zombie|orphan/);
  }, 120_000);
});
