/**
 * Fault suite, issue 14: a real `heatflow worker` process (from the sources, through tsx)
 * SIGKILLed in each phase of a try that has no other test: claimed (before the child starts), the
 * child exited (outcome not yet recorded), the XCom pushed inside the lease fence (the transaction
 * that records the outcome not yet committed), finished (recorded, the event not yet published).
 * The running phase (a child still running) is `test/integration/orchestrator-failures.test.ts`
 * and `worker-sigkill-process-group.test.ts`.
 *
 * The worker is stopped at the phase by its test-only hook (`HEATFLOW_TEST_PAUSE_AT`, see
 * src/worker/test-pause.ts): it writes a marker file and waits; the test then SIGKILLs it and
 * starts another worker. Each case asserts exactly: the run ends `success`; the load task's tries
 * (numbers, states; a lost try failed as a zombie); one XCom, the successful try's, which the
 * downstream task saw; each recorded try executed once (executions.log); 24 rows with the right
 * values (the load is idempotent: a retried try changes nothing).
 */
import { access, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
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

async function writeDag(dir: string): Promise<void> {
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  const core = path.resolve('src/core/define-dag.js');
  await writeFile(
    path.join(dir, 'kill_dag.ts'),
    `import { defineDag } from ${JSON.stringify(core)};
export const dag = defineDag({
  dagId: 'kill_dag',
  schedule: '@daily',
  startDate: '${DS}',
  isPausedUponCreation: true,
  defaultArgs: { retries: 3, retryDelayMs: 300 },
  tasks: [
    { taskId: 'load', command: ['node', ${JSON.stringify(LOAD)}] },
    { taskId: 'report', command: ['node', ${JSON.stringify(STEP)}, 'echo-upstream'], upstream: ['load'] },
  ],
});
`,
  );
}

/** What each phase must end with: the load task's tries and the executions of its child. */
const CASES: {
  phase: TestPausePhase;
  tries: string[];
  executed: string[];
}[] = [
  // the child never ran: try 1 is failed as a zombie, try 2 does the work
  { phase: 'claimed', tries: ['failed', 'success'], executed: ['load try=2'] },
  // the child did the work but nothing was recorded: retried, the idempotent load repeats it
  { phase: 'exited', tries: ['failed', 'success'], executed: ['load try=1', 'load try=2'] },
  // try 1's XCom reached Redis but its transaction died with the worker: retried; try 2's XCom kept
  { phase: 'xcom-pushed', tries: ['failed', 'success'], executed: ['load try=1', 'load try=2'] },
  // recorded, only the event lost: the scheduler's own pass moves on; no second try
  { phase: 'finished', tries: ['success'], executed: ['load try=1'] },
];

describe('a worker SIGKILLed in each phase of a try', () => {
  for (const c of CASES) {
    it(`${c.phase}: the run succeeds, tries ${c.tries.join(', ')}, one XCom (the successful try's), rows once`, async () => {
      const started = Date.now();
      tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-wkill-phases-'));
      const dagsDir = path.join(tmp, 'dags');
      await mkdir(dagsDir);
      await writeDag(dagsDir);
      const marker = path.join(tmp, 'paused.json');
      h = await createTestOrchestrator(`wkp-${c.phase}`, {
        dagsDir,
        env: { HEATFLOW_LOG_LEVEL: 'error', HEATFLOW_ZOMBIE_THRESHOLD_MS: '5000' },
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
      const w1 = spawnCli(
        { ...t, env: { ...t.env, HEATFLOW_TEST_PAUSE_AT: c.phase, HEATFLOW_TEST_PAUSE_FILE: marker } },
        ['worker'],
      );
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
        60_000,
        25,
      );
      const paused = JSON.parse(await readFile(marker, 'utf8')) as {
        taskId: string;
        tryNumber: number;
        runId: string;
      };
      expect({ taskId: paused.taskId, tryNumber: paused.tryNumber }).toEqual({
        taskId: 'load',
        tryNumber: 1,
      });
      const exited = new Promise((r) => w1.once('exit', r));
      w1.kill('SIGKILL');
      await exited;
      const ref = { dagId: 'kill_dag', runId: paused.runId, taskId: 'load' };
      // what the kill left: the try still running except once finished; try 1's XCom in Redis only
      // when it was pushed (and its transaction died)
      const ti = await t.rt.db
        .selectFrom('heatflow.task_instances')
        .select(['state', 'try_number'])
        .where('run_id', '=', paused.runId)
        .where('task_id', '=', 'load')
        .executeTakeFirstOrThrow();
      expect(ti).toEqual({ state: c.phase === 'finished' ? 'success' : 'running', try_number: 1 });
      const left = await t.rt.xcom.list(ref);
      expect(left).toEqual(
        c.phase === 'xcom-pushed' || c.phase === 'finished'
          ? [{ key: 'return_value', value: { rows: 24, ds: DS, try: 1 } }]
          : [],
      );
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
        60_000,
        100,
      );
      expect(counts).toEqual({ success: 1 });
      const tries = await t.rt.db
        .selectFrom('heatflow.task_tries')
        .select(['task_id', 'try_number', 'state', 'error'])
        .orderBy('task_id')
        .orderBy('try_number')
        .execute();
      const load = tries.filter((x) => x.task_id === 'load');
      expect(load.map((x) => [x.try_number, x.state])).toEqual(c.tries.map((s, i) => [i + 1, s]));
      if (c.tries.length > 1) expect(load[0]?.error).toMatch(/^zombie: no heartbeat from worker/);
      expect(tries.filter((x) => x.task_id === 'report').map((x) => [x.try_number, x.state])).toEqual([
        [1, 'success'],
      ]);
      const tis = await t.rt.db
        .selectFrom('heatflow.task_instances')
        .select(['task_id', 'state', 'try_number'])
        .orderBy('task_id')
        .execute();
      expect(tis).toEqual([
        { task_id: 'load', state: 'success', try_number: c.tries.length },
        { task_id: 'report', state: 'success', try_number: 1 },
      ]);
      // one XCom, the successful try's; the downstream task read that one
      const value = { rows: 24, ds: DS, try: c.tries.length };
      expect(await t.rt.xcom.list(ref)).toEqual([{ key: 'return_value', value }]);
      expect(await t.rt.xcom.pull({ ...ref, taskId: 'report' })).toEqual({ sawUpstream: { load: value } });
      // each recorded execution once, nothing else
      const log = await readFile(
        path.join(t.config.HEATFLOW_DATA_DIR, 'runs', 'kill_dag', paused.runId, 'executions.log'),
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
        `worker SIGKILLed at ${c.phase}: load tries ${load.map((x) => x.state).join(', ')}; ${Date.now() - started} ms\n`,
      );
    }, 90_000);
  }
});
