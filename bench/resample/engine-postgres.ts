/**
 * The Postgres resample engine: clean's output loaded into temporary staging tables (text COPY,
 * ./inputs.ts `stagingTables`), then the grid computed in the server in one statement.
 * `generate_series` lays out each zone-day's minutes; every series is expanded into the minutes it
 * gives (an interval into the minutes of `[start, end)`, a valid reading and its successor into
 * the minutes they interpolate, a set-aside reading into the minutes strictly between its
 * neighbours), clipped to the day, and the expansions are joined to the grid on (zd, minute):
 * equality joins, which Postgres hashes or merges, where a range join (`start <= t AND t < end`,
 * the LOCF form) is a nested loop over the zone-day. Rules in ./grid.ts.
 */
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MAX_GAP_MS } from './grid.js';
import type { StagingTable } from './inputs.js';

const LAST = 'zd.day_start + (zd.minutes - 1) * 60000';
/** the first whole minute at or after x ms (x > 0) */
const ceilMinute = (x: string): string => `((${x} + 59999) / 60000 * 60000)`;

/** One series' valid readings with their successor, expanded into the minutes they give. */
const interpolated = (column: string): string => `(
  SELECT p.zd, m AS t,
         CASE WHEN m = p.ts THEN p.v ELSE p.v + ((p.v1 - p.v) * (m - p.ts)::float8) / (p.ts1 - p.ts)::float8 END AS v
  FROM (SELECT zd, ts, ${column} AS v, lead(ts) OVER w AS ts1, lead(${column}) OVER w AS v1
        FROM rd WHERE ${column} IS NOT NULL WINDOW w AS (PARTITION BY zd ORDER BY ts)) p
  JOIN zd USING (zd)
  CROSS JOIN LATERAL generate_series(greatest(${ceilMinute('p.ts')}, zd.day_start),
    least(CASE WHEN p.ts1 - p.ts <= ${MAX_GAP_MS} THEN p.ts1 - 1 ELSE p.ts END, ${LAST}), 60000) AS m)`;

/** A step series expanded into the minutes of its intervals. */
const stepped = (table: string, columns: string): string => `(
  SELECT s.zd, m AS t, ${columns}
  FROM ${table} s JOIN zd USING (zd)
  CROSS JOIN LATERAL generate_series(greatest(${ceilMinute('s.s')}, zd.day_start), least(s.e - 1, ${LAST}), 60000) AS m)`;

/** The minutes strictly between the neighbours of a reading that had a value set aside. */
const CLEANED = `(
  SELECT DISTINCT r.zd, m AS t
  FROM (SELECT zd, ts, removed, lag(ts) OVER w AS ts0, lead(ts) OVER w AS ts1
        FROM rd WINDOW w AS (PARTITION BY zd ORDER BY ts)) r
  JOIN zd USING (zd)
  CROSS JOIN LATERAL generate_series(greatest(coalesce(r.ts0 / 60000 * 60000 + 60000, zd.day_start), zd.day_start),
    least(coalesce(r.ts1 - 1, ${LAST}), ${LAST}), 60000) AS m
  WHERE r.removed)`;

/** The grid's statement with the given select list (g.t: the minute, epoch ms). */
const gridSql = (select: string): string => `
SELECT ${select}
FROM zd
CROSS JOIN LATERAL generate_series(zd.day_start, ${LAST}, 60000) AS g(t)
LEFT JOIN ${interpolated('t')} vt ON vt.zd = zd.zd AND vt.t = g.t
LEFT JOIN ${interpolated('h')} vh ON vh.zd = zd.zd AND vh.t = g.t
LEFT JOIN ${stepped('st', 'power_on, CASE WHEN power_on THEN setpoint END AS setpoint_c')} st ON st.zd = zd.zd AND st.t = g.t
LEFT JOIN ${stepped('w', 'state, outside')} w ON w.zd = zd.zd AND w.t = g.t
LEFT JOIN ${stepped('cf', 'level')} cf ON cf.zd = zd.zd AND cf.t = g.t
LEFT JOIN ${stepped('dc', 'connected')} dc ON dc.zd = zd.zd AND dc.t = g.t
LEFT JOIN ${CLEANED} cl ON cl.zd = zd.zd AND cl.t = g.t`;

