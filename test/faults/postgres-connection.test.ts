/**
 * Fault suite, issue 14 item 1: Postgres connections cut under a running backfill. A real
 * scheduler and a real worker run as separate `heatflow` processes (from the sources, through
 * tsx) with the process executor; the DAG's load task upserts 24 rows a day through its own
 * connection. While the backfill runs:
 *
 * - every session of the test database is killed again and again with `pg_terminate_backend`
 *   (on the shared server: only this test's database);
 * - a private cluster (initdb in a temporary folder, its own port) is restarted twice.
 *
 * Both processes must stay alive, every run must end `success`, each task instance's tries must
 * be numbered 1..n with only the last one a success, and the table must hold exactly 24 rows a
 * day with the right values (idempotent loads: a retried try changes nothing).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';

const STEP = path.resolve('test/fixtures/task-scripts/step.mjs');
const LOAD = path.resolve('test/fixtures/task-scripts/upsert-rows.mjs');
const MAIN = path.resolve('src/cli/main.ts');
const DAYS = 8;

let h: TestOrchestrator | undefined;
let cluster: PrivatePostgres | undefined;
let dagsDir: string | undefined;
const children: { child: ChildProcess; stderr: () => string }[] = [];
afterEach(async () => {
  for (const { child } of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await h?.cleanup().catch(() => undefined);
  h = undefined;
  await cluster?.destroy();
  cluster = undefined;
  if (dagsDir !== undefined) await rm(dagsDir, { recursive: true, force: true });
  dagsDir = undefined;
});

/** `heatflow <args>` from the sources (no build needed), its stderr kept. */
function spawnCli(t: TestOrchestrator, args: string[]): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    env: { ...t.env, HEATFLOW_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr?.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-20_000)));
  children.push({ child, stderr: () => err });
  return child;
}

async function writeDag(loadSleepS = 0.2): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hf-pgfault-dags-'));
  await mkdir(dir, { recursive: true });
  // DAG files are ES modules (the project's package.json says so; a temp folder needs its own)
  await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
  const core = path.resolve('src/core/define-dag.js');
  await writeFile(
    path.join(dir, 'pg_fault_dag.ts'),
    `import { defineDag } from ${JSON.stringify(core)};
export const dag = defineDag({
  dagId: 'pg_fault',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  maxActiveRuns: 4,
  defaultArgs: { retries: 8, retryDelayMs: 300 },
  tasks: [
    { taskId: 'extract', command: ['node', ${JSON.stringify(STEP)}, 'sleep:100'] },
    { taskId: 'load', command: ['node', ${JSON.stringify(LOAD)}, '${loadSleepS}'], upstream: ['extract'] },
  ],
});
`,
  );
  return dir;
}

