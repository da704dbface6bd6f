/**
 * The end-to-end run of each engine for a batch, as the resample and merge tasks do it: read
 * clean's file → the grid → the minutes written into a table shaped like `analytics.zone_minute`,
 * replacing the batch's zone-days in one transaction. Shared by the year runs (./run-engine.ts)
 * and the one-day task-like runs (./run-day.ts). DuckDB is imported only when its pipeline runs,
 * so the other engines never load its native module.
 *
 * - `ts → product`: `resampleZoneDay`, then the analytics repository's `replaceZoneMinutes`
 *   (src/db/zone-minutes-write.ts: binary COPY into `analytics.zone_minute`, with the
 *   `zone_days` rows), on a pool of its own: what the product runs (it also passes the series
 *   through `resample/zone-minutes.ndjson`, which this skips);
 * - `postgres → server`: staging tables by COPY, `INSERT … SELECT` of the grid in the server;
 * - `duckdb → binary`: appender load, grid handed to JavaScript, binary COPY (./write-binary.ts);
 * - `duckdb → csv`: appender load, DuckDB's CSV writer, the file streamed into COPY.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { openAnalyticsStore } from '../../src/db/analytics-repository.js';
import { loadStaging, pgInsertSql, pgSessionSettings } from './engine-postgres.js';
import { analysedZoneDays, resampleTs } from './engine-ts.js';
import { readCleanFile, stagingTables } from './inputs.js';
import { processCpuMs } from './measure.js';
import { writeCopyBinary } from './write-binary.js';
import { copyCsvFile, deleteDays } from './write-postgres.js';

/** The engines compared. */
export type Engine = 'ts' | 'postgres' | 'duckdb';
/** How the grid reaches Postgres (see the file comment). */
export type WritePath = 'product' | 'server' | 'binary' | 'csv';

/** Time spent in each phase of an end-to-end run, ms (wall). */
export interface Phases {
  /** reading and parsing clean's file */
  readMs: number;
  /** DuckDB: loading its module (native binary included) */
  importMs: number;
  /** SQL engines: building and loading the staging tables (DuckDB: opening the database too) */
  loadMs: number;
  computeMs: number;
  writeMs: number;
  rows: number;
  /** CPU of the Postgres backends the run opened besides the caller's connection (the repository's pool) */
  extraServerCpuMs: number;
}

const now = (): number => performance.now();

/** Where a run reads and writes. */
export interface Target {
  /** the caller's connection (temporary staging tables live in its session) */
  readonly client: pg.Client;
  /** for the repository's own pool */
  readonly databaseUrl: string;
  /** written by every path but `product` (which writes `analytics.zone_minute`) */
  readonly table: string;
  /** clean's `zone-days.ndjson` */
  readonly cleanFile: string;
}

/**
 * Runs one engine end to end over clean's file.
 *
 * @throws Error when the engine/path pair does not exist, or from the engine or Postgres
 */
export async function endToEnd(engine: Engine, path: WritePath, target: Target): Promise<Phases> {
  const p: Phases = {
    readMs: 0,
    importMs: 0,
    loadMs: 0,
    computeMs: 0,
    writeMs: 0,
    rows: 0,
    extraServerCpuMs: 0,
  };
  const { client, table } = target;
  let t = now();
  const pairs = await readCleanFile(target.cleanFile);
  p.readMs = now() - t;
  t = now();
  if (engine === 'ts') {
    if (path !== 'product')
      throw new Error('the TypeScript engine writes through the repository (path product)');
    const series = resampleTs(pairs);
    p.computeMs = now() - t;
    t = now();
    const name = `bench-resample-${process.pid}`;
    const { repository, close } = openAnalyticsStore(target.databaseUrl, name);
    try {
      const r = await repository.replaceZoneMinutes(analysedZoneDays(pairs, series), [], {
        dagRunId: 'bench',
        at: new Date('2026-12-02T00:00:00Z'),
      });
      p.rows = r.minutesWritten;
      p.writeMs = now() - t;
      const pids = await client.query<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
        [name],
      );
      p.extraServerCpuMs = pids.rows.reduce((s, r) => s + processCpuMs(r.pid), 0);
    } finally {
      await close();
    }
    return p;
  }
  const { tables, days, rows } = stagingTables(pairs);
  p.rows = rows;
  if (engine === 'postgres') {
    if (path !== 'server') throw new Error('the Postgres engine writes inside the server (path server)');
    await loadStaging(client, tables);
    p.loadMs = now() - t;
    t = now();
    await client.query('BEGIN');
    await client.query(pgSessionSettings());
    await deleteDays(client, table, days);
    const r = await client.query(pgInsertSql(table));
    await client.query('COMMIT');
    p.computeMs = now() - t;
    if (r.rowCount !== rows) throw new Error(`Postgres engine inserted ${r.rowCount} rows, expected ${rows}`);
    return p;
  }
  if (path !== 'binary' && path !== 'csv') throw new Error('the DuckDB engine writes by binary COPY or CSV');
  const duck = await import('./engine-duckdb.js');
  p.importMs = now() - t;
  t = now();
  const db = await duck.openDuckDb();
  try {
    await duck.loadDuckDb(db, tables);
    p.loadMs = now() - t;
    t = now();
    if (path === 'csv') {
      const dir = await mkdtemp(join(tmpdir(), 'hf-resample-'));
      const file = join(dir, 'grid.csv');
      try {
        await duck.writeCsvFile(db, file);
        p.computeMs = now() - t;
        t = now();
        await client.query('BEGIN');
        await deleteDays(client, table, days);
        await copyCsvFile(client, table, file);
        await client.query('COMMIT');
        p.writeMs = now() - t;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
      return p;
    }
    const grid = await duck.fetchGrid(db, duck.DUCKDB_GRID_SQL, days, rows);
    p.computeMs = now() - t;
    t = now();
    await client.query('BEGIN');
    await deleteDays(client, table, days);
    await writeCopyBinary(client, table, grid);
    await client.query('COMMIT');
    p.writeMs = now() - t;
    return p;
  } finally {
    duck.closeDuckDb(db);
  }
}
