/**
 * The DuckDB resample engine (`@duckdb/node-api`, in process, in memory): the staging tables of
 * ./inputs.ts loaded with appenders (DuckDB's postgres extension is not bundled), the grid built
 * in DuckDB SQL and handed to JavaScript as numbers. Instants stay epoch ms (BIGINT) throughout, so
 * no TIMESTAMPTZ is ever converted in JavaScript (its `toString()` ignores DST). Two forms:
 *
 * - {@link DUCKDB_GRID_SQL}: every series expanded into the minutes it gives and hash-joined to
 *   the grid on (zd, minute), as the Postgres engine does;
 * - {@link DUCKDB_GRID_SQL_ASOF}: one `ASOF JOIN` per series (the last valid reading with its
 *   successor, the last interval starting at or before the minute, the last raw reading): the
 *   idiomatic DuckDB form.
 *
 * Rules in ./grid.ts.
 */
import { DuckDBInstance, type DuckDBAppender, type DuckDBConnection } from '@duckdb/node-api';
import { allocateGrid, MAX_GAP_MS, type GridDay, type MinuteGrid } from './grid.js';
import { DUCKDB_TYPES, type ColumnType, type StagingTable } from './inputs.js';

const LAST = 'zd.day_start + (zd.minutes - 1) * 60000';
const ceilMinute = (x: string): string => `((${x} + 59999) // 60000 * 60000)`;
/** the whole minutes from lo to hi inclusive */
const minutes = (lo: string, hi: string): string => `unnest(range(${lo}, (${hi}) + 1, 60000))`;
const interpolate = (a: string, t: string): string =>
  `CASE WHEN ${t} = ${a}.ts THEN ${a}.v WHEN ${a}.ts1 - ${a}.ts <= ${MAX_GAP_MS}
        THEN ${a}.v + ((${a}.v1 - ${a}.v) * (${t} - ${a}.ts)::DOUBLE) / (${a}.ts1 - ${a}.ts)::DOUBLE END`;
const valid = (column: string): string => `(SELECT zd, ts, ${column} AS v, lead(ts) OVER w AS ts1,
  lead(${column}) OVER w AS v1 FROM rd WHERE ${column} IS NOT NULL WINDOW w AS (PARTITION BY zd ORDER BY ts))`;
const GRID = `g AS (SELECT zd.zd, zd.home_id, zd.zone_id, zd.local_date, zd.row_offset, zd.day_start,
  ${minutes('zd.day_start', LAST)} AS t FROM zd)`;
const W0 = `w0 AS (SELECT w.*, code FROM w LEFT JOIN weather_states USING (state))`;
const ROW = `(g.row_offset + (g.t - g.day_start) // 60000)::INTEGER AS r, g.t::DOUBLE AS t`;

const interpolated = (column: string): string => `
  SELECT zd, m AS t, ${interpolate('p', 'm')} AS v
  FROM (SELECT p.*, ${minutes(`greatest(${ceilMinute('p.ts')}, zd.day_start)`, `least(CASE WHEN p.ts1 - p.ts <= ${MAX_GAP_MS} THEN p.ts1 - 1 ELSE p.ts END, ${LAST})`)} AS m
        FROM ${valid(column)} p JOIN zd USING (zd)) p`;
const stepped = (table: string, columns: string): string => `
  SELECT s.zd, ${minutes(`greatest(${ceilMinute('s.s')}, zd.day_start)`, `least(s.e - 1, ${LAST})`)} AS t, ${columns}
  FROM ${table} s JOIN zd USING (zd)`;

/** The expanded form with a select list over g, vt, vh, st, cf, w, dc, cl. */
const expandedGrid = (select: string, tail = ''): string => `
WITH ${GRID}, ${W0},
vt AS (${interpolated('t')}),
vh AS (${interpolated('h')}),
xst AS (${stepped('st', 'power_on, CASE WHEN power_on THEN setpoint END AS setpoint_c')}),
xcf AS (${stepped('cf', 'level')}),
xw AS (${stepped('w0', 'outside, code, state')}),
xdc AS (${stepped('dc', 'connected')}),
cl AS (
  SELECT DISTINCT r.zd, ${minutes('greatest(coalesce(r.ts0 // 60000 * 60000 + 60000, zd.day_start), zd.day_start)', `least(coalesce(r.ts1 - 1, ${LAST}), ${LAST})`)} AS t
  FROM (SELECT zd, ts, removed, lag(ts) OVER w AS ts0, lead(ts) OVER w AS ts1 FROM rd
        WINDOW w AS (PARTITION BY zd ORDER BY ts)) r JOIN zd USING (zd)
  WHERE r.removed)
SELECT ${select}
FROM g
LEFT JOIN vt ON vt.zd = g.zd AND vt.t = g.t
LEFT JOIN vh ON vh.zd = g.zd AND vh.t = g.t
LEFT JOIN xst st ON st.zd = g.zd AND st.t = g.t
LEFT JOIN xcf cf ON cf.zd = g.zd AND cf.t = g.t
LEFT JOIN xw w ON w.zd = g.zd AND w.t = g.t
LEFT JOIN xdc dc ON dc.zd = g.zd AND dc.t = g.t
LEFT JOIN cl ON cl.zd = g.zd AND cl.t = g.t
${tail}`;

