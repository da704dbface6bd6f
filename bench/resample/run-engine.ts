/**
 * One engine's year runs in a process of their own (so its peak memory is its own), started by
 * bench/resample-engines.ts:
 *
 *   node --import tsx bench/resample/run-engine.ts --engine ts|postgres|duckdb --mode compute|e2e
 *     --clean FILE --db URL [--write product|server|binary|csv --table NAME] [--runs N] [--variant asof]
 *
 * `compute`: the input is read (and for the SQL engines loaded) once, unmeasured; each run builds
 * the grid (TS: the product's series; DuckDB: a DuckDB table, then separately handed to
 * JavaScript; Postgres: the grid's checksum computed in the server). Then, outside the figures
 * (peak memory is read first), the TS and DuckDB grids get their checksum, and DuckDB's is
 * compared minute by minute with the product's. `e2e`: each run reads clean's file, builds the
 * grid and writes it (./pipelines.ts), the target emptied and the server checkpointed before.
 * Prints one JSON object.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadStaging, PG_CHECKSUM_SQL, pgSessionSettings } from './engine-postgres.js';
import { resampleTs } from './engine-ts.js';
import { seriesToGrid } from './grid.js';
import { readCleanFile, stagingTables } from './inputs.js';
import { measure, peakRssMb, type RunSample } from './measure.js';
import { endToEnd, type Engine, type Phases, type WritePath } from './pipelines.js';
import { compareGrids, gridChecksum, type GridChecksum, type GridComparison } from './verify.js';

const { values: o } = parseArgs({
  options: {
    engine: { type: 'string' },
    mode: { type: 'string' },
    write: { type: 'string', default: '' },
    runs: { type: 'string', default: '3' },
    db: { type: 'string' },
    clean: { type: 'string' },
    table: { type: 'string', default: '' },
    variant: { type: 'string', default: 'expand' },
  },
});
const engine = o.engine as Engine;
const runs = Number(o.runs);
if (!['ts', 'postgres', 'duckdb'].includes(engine)) throw new Error(`--engine: unknown engine ${o.engine}`);
if (o.mode !== 'compute' && o.mode !== 'e2e') throw new Error(`--mode must be compute or e2e, got ${o.mode}`);
if (o.db === undefined || o.clean === undefined) throw new Error('--db and --clean are required');
const cleanFile = o.clean;

const client = new pg.Client({ connectionString: o.db });
await client.connect();
const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
const pids = [pid];
/** the backend's peak resident memory, MB (shared buffers it touched included) */
const serverPeakRssMb = (): number => {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) / 1024;
};

const samples: RunSample[] = [];
const phases: Phases[] = [];
/** DuckDB: the handover of the grid to JavaScript, per run */
const handover: RunSample[] = [];
let checksum: GridChecksum | undefined;
let comparison: GridComparison | undefined;
let loadMs: number | undefined;
let peak = 0;

if (o.mode === 'compute') {
  const pairs = await readCleanFile(cleanFile);
  if (engine === 'ts') {
    let series: ReturnType<typeof resampleTs> = [];
    for (let i = 0; i < runs; i++)
      samples.push(
        await measure(() => {
          series = resampleTs(pairs);
          return Promise.resolve();
        }, pids),
      );
    peak = peakRssMb();
    checksum = gridChecksum(seriesToGrid(series));
  } else if (engine === 'duckdb') {
    const duck = await import('./engine-duckdb.js');
    const db = await duck.openDuckDb();
    const t0 = performance.now();
    const { tables, days, rows } = stagingTables(pairs);
    await duck.loadDuckDb(db, tables);
    loadMs = performance.now() - t0;
    const sql = o.variant === 'asof' ? duck.DUCKDB_GRID_SQL_ASOF : duck.DUCKDB_GRID_SQL;
    for (let i = 0; i < runs; i++) samples.push(await measure(() => duck.computeInDuckDb(db, sql), pids));
    let grid: Awaited<ReturnType<typeof duck.fetchGrid>> | undefined;
    for (let i = 0; i < runs; i++)
      handover.push(
        await measure(
          async () => void (grid = await duck.fetchGrid(db, 'SELECT * FROM grid', days, rows)),
          pids,
        ),
      );
    peak = peakRssMb();
    duck.closeDuckDb(db);
    if (grid === undefined) throw new Error('no DuckDB grid');
    checksum = gridChecksum(grid);
    comparison = compareGrids(seriesToGrid(resampleTs(pairs)), grid);
  } else {
    const t0 = performance.now();
    const { tables } = stagingTables(pairs);
    await loadStaging(client, tables);
    loadMs = performance.now() - t0;
    for (let i = 0; i < runs; i++)
      samples.push(
        await measure(async () => {
          await client.query('BEGIN');
          await client.query(pgSessionSettings());
          const r = await client.query<GridChecksum>(PG_CHECKSUM_SQL);
          await client.query('COMMIT');
          checksum = r.rows[0];
        }, pids),
      );
    peak = peakRssMb();
  }
} else {
  if (o.table === '' && o.write !== 'product') throw new Error('--table is required with --mode e2e');
  const empty = o.write === 'product' ? 'analytics.zone_minute, analytics.zone_days' : o.table;
  for (let i = 0; i < runs; i++) {
    await client.query(`TRUNCATE ${empty}`);
    await client.query('CHECKPOINT');
    let p: Phases | undefined;
    samples.push(
      await measure(async () => {
        p = await endToEnd(engine, o.write as WritePath, {
          client,
          databaseUrl: o.db as string,
          table: o.table,
          cleanFile,
        });
      }, pids),
    );
    if (p !== undefined) phases.push(p);
  }
  peak = peakRssMb();
}
const serverRss = serverPeakRssMb();
await client.end();
process.stdout.write(
  `${JSON.stringify({ engine, mode: o.mode, write: o.write, variant: o.variant, samples, phases, handover, loadMs, checksum, comparison, peakRssMb: peak, serverPeakRssMb: serverRss })}\n`,
);
