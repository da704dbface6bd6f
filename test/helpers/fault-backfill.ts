/**
 * The backfill the fault tests run while they break something: a real scheduler and a real
 * worker as separate `heatflow` processes (from the sources, through tsx: no build needed) with
 * the process executor, an 8-day backfill of `extract >> load` where load upserts 24 rows a day
 * into `fault_rows` through its own Postgres connection (30 days with `HEATFLOW_FAULTS_LONG=1`),
 * and the assertions every case ends with:
 * the processes alive, every run `success`, each task instance's tries numbered 1..n with only
 * the last a success, each recorded try executed exactly once (the run folder's executions.log),
 * exactly 24 rows a day with the right values.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { waitFor, type TestOrchestrator } from './orchestrator.js';

/** the task scripts of the fault DAG on this host */
export const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
export const LOAD = path.resolve('test/fixtures/task-scripts/upsert-rows.mjs');
const MAIN = path.resolve('src/cli/main.ts');
/**
 * The long variants (`HEATFLOW_FAULTS_LONG=1`, `npm run test:faults:long`): longer backfills, more
 * fault rounds and longer outages, for a run outside CI's time; off by default (CI).
 */
export const LONG = process.env.HEATFLOW_FAULTS_LONG === '1';
/** `short` by default, `long` in the long variants (a count, a duration or a timeout in ms). */
export function longOr<T>(short: T, long: T): T {
  return LONG ? long : short;
}
/** days of the backfill: 8, or 30 in the long variants */
export const DAYS = longOr(8, 30);

/** The processes spawned by {@link spawnCli}, with their stderr (the test kills them after each case). */
export const children: { child: ChildProcess; stderr: () => string }[] = [];

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Kills what {@link spawnCli} started and is still running. */
export function killChildren(): void {
  for (const { child } of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
}

/** `heatflow <args>` from the sources (no build needed), its stderr kept. */
export function spawnCli(t: TestOrchestrator, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...t.env, HEATFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  children.push({ child, stderr: () => err });
  return child;
}

/**
 * Writes the fault DAG into a new folder and returns the folder.
 * @param loadSleepS - how long load holds its transaction, in s
 * @param scripts - the task scripts' paths as the tasks see them; `@defaultValue` the fixtures
 *   on this host (the process executor); a Docker test passes copies on the data volume
 * @param retries - the DAG's `retries` (its retry delay is 300 ms); `@defaultValue 20`
 */
export async function writeDag(
  loadSleepS = 0.2,
  scripts: { step: string; load: string } = { step: STEP, load: LOAD },
  retries = 20,
): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hf-fault-dags-'));
  await mkdir(dir, { recursive: true });
  // DAG files are ES modules (the project's package.json says so; a temp folder needs its own)
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  const core = path.resolve('src/core/define-dag.js');
  await writeFile(
    path.join(dir, 'fault_dag.ts'),
    `import { defineDag } from ${JSON.stringify(core)};
export const dag = defineDag({
  dagId: 'fault_dag',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  maxActiveRuns: 4,
  defaultArgs: { retries: ${retries}, retryDelayMs: 300 },
  tasks: [
    { taskId: 'extract', command: ['node', ${JSON.stringify(scripts.step)}, 'sleep:100'] },
    { taskId: 'load', command: ['node', ${JSON.stringify(scripts.load)}, '${loadSleepS}'], upstream: ['extract'] },
  ],
});
`,
  );
  return dir;
}

/** Runs a query on a fresh connection, retrying while the server is being cut or restarted. */
export async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
  for (let i = 0; ; i++) {
    const c = new pg.Client({ connectionString: url });
    c.on('error', () => undefined);
    try {
      await c.connect();
      return (await c.query<R>(text)).rows;
    } catch (err) {
      if (i >= 50) throw err;
      await new Promise((r) => setTimeout(r, 200));
    } finally {
      await c.end().catch(() => undefined);
    }
  }
}

/**
 * Starts the processes (one scheduler and one worker unless told) and the backfill; resolves when
 * the DAG is parsed and the backfill created.
 */
