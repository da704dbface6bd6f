/**
 * Checks that the engines give the product's minutes (bench/resample-engines.ts):
 *
 * - {@link compareGrids}: two grids in JavaScript, minute by minute (floats within 1e-9 and the
 *   largest difference reported, nulls identical, everything else equal);
 * - {@link gridChecksum}: sums and counts of every column (the Postgres compute-only run computes
 *   them in the server, as it hands no grid to JavaScript);
 * - {@link compareTables}: two written tables row by row through the primary key, and
 *   {@link wrongDayCounts}: every zone-day with the minutes of its local day.
 */
import type pg from 'pg';
import { FLAG_COLUMNS, FLOAT_COLUMNS, type MinuteGrid } from './grid.js';

/** Sums and counts over every column of a grid. */
export interface GridChecksum {
  rows: number;
  insideN: number;
  insideSum: number;
  humidityN: number;
  humiditySum: number;
  setpointN: number;
  setpointSum: number;
  demandN: number;
  demandSum: number;
  powerOn: number;
  outsideN: number;
  outsideSum: number;
  weatherStates: number;
  connected: number;
  cleaned: number;
}

/** The checksum of a grid held in JavaScript. */
export function gridChecksum(g: MinuteGrid): GridChecksum {
  const c: GridChecksum = {
    rows: g.rows,
    insideN: 0,
    insideSum: 0,
    humidityN: 0,
    humiditySum: 0,
    setpointN: 0,
    setpointSum: 0,
    demandN: 0,
    demandSum: 0,
    powerOn: 0,
    outsideN: 0,
    outsideSum: 0,
    weatherStates: 0,
    connected: 0,
    cleaned: 0,
  };
  const add = (x: number, n: 'insideN' | 'humidityN' | 'setpointN' | 'outsideN'): number => {
    if (Number.isNaN(x)) return 0;
    c[n]++;
    return x;
  };
  for (let i = 0; i < g.rows; i++) {
    c.insideSum += add(g.insideC[i] ?? NaN, 'insideN');
    c.humiditySum += add(g.humidityFraction[i] ?? NaN, 'humidityN');
    c.setpointSum += add(g.setpointC[i] ?? NaN, 'setpointN');
    c.outsideSum += add(g.outsideC[i] ?? NaN, 'outsideN');
    const d = g.demandLevel[i] ?? -1;
    if (d >= 0) {
      c.demandN++;
      c.demandSum += d;
    }
    if (g.powerOn[i] === 1) c.powerOn++;
    if (g.weatherState[i] != null) c.weatherStates++;
    if (g.connected[i] === 1) c.connected++;
    if (g.cleaned[i] === 1) c.cleaned++;
  }
  return c;
}

/** Fields that differ: counts exactly, sums within 1e-9 relative. Empty when they agree. */
export function checksumDifferences(a: GridChecksum, b: GridChecksum): string[] {
  const out: string[] = [];
  for (const key of Object.keys(a) as (keyof GridChecksum)[]) {
    const x = Number(a[key]);
    const y = Number(b[key]);
    const same = key.endsWith('Sum') ? Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x)) : x === y;
    if (!same) out.push(`${key}: ${x} vs ${y}`);
  }
  return out;
}

/** What {@link compareGrids} found. */
export interface GridComparison {
  readonly rows: number;
  /** rows with at least one value that differs (floats: by more than 1e-9) */
  readonly differingRows: number;
  /** per column: values that differ */
  readonly differing: Readonly<Record<string, number>>;
  /** floats: values not bit-identical, and the largest absolute difference */
  readonly floatsNotIdentical: number;
  readonly maxAbsDiff: number;
  /** up to 5 differing minutes: zone, date, minute of the day, column, both values */
  readonly examples: readonly string[];
}

/**
 * Compares grid `b` with the reference `a` minute by minute (the same blocks are required).
 *
 * @throws Error when the grids do not have the same zone-days in the same layout
 */
export function compareGrids(a: MinuteGrid, b: MinuteGrid): GridComparison {
  if (a.rows !== b.rows || a.days.length !== b.days.length)
    throw new Error(`grids of ${a.rows} and ${b.rows} rows, ${a.days.length} and ${b.days.length} zone-days`);
  const differing: Record<string, number> = {};
  const bad = new Uint8Array(a.rows);
  const examples: string[] = [];
  let notIdentical = 0;
  let maxAbsDiff = 0;
  const note = (column: string, i: number, x: unknown, y: unknown): void => {
    differing[column] = (differing[column] ?? 0) + 1;
    bad[i] = 1;
    if (examples.length < 5) {
      const day = a.days.find((d) => i >= d.offset && i < d.offset + d.minutes);
      examples.push(
        `zone ${day?.zoneId} ${day?.date} minute ${i - (day?.offset ?? 0)} ${column}: ${String(x)} vs ${String(y)}`,
      );
    }
  };
  for (const column of FLOAT_COLUMNS) {
    const x = a[column];
    const y = b[column];
    for (let i = 0; i < a.rows; i++) {
      const u = x[i] as number;
      const v = y[i] as number;
      if (Object.is(u, v)) continue;
      notIdentical++;
      if (Number.isNaN(u) || Number.isNaN(v)) note(column, i, u, v);
      else {
        maxAbsDiff = Math.max(maxAbsDiff, Math.abs(u - v));
        if (Math.abs(u - v) > 1e-9) note(column, i, u, v);
      }
    }
  }
  for (const column of FLAG_COLUMNS)
    for (let i = 0; i < a.rows; i++)
      if (a[column][i] !== b[column][i]) note(column, i, a[column][i], b[column][i]);
  for (let i = 0; i < a.rows; i++)
    if (a.weatherState[i] !== b.weatherState[i])
      note('weatherState', i, a.weatherState[i], b.weatherState[i]);
  let differingRows = 0;
  for (let i = 0; i < a.rows; i++) differingRows += bad[i] ?? 0;
  return { rows: a.rows, differingRows, differing, floatsNotIdentical: notIdentical, maxAbsDiff, examples };
}