/** The grid's columns as {@link fetchGrid} reads them. */
export const DUCKDB_GRID_SQL = expandedGrid(`${ROW}, vt.v AS inside_c, vh.v AS humidity_fraction,
  st.setpoint_c, cf.level AS demand_level, st.power_on, w.outside AS outside_c, w.code AS weather_code,
  dc.connected, cl.t IS NOT NULL AS cleaned`);

/** The grid in the target table's columns and order, for DuckDB's own CSV writer. */
export const DUCKDB_CSV_SQL = expandedGrid(
  `g.home_id, g.zone_id, strftime(make_timestamp(g.t * 1000), '%Y-%m-%d %H:%M:%S+00') AS minute_start,
  vt.v AS inside_c, vh.v AS humidity_fraction, st.setpoint_c, w.outside AS outside_c, g.local_date,
  cf.level AS demand_level, st.power_on, dc.connected, cl.t IS NOT NULL AS cleaned, w.state AS weather_state`,
  'ORDER BY g.row_offset, g.t',
);

const asof = (table: string, alias: string, column: string): string =>
  `ASOF LEFT JOIN ${table} ${alias} ON ${alias}.zd = g.zd AND g.t >= ${alias}.${column}`;

/** The ASOF form, the same columns as {@link DUCKDB_GRID_SQL}. */
export const DUCKDB_GRID_SQL_ASOF = `
WITH ${GRID}, ${W0}, vt AS ${valid('t')}, vh AS ${valid('h')},
rr AS (SELECT zd, ts, removed, coalesce(lead(removed) OVER w, false) AS next_removed FROM rd
       WINDOW w AS (PARTITION BY zd ORDER BY ts)),
fr AS (SELECT zd, arg_min(removed, ts) AS first_removed FROM rd GROUP BY zd)
SELECT ${ROW}, ${interpolate('vt', 'g.t')} AS inside_c, ${interpolate('vh', 'g.t')} AS humidity_fraction,
  CASE WHEN g.t < st.e AND st.power_on THEN st.setpoint END AS setpoint_c,
  CASE WHEN g.t < cf.e THEN cf.level END AS demand_level,
  CASE WHEN g.t < st.e THEN st.power_on END AS power_on,
  CASE WHEN g.t < w.e THEN w.outside END AS outside_c,
  CASE WHEN g.t < w.e THEN w.code END AS weather_code,
  CASE WHEN g.t < dc.e THEN dc.connected END AS connected,
  CASE WHEN rp.ts IS NULL THEN coalesce(fr.first_removed, false) WHEN rp.ts = g.t THEN rp.removed
       ELSE rp.removed OR rp.next_removed END AS cleaned
FROM g
${asof('vt', 'vt', 'ts')}
${asof('vh', 'vh', 'ts')}
${asof('rr', 'rp', 'ts')}
${asof('st', 'st', 's')}
${asof('cf', 'cf', 's')}
${asof('w0', 'w', 's')}
${asof('dc', 'dc', 's')}
LEFT JOIN fr ON fr.zd = g.zd`;

/** An in-memory database and its connection. */
export interface DuckDb {
  readonly instance: DuckDBInstance;
  readonly connection: DuckDBConnection;
}

/** Opens an in-memory database (threads: DuckDB's default, one per core). */
export async function openDuckDb(): Promise<DuckDb> {
  const instance = await DuckDBInstance.create(':memory:');
  return { instance, connection: await instance.connect() };
}

/** Closes what {@link openDuckDb} opened. */
export function closeDuckDb(db: DuckDb): void {
  db.connection.closeSync();
  db.instance.closeSync();
}

const APPEND: Record<ColumnType, (a: DuckDBAppender, v: unknown) => void> = {
  integer: (a, v) => a.appendInteger(v as number),
  bigint: (a, v) => a.appendBigInt(BigInt(v as number)),
  smallint: (a, v) => a.appendSmallInt(v as number),
  'double precision': (a, v) => a.appendDouble(v as number),
  boolean: (a, v) => a.appendBoolean(v as boolean),
  text: (a, v) => a.appendVarchar(v as string),
  date: (a, v) => a.appendVarchar(v as string),
};

