/**
 * `heatflow demo` as a user runs it (built CLI, child process) on a short range, against a
 * throwaway database: it migrates, starts the simulator, scheduler and worker, backfills, prints a
 * JSON summary and exits 0.
 */
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

let h: TestOrchestrator;
beforeAll(async () => {
  h = await createTestOrchestrator('demo', { dagsDir: path.resolve('dags') });
});
afterAll(async () => h.cleanup());

const demo = (args: string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    const child = spawn(process.execPath, [path.resolve('dist/src/cli/main.js'), 'demo', ...args], {
      env: { ...h.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let o = '';
    let e = '';
    child.stdout.on('data', (c: Buffer) => (o += c.toString()));
    child.stderr.on('data', (c: Buffer) => (e += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 170_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, out: o, err: e });
    });
  });

it('demo --serve on a port in use fails before the backfill, naming the port and its variable', async () => {
  const busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const port = (busy.address() as AddressInfo).port;
  try {
    const r = await demo(['-s', '2022-12-01', '-e', '2022-12-01', '--serve'], {
      HEATFLOW_WEB_PORT: String(port),
    });
    expect(r.code).toBe(1);
    expect(r.err).toContain(`--serve: port ${port} (HEATFLOW_WEB_PORT) is in use`);
    expect(await h.rt.db.selectFrom('heatflow.dag_runs').select('run_id').execute()).toEqual([]);
    // a fresh database: the demo recorded both DAGs; tado_etl stays paused (no catchup up to
    // today), and says so; heating_analytics gets the flag its DAG file gives a new DAG
    expect(r.err).toContain('demo: tado_etl stays paused (new here');
    const flags = await h.rt.db
      .selectFrom('heatflow.dags')
      .select(['dag_id', 'is_paused'])
      .orderBy('dag_id')
      .execute();
    expect(flags).toEqual([
      { dag_id: 'heating_analytics', is_paused: false },
      { dag_id: 'tado_etl', is_paused: true },
    ]);
  } finally {
    busy.close();
  }
}, 60_000);

it('demo -s 2022-12-06 -e 2022-12-08 --json prints runs, rows per table and wall time', async () => {
  const since = new Date();
  const { code, out, err } = await demo(['-s', '2022-12-06', '-e', '2022-12-08', '--json'], {
    HEATFLOW_FERNET_KEY: '',
  });
  expect(code, err).toBe(0);
  // no key: the warning as the other commands print it (text on stderr, once), not a JSON log line
  const warnings = err.split('\n').filter((l) => l.includes('HEATFLOW_FERNET_KEY is not set'));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/^WARNING: HEATFLOW_FERNET_KEY is not set: /);
  // the event log has the demo's backfill, as `dags backfill` records one, and its pause changes
  // (heating_analytics unpaused: what starts the analysis), each as the CLI with command demo
  const events = await h.rt.db
    .selectFrom('heatflow.log')
    .select(['event', 'dag_id', 'source', 'owner', 'extra'])
    .where('dttm', '>=', since)
    .orderBy('id')
    .execute();
  expect(events.map((e) => `${e.event} ${e.dag_id ?? ''}`)).toEqual([
    'pause tado_etl',
    'pause heating_analytics',
    'backfill tado_etl',
    'unpause heating_analytics',
  ]);
  expect(events.every((e) => e.source === 'cli' && e.owner === os.userInfo().username)).toBe(true);
  expect(events.every((e) => (e.extra as { command?: string }).command === 'demo')).toBe(true);
  expect(events[2]?.extra).toMatchObject({
    from_date: '2022-12-06T00:00:00.000Z',
    to_date: '2022-12-08T23:59:59.999Z',
    reprocess_behavior: 'failed',
    runs: 3,
  });
  const summary = JSON.parse(out) as {
    runs: Record<string, number>;
    rows: Record<string, number>;
    flagged: Record<string, number>;
    wall_time_s: number;
    executor: string;
    heating_analytics: {
      runs: Record<string, number>;
      asset_events_consumed: number;
      reports: {
        year: number;
        homes: {
          scopes: {
            zoneId: number | null;
            yearly: { days: number } | null;
            zoneDays: { analysed: number; rejected: number; rejectedDays: unknown[] };
          }[];
        }[];
      }[];
    } | null;
  };
  expect(summary.runs).toEqual({ success: 3 });
  // heating_analytics ran on the three loads' asset events, in one asset-triggered run
  expect(summary.heating_analytics?.runs).toEqual({ success: 1 });
  expect(summary.heating_analytics?.asset_events_consumed).toBe(3);
  const report = summary.heating_analytics?.reports.find((r) => r.year === 2022);
  const home = report?.homes[0]?.scopes.find((s) => s.zoneId === null);
  expect(home?.zoneDays).toEqual({ analysed: 12, rejected: 0, rejectedDays: [] });
  expect(home?.yearly?.days).toBe(3);
  expect(report?.homes[0]?.scopes.map((s) => s.zoneId)).toEqual([null, 1, 2, 3, 4]);
  expect(summary.executor).toBe('process');
  // four heating zones (one created mid-2022) and the air-conditioning zone x 3 days; the AC
  // zone is not analysed (the home's 12 zone-days above)
  expect(summary.rows.days).toBe(15);
  // December 2022 is recent enough for real history: no placeholder day; the counts are there
  expect(summary.flagged).toMatchObject({ placeholder_zone_days: 0, placeholder_readings: 0 });
  expect(summary.flagged.device_offline_readings).toBeGreaterThanOrEqual(0);
  expect(summary.rows.interior).toBe(5 * (72 * 4 + 3));
  expect(summary.rows.ac_activity).toBeGreaterThanOrEqual(3); // at least one interval per AC zone-day
  expect(summary.wall_time_s).toBeGreaterThan(0);
}, 180_000);

it('Ctrl-C stops the demo with no try left running, and the next demo finishes the range', async () => {
  const child = spawn(
    process.execPath,
    [path.resolve('dist/src/cli/main.js'), 'demo', '-s', '2022-01-01', '-e', '2022-01-31', '--json'],
    // a short retry delay: the interrupted tries are retried when the next demo runs
    { env: { ...h.env, TADO_ETL_RETRY_DELAY_MS: '1000' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  await waitFor(
    'a few runs to succeed and tries to be running',
    async () => {
      const ok = await h.rt.db
        .selectFrom('heatflow.dag_runs')
        .select('run_id')
        .where('state', '=', 'success')
        .execute();
      const running = await h.rt.db
        .selectFrom('heatflow.task_instances')
        .select('task_id')
        .where('state', '=', 'running')
        .execute();
      return ok.length >= 2 && running.length > 0 ? true : undefined;
    },
    120_000,
    20,
  );
  child.kill('SIGINT');
  expect(await exited, err).toBe(130);
  expect(err).toContain('demo: interrupted (SIGINT)');
  const left = await h.rt.db
    .selectFrom('heatflow.task_instances')
    .select(['run_id', 'task_id', 'state'])
    .where('state', '=', 'running')
    .execute();
  expect(left).toEqual([]);
  const again = await demo(['-s', '2022-01-01', '-e', '2022-01-31', '--json'], {
    TADO_ETL_RETRY_DELAY_MS: '1000',
  });
  expect(again.code, again.err).toBe(0);
  const summary = JSON.parse(again.out) as { runs: Record<string, number>; plan: { resumed: number } };
  expect(summary.runs).toEqual({ success: 31 });
  expect(summary.plan.resumed).toBeGreaterThan(0);
}, 240_000);
