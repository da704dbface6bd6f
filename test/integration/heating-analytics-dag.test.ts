/**
 * The tado pair through the orchestrator: tado_etl (dags/tado_etl.ts) loads days from the
 * simulator over real HTTP, each load records an asset event on tado://warehouse, and
 * heating_analytics (dags/heating_analytics.ts) runs on those events with the process executor,
 * writing schema `analytics` in the real Postgres. Needs `npm run build` (the task programs).
 *
 * Proves: the events of a backfill held while the consumer is paused are consumed by one run that
 * analyses exactly those days; events arriving while it runs are batched into later runs with none
 * lost or doubled; clearing the run, or re-loading a day, leaves every analytics row as it was; a
 * half-loaded zone-day fails the run naming zone and date while the other zone-days are analysed
 * and stored, and nothing of the bad zone-day stays.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import type { Dag } from '../../src/core/types.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { clearTaskInstances, createBackfill, triggerDagRun } from '../../src/scheduler/dag-run-service.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const ANALYTICS_TABLES = [
  'zone_days',
  'zone_minute',
  'zone_day_metrics',
  'home_day_metrics',
  'weather_dependence',
  'monthly_metrics',
  'yearly_metrics',
  'unusual_days',
] as const;

let h: TestOrchestrator;
let sim: TadoSimulator;
let etl: Dag;
let analytics: Dag;

async function q<T>(query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(h.rt.db)).rows;
}

/**
 * Every row of every analytics table as JSON text, sorted: what "the same rows" means. Without
 * provenance (`dag_run_id`, `analysed_at`, `computed_at`: which run wrote it, and when) when
 * `withProvenance` is false; `except` leaves one zone-day out.
 */
async function snapshot(
  withProvenance = true,
  except?: { zoneId: number; date: string },
): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const t of ANALYTICS_TABLES) {
    const value = withProvenance
      ? sql`to_jsonb(t)`
      : sql`to_jsonb(t) - 'dag_run_id' - 'analysed_at' - 'computed_at'`;
    const dateColumn = t === 'zone_minute' ? sql`t.local_date` : sql`t.date`;
    const filter =
      except === undefined || !['zone_days', 'zone_minute', 'zone_day_metrics'].includes(t)
        ? sql`true`
        : sql`NOT (t.zone_id = ${except.zoneId} AND ${dateColumn} = ${except.date}::date)`;
    const rows = await q<{ r: string }>(
      sql`SELECT (${value})::text AS r FROM ${sql.table(`analytics.${t}`)} t WHERE ${filter}`,
    );
    out[t] = rows.map((x) => x.r).sort();
  }
  return out;
}

async function backfill(from: string, to: string, reprocess: 'none' | 'completed' = 'none'): Promise<void> {
  const { backfill: b, plan } = await createBackfill(h.rt.deps, etl, {
    from: parseDagDate(from, etl.timezone, false),
    to: parseDagDate(to, etl.timezone, true),
    maxActiveRuns: 4,
    reprocess,
  });
  await waitFor(
    `tado_etl backfill ${from}..${to}`,
    async () => {
      const c = await countRunsByState(h.rt.db, { backfillId: b?.id ?? '' });
      return (c.success ?? 0) === plan.length ? c : (c.failed ?? 0) > 0 ? c : undefined;
    },
    180_000,
    200,
  );
}

/** Waits until heating_analytics has no pending event and no active run; its runs by state. */
async function analyticsSettled(): Promise<{ run_id: string; state: string; events: number }[]> {
  await waitFor(
    'heating_analytics to consume its events',
    async () => {
      const [r] = await q<{ pending: number; active: number }>(sql`
        SELECT (SELECT count(*)::int FROM heatflow.asset_dag_run_queue WHERE target_dag_id = 'heating_analytics') AS pending,
               (SELECT count(*)::int FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics' AND state IN ('queued', 'running')) AS active`);
      return r !== undefined && r.pending === 0 && r.active === 0 ? true : undefined;
    },
    180_000,
    250,
  );
  return q(sql`
    SELECT r.run_id, r.state,
      (SELECT count(*)::int FROM heatflow.dag_run_asset_events e WHERE e.dag_run_id = r.id) AS events
    FROM heatflow.dag_runs r WHERE r.dag_id = 'heating_analytics' ORDER BY r.id`);
}

