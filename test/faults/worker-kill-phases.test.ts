/**
 * Fault suite, issue 14: a real `heatflow worker` process (from the sources, through tsx)
 * SIGKILLed in each phase of a try: claimed (before the child starts), running (the child still
 * running), the child exited (outcome not yet recorded), the XCom pushed inside the lease fence
 * (the transaction that records the outcome not yet committed; also on the task's last allowed
 * try), finished (recorded, the event not yet published).
 *
 * The worker is stopped at the phase by its test-only hook (`HEATFLOW_TEST_PAUSE_AT`, see
 * src/worker/test-pause.ts): it writes a marker file and waits; for `running` the load child
 * writes the marker itself once its rows are in and sleeps. The test then SIGKILLs the worker and
 * starts another. Each case asserts exactly: the run's state; the load task's tries (numbers,
 * states; a lost try failed as a zombie, or as an orphan whose process group the next worker
 * killed); the XComs left (the successful try's, which the downstream task saw; none for a failed
 * task instance); each recorded try executed once (executions.log); 24 rows with the right values
 * (the load is idempotent: a retried try changes nothing).
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { processStateOfStat } from '../../src/executors/process-groups.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import type { TestPausePhase } from '../../src/worker/test-pause.js';
import { children, killChildren, spawnCli } from '../helpers/fault-backfill.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const LOAD = path.resolve('test/fixtures/task-scripts/upsert-rows-try.mjs');
const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const DS = '2022-01-01';

let h: TestOrchestrator | undefined;
let tmp: string | undefined;
afterEach(async () => {
  killChildren();
  await h?.cleanup().catch(() => undefined);
  h = undefined;
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
  tmp = undefined;
});

/** The case's DAG: `load` (the retries given; `hold`: the marker file try 1 writes) >> `report`. */
async function writeDag(
  dir: string,
  o: { retries: number; reportRule: 'all_success' | 'all_done'; hold?: string },
): Promise<void> {
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  const core = path.resolve('src/core/define-dag.js');
  const load = ['node', LOAD, ...(o.hold === undefined ? [] : [o.hold])];
  await writeFile(
    path.join(dir, 'kill_dag.ts'),
    `import { defineDag } from ${JSON.stringify(core)};
export const dag = defineDag({
  dagId: 'kill_dag',
  schedule: '@daily',
  startDate: '${DS}',
  isPausedUponCreation: true,
  defaultArgs: { retries: ${o.retries}, retryDelayMs: 300 },
  tasks: [
    { taskId: 'load', command: ${JSON.stringify(load)} },
    { taskId: 'report', command: ['node', ${JSON.stringify(STEP)}, 'echo-upstream'], upstream: ['load'], triggerRule: '${o.reportRule}' },
  ],
});
`,
  );
}

/** Is the process alive (not gone, not a zombie waiting for its parent)? */
async function alive(pid: number): Promise<boolean> {
  try {
    return processStateOfStat(await readFile(`/proc/${pid}/stat`, 'utf8')) !== 'Z';
  } catch {
    return false;
  }
}

/** A case: where the worker is killed, the load task's retries, and what must follow. */
interface Case {
  /** a phase of the worker's hook, or `running`: the load child has written its rows and sleeps */
  readonly phase: TestPausePhase | 'running';
  /** the load task's retries; `@defaultValue 3` */
  readonly retries?: number;
  /** the load task's tries' states, in order */
  readonly tries: readonly ('failed' | 'success')[];
  /** how the lost try was failed (the start of its error) */
  readonly lostAs?: RegExp;
  /** the load child's executions (executions.log) */
  readonly executed: readonly string[];
}

/** Case names in the test titles: `xcom-pushed` on the last allowed try is `xcom-pushed, retries 0`. */
const caseName = (c: Case) => (c.retries === 0 ? `${c.phase}, retries 0` : c.phase);

const ZOMBIE = /^zombie: no heartbeat from worker/;
const CASES: readonly Case[] = [
  // the child never ran: try 1 is failed as a zombie, try 2 does the work
  { phase: 'claimed', tries: ['failed', 'success'], lostAs: ZOMBIE, executed: ['load try=2'] },
  // the child wrote its rows and still runs: the next worker kills its process group (the dead
  // worker's liveness key gone) and fails try 1 as orphaned; try 2 repeats the idempotent load
  {
    phase: 'running',
    tries: ['failed', 'success'],
    lostAs: /^orphaned: its worker died; process group \d+ killed by worker /,
    executed: ['load try=1', 'load try=2'],
  },
  // the child did the work but nothing was recorded: retried, the idempotent load repeats it
  { phase: 'exited', tries: ['failed', 'success'], lostAs: ZOMBIE, executed: ['load try=1', 'load try=2'] },
  // try 1's XCom reached Redis but its transaction died with the worker: retried; try 2's XCom kept
  {
    phase: 'xcom-pushed',
    tries: ['failed', 'success'],
    lostAs: ZOMBIE,
    executed: ['load try=1', 'load try=2'],
  },
  // the same on the last allowed try: failed for good, and the failed try's XCom deleted with it,
  // so the `all_done` downstream reads no value (before the fix it read try 1's)
  { phase: 'xcom-pushed', retries: 0, tries: ['failed'], lostAs: ZOMBIE, executed: ['load try=1'] },
  // recorded, only the event lost: the scheduler's own pass moves on; no second try
  { phase: 'finished', tries: ['success'], executed: ['load try=1'] },
];

