/**
 * A backfilled and analysed range for the heating dashboard's tests: the real tado_etl and
 * heating_analytics DAGs (dags/) run by a scheduler and a worker (process executor) over the
 * simulator's days (seed 1, real HTTP), writing schemas `tado` and `analytics` of a test
 * database, then a web server on a random port. Needs `npm run build` (the task programs).
 *
 * The default range, 2022-03-08..2022-03-27 (20 days), holds the simulated sensor dropout of
 * zone 3 on 8 March (offline span, readings set aside, `low_coverage`) and the spring-forward
 * day of 27 March (23 hours in Europe/London).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { parseDagDate } from '../../src/core/timetable.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from './orchestrator.js';

/** The running fixture. */
export interface HeatingDashboard {
  readonly h: TestOrchestrator;
  readonly web: WebServer;
  readonly from: string;
  readonly to: string;
  /** wall time of backfill + analysis, ms */
  readonly preparedMs: number;
  cleanup(): Promise<void>;
}

/** Backfills `from..to` with tado_etl, lets heating_analytics analyse it, starts the web server. */
export async function createHeatingDashboard(
  tag: string,
  from = '2022-03-08',
  to = '2022-03-27',
): Promise<HeatingDashboard> {
  const started = performance.now();
  const sim: TadoSimulator = await startTadoSimulator({
    seed: 1,
    now: () => new Date('2022-06-20T11:00:00Z'),
  });
  const h = await createTestOrchestrator(tag, {
    dagsDir: path.resolve('dags'),
    env: { HEATFLOW_WORKER_CONCURRENCY: '4' },
  });
  Object.assign(process.env, {
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: path.join(h.config.HEATFLOW_DATA_DIR, 'tado-token.json'),
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_ETL_RETRIES: '1',
    TADO_ETL_RETRY_DELAY_MS: '200',
    HEATING_ANALYTICS_RETRIES: '1',
    HEATING_ANALYTICS_RETRY_DELAY_MS: '200',
    DATABASE_URL: h.database.url,
  });
  await mkdir(h.config.HEATFLOW_DATA_DIR, { recursive: true });
  await writeFile(
    process.env.TADO_TOKEN_FILE as string,
    JSON.stringify({ refresh_token: 'heatflow-simulator' }),
    {
      mode: 0o600,
    },
  );
  const bag = await h.rt.registry.refresh();
  const etl = bag.dags.get('tado_etl')?.dag;
  if (etl === undefined || !bag.dags.has('heating_analytics'))
    throw new Error(`DAGs missing: ${JSON.stringify(bag.importErrors)}`);
  await syncDagBag(h.rt.db, bag, new Date());
  await setDagPaused(h.rt.db, 'tado_etl', true);
  await setDagPaused(h.rt.db, 'heating_analytics', true);
  await h.startWorker({ concurrency: 4 });
  await h.startScheduler();
  const { backfill, plan } = await createBackfill(h.rt.deps, etl, {
    from: parseDagDate(from, etl.timezone, false),
    to: parseDagDate(to, etl.timezone, true),
    maxActiveRuns: 4,
    reprocess: 'none',
  });
  const counts = await waitFor(
    `tado_etl backfill ${from}..${to}`,
    async () => {
      const c = await countRunsByState(h.rt.db, { backfillId: backfill?.id ?? '' });
      return (c.success ?? 0) + (c.failed ?? 0) === plan.length ? c : undefined;
    },
    240_000,
    250,
  );
  if ((counts.failed ?? 0) > 0) throw new Error(`tado_etl backfill failed: ${JSON.stringify(counts)}`);
  // the paused consumer kept every load's event: one run analyses the whole range
  await setDagPaused(h.rt.db, 'heating_analytics', false);
  await waitFor(
    'heating_analytics to analyse the range',
    async () => {
      const { rows } = await sql<{ pending: number; active: number; failed: number }>`
        SELECT (SELECT count(*)::int FROM heatflow.asset_dag_run_queue WHERE target_dag_id = 'heating_analytics') AS pending,
               (SELECT count(*)::int FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics' AND state IN ('queued', 'running')) AS active,
               (SELECT count(*)::int FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics' AND state = 'failed') AS failed`.execute(
        h.rt.db,
      );
      const r = rows[0];
      if (r !== undefined && r.failed > 0) throw new Error('heating_analytics failed');
      return r !== undefined && r.pending === 0 && r.active === 0 ? true : undefined;
    },
    240_000,
    250,
  );
  const web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  return {
    h,
    web,
    from,
    to,
    preparedMs: Math.round(performance.now() - started),
    async cleanup() {
      await web.close();
      await h.cleanup();
      await sim.close();
    },
  };
}