const FLOATS = ['inside_c', 'humidity_fraction', 'setpoint_c', 'outside_c'];
const EXACT = ['local_date', 'demand_level', 'power_on', 'connected', 'cleaned', 'weather_state'];

/** What a table comparison found: zero everywhere when the grids are identical. */
export interface Differences {
  /** keys in only one of the tables */
  readonly missing: number;
  /** rows in both with at least one differing value */
  readonly differing: number;
  /** rows in both whose floats are not bit-identical (within 1e-9 or not) */
  readonly floatsNotIdentical: number;
  /** up to 5 differing rows, for the error message */
  readonly examples: readonly Record<string, unknown>[];
}

/**
 * Compares table `b` with table `a` row by row.
 *
 * @throws Error from Postgres
 */
export async function compareTables(client: pg.Client, a: string, b: string): Promise<Differences> {
  await client.query(`ANALYZE ${a}; ANALYZE ${b}`);
  const differs = [
    ...FLOATS.map((c) => `(a.${c} IS NULL) <> (b.${c} IS NULL) OR abs(a.${c} - b.${c}) > 1e-9`),
    ...EXACT.map((c) => `a.${c} IS DISTINCT FROM b.${c}`),
  ].join(' OR ');
  const q = `FROM ${a} a FULL JOIN ${b} b USING (home_id, zone_id, minute_start)`;
  const distinct = FLOATS.map((c) => `a.${c} IS DISTINCT FROM b.${c}`).join(' OR ');
  const counts = await client.query<{ missing: string; differing: string; not_identical: string }>(
    `SELECT count(*) FILTER (WHERE a.home_id IS NULL OR b.home_id IS NULL) AS missing,
            count(*) FILTER (WHERE a.home_id IS NOT NULL AND b.home_id IS NOT NULL AND (${differs})) AS differing,
            count(*) FILTER (WHERE a.home_id IS NOT NULL AND b.home_id IS NOT NULL AND (${distinct})) AS not_identical
     ${q}`,
  );
  const any = Number(counts.rows[0]?.missing ?? 0) + Number(counts.rows[0]?.differing ?? 0) > 0;
  const examples = any
    ? await client.query<Record<string, unknown>>(
        `SELECT home_id, zone_id, minute_start, row_to_json(a) AS a, row_to_json(b) AS b ${q}
         WHERE a.home_id IS NULL OR b.home_id IS NULL OR ${differs} ORDER BY 1, 2, 3 LIMIT 5`,
      )
    : { rows: [] };
  return {
    missing: Number(counts.rows[0]?.missing ?? 0),
    differing: Number(counts.rows[0]?.differing ?? 0),
    floatsNotIdentical: Number(counts.rows[0]?.not_identical ?? 0),
    examples: examples.rows,
  };
}

/**
 * Zone-days of the range whose row count in `table` is not the minutes of their local day
 * (`tado.days.hours_in_day × 60`), with the count found.
 *
 * @throws Error from Postgres
 */
export async function wrongDayCounts(
  client: pg.Client,
  table: string,
  from: string,
  to: string,
): Promise<{ zone_id: number; date: string; rows: number; minutes: number }[]> {
  // counted per zone-day first: joined row by row, an unanalysed table made the planner loop
  await client.query(`ANALYZE ${table}`);
  const r = await client.query<{ zone_id: number; date: string; rows: number; minutes: number }>(
    `SELECT d.zone_id, d.date::text AS date, coalesce(m.n, 0)::int AS rows, d.hours_in_day * 60 AS minutes
     FROM tado.days d
     LEFT JOIN (SELECT home_id, zone_id, local_date, count(*) AS n FROM ${table} GROUP BY 1, 2, 3) m
       ON m.home_id = d.home_id AND m.zone_id = d.zone_id AND m.local_date = d.date
     WHERE d.zone_type = 'HEATING' AND d.date BETWEEN $1::date AND $2::date
       AND coalesce(m.n, 0) <> d.hours_in_day * 60`,
    [from, to],
  );
  return r.rows;
}