beforeAll(async () => {
  sim = await startTadoSimulator({ seed: 1, now: () => new Date('2022-04-20T11:00:00Z') });
  h = await createTestOrchestrator('analytics_dag', {
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
    { mode: 0o600 },
  );
  const bag = await h.rt.registry.refresh();
  const e = bag.dags.get('tado_etl')?.dag;
  const a = bag.dags.get('heating_analytics')?.dag;
  if (e === undefined || a === undefined)
    throw new Error(`DAGs missing: ${JSON.stringify(bag.importErrors)}`);
  etl = e;
  analytics = a;
  await syncDagBag(h.rt.db, bag, new Date());
  await setDagPaused(h.rt.db, 'tado_etl', true);
  await setDagPaused(h.rt.db, 'heating_analytics', true);
  await h.startWorker({ concurrency: 4 });
  await h.startScheduler();
}, 120_000);

afterAll(async () => {
  await h?.cleanup();
  await sim?.close();
});

describe('heating_analytics on tado_etl’s asset events', () => {
  it('consumes the events a paused consumer kept in one run that analyses exactly those days', async () => {
    // 2022-03-25..31 holds the spring-forward day (27 March: 23 hours)
    await backfill('2022-03-25', '2022-03-31');
    const [pending] = await q<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM heatflow.asset_dag_run_queue WHERE target_dag_id = 'heating_analytics'`,
    );
    expect(pending?.n).toBe(7);
    await setDagPaused(h.rt.db, 'heating_analytics', false);
    const runs = await analyticsSettled();
    expect(runs.map((r) => [r.state, r.events])).toEqual([['success', 7]]);

    const days = await q<{ date: string; n: number; minutes: number }>(sql`
      SELECT date::text, count(*)::int AS n, sum(minutes)::int AS minutes FROM analytics.zone_days
      WHERE status = 'analysed' GROUP BY date ORDER BY date`);
    // three HEATING zones exist in March 2022 (the study is created in June)
    expect(days.map((d) => [d.date, d.n])).toEqual(
      ['25', '26', '27', '28', '29', '30', '31'].map((d) => [`2022-03-${d}`, 3]),
    );
    expect(days.find((d) => d.date === '2022-03-27')?.minutes).toBe(3 * 1380);
    const [minutes] = await q<{ n: number }>(sql`SELECT count(*)::int AS n FROM analytics.zone_minute`);
    expect(minutes?.n).toBe(3 * (7 * 1440 - 60));
    const [homeDays] = await q<{ n: number }>(sql`SELECT count(*)::int AS n FROM analytics.home_day_metrics`);
    expect(homeDays?.n).toBe(7);
    const fits = await q<{ zone_id: number | null; n: number }>(
      sql`SELECT zone_id, n FROM analytics.weather_dependence WHERE year = 2022 ORDER BY zone_id NULLS FIRST`,
    );
    expect(fits.map((f) => [f.zone_id, f.n])).toEqual([
      [null, 7],
      [1, 7],
      [2, 7],
      [3, 7],
    ]);
    // the run's events name its days: its data interval spans the seven tado_etl intervals
    const [run] = await q<{ start: Date; end: Date }>(sql`
      SELECT data_interval_start AS start, data_interval_end AS end FROM heatflow.dag_runs
      WHERE dag_id = 'heating_analytics'`);
    expect(run?.start.toISOString()).toBe('2022-03-25T01:00:00.000Z');
    expect(run?.end.toISOString()).toBe('2022-04-01T00:00:00.000Z'); // 01:00 BST
  });

  it('batches events that arrive while a run is active into later runs, none lost or doubled', async () => {
    await backfill('2022-04-01', '2022-04-06');
    const runs = await analyticsSettled();
    const later = runs.slice(1);
    expect(later.length).toBeGreaterThanOrEqual(1);
    expect(later.every((r) => r.state === 'success')).toBe(true);
    expect(later.reduce((n, r) => n + r.events, 0)).toBe(6);
    const [events] = await q<{ n: number; linked: number }>(sql`
      SELECT count(*)::int AS n, count(DISTINCT l.event_id)::int AS linked
      FROM heatflow.asset_events e JOIN heatflow.assets a ON a.id = e.asset_id
      LEFT JOIN heatflow.dag_run_asset_events l ON l.event_id = e.id
      WHERE a.uri = 'tado://warehouse'`);
    expect(events).toEqual({ n: 13, linked: 13 });
    // each heating_analytics run that succeeded updated its own outlet
    const [own] = await q<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM heatflow.asset_events e JOIN heatflow.assets a ON a.id = e.asset_id
      WHERE a.uri = 'analytics://heating' AND e.source_dag_id = 'heating_analytics'`);
    expect(own?.n).toBe(runs.length);
    const [analysed] = await q<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM analytics.zone_days WHERE status = 'analysed'`,
    );
    expect(analysed?.n).toBe(3 * 13);
  });

  it('leaves every analytics row as it was when its run is cleared or a day is re-loaded', async () => {
    const before = await snapshot(false);
    expect(before.zone_minute?.length).toBe(3 * (13 * 1440 - 60));
    const [first] = await q<{ run_id: string }>(
      sql`SELECT run_id FROM heatflow.dag_runs WHERE dag_id = 'heating_analytics' ORDER BY id LIMIT 1`,
    );
    await clearTaskInstances(h.rt.deps, analytics, { runIds: [first?.run_id ?? ''] });
    await analyticsSettled();
    // the same rows; only the provenance columns (dag_run_id, analysed_at / computed_at) name the
    // run that wrote them last
    expect(await snapshot(false)).toEqual(before);
    const [rewritten] = await q<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM analytics.zone_days WHERE dag_run_id = ${first?.run_id ?? ''}`,
    );
    expect(rewritten?.n).toBe(3 * 8); // its 7 days and 1 April, the neighbour it re-analyses

    // re-loading 2022-03-29 emits a new event; its run re-analyses the day to the same rows
    // (only the provenance columns name the new run)
    const plain = before;
    await backfill('2022-03-29', '2022-03-29', 'completed');
    const runs = await analyticsSettled();
    expect(runs.at(-1)).toMatchObject({ state: 'success', events: 1 });
    expect(await snapshot(false)).toEqual(plain);
  });

  it('skips named dates that were never loaded (a manual range wider than the backfill), rejecting none', async () => {
    const before = await snapshot(false);
    // loaded: 2022-03-25..2022-04-06; asked: up to 2022-04-12
    await triggerDagRun(h.rt.deps, analytics, { conf: { dates: '2022-04-05..2022-04-12' } });
    const runs = await analyticsSettled();
    expect(runs.at(-1)?.state).toBe('success');
    const [unloaded] = await q<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM analytics.zone_days WHERE date > '2022-04-06'`,
    );
    expect(unloaded?.n).toBe(0);
    expect(await snapshot(false)).toEqual(before);
  });

  it('fails a run naming zone and date for a half-loaded zone-day, and stores every other', async () => {
    const bad = { zoneId: 2, date: '2022-03-29' };
    const before = await snapshot(false, bad);
    // half of Bedroom's readings of 29 March disappear
    await sql`DELETE FROM tado.interior WHERE zone_id = 2 AND report_date = '2022-03-29'
      AND ts >= '2022-03-29T12:00:00Z'`.execute(h.rt.db);
    await triggerDagRun(h.rt.deps, analytics, { conf: { dates: '2022-03-28..2022-03-30' } });
    const runs = await analyticsSettled();
    const last = runs.at(-1);
    expect(last?.state).toBe('failed');
    const tis = await q<{ task_id: string; state: string; state_reason: string | null }>(sql`
      SELECT task_id, state, state_reason FROM heatflow.task_instances
      WHERE dag_id = 'heating_analytics' AND run_id = ${last?.run_id ?? ''} ORDER BY task_id`);
    expect(Object.fromEntries(tis.map((t) => [t.task_id, t.state]))).toEqual({
      clean: 'success',
      daily_metrics: 'success',
      merge: 'success',
      quality_check: 'failed',
      resample: 'success',
      unusual_days: 'success',
      weather_dependence: 'success',
    });
    const reason = tis.find((t) => t.task_id === 'quality_check')?.state_reason ?? '';
    expect(reason).toMatch(/zone 2 \(Bedroom\) 2022-03-29: tado\.interior has \d+ of the day's 96 readings/);

    const [row] = await q<{ status: string; reason: string; minutes: number; metrics: number }>(sql`
      SELECT status, reason,
        (SELECT count(*)::int FROM analytics.zone_minute WHERE zone_id = 2 AND local_date = '2022-03-29') AS minutes,
        (SELECT count(*)::int FROM analytics.zone_day_metrics WHERE zone_id = 2 AND date = '2022-03-29') AS metrics
      FROM analytics.zone_days WHERE zone_id = 2 AND date = '2022-03-29'`);
    expect(row).toMatchObject({ status: 'rejected', minutes: 0, metrics: 0 });
    expect(row?.reason).toMatch(/zone 2 \(Bedroom\) 2022-03-29/);
    // every other zone-day's rows are as they were (home-days, fits, monthly and yearly figures and
    // unusual days are recomputed without the bad zone-day: those of other tables may change)
    const after = await snapshot(false, bad);
    for (const t of ['zone_days', 'zone_minute', 'zone_day_metrics'] as const)
      expect(after[t]).toEqual(before[t]);
    const [home] = await q<{ zones: number }>(
      sql`SELECT zones FROM analytics.home_day_metrics WHERE date = '2022-03-29'`,
    );
    expect(home?.zones).toBe(2);
    // the failed run did not update its outlet: consumers of analytics://heating are not triggered
    const [own] = await q<{ n: number }>(sql`
      SELECT count(*)::int AS n FROM heatflow.asset_events WHERE source_run_id = ${last?.run_id ?? ''}`);
    expect(own?.n).toBe(0);
  });
});