describe('a worker SIGKILLed in each phase of a try', () => {
  for (const c of CASES) {
    const last = c.tries.length;
    const loadEnds = c.tries[last - 1] ?? 'success';
    const xcoms = loadEnds === 'success' ? "one XCom (the successful try's)" : 'no XCom left';
    it(`${caseName(c)}: the run succeeds, load tries ${c.tries.join(', ')}, ${xcoms}, rows once`, async () => {
      const started = Date.now();
      tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-wkill-phases-'));
      const dagsDir = path.join(tmp, 'dags');
      await mkdir(dagsDir);
      const marker = path.join(tmp, 'paused.json');
      const running = c.phase === 'running';
      await writeDag(dagsDir, {
        retries: c.retries ?? 3,
        reportRule: loadEnds === 'success' ? 'all_success' : 'all_done',
        ...(running ? { hold: marker } : {}),
      });
      h = await createTestOrchestrator(`wkp-${c.phase}${c.retries === 0 ? '-last' : ''}`, {
        dagsDir,
        // running: the zombie pass must not come before the next worker's reaping of the group
        env: { HEATFLOW_LOG_LEVEL: 'error', HEATFLOW_ZOMBIE_THRESHOLD_MS: running ? '60000' : '5000' },
      });
      const t = h;
      await t.rt.db.schema
        .createTable('fault_rows')
        .addColumn('ds', 'date')
        .addColumn('hour', 'integer')
        .addColumn('value', 'integer', (col) => col.notNull())
        .addPrimaryKeyConstraint('fault_rows_pk', ['ds', 'hour'])
        .execute();
      const scheduler = spawnCli(t, ['scheduler']);
      // running: a short liveness key (3 heartbeats of 500 ms), so that it is soon gone after the kill
      const w1Env = running
        ? { HEATFLOW_HEARTBEAT_MS: '500' }
        : { HEATFLOW_TEST_PAUSE_AT: c.phase, HEATFLOW_TEST_PAUSE_FILE: marker };
      // one job at a time: paused at `finished` (load recorded), it must not also take report's try
      // (a race seen under load: report's try 1 then died with it and was retried)
      const w1 = spawnCli({ ...t, env: { ...t.env, ...w1Env } }, ['worker', '--concurrency', '1']);
      await waitFor(
        'the DAG to be recorded',
        async () =>
          (await t.rt.db.selectFrom('heatflow.dags').select('dag_id').executeTakeFirst()) ?? undefined,
        60_000,
      );
      const dag = await waitFor(
        'the DAG to be parsed',
        async () => (await t.rt.registry.get('kill_dag')) ?? undefined,
      );
      const { backfill } = await createBackfill(t.rt.deps, dag, {
        from: parseDagDate(DS, 'UTC', false),
        to: parseDagDate(DS, 'UTC', true),
      });
      const backfillId = backfill?.id ?? '';
      await waitFor(
        `the worker to pause at ${c.phase}`,
        async () => {
          if (w1.exitCode !== null) throw new Error(`the worker exited (${w1.exitCode})`);
          return access(marker).then(
            () => true,
            () => undefined,
          );
        },
        120_000,
        25,
      );
      const paused = JSON.parse(await readFile(marker, 'utf8')) as {
        pid: number;
        taskId?: string;
        tryNumber?: number;
      };
      if (!running)
        expect({ taskId: paused.taskId, tryNumber: paused.tryNumber }).toEqual({
          taskId: 'load',
          tryNumber: 1,
        });
      const pausedMs = Date.now() - started;
      const exited = new Promise((r) => w1.once('exit', r));
      w1.kill('SIGKILL');
      await exited;
      // what the kill left: the try still running except once finished; try 1's XCom in Redis only
      // when it was pushed (and its transaction died)
      const ti = await t.rt.db
        .selectFrom('heatflow.task_instances')
        .select(['run_id', 'state', 'try_number'])
        .where('task_id', '=', 'load')
        .executeTakeFirstOrThrow();
      const runId = ti.run_id;
      expect({ state: ti.state, try_number: ti.try_number }).toEqual({
        state: c.phase === 'finished' ? 'success' : 'running',
        try_number: 1,
      });
      const ref = { dagId: 'kill_dag', runId, taskId: 'load' };
      expect(await t.rt.xcom.list(ref)).toEqual(
        c.phase === 'xcom-pushed' || c.phase === 'finished'
          ? [{ key: 'return_value', value: { rows: 24, ds: DS, try: 1 } }]
          : [],
      );
      if (running) {
        // the child outlived its worker (its own process group); the next worker, started once
        // the dead one's liveness key is gone, must kill it
        expect(await alive(paused.pid)).toBe(true);
        await waitFor(
          "the dead worker's liveness key to expire",
          async () =>
            (await t.rt.redis.keys(`${t.config.HEATFLOW_REDIS_PREFIX}:worker:*`)).length === 0
              ? true
              : undefined,
          10_000,
          100,
        );
      }
      const w2 = spawnCli(t, ['worker']);
      const counts = await waitFor(
        'the run to finish',
        async () => {
          for (const p of [scheduler, w2])
            if (p.exitCode !== null)
              throw new Error(
                `a heatflow process exited (${p.exitCode}): ${children
                  .map((x) => x.stderr())
                  .join('\n')
                  .slice(-3000)}`,
              );
          const n = await countRunsByState(t.rt.db, { backfillId });
          return (n.success ?? 0) + (n.failed ?? 0) === 1 ? n : undefined;
        },
        120_000,
        100,
      );
      expect(counts).toEqual({ success: 1 });
      if (running) expect(await alive(paused.pid), 'the orphaned load child').toBe(false);
      const tries = await t.rt.db
        .selectFrom('heatflow.task_tries')
        .select(['task_id', 'try_number', 'state', 'error'])
        .orderBy('task_id')
        .orderBy('try_number')
        .execute();
      const load = tries.filter((x) => x.task_id === 'load');
      expect(load.map((x) => [x.try_number, x.state])).toEqual(c.tries.map((s, i) => [i + 1, s]));
      if (c.lostAs !== undefined) expect(load[0]?.error).toMatch(c.lostAs);
      expect(tries.filter((x) => x.task_id === 'report').map((x) => [x.try_number, x.state])).toEqual([
        [1, 'success'],
      ]);
      const tis = await t.rt.db
        .selectFrom('heatflow.task_instances')
        .select(['task_id', 'state', 'try_number'])
        .orderBy('task_id')
        .execute();
      expect(tis).toEqual([
        { task_id: 'load', state: loadEnds, try_number: last },
        { task_id: 'report', state: 'success', try_number: 1 },
      ]);
      // the successful try's XCom, which the downstream task read; none for a failed load
      const value = { rows: 24, ds: DS, try: last };
      expect(await t.rt.xcom.list(ref)).toEqual(
        loadEnds === 'success' ? [{ key: 'return_value', value }] : [],
      );
      expect(await t.rt.xcom.pull({ ...ref, taskId: 'report' })).toEqual({
        sawUpstream: loadEnds === 'success' ? { load: value } : {},
      });
      // each recorded execution once, nothing else
      const log = await readFile(
        path.join(t.config.HEATFLOW_DATA_DIR, 'runs', 'kill_dag', runId, 'executions.log'),
        'utf8',
      );
      const lines = log
        .trim()
        .split('\n')
        .map((l) => l.split(' ').slice(0, 2).join(' '));
      expect(lines.filter((l) => l.startsWith('load ')).sort()).toEqual(c.executed);
      expect(lines.filter((l) => l.startsWith('report '))).toEqual(['report try=1']);
      // the effect once: 24 rows, value = hour * 100 + day
      const rows = await t.rt.db
        .selectFrom('fault_rows' as never)
        .select((eb) => [
          eb.fn.countAll<number>().as('n'),
          eb.fn.sum<number>(eb.ref('value' as never)).as('total'),
        ])
        .executeTakeFirstOrThrow();
      expect({ n: Number(rows.n), total: Number(rows.total) }).toEqual({ n: 24, total: 100 * 276 + 24 });
      expect(scheduler.exitCode).toBeNull();
      expect(w2.exitCode).toBeNull();
      process.stdout.write(
        `worker SIGKILLed at ${caseName(c)}: load tries ${load.map((x) => x.state).join(', ')}; paused after ${pausedMs} ms, ${Date.now() - started} ms in all\n`,
      );
    }, 240_000);
  }
});