/** Runs a query on a fresh connection, retrying while the server is being cut or restarted. */
async function query<R extends pg.QueryResultRow>(url: string, text: string): Promise<R[]> {
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

/** Starts the processes and the backfill; resolves when the DAG is parsed and the backfill created. */
async function startBackfill(
  t: TestOrchestrator,
): Promise<{ scheduler: ChildProcess; worker: ChildProcess; backfillId: string }> {
  await t.rt.db.schema
    .createTable('fault_rows')
    .addColumn('ds', 'date')
    .addColumn('hour', 'integer')
    .addColumn('value', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('fault_rows_pk', ['ds', 'hour'])
    .execute();
  const scheduler = spawnCli(t, ['scheduler']);
  const worker = spawnCli(t, ['worker', '--concurrency', '4']);
  await waitFor(
    'the DAG to be parsed',
    async () => (await t.rt.registry.get('pg_fault')) ?? undefined,
    60_000,
  );
  await waitFor(
    'the DAG to be recorded',
    async () => (await t.rt.db.selectFrom('heatflow.dags').select('dag_id').executeTakeFirst()) ?? undefined,
    60_000,
  );
  const dag = await t.rt.registry.get('pg_fault');
  if (dag === undefined) throw new Error('DAG not parsed');
  const { backfill } = await createBackfill(t.rt.deps, dag, {
    from: parseDagDate('2022-01-01', 'UTC', false),
    to: parseDagDate(`2022-01-0${DAYS}`, 'UTC', true),
  });
  return { scheduler, worker, backfillId: backfill?.id ?? '' };
}

/** Successes of the backfill's runs, `undefined` while the database cannot be read. */
async function successes(t: TestOrchestrator, backfillId: string): Promise<number | undefined> {
  try {
    return (await countRunsByState(t.rt.db, { backfillId })).success ?? 0;
  } catch {
    return undefined;
  }
}

/** The assertions every case ends with (see the file's header). */
async function expectCompleteAndExact(
  t: TestOrchestrator,
  backfillId: string,
  procs: ChildProcess[],
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
    90_000,
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

describe('Postgres connections cut during a backfill', () => {
  it('pg_terminate_backend on every session, again and again: processes live, every run succeeds, rows exact', async () => {
    dagsDir = await writeDag();
    h = await createTestOrchestrator('pgkill', { dagsDir, env: { HEATFLOW_LOG_LEVEL: 'error' } });
    const t = h;
    const { scheduler, worker, backfillId } = await startBackfill(t);
    const admin = t.database.url.replace(/\/[^/]*$/, '/postgres');
    let killed = 0;
    let rounds = 0;
    // cut every session (scheduler, worker, load tasks, this test's pool) every 250 ms until half the runs succeeded
    while (((await successes(t, backfillId)) ?? 0) < DAYS / 2 && rounds < 200) {
      if (scheduler.exitCode !== null || worker.exitCode !== null) break;
      const r = await query<{ n: number }>(
        admin,
        `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = '${t.database.name}' AND pid <> pg_backend_pid()`,
      );
      killed += r[0]?.n ?? 0;
      rounds++;
      await new Promise((res) => setTimeout(res, 250));
    }
    expect(rounds).toBeGreaterThanOrEqual(4);
    expect(killed).toBeGreaterThanOrEqual(rounds);
    const summary = await expectCompleteAndExact(t, backfillId, [scheduler, worker]);
    process.stdout.write(`pg_terminate_backend: ${rounds} rounds, ${killed} sessions cut; ${summary.text}\n`);
  }, 150_000);

  it('a private cluster restarted twice mid-backfill: processes live, every run succeeds, rows exact', async () => {
    cluster = await startPrivatePostgres();
    const pgc = cluster;
    dagsDir = await writeDag(1);
    h = await createTestOrchestrator('pgrestart', {
      dagsDir,
      serverUrl: pgc.serverUrl,
      env: { HEATFLOW_LOG_LEVEL: 'error' },
    });
    const t = h;
    const { scheduler, worker, backfillId } = await startBackfill(t);
    let restarts = 0;
    // restart while a load try is inside its transaction (it sleeps 1 s there), twice
    for (const n of [1, 2]) {
      await waitFor(
        `load try ${n} to be mid-transaction`,
        async () => {
          const rows = await query<{ n: number }>(
            pgc.serverUrl.replace(/\/postgres$/, `/${t.database.name}`),
            `SELECT count(*)::int AS n FROM pg_stat_activity
             WHERE application_name = 'fault-load' AND query LIKE 'SELECT pg_sleep%' AND state = 'active'`,
          );
          return (rows[0]?.n ?? 0) > 0 ? true : undefined;
        },
        60_000,
        50,
      );
      await pgc.restart();
      restarts++;
      if (n === 1)
        await waitFor(
          'a run to succeed after the restart',
          async () => (((await successes(t, backfillId)) ?? 0) >= 1 ? true : undefined),
          60_000,
        );
    }
    const summary = await expectCompleteAndExact(t, backfillId, [scheduler, worker]);
    expect(restarts).toBe(2);
    // the restarts cut load tries mid-transaction: those failed and were retried
    expect(summary.failedLoads).toBeGreaterThanOrEqual(2);
    process.stdout.write(`private cluster restarted twice; ${summary.text}\n`);
  }, 150_000);
});
