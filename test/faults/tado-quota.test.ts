/**
 * Fault: the tado daily quota is spent when a backfill starts (issue 14 item 2). tado_etl
 * (dags/tado_etl.ts, the built task programs) through the scheduler, the worker and the process
 * executor, against the simulator over real HTTP and the real Postgres warehouse: every extract
 * meets the spent quota, waits in `up_for_reschedule` until the refill the 429 announced, and the
 * backfill ends with every run successful and not one retry spent. And a dead sign-in (no token
 * file) fails extract at once, in one try, with the hint to run `heatflow tado login`.
 *
 * Needs `npm run build` (the DAG runs dist/ programs).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
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
const RETRIES = 2;

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
async function setUp(
  tag: string,
  s: TadoSimulator,
  tokenFile: string | null,
): Promise<{ t: TestOrchestrator; dag: Dag }> {
  const t = await createTestOrchestrator(tag, { dagsDir: path.resolve('dags') });
  const file = path.join(t.config.HEATFLOW_DATA_DIR, 'tado', 'tado-token.json');
  Object.assign(process.env, {
    TADO_API_URL: s.apiUrl,
    TADO_AUTH_URL: s.authUrl,
    TADO_TOKEN_FILE: file,
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_RETRIES: '0',
    TADO_ETL_RETRIES: String(RETRIES),
    TADO_ETL_RETRY_DELAY_MS: '200',
    DATABASE_URL: t.database.url,
  });
  await mkdir(path.dirname(file), { recursive: true });
  if (tokenFile !== null) await writeFile(file, tokenFile, { mode: 0o600 });
  else await rm(file, { force: true });
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

describe('fault: tado quota spent, then refilled', () => {
  it('a 3-day backfill waits in up_for_reschedule for the refill and ends all success, no retry spent', async () => {
    const refillS = 6;
    sim = await startTadoSimulator({
      seed: 1,
      quota: 100,
      quotaWindowS: refillS,
      now: () => new Date(Date.now() - SIM_OFFSET_MS),
    });
    const { t, dag } = await setUp('quota', sim, JSON.stringify({ refresh_token: 'heatflow-simulator' }));
    h = t;
    // spent only now, once the processes are up: on a loaded machine their start alone can take
    // longer than the refill, and the first extract then found the quota full again
    sim.setRemaining(0); // the window starts now: spent until it refills `refillS` s later
    const spentAt = Date.now();
    const { counts, runs } = await backfill(t, dag, '2022-03-01', '2022-03-03');
    expect(runs).toBe(3);
    expect(counts).toEqual({ success: 3 });

    const tries = await t.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['run_id', 'task_id', 'try_number', 'state', 'exit_code', 'error', 'start_date', 'end_date'])
      .where('dag_id', '=', 'tado_etl')
      .orderBy('run_id')
      .orderBy('task_id')
      .orderBy('try_number')
      .execute();
    // not one failed try anywhere: no retry spent
    expect(tries.filter((x) => x.state === 'failed')).toEqual([]);
    const extracts = tries.filter((x) => x.task_id === 'extract');
    const byRun = new Map<string, typeof extracts>();
    for (const x of extracts) byRun.set(x.run_id, [...(byRun.get(x.run_id) ?? []), x]);
    expect(byRun.size).toBe(3);
    for (const [runId, list] of byRun) {
      // each day's extract passed through up_for_reschedule (exit 97) before its successful try
      const states = list.map((x) => x.state);
      expect(states.at(-1), runId).toBe('success');
      expect(states.slice(0, -1).length, runId).toBeGreaterThanOrEqual(1);
      expect(new Set(states.slice(0, -1)), runId).toEqual(new Set(['up_for_reschedule']));
      for (const r of list.slice(0, -1)) {
        expect(r.exit_code).toBe(97);
        expect(r.error).toMatch(/^rescheduled until \S+Z: .*tado daily request quota/);
      }
      // the successful try ran only after the refill
      expect(list.at(-1)?.start_date?.getTime() ?? 0).toBeGreaterThanOrEqual(spentAt + refillS * 1000 - 1000);
    }
    // the other tasks ran once each
    expect(tries.filter((x) => x.task_id !== 'extract').map((x) => x.try_number)).toEqual(Array(9).fill(1));
    // each reschedule granted its own try: retries left untouched (max_tries = retries + reschedules)
    const tis = await t.rt.db
      .selectFrom('heatflow.task_instances')
      .select(['run_id', 'try_number', 'max_tries', 'state'])
      .where('dag_id', '=', 'tado_etl')
      .where('task_id', '=', 'extract')
      .execute();
    for (const ti of tis) {
      const reschedules = (byRun.get(ti.run_id) ?? []).length - 1;
      expect([ti.state, ti.max_tries - reschedules, ti.try_number]).toEqual([
        'success',
        RETRIES,
        reschedules + 1,
      ]);
    }
    // the warehouse holds the three days
    const days = await sql<{ n: number }>`SELECT count(DISTINCT date)::int AS n FROM tado.days`.execute(
      t.rt.db,
    );
    expect(days.rows[0]?.n).toBe(3);
    const stats = sim.stats();
    expect(stats.byStatus['429'] ?? 0).toBeGreaterThanOrEqual(1);
    console.log(
      `quota fault: ${extracts.length - 3} reschedules of 3 extracts, ${stats.byStatus['429'] ?? 0} 429s, ` +
        `${stats.apiRequests} API requests, ${Date.now() - spentAt} ms from spent quota to the end`,
    );
  }, 240_000);
});

describe('fault: spurious 429s with Retry-After', () => {
  it('are short reschedules (the seconds tado asked for), not spent retries', async () => {
    sim = await startTadoSimulator({ seed: 1, now: () => new Date(Date.now() - SIM_OFFSET_MS) });
    sim.throttleNext(2, 2);
    const { t, dag } = await setUp('throttle', sim, JSON.stringify({ refresh_token: 'heatflow-simulator' }));
    h = t;
    const { counts } = await backfill(t, dag, '2022-03-01', '2022-03-02');
    expect(counts).toEqual({ success: 2 });
    const tries = await t.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['run_id', 'task_id', 'try_number', 'state', 'error', 'end_date'])
      .where('dag_id', '=', 'tado_etl')
      .orderBy('run_id')
      .orderBy('try_number')
      .execute();
    expect(tries.filter((x) => x.state === 'failed')).toEqual([]);
    const rescheduled = tries.filter((x) => x.state === 'up_for_reschedule');
    // each throttled request ended one try, which waited the 2 s of Retry-After
    expect(rescheduled.map((x) => x.task_id)).toEqual(['extract', 'extract']);
    for (const r of rescheduled) {
      const until = Date.parse(/until (\S+):/.exec(r.error ?? '')?.[1] ?? '');
      const waitMs = until - (r.end_date?.getTime() ?? 0);
      expect(waitMs).toBeGreaterThan(1000);
      expect(waitMs).toBeLessThan(3000);
      expect(r.error).toContain('HTTP 429');
      const next = tries.find(
        (x) => x.run_id === r.run_id && x.task_id === 'extract' && x.try_number === r.try_number + 1,
      );
      expect(next?.state).toMatch(/^(success|up_for_reschedule)$/);
    }
    expect(sim.stats().byStatus['429']).toBe(2);
  }, 240_000);
});

describe('fault: tado sign-in dead', () => {
  it('without a token file extract fails at once in one try, naming `heatflow tado login`', async () => {
    sim = await startTadoSimulator({ seed: 1, now: () => new Date(Date.now() - SIM_OFFSET_MS) });
    const { t, dag } = await setUp('auth', sim, null);
    h = t;
    const { counts } = await backfill(t, dag, '2022-03-01', '2022-03-01');
    expect(counts).toEqual({ failed: 1 });
    const tries = await t.rt.db
      .selectFrom('heatflow.task_tries')
      .select(['task_id', 'try_number', 'state', 'exit_code', 'error'])
      .where('dag_id', '=', 'tado_etl')
      .execute();
    expect(tries.map((x) => [x.task_id, x.try_number, x.state, x.exit_code])).toEqual([
      ['extract', 1, 'failed', 98],
    ]);
    expect(tries[0]?.error).toMatch(
      /FailTask \[TASK_FAILED_NO_RETRY\]: tado sign-in failed \(not_logged_in\)/,
    );
    expect(tries[0]?.error).toContain('run `heatflow tado login`');
    const tis = await t.rt.db
      .selectFrom('heatflow.task_instances')
      .select(['task_id', 'state'])
      .where('dag_id', '=', 'tado_etl')
      .orderBy('task_id')
      .execute();
    expect(tis.map((x) => [x.task_id, x.state])).toEqual([
      ['extract', 'failed'],
      ['load', 'upstream_failed'],
      ['transform', 'upstream_failed'],
      ['validate', 'upstream_failed'],
    ]);
    expect(sim.stats().apiRequests).toBe(0);
  }, 120_000);
});
