/**
 * The docker compose stack end to end (issue 7), on a machine with no image registry: runs
 * scripts/compose-e2e.sh once — local stand-in images, `make containers_init containers_up`, a
 * 7-day `make backfill` of tado_etl on the simulator with every try in its own container, the
 * heating_analytics runs its loads' asset events trigger (in containers too), the warehouse, the web page on 127.0.0.1:8080, `make containers_down` — and checks what it saw.
 * The warehouse must match the same days run through the process executor on this machine's
 * Postgres (the script's reference run), so the expected row counts are not written here.
 *
 * Needs root (debootstrap, apt), Docker (installed and started when missing), this machine's
 * Postgres/Redis for the reference, and port 8080 free. Run: `npx vitest run -c test/e2e/vitest.config.ts`.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

interface RowCounts {
  zones: number;
  days: number;
  interior: number;
  weather: number;
  call_for_heat: number;
  settings: number;
  device_connected: number;
  ac_activity: number;
}

/** What scripts/compose-e2e.sh writes to E2E_RESULT. */
interface E2eResult {
  range: { start: string; end: string };
  compose: string;
  namespace: string;
  backfill: { backfillId: string; total: number; success: number; failed: number; wallMs: number } | null;
  runs: Record<string, number>;
  rows: RowCounts;
  /** zone-days of heating zones (AC zones are loaded, not analysed) */
  heatingDays: number | null;
  tries: { tries: number; withContainer: number; succeeded: number; executors: string[] | null };
  containersStarted: number;
  containersStartedOfDag: number;
  containersStartedOfAnalytics: number;
  analytics: {
    runs: Record<string, number>;
    runTypes: string[] | null;
    tries: number;
    triesWithContainer: number;
    executors: string[] | null;
    zoneDaysAnalysed: number;
    zoneMinutes: number;
    fits: number;
  } | null;
  web: {
    url: string;
    status: number;
    mentionsDag: number;
    health: { metadatabase?: { status: string } } | null;
  };
  /** Docker's health status of the scheduler and worker containers (`heatflow jobs check`) */
  serviceHealth: { scheduler: string; worker: string };
  leftoversAfterDown: { containers: number; taskContainers: number; networks: number } | null;
  reference: { runs: Record<string, number>; rows: RowCounts; wallTimeS: number } | null;
  timingsS: Record<string, number>;
}

const DAYS = 7;
const TASKS = ['extract', 'validate', 'transform', 'load'];
let result: E2eResult;

beforeAll(async () => {
  const resultFile = path.join(os.tmpdir(), `heatflow-compose-e2e-${process.pid}.json`);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    const child = spawn('bash', [path.join(repoRoot, 'scripts/compose-e2e.sh')], {
      cwd: repoRoot,
      env: { ...process.env, E2E_RESULT: resultFile, E2E_START: '2022-01-01', E2E_END: '2022-01-07' },
      stdio: ['ignore', 'ignore', 'inherit'], // progress (stderr) straight to the test output
    });
    child.on('error', reject);
    child.on('close', resolve);
  });
  expect(exitCode, 'scripts/compose-e2e.sh exit code (its log is above)').toBe(0);
  result = JSON.parse(await readFile(resultFile, 'utf8')) as E2eResult;
  await rm(resultFile, { force: true });
  process.stderr.write(`compose e2e timings (s): ${JSON.stringify(result.timingsS)}\n`);
});

describe('docker compose stack (make containers_init containers_up, backfill, containers_down)', () => {
  it('backfills 7 days of tado_etl through the scheduler and worker: every run succeeds', () => {
    expect(result.backfill).toMatchObject({ total: DAYS, success: DAYS, failed: 0 });
    expect(result.runs).toEqual({ success: DAYS });
  });

  it('runs every task try in its own container, started by the worker through the socket', () => {
    expect(result.tries.tries).toBe(DAYS * TASKS.length);
    expect(result.tries.succeeded).toBe(DAYS * TASKS.length);
    expect(result.tries.executors).toEqual(['docker']);
    expect(result.tries.withContainer).toBe(result.tries.tries);
    // container start events labelled with the stack's namespace, named <namespace>.<dag>.<task>…
    expect(result.containersStartedOfDag).toBe(DAYS * TASKS.length);
    expect(result.containersStarted).toBe(DAYS * TASKS.length + (result.analytics?.tries ?? 0));
  });

  it("runs heating_analytics on the loads' asset events, each try in its own container", () => {
    const a = result.analytics;
    expect(a, 'no heating_analytics figures').not.toBeNull();
    expect(Object.keys(a?.runs ?? {})).toEqual(['success']);
    expect(a?.runTypes).toEqual(['asset_triggered']);
    expect(a?.executors).toEqual(['docker']);
    expect(a?.triesWithContainer).toBe(a?.tries);
    expect(result.containersStartedOfAnalytics).toBe(a?.tries);
    // every loaded zone-day of a heating zone analysed, a minute grid for each, a fit per scope
    // (the home and its zones); the AC zone's days are loaded, not analysed
    expect(result.heatingDays).toBeGreaterThan(0);
    expect(result.heatingDays).toBeLessThan(result.rows.days);
    expect(a?.zoneDaysAnalysed).toBe(result.heatingDays);
    expect(a?.zoneMinutes).toBeGreaterThanOrEqual((result.heatingDays ?? 0) * 1380);
    expect(a?.fits).toBeGreaterThan(0);
  });

  it('loads the warehouse (schema tado) exactly as the process executor does for the same days', () => {
    expect(result.reference, 'the reference run on 127.0.0.1 did not produce a summary').not.toBeNull();
    expect(result.reference?.runs).toEqual({ success: DAYS });
    expect(result.rows).toEqual(result.reference?.rows);
    // every day of every heating zone, and each table non-empty
    expect(result.rows.days % DAYS).toBe(0);
    for (const [table, n] of Object.entries(result.rows))
      expect({ table, n: n > 0 }).toEqual({ table, n: true });
  });

  it('reports the scheduler and the worker healthy through their health checks (heatflow jobs check)', () => {
    expect(result.serviceHealth).toEqual({ scheduler: 'healthy', worker: 'healthy' });
  });

  it('serves the web page on 127.0.0.1:8080 with the DAG and a healthy metadatabase', () => {
    expect(result.web.url).toBe('http://127.0.0.1:8080/');
    expect(result.web.status).toBe(200);
    expect(result.web.mentionsDag).toBeGreaterThan(0);
    expect(result.web.health?.metadatabase?.status).toBe('healthy');
  });

  it('make containers_down leaves no container of the stack, no task container and no network', () => {
    expect(result.leftoversAfterDown).toEqual({ containers: 0, taskContainers: 0, networks: 0 });
  });
});
