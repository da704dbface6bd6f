/**
 * Fault: tado misbehaving on chosen days of a backfill (issue 14). tado_etl (dags/tado_etl.ts,
 * the built task programs) through the scheduler, the worker and the process executor, against
 * the simulator over real HTTP and the real Postgres warehouse, with faults injected on the day
 * reports of chosen days (`injectDayReportFaults`, test-only, inert unless called):
 *
 * 1. transient faults heal as docs/tado.md says: a 5xx burst no longer than `TADO_RETRIES` and a
 *    request that hangs past `TADO_TIMEOUT_MS` are retried by the client inside one try; a longer
 *    burst spends one task retry; a 429 with `Retry-After` is one `up_for_reschedule`, no retry;
 *    every day ends `success` with its rows.
 * 2. a malformed report (a field of the wrong type) and a truncated one (JSON cut half-way) fail
 *    only their own runs, every try naming the day and what is wrong, with no row of those days.
 *
 * Needs `npm run build` (the DAG runs dist/ programs).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDagDate } from '../../src/core/timetable.js';
import type { Dag } from '../../src/core/types.js';
import { setDagPaused } from '../../src/db/dag-repository.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

/** The simulator's clock runs in real time from 2022-04-10 (all backfilled days are over). */
const SIM_OFFSET_MS = Date.now() - Date.parse('2022-04-10T12:00:00Z');
/** Task retries of each tado_etl task (TADO_ETL_RETRIES). */
const RETRIES = 2;
/** Client retries of one request (TADO_RETRIES). */
const CLIENT_RETRIES = 3;
/** Timeout of one request (TADO_TIMEOUT_MS): generous, the machine may be loaded. */
const TIMEOUT_MS = 4000;
const DATA_TABLES = ['days', 'interior', 'weather', 'call_for_heat', 'settings', 'device_connected'];

let h: TestOrchestrator | undefined;
let sim: TadoSimulator | undefined;
const savedEnv = { ...process.env };
afterEach(async () => {
  await h?.cleanup();
  await sim?.close();
  h = undefined;
  sim = undefined;
  for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
  Object.assign(process.env, savedEnv);
});

/** An orchestrator on the real DAG folder, with the simulator's settings in the worker's environment. */
async function setUp(tag: string, s: TadoSimulator): Promise<{ t: TestOrchestrator; dag: Dag }> {
  const t = await createTestOrchestrator(tag, { dagsDir: path.resolve('dags') });
  const file = path.join(t.config.HEATFLOW_DATA_DIR, 'tado', 'tado-token.json');
  Object.assign(process.env, {
    TADO_API_URL: s.apiUrl,
    TADO_AUTH_URL: s.authUrl,
    TADO_TOKEN_FILE: file,
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_RETRIES: String(CLIENT_RETRIES),
    TADO_RETRY_BASE_DELAY_MS: '100',
    TADO_TIMEOUT_MS: String(TIMEOUT_MS),
    TADO_ETL_RETRIES: String(RETRIES),
    TADO_ETL_RETRY_DELAY_MS: '200',
    DATABASE_URL: t.database.url,
  });
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify({ refresh_token: 'heatflow-simulator' }), { mode: 0o600 });
  const bag = await t.rt.registry.refresh();
  const found = bag.dags.get('tado_etl');
  if (found === undefined) throw new Error(`tado_etl not loaded: ${JSON.stringify(bag.importErrors)}`);
  await syncDagBag(t.rt.db, bag, new Date());
  await setDagPaused(t.rt.db, 'tado_etl', true); // only the backfill, no catchup
  await setDagPaused(t.rt.db, 'heating_analytics', true); // keeps its asset events, runs nothing
  await t.startScheduler();
  await t.startWorker({ concurrency: 4 });
  return { t, dag: found.dag };
}

async function backfill(t: TestOrchestrator, dag: Dag, from: string, to: string) {
  const { backfill: b, plan } = await createBackfill(t.rt.deps, dag, {
    from: parseDagDate(from, dag.timezone, false),
    to: parseDagDate(to, dag.timezone, true),
    maxActiveRuns: 4,
  });
  await waitFor(
    `backfill ${from}..${to}`,
    async () => {
      const c = await countRunsByState(t.rt.db, { backfillId: b?.id ?? '' });
      return (c.success ?? 0) + (c.failed ?? 0) === plan.length ? c : undefined;
    },
    180_000,
    200,
  );
  return { counts: await countRunsByState(t.rt.db, { backfillId: b?.id ?? '' }), runs: plan.length };
}

/** `backfill__2022-03-01T00:00:00+00:00` → `2022-03-01`. */
const dayOf = (runId: string): string => /(\d{4}-\d{2}-\d{2})/.exec(runId)?.[1] ?? runId;

async function triesOf(t: TestOrchestrator) {
  return t.rt.db
    .selectFrom('heatflow.task_tries')
    .select(['run_id', 'task_id', 'try_number', 'state', 'exit_code', 'error', 'end_date'])
    .where('dag_id', '=', 'tado_etl')
    .orderBy('run_id')
    .orderBy('task_id')
    .orderBy('try_number')
    .execute();
}

