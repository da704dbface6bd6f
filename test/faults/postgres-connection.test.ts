/**
 * Fault suite, issue 14 item 1: Postgres connections cut under a running backfill. A real
 * scheduler and a real worker run as separate `heatflow` processes (from the sources, through
 * tsx) with the process executor; the DAG's load task upserts 24 rows a day through its own
 * connection. While the backfill runs:
 *
 * - every session of the test database is killed again and again with `pg_terminate_backend`
 *   (on the shared server: only this test's database);
 * - a private cluster (initdb in a temporary folder, its own port) is restarted twice (4 times in the long variant).
 *
 * Both processes must stay alive, every run must end `success`, each task instance's tries must
 * be numbered 1..n with only the last one a success, and the table must hold exactly 24 rows a
 * day with the right values (idempotent loads: a retried try changes nothing). The long variant
 * (`HEATFLOW_FAULTS_LONG=1`): a 30-day backfill, at least 60 rounds of kills, 4 restarts.
 */
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DAYS,
  expectCompleteAndExact,
  killChildren,
  freePort,
  longOr,
  query,
  spawnCli,
  startBackfill,
  successes,
  writeDag,
} from '../helpers/fault-backfill.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';
import { startPrivatePostgres, type PrivatePostgres } from '../helpers/private-postgres.js';

let h: TestOrchestrator | undefined;
let cluster: PrivatePostgres | undefined;
let dagsDir: string | undefined;
afterEach(async () => {
  killChildren();
  await h?.cleanup().catch(() => undefined);
  h = undefined;
  await cluster?.destroy();
  cluster = undefined;
  if (dagsDir !== undefined) await rm(dagsDir, { recursive: true, force: true });
  dagsDir = undefined;
});

describe('Postgres connections cut during a backfill', () => {
  it(
    'pg_terminate_backend on every session, again and again (2 schedulers, 2 workers, a web server): processes live, every run succeeds, rows exact',
    async () => {
      dagsDir = await writeDag();
      h = await createTestOrchestrator('pgkill', { dagsDir, env: { HEATFLOW_LOG_LEVEL: 'error' } });
      const t = h;
      // a web server, read all along (started first: it must be up before the kills begin)
      const port = await freePort();
      const web = spawnCli(t, ['webserver', '--port', String(port)]);
      const runsUrl = `http://127.0.0.1:${port}/api/v1/dags/fault_dag/dagRuns?limit=100`;
      await waitFor(
        'the web server',
        () =>
          fetch(`http://127.0.0.1:${port}/api/v1/version`).then(
            (r) => (r.ok ? true : undefined),
            () => undefined,
          ),
        60_000,
      );
      // two schedulers and two workers: the kills must not make them run a try twice either
      const { processes, backfillId } = await startBackfill(t, {
        schedulers: 2,
        workers: 2,
      });
      const webStatuses = new Map<number, number>();
      const admin = t.database.url.replace(/\/[^/]*$/, '/postgres');
      let killed = 0;
      let rounds = 0;
      // cut every session (schedulers, workers, web server, load tasks, this test's pool) every 250 ms,
      // at least 12 times (60 in the long variant) and until half the runs succeeded
      const minRounds = longOr(12, 60);
      while (
        (rounds < minRounds || ((await successes(t, backfillId)) ?? 0) < DAYS / 2) &&
        rounds < longOr(200, 1000)
      ) {
        if (processes.some((p) => p.exitCode !== null)) break;
        const r = await query<{ n: number }>(
          admin,
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
         WHERE datname = '${t.database.name}' AND pid <> pg_backend_pid()`,
        );
        killed += r[0]?.n ?? 0;
        rounds++;
        const status = await fetch(runsUrl).then((x) => x.status);
        webStatuses.set(status, (webStatuses.get(status) ?? 0) + 1);
        await new Promise((res) => setTimeout(res, 250));
      }
      expect(rounds).toBeGreaterThanOrEqual(minRounds);
      expect(killed).toBeGreaterThanOrEqual(rounds);
      const summary = await expectCompleteAndExact(t, backfillId, [...processes, web]);
      // the web server lived through it too and answers from a fresh connection
      const after = await fetch(runsUrl);
      expect(after.status).toBe(200);
      expect(((await after.json()) as { total_entries: number }).total_entries).toBe(DAYS);
      // a read that met a cut connection is a 503 (try again), never a 500
      expect([...webStatuses.keys()].filter((c) => c !== 200 && c !== 503)).toEqual([]);
      process.stdout.write(
        `pg_terminate_backend: ${rounds} rounds, ${killed} sessions cut; web reads ${JSON.stringify(Object.fromEntries(webStatuses))}; ${summary.text}\n`,
      );
    },
    longOr(150_000, 400_000),
  );

  it(
    `a private cluster restarted ${longOr('twice', '4 times')} mid-backfill: processes live, every run succeeds, rows exact`,
    async () => {
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
      const times = longOr(2, 4);
      // restart while a load try is inside its transaction (it sleeps 1 s there), twice (4 times in
      // the long variant), a run succeeding between restarts
      for (let n = 1; n <= times; n++) {
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
        if (n < times)
          await waitFor(
            'a run to succeed after the restart',
            async () => (((await successes(t, backfillId)) ?? 0) >= n ? true : undefined),
            60_000,
          );
      }
      const summary = await expectCompleteAndExact(t, backfillId, [scheduler, worker]);
      expect(restarts).toBe(times);
      // the restarts cut load tries mid-transaction: those failed and were retried
      expect(summary.failedLoads).toBeGreaterThanOrEqual(times);
      process.stdout.write(`private cluster restarted ${times} times; ${summary.text}\n`);
    },
    longOr(150_000, 400_000),
  );
});