export async function startBackfill(
  t: TestOrchestrator,
  o: { schedulers?: number; workers?: number } = {},
): Promise<{ scheduler: ChildProcess; worker: ChildProcess; processes: ChildProcess[]; backfillId: string }> {
  await t.rt.db.schema
    .createTable('fault_rows')
    .addColumn('ds', 'date')
    .addColumn('hour', 'integer')
    .addColumn('value', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('fault_rows_pk', ['ds', 'hour'])
    .execute();
  const schedulers = Array.from({ length: o.schedulers ?? 1 }, () => spawnCli(t, ['scheduler']));
  const workers = Array.from({ length: o.workers ?? 1 }, () => spawnCli(t, ['worker', '--concurrency', '4']));
  const [scheduler, worker] = [schedulers[0], workers[0]];
  if (scheduler === undefined || worker === undefined)
    throw new Error('at least one scheduler and one worker');
  await waitFor(
    'the DAG to be parsed',
    async () => (await t.rt.registry.get('fault_dag')) ?? undefined,
    60_000,
  );
  await waitFor(
    'the DAG to be recorded',
    async () => {
      const dead = [...schedulers, ...workers].find((p) => p.exitCode !== null);
      if (dead !== undefined)
        throw new Error(
          `a heatflow process exited (${dead.exitCode}) before the DAG was recorded; stderr:\n${children
            .map((c) => c.stderr())
            .join('\n')
            .slice(-3000)}`,
        );
      return (await t.rt.db.selectFrom('heatflow.dags').select('dag_id').executeTakeFirst()) ?? undefined;
    },
    120_000,
  );
  const dag = await t.rt.registry.get('fault_dag');
  if (dag === undefined) throw new Error('DAG not parsed');
  const { backfill } = await createBackfill(t.rt.deps, dag, {
    from: parseDagDate('2022-01-01', 'UTC', false),
    to: parseDagDate(`2022-01-${String(DAYS).padStart(2, '0')}`, 'UTC', true),
  });
  return { scheduler, worker, processes: [...schedulers, ...workers], backfillId: backfill?.id ?? '' };
}

/** Successes of the backfill's runs, `undefined` while the database cannot be read. */
export async function successes(t: TestOrchestrator, backfillId: string): Promise<number | undefined> {
  try {
    return (await countRunsByState(t.rt.db, { backfillId })).success ?? 0;
  } catch {
    return undefined;
  }
}

/** The assertions every case ends with (see the file's header). */
export async function expectCompleteAndExact(
  t: TestOrchestrator,
  backfillId: string,
  procs: ChildProcess[],
  o: {
    /**
     * errors of failed tries whose process may never have started (the Docker engine was down
     * when the try asked for its container): such a try may be missing from executions.log;
     * every other recorded try must appear there exactly once
     */
    notStarted?: RegExp;
  } = {},
): Promise<{ failedLoads: number; text: string }> {
  const counts = await waitFor(
    `${DAYS} runs to finish`,
    async () => {
      const dead = procs.find((p) => p.exitCode !== null);
      if (dead !== undefined)
        throw new Error(
          `a heatflow process exited (${dead.exitCode}); stderr:\n${children
            .map((c) => c.stderr())
            .join('\n')
            .slice(-3000)}`,
        );
      try {
        const c = await countRunsByState(t.rt.db, { backfillId });
        return (c.success ?? 0) + (c.failed ?? 0) === DAYS ? c : undefined;
      } catch {
        return undefined;
      }
    },
    longOr(180_000, 400_000),
    200,
  );
  const stderr = children.map((c) => c.stderr()).join('\n');
  for (const p of procs) expect(p.exitCode, `a process exited; stderr:\n${stderr.slice(-3000)}`).toBeNull();
  expect(stderr).not.toMatch(/Unhandled 'error' event|Connection terminated unexpectedly\n\s+at/);
  expect(counts).toEqual({ success: DAYS });
  const tis = await t.rt.db
    .selectFrom('heatflow.task_instances')
    .select(['run_id', 'task_id', 'state', 'try_number'])
    .execute();
  expect(tis).toHaveLength(DAYS * 2);
  expect(tis.every((x) => x.state === 'success')).toBe(true);
  const tries = await t.rt.db
    .selectFrom('heatflow.task_tries')
    .select(['run_id', 'task_id', 'try_number', 'state', 'error'])
    .orderBy('run_id')
    .orderBy('task_id')
    .orderBy('try_number')
    .execute();
  // per task instance: tries 1..n, all but the last failed, the last a success (no try lost or doubled)
  for (const ti of tis) {
    const own = tries.filter((x) => x.run_id === ti.run_id && x.task_id === ti.task_id);
    expect(
      own.map((x) => x.try_number),
      `${ti.run_id}.${ti.task_id}`,
    ).toEqual(Array.from({ length: ti.try_number }, (_, i) => i + 1));
    expect(own.map((x) => x.state)).toEqual([...Array<string>(ti.try_number - 1).fill('failed'), 'success']);
  }
  // every recorded try ran exactly once, and nothing ran that is not a recorded try: each
  // execution appends "<task> try=<n>" to its run folder's executions.log
  for (const runId of new Set(tis.map((x) => x.run_id))) {
    const log = await readFile(
      path.join(t.config.HEATFLOW_DATA_DIR, 'runs', 'fault_dag', runId, 'executions.log'),
      'utf8',
    );
    const executed = log
      .trim()
      .split('\n')
      .map((l) => l.split(' ').slice(0, 2).join(' '))
      .sort();
    const own = tries.filter((x) => x.run_id === runId);
    const label = (x: { task_id: string; try_number: number }) => `${x.task_id} try=${x.try_number}`;
    const recorded = own
      .filter(
        (x) =>
          o.notStarted === undefined ||
          executed.includes(label(x)) ||
          !(x.state === 'failed' && o.notStarted.test(x.error ?? '')),
      )
      .map(label)
      .sort();
    expect(executed, runId).toEqual(recorded);
  }
  const rows = await t.rt.db
    .selectFrom('fault_rows' as never)
    .select((eb) => [
      eb.fn.countAll<number>().as('n'),
      eb.fn.sum<number>(eb.ref('value' as never)).as('total'),
    ])
    .executeTakeFirstOrThrow();
  // 24 rows a day; value = hour * 100 + day of month
  const expectedTotal = DAYS * (100 * ((23 * 24) / 2)) + 24 * ((DAYS * (DAYS + 1)) / 2);
  expect({ n: Number(rows.n), total: Number(rows.total) }).toEqual({ n: DAYS * 24, total: expectedTotal });
  const retried = tries.filter((x) => x.state === 'failed');
  return {
    failedLoads: retried.filter((x) => x.task_id === 'load').length,
    text: `${tries.length} tries, ${retried.length} failed and retried (${retried.map((x) => x.task_id).join(', ')})`,
  };
}