/** Rows of each data table by report day. */
async function rowsByDay(t: TestOrchestrator): Promise<Record<string, Record<string, number>>> {
  const out: Record<string, Record<string, number>> = {};
  for (const table of DATA_TABLES) {
    const col = table === 'days' ? 'date' : 'report_date';
    const r = await sql<{ d: string; n: number }>`
      SELECT to_char(${sql.ref(col)}, 'YYYY-MM-DD') AS d, count(*)::int AS n
      FROM ${sql.table(`tado.${table}`)} GROUP BY 1`.execute(t.rt.db);
    for (const row of r.rows) (out[row.d] ??= {})[table] = row.n;
  }
  return out;
}

/**
 * Zones with a day report on `date`: heating and air-conditioning zones that existed then
 * (extract skips hot water, which tado answers with an error).
 */
function reportedZones(s: TadoSimulator, date: string) {
  return s.home.zones.filter(
    (z) => (z.type === 'HEATING' || z.type === 'AIR_CONDITIONING') && z.dateCreated.slice(0, 10) <= date,
  );
}

describe('fault: tado 5xx bursts, a 429 with Retry-After, a hanging request', () => {
  it('heal as documented (client retries, one task retry, one reschedule); every day success with its rows', async () => {
    sim = await startTadoSimulator({ seed: 1, now: () => new Date(Date.now() - SIM_OFFSET_MS) });
    const s = sim;
    const first = reportedZones(s, '2022-03-01')[0]?.id ?? -1;
    // a burst the client's retries absorb: 3 × 503, then the 4th attempt answers
    s.injectDayReportFaults('2022-03-01', [{ kind: 'status', status: 503, times: CLIENT_RETRIES }], first);
    // a burst longer than the client's retries: try 1 fails after 4 × 502, try 2 sees one more
    s.injectDayReportFaults(
      '2022-03-02',
      [{ kind: 'status', status: 502, times: CLIENT_RETRIES + 2 }],
      first,
    );
    // a spurious 429 with Retry-After: 2
    s.injectDayReportFaults('2022-03-03', [{ kind: 'throttle', retryAfterS: 2 }], first);
    // a request that never answers: the client times out and retries
    s.injectDayReportFaults('2022-03-04', [{ kind: 'hang' }], first);
    const { t, dag } = await setUp('tadofaults', s);
    h = t;
    const started = Date.now();
    const { counts, runs } = await backfill(t, dag, '2022-03-01', '2022-03-05');
    expect(runs).toBe(5);
    expect(counts).toEqual({ success: 5 });

    const tries = await triesOf(t);
    const extract = (day: string) =>
      tries
        .filter((x) => x.task_id === 'extract' && dayOf(x.run_id) === day)
        .map((x) => [x.try_number, x.state, x.exit_code]);
    // client retries inside one try: one successful extract try
    expect(extract('2022-03-01')).toEqual([[1, 'success', 0]]);
    expect(extract('2022-03-04')).toEqual([[1, 'success', 0]]);
    expect(extract('2022-03-05')).toEqual([[1, 'success', 0]]);
    // the longer burst spends one task retry, naming the day and the status
    expect(extract('2022-03-02')).toEqual([
      [1, 'failed', 1],
      [2, 'success', 0],
    ]);
    const burstError = tries.find((x) => dayOf(x.run_id) === '2022-03-02' && x.state === 'failed')?.error;
    expect(burstError).toContain(`dayReport?date=2022-03-02: HTTP 502 after ${CLIENT_RETRIES + 1} attempts`);
    // the 429 is one reschedule of about the 2 s asked for, no retry spent
    expect(extract('2022-03-03')).toEqual([
      [1, 'up_for_reschedule', 97],
      [2, 'success', 0],
    ]);
    const resched = tries.find((x) => x.state === 'up_for_reschedule');
    expect(resched?.error).toMatch(/^rescheduled until \S+Z: .*dayReport\?date=2022-03-03: HTTP 429/);
    const until = Date.parse(/until (\S+):/.exec(resched?.error ?? '')?.[1] ?? '');
    expect(until - (resched?.end_date?.getTime() ?? 0)).toBeGreaterThan(1000);
    expect(until - (resched?.end_date?.getTime() ?? 0)).toBeLessThan(3000);
    // nothing else failed or was retried
    expect(tries.filter((x) => x.task_id !== 'extract').map((x) => [x.try_number, x.state])).toEqual(
      Array(15).fill([1, 'success']),
    );
    const tis = await t.rt.db
      .selectFrom('heatflow.task_instances')
      .select(['run_id', 'try_number', 'max_tries', 'state'])
      .where('dag_id', '=', 'tado_etl')
      .where('task_id', '=', 'extract')
      .orderBy('run_id')
      .execute();
    // max_tries = retries + reschedules (as Airflow's): the reschedule granted its own try
    expect(tis.map((x) => [dayOf(x.run_id), x.state, x.try_number, x.max_tries])).toEqual([
      ['2022-03-01', 'success', 1, RETRIES],
      ['2022-03-02', 'success', 2, RETRIES],
      ['2022-03-03', 'success', 2, RETRIES + 1],
      ['2022-03-04', 'success', 1, RETRIES],
      ['2022-03-05', 'success', 1, RETRIES],
    ]);
    // the simulator saw exactly the requests the policy implies for the faulted zone-days
    expect(s.dayReportRequests('2022-03-01', first)).toBe(CLIENT_RETRIES + 1);
    expect(s.dayReportRequests('2022-03-02', first)).toBe(CLIENT_RETRIES + 3);
    expect(s.dayReportRequests('2022-03-03', first)).toBe(2);
    expect(s.dayReportRequests('2022-03-04', first)).toBe(2);
    // every day's rows: one `days` row per heating zone, 96 in-day points each (24-hour days)
    const rows = await rowsByDay(t);
    for (const day of ['2022-03-01', '2022-03-02', '2022-03-03', '2022-03-04', '2022-03-05']) {
      const zones = reportedZones(s, day);
      expect(rows[day]?.days, day).toBe(zones.length);
      const inDay = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM tado.interior
        WHERE report_date = ${day}::date AND in_report_day`.execute(t.rt.db);
      expect(inDay.rows[0]?.n, day).toBe(zones.length * 96);
      for (const table of DATA_TABLES) expect(rows[day]?.[table] ?? 0, `${day} ${table}`).toBeGreaterThan(0);
    }
    console.log(`tado faults (transient): 5 runs in ${Date.now() - started} ms`);
  }, 120_000);
});

describe('fault: a malformed and a truncated day report among good days', () => {
  it('fail only their own runs, every try naming the day and what is wrong; no row of those days', async () => {
    sim = await startTadoSimulator({ seed: 1, now: () => new Date(Date.now() - SIM_OFFSET_MS) });
    const s = sim;
    s.injectDayReportFaults('2022-03-02', [{ kind: 'malformed', times: 'always' }]);
    s.injectDayReportFaults('2022-03-04', [{ kind: 'truncated', times: 'always' }]);
    const { t, dag } = await setUp('tadobad', s);
    h = t;
    const started = Date.now();
    const { counts, runs } = await backfill(t, dag, '2022-03-01', '2022-03-05');
    expect(runs).toBe(5);
    expect(counts).toEqual({ success: 3, failed: 2 });
    const failedRuns = await t.rt.db
      .selectFrom('heatflow.dag_runs')
      .select('run_id')
      .where('dag_id', '=', 'tado_etl')
      .where('state', '=', 'failed')
      .orderBy('run_id')
      .execute();
    expect(failedRuns.map((r) => dayOf(r.run_id))).toEqual(['2022-03-02', '2022-03-04']);

    const tries = await triesOf(t);
    for (const [day, what] of [
      [
        '2022-03-02',
        /dayReport\?date=2022-03-02: unexpected response shape at measuredData\.insideTemperature\.dataPoints\[10\]\.value\.celsius: .*number/,
      ],
      ['2022-03-04', /dayReport\?date=2022-03-04: HTTP 200 with an empty or non-JSON body/],
    ] as const) {
      const mine = tries.filter((x) => dayOf(x.run_id) === day);
      // extract fails every try (retries spent: the report is bad each time), nothing after it runs
      expect(
        mine.map((x) => [x.task_id, x.try_number, x.state]),
        day,
      ).toEqual(Array.from({ length: RETRIES + 1 }, (_, i) => ['extract', i + 1, 'failed']));
      for (const x of mine) expect(x.error, `${day} try ${x.try_number}`).toMatch(what);
      const tis = await t.rt.db
        .selectFrom('heatflow.task_instances')
        .select(['task_id', 'state'])
        .where('run_id', '=', mine[0]?.run_id ?? '')
        .orderBy('task_id')
        .execute();
      expect(tis.map((x) => [x.task_id, x.state])).toEqual([
        ['extract', 'failed'],
        ['load', 'upstream_failed'],
        ['transform', 'upstream_failed'],
        ['validate', 'upstream_failed'],
      ]);
      // one request a try: extract stops at the first bad zone report
      expect(s.dayReportRequests(day)).toBe(RETRIES + 1);
    }
    // the good days: every task once, success
    const good = tries.filter((x) => !['2022-03-02', '2022-03-04'].includes(dayOf(x.run_id)));
    expect(good.map((x) => [x.try_number, x.state])).toEqual(Array(12).fill([1, 'success']));
    // the warehouse holds the good days and not one row of the bad ones
    const rows = await rowsByDay(t);
    expect(Object.keys(rows).sort()).toEqual(['2022-03-01', '2022-03-03', '2022-03-05']);
    for (const day of ['2022-03-01', '2022-03-03', '2022-03-05'])
      expect(rows[day]?.days, day).toBe(reportedZones(s, day).length);
    console.log(`tado faults (bad reports): 5 runs in ${Date.now() - started} ms`);
  }, 120_000);
});