/**
 * Creates the staging tables and fills them with appenders; then `weather_states` (a code per
 * state: strings cost the handover to JavaScript most of its time).
 *
 * @throws Error from DuckDB
 */
export async function loadDuckDb(db: DuckDb, tables: readonly StagingTable[]): Promise<void> {
  const c = db.connection;
  for (const t of tables) {
    await c.run(
      `CREATE OR REPLACE TABLE ${t.name} (${t.columns.map((col) => `${col.name} ${DUCKDB_TYPES[col.type]}`).join(', ')})`,
    );
    const a = await c.createAppender(t.name);
    const append = t.columns.map((col) => APPEND[col.type]);
    const n = t.values[0]?.length ?? 0;
    for (let i = 0; i < n; i++) {
      t.values.forEach((col, k) => {
        const v = col[i];
        if (v === null || v === undefined) a.appendNull();
        else append[k]?.(a, v);
      });
      a.endRow();
    }
    a.closeSync();
  }
  await c.run(`CREATE OR REPLACE TABLE weather_states AS
    SELECT state, (row_number() OVER (ORDER BY state))::SMALLINT AS code
    FROM (SELECT DISTINCT state FROM w WHERE state IS NOT NULL)`);
}

/** Compute only: the grid materialised as the DuckDB table `grid`, nothing handed to JavaScript. */
export async function computeInDuckDb(db: DuckDb, sql = DUCKDB_GRID_SQL): Promise<void> {
  await db.connection.run(`CREATE OR REPLACE TABLE grid AS ${sql}`);
}

/** Writes the grid as CSV (no header; empty = null) with DuckDB's own writer. */
export async function writeCsvFile(db: DuckDb, file: string): Promise<void> {
  await db.connection.run(
    `COPY (${DUCKDB_CSV_SQL}) TO '${file.replace(/'/g, "''")}' (FORMAT csv, HEADER false)`,
  );
}

/**
 * Runs `sql` (the columns of {@link DUCKDB_GRID_SQL}, or `SELECT * FROM grid`) and copies its
 * chunks into a MinuteGrid by row, weather codes mapped back to tado's state names.
 *
 * @throws Error when a row's minute is not the one its block says, or rows are missing
 */
export async function fetchGrid(
  db: DuckDb,
  sql: string,
  days: readonly GridDay[],
  rows: number,
): Promise<MinuteGrid> {
  const grid = allocateGrid(days, rows);
  const expectedT = new Float64Array(rows);
  for (const d of days)
    for (let i = 0; i < d.minutes; i++) expectedT[d.offset + i] = d.dayStartMs + i * 60_000;
  const states: (string | null)[] = [null];
  const codes = await db.connection.runAndReadAll('SELECT code, state FROM weather_states');
  for (const [code, state] of codes.getRows()) states[Number(code)] = String(state);
  const result = await db.connection.stream(sql);
  let seen = 0;
  const flag = (v: unknown): number => (v === null ? -1 : v === true ? 1 : 0);
  for (;;) {
    const chunk = await result.fetchChunk();
    if (chunk === null || chunk.rowCount === 0) break;
    const [idx, t, inside, hum, setpoint, demand, power, outside, state, connected, cleaned] = Array.from(
      { length: 11 },
      (_, i) => chunk.getColumnVector(i),
    );
    for (let j = 0; j < chunk.rowCount; j++) {
      const r = idx?.getItem(j) as number;
      if (t?.getItem(j) !== expectedT[r])
        throw new Error(`DuckDB grid row ${r}: minute ${String(t?.getItem(j))}, expected ${expectedT[r]}`);
      grid.insideC[r] = (inside?.getItem(j) as number | null) ?? NaN;
      grid.humidityFraction[r] = (hum?.getItem(j) as number | null) ?? NaN;
      grid.setpointC[r] = (setpoint?.getItem(j) as number | null) ?? NaN;
      grid.demandLevel[r] = (demand?.getItem(j) as number | null) ?? -1;
      grid.powerOn[r] = flag(power?.getItem(j));
      grid.outsideC[r] = (outside?.getItem(j) as number | null) ?? NaN;
      grid.weatherState[r] = states[(state?.getItem(j) as number | null) ?? 0] ?? null;
      grid.connected[r] = flag(connected?.getItem(j));
      grid.cleaned[r] = cleaned?.getItem(j) === true ? 1 : 0;
    }
    seen += chunk.rowCount;
  }
  if (seen !== rows) throw new Error(`DuckDB grid has ${seen} rows, expected ${rows}`);
  return grid;
}
