/**
 * ETL benchmarks (issue 5), against the tado simulator (seed 1) and a scratch Postgres database:
 *  1. the data path over all of 2022 in one process: every day's reports through
 *     `checkDayReport`, `flattenDayReport` (danfojs join) and `Warehouse.load` (one transaction per
 *     day, as the load task does): rows per table (what a 2022 backfill stores), reports failed or
 *     flagged, load throughput;
 *  2. the cost of each task program as the DAG runs it (from its startup snapshot,
 *     docs/task-programs.md) over a sample of days: mean wall time per task, the danfojs import
 *     inside transform (0 from the snapshot), load throughput. bench/task-programs.ts measures
 *     the programs in more detail (CPU, memory, instructions, with and without the snapshots).
 * Run: `npm run build && npx tsx bench/etl-tasks.ts [sampleDays]` (default 12). Prints JSON.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import pg from 'pg';
import { createDb, ensureDatabase } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { Warehouse, type WarehouseDatabase } from '../src/db/warehouse.js';
import type { LoadResult, TransformResult } from '../src/etl/task-results.js';
import { startTadoSimulator } from '../src/tado/simulator/tado-simulator.js';
import { runTaskProgram } from '../test/helpers/run-task-program.js';
import { loadSimulatedRange } from './lib/load-simulated-year.js';

const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const sampleDays = Number(process.argv[2] ?? 12);

async function scratchDb(name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = new URL(SERVER);
  url.pathname = `/${name}`;
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
  await ensureDatabase(url.toString());
  const db = createDb(url.toString());
  await migrateToLatest(db as Kysely<unknown>);
  await db.destroy();
  return {
    url: url.toString(),
    drop: async () => {
      const a = new pg.Client({ connectionString: SERVER });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

const sim = await startTadoSimulator({ seed: 1 });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-bench-etl-'));
const tokenFile = path.join(tmp, 'tado-token.json');
await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
const tadoEnv = {
  TADO_API_URL: sim.apiUrl,
  TADO_AUTH_URL: sim.authUrl,
  TADO_TOKEN_FILE: tokenFile,
  TADO_REQUEST_DELAY_MS: '0',
  TADO_REQUEST_JITTER_MS: '0',
};

// 1. the data path over 2022
const year = await scratchDb('hf_bench_etl_year');
const loaded = await loadSimulatedRange(year.url, tadoEnv, '2022-01-01', '2022-12-31');
const yearDb = createDb(year.url) as unknown as Kysely<WarehouseDatabase>;
const dataPath = {
  wallMs: loaded.wallMs,
  zoneDaysSkippedBeforeCreation: loaded.zoneDaysSkippedBeforeCreation,
  reportsFailed: loaded.reportsFailed,
  reportsFlagged: loaded.flags,
  rows2022: await new Warehouse(yearDb).countRows(),
  loadRowsPerSecond: Math.round((loaded.rowsWritten / loaded.loadMs) * 1000),
  apiRequests: loaded.apiRequests,
};
await yearDb.destroy();
await year.drop();

// 2. the compiled task programs, one child process each
const sample = await scratchDb('hf_bench_etl_tasks');
const totals: Record<string, number[]> = { extract: [], validate: [], transform: [], load: [] };
const danfoImport: number[] = [];
const loadRates: number[] = [];
for (let i = 0; i < sampleDays; i++) {
  const ds =
    DateTime.fromISO('2022-01-01')
      .plus({ days: Math.floor((i * 365) / sampleDays) })
      .toISODate() ?? '';
  const base = { ds, runDir: path.join(tmp, `run-${ds}`), env: { ...tadoEnv, DATABASE_URL: sample.url } };
  const e = await runTaskProgram({ ...base, taskId: 'extract', upstream: {} });
  const v = await runTaskProgram({ ...base, taskId: 'validate', upstream: { extract: e.returnValue } });
  const t = await runTaskProgram({ ...base, taskId: 'transform', upstream: { validate: v.returnValue } });
  const l = await runTaskProgram({ ...base, taskId: 'load', upstream: { transform: t.returnValue } });
  for (const [task, run] of [
    ['extract', e],
    ['validate', v],
    ['transform', t],
    ['load', l],
  ] as const) {
    if (run.exitCode !== 0) throw new Error(`${task} ${ds} failed: ${run.stderr}`);
    totals[task]?.push(run.durationMs);
  }
  danfoImport.push((t.returnValue as TransformResult).danfoImportMs);
  loadRates.push((l.returnValue as LoadResult).rowsPerSecond);
}
const mean = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length));
const perTaskMeanMs = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, mean(v)]));
const perDay = Object.values(perTaskMeanMs).reduce((a, b) => a + b, 0);
const programs = {
  sampleDays,
  perTaskMeanMs,
  perDaySequentialMs: perDay,
  shareOfDay: Object.fromEntries(
    Object.entries(perTaskMeanMs).map(([k, v]) => [k, Math.round((v / perDay) * 100) / 100]),
  ),
  transformDanfoImportMeanMs: mean(danfoImport),
  loadRowsPerSecondMean: mean(loadRates),
  loadAverage1m: Math.round(os.loadavg()[0] ?? 0),
};
await sample.drop();
await sim.close();
await rm(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ dataPath, programs }, null, 2));