/** The target's columns (`analytics.zone_minute`'s order). */
const TARGET_SELECT = `zd.home_id, zd.zone_id, to_timestamp((g.t / 1000)::float8) AS minute_start,
  vt.v AS inside_c, vh.v AS humidity_fraction, st.setpoint_c, w.outside AS outside_c, zd.local_date,
  cf.level AS demand_level, st.power_on, dc.connected, cl.t IS NOT NULL AS cleaned, w.state AS weather_state`;

/** The compute-only statement: the grid's checksum (./verify.ts `GridChecksum`), nothing stored. */
export const PG_CHECKSUM_SQL = `
SELECT count(*)::float8 AS rows,
       count(inside_c)::float8 AS "insideN", coalesce(sum(inside_c), 0) AS "insideSum",
       count(humidity_fraction)::float8 AS "humidityN", coalesce(sum(humidity_fraction), 0) AS "humiditySum",
       count(setpoint_c)::float8 AS "setpointN", coalesce(sum(setpoint_c), 0) AS "setpointSum",
       count(demand_level)::float8 AS "demandN", coalesce(sum(demand_level), 0)::float8 AS "demandSum",
       count(*) FILTER (WHERE power_on)::float8 AS "powerOn",
       count(outside_c)::float8 AS "outsideN", coalesce(sum(outside_c), 0) AS "outsideSum",
       count(weather_state)::float8 AS "weatherStates",
       count(*) FILTER (WHERE connected)::float8 AS connected,
       count(*) FILTER (WHERE cleaned)::float8 AS cleaned
FROM (${gridSql(TARGET_SELECT)}) g`;

/** The end-to-end statement: the grid inserted into `table` inside the server. */
export const pgInsertSql = (table: string): string =>
  `INSERT INTO ${table} (home_id, zone_id, minute_start, inside_c, humidity_fraction, setpoint_c, outside_c,
  local_date, demand_level, power_on, connected, cleaned, weather_state) ${gridSql(TARGET_SELECT)}`;

/**
 * Settings of the engine's transaction: JIT off (it compiles the big statement for seconds) and
 * 256 MB of work_mem (the year's sorts stay in memory). The planner takes every lateral
 * `generate_series` for 1,000 rows and merge-joins the expansions to the grid on (zd, minute),
 * sorting each (1.9 M rows for the year); measured with merge joins off, it chose nested loops
 * and one day's 12 zone-days ran for over 2 minutes (0.23–0.39 s with them), the year for over
 * 15 minutes (16 s), so they stay on.
 */
export function pgSessionSettings(): string {
  return "SET LOCAL jit = off; SET LOCAL work_mem = '256MB'";
}

/** A value in COPY's text format. */
function copyText(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (typeof v === 'number') return String(v);
  if (typeof v !== 'string') throw new Error(`staging value of type ${typeof v}`);
  return v.replace(/[\\\t\n\r]/g, (c) =>
    c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\\\',
  );
}

/**
 * Creates the staging tables as temporary tables of the session (dropped first when they exist),
 * fills them by text COPY and analyses them (temporary tables get no autovacuum).
 *
 * @throws Error from Postgres
 */
export async function loadStaging(client: pg.ClientBase, tables: readonly StagingTable[]): Promise<void> {
  for (const t of tables) {
    await client.query(
      `DROP TABLE IF EXISTS pg_temp.${t.name}; CREATE TEMP TABLE ${t.name} (${t.columns.map((c) => `${c.name} ${c.type}`).join(', ')})`,
    );
    const stream = client.query(copyFrom(`COPY ${t.name} FROM STDIN`));
    const done = new Promise<void>((resolve, reject) => {
      stream.on('finish', resolve);
      stream.on('error', reject);
    });
    const n = t.values[0]?.length ?? 0;
    let buf = '';
    for (let i = 0; i < n; i++) {
      buf += `${t.values.map((col) => copyText(col[i])).join('\t')}\n`;
      if (buf.length > 1 << 16) {
        if (!stream.write(buf)) await new Promise((resolve) => stream.once('drain', resolve));
        buf = '';
      }
    }
    stream.end(buf);
    await done;
    await client.query(`ANALYZE ${t.name}`);
  }
}
