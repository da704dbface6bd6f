/**
 * The tado_etl DAG (dags/tado_etl.ts) through the orchestrator: scheduler, worker, process
 * executor, the simulator over real HTTP and the real Postgres warehouse. Row counts on a short
 * range, re-runs that leave the tables unchanged, and a bad day that fails only its own run.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import type { Dag } from '../../src/core/types.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { clearTaskInstances, createBackfill } from '../../src/scheduler/dag-run-service.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const TABLES = [
  'zones',
  'days',
  'interior',
  'weather',
  'call_for_heat',
  'settings',
  'device_connected',
  'ac_activity',
] as const;
let h: TestOrchestrator;
let sim: TadoSimulator;
let dag: Dag;

async function counts(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of TABLES) {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(`tado.${t}`)}`.execute(
      h.rt.db,
    );
    out[t] = r.rows[0]?.n ?? -1;
  }
  return out;
}

async function backfill(from: string, to: string, reprocess: 'none' | 'completed' = 'none') {
  const { backfill: b, plan } = await createBackfill(h.rt.deps, dag, {
    from: parseDagDate(from, dag.timezone, false),
    to: parseDagDate(to, dag.timezone, true),
    maxActiveRuns: 4,
    reprocess,
  });
  const id = b?.id ?? '';
  await waitFor(
    `backfill ${from}..${to}`,
    async () => {
      const c = await countRunsByState(h.rt.db, { backfillId: id });
      return (c.success ?? 0) + (c.failed ?? 0) === plan.length ? c : undefined;
    },
    240_000,
    200,
  );
  return countRunsByState(h.rt.db, { backfillId: id });
}

beforeAll(async () => {
  // The simulator's clock stands on 2022-04-05 12:00 London: the report of that day is cut short.
  sim = await startTadoSimulator({ seed: 7, now: () => new Date('2022-04-05T11:00:00Z') });
  h = await createTestOrchestrator('etl', { dagsDir: path.resolve('dags') });
  Object.assign(process.env, {
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: path.join(h.config.HEATFLOW_DATA_DIR, 'tado-token.json'),
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_ETL_RETRIES: '1',
    TADO_ETL_RETRY_DELAY_MS: '200',
    DATABASE_URL: h.database.url,
  });
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(h.config.HEATFLOW_DATA_DIR, { recursive: true });
  await writeFile(
    process.env.TADO_TOKEN_FILE as string,
    JSON.stringify({ refresh_token: 'heatflow-simulator' }),
    { mode: 0o600 },
  );
  const bag = await h.rt.registry.refresh();
  const found = bag.dags.get('tado_etl');
  if (found === undefined) throw new Error(`tado_etl not loaded: ${JSON.stringify(bag.importErrors)}`);
  dag = found.dag;
  await syncDagBag(h.rt.db, bag, new Date());
  await setDagPaused(h.rt.db, 'tado_etl', true); // only the backfills below, no catchup to today
  await h.startScheduler();
  await h.startWorker({ concurrency: 4 });
}, 120_000);

afterAll(async () => {
  await h.cleanup();
  await sim.close();
});

describe('tado_etl through scheduler and worker', () => {
  it('backfills 2022-03-25..2022-03-29 (DST on the 27th) with the row counts the reports imply', async () => {
    expect(await backfill('2022-03-25', '2022-03-29')).toEqual({ success: 5 });
    const c = await counts();
    // The simulated home has its heating zones created before 2022 except one (mid-2022), and an
    // air-conditioning zone, so the days table holds those zones x 5 days; interior holds each
    // zone's distinct 15-minute points: the five local days (24+24+23+24+24 = 119 h) plus the
    // 15-minute margins = 476 + 3. Hot water has no day report.
    const reportZones = sim.home.zones.filter(
      (z) =>
        (z.type === 'HEATING' || z.type === 'AIR_CONDITIONING') &&
        new Date(z.dateCreated) < new Date('2022-03-25'),
    );
    expect(reportZones.map((z) => z.id)).toEqual([1, 2, 3, 5]);
    expect(c.days).toBe(reportZones.length * 5);
    expect(c.interior).toBe(reportZones.length * (119 * 4 + 3));
    for (const t of TABLES) expect(c[t], t).toBeGreaterThan(0);
  }, 300_000);

  it('re-running days (tasks clear, --reprocess completed) leaves every table with the same rows', async () => {
    const before = await counts();
    const cleared = await clearTaskInstances(h.rt.deps, dag, {
      start: parseDagDate('2022-03-27', dag.timezone, false),
      end: parseDagDate('2022-03-27', dag.timezone, true),
    });
    expect(cleared).toHaveLength(4);
    await waitFor(
      'the cleared day to succeed again',
      async () => {
        const r = await h.rt.db
          .selectFrom('heatflow.dag_runs')
          .select('state')
          .where('run_id', 'like', 'backfill__2022-03-27%')
          .executeTakeFirst();
        const tis = await h.rt.db
          .selectFrom('heatflow.task_instances')
          .select('try_number')
          .where('run_id', 'like', 'backfill__2022-03-27%')
          .where('task_id', '=', 'load')
          .executeTakeFirst();
        return r?.state === 'success' && tis?.try_number === 2 ? true : undefined;
      },
      120_000,
    );
    expect(await counts()).toEqual(before);
    expect(await backfill('2022-03-26', '2022-03-28', 'completed')).toEqual({ success: 3 });
    expect(await counts()).toEqual(before);
  }, 300_000);

  it('a bad day (report cut short) fails that run only, with the reason in the task log; other days go on', async () => {
    const states = await backfill('2022-04-03', '2022-04-05');
    expect(states).toEqual({ success: 2, failed: 1 });
    const failed = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .selectAll()
      .where('state', '=', 'failed')
      .execute();
    expect(failed.map((r) => r.run_id)).toEqual(['backfill__2022-04-05T00:00:00+00:00']);
    const tis = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('run_id', '=', failed[0]?.run_id ?? '')
      .execute();
    const bad = tis.find((t) => t.state === 'failed');
    expect(bad?.task_id).toMatch(/extract|validate/);
    expect(tis.find((t) => t.task_id === 'load')?.state).toBe('upstream_failed');
    const log = await readFile(
      path.join(
        h.config.HEATFLOW_LOG_DIR,
        'dag_id=tado_etl',
        `run_id=${failed[0]?.run_id}`,
        `task_id=${bad?.task_id}`,
        `attempt=${bad?.try_number}.log`,
      ),
      'utf8',
    );
    expect(log).toMatch(/cut short|before its window closed|fetched before/i);
  }, 300_000);
});
