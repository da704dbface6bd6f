/**
 * Writing a MinuteGrid into a table shaped like `analytics.zone_minute` (the benchmarks create
 * theirs `LIKE analytics.zone_minute INCLUDING ALL`), two ways:
 * `COPY … FROM STDIN` (text format, through pg-copy-streams) and multi-row
 * `INSERT … SELECT FROM unnest($1::int[], …)` in batches. Both replace the grid's zone-days: the
 * caller's transaction first deletes their minutes (through the primary key), so a re-run leaves
 * the same rows.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { GridDay, MinuteGrid } from './grid.js';

/** The target's columns, in table order. */
export const COLUMNS = [
  'home_id',
  'zone_id',
  'minute_start',
  'inside_c',
  'humidity_fraction',
  'setpoint_c',
  'outside_c',
  'local_date',
  'demand_level',
  'power_on',
  'connected',
  'cleaned',
  'weather_state',
] as const;

/**
 * Deletes the minutes of the given zone-days from `table` (one statement per zone, over the
 * range of its days: the range is contiguous in every run of the benchmark).
 */
export async function deleteDays(client: pg.Client, table: string, days: readonly GridDay[]): Promise<void> {
  const ranges = new Map<string, { home: number; zone: number; from: number; to: number }>();
  for (const d of days) {
    const key = `${d.homeId}/${d.zoneId}`;
    const end = d.dayStartMs + d.minutes * 60_000;
    const r = ranges.get(key);
    if (r === undefined) ranges.set(key, { home: d.homeId, zone: d.zoneId, from: d.dayStartMs, to: end });
    else {
      r.from = Math.min(r.from, d.dayStartMs);
      r.to = Math.max(r.to, end);
    }
  }
  for (const r of ranges.values())
    await client.query(
      `DELETE FROM ${table} WHERE home_id = $1 AND zone_id = $2
         AND minute_start >= to_timestamp($3::float8 / 1000) AND minute_start < to_timestamp($4::float8 / 1000)`,
      [r.home, r.zone, r.from, r.to],
    );
}

const TWO = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** `YYYY-MM-DDTHH:MM:00Z` of a whole minute, the ISO prefix cached per hour. */
function minuteFormatter(): (ms: number) => string {
  let hour = NaN;
  let prefix = '';
  return (ms) => {
    const h = Math.floor(ms / 3_600_000);
    if (h !== hour) {
      hour = h;
      prefix = new Date(h * 3_600_000).toISOString().slice(0, 14);
    }
    return `${prefix}${TWO[(ms / 60_000) % 60] ?? ''}:00Z`;
  };
}

const num = (x: number): string => (Number.isNaN(x) ? '\\N' : String(x));
const small = (x: number): string => (x < 0 ? '\\N' : String(x));
const bool = (x: number): string => (x < 0 ? '\\N' : x === 1 ? 't' : 'f');
const text = (s: string | null): string =>
  s === null
    ? '\\N'
    : /[\\\t\n\r]/.test(s)
      ? s.replace(/[\\\t\n\r]/g, (c) => `\\${c === '\\' ? '\\' : c === '\t' ? 't' : c === '\n' ? 'n' : 'r'}`)
      : s;

/**
 * Writes the grid with `COPY … FROM STDIN` (text format), in chunks of ~1,000 rows, waiting on
 * the socket's backpressure.
 *
 * @throws Error from Postgres (a check or key violation names the constraint)
 */
export async function writeCopy(client: pg.Client, table: string, g: MinuteGrid): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN`));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('finish', resolve);
    stream.on('error', reject);
  });
  const minute = minuteFormatter();
  let buf = '';
  for (const d of g.days) {
    const head = `${d.homeId}\t${d.zoneId}\t`;
    for (let i = 0; i < d.minutes; i++) {
      const r = d.offset + i;
      buf +=
        `${head}${minute(d.dayStartMs + i * 60_000)}\t${num(g.insideC[r] as number)}\t` +
        `${num(g.humidityFraction[r] as number)}\t${num(g.setpointC[r] as number)}\t` +
        `${num(g.outsideC[r] as number)}\t${d.date}\t${small(g.demandLevel[r] as number)}\t` +
        `${bool(g.powerOn[r] as number)}\t${bool(g.connected[r] as number)}\t${g.cleaned[r] === 1 ? 't' : 'f'}\t` +
        `${text(g.weatherState[r] ?? null)}\n`;
      if (buf.length >= 100_000) {
        if (!stream.write(buf)) await new Promise((resolve) => stream.once('drain', resolve));
        buf = '';
      }
    }
  }
  stream.end(buf);
  await done;
}

/**
 * Writes the grid with `INSERT … SELECT FROM unnest(…)`, `batchRows` rows per statement (one
 * prepared statement; arrays sent as text).
 *
 * @throws Error from Postgres
 */
export async function writeUnnest(
  client: pg.Client,
  table: string,
  g: MinuteGrid,
  batchRows = 20_000,
): Promise<void> {
  const statement = {
    name: `unnest_${table.replace(/\W/g, '_')}`,
    text: `INSERT INTO ${table} (${COLUMNS.join(', ')})
      SELECT h, z, to_timestamp(m), it, hu, sp, o, d, dl, p, c, cl, w
      FROM unnest($1::int[], $2::int[], $3::float8[], $4::float8[], $5::float8[], $6::float8[], $7::float8[],
                  $8::date[], $9::smallint[], $10::bool[], $11::bool[], $12::bool[], $13::text[])
        AS u(h, z, m, it, hu, sp, o, d, dl, p, c, cl, w)`,
  };
  const cols = (): unknown[][] => COLUMNS.map(() => []);
  let batch = cols();
  let n = 0;
  const flush = async (): Promise<void> => {
    if (n === 0) return;
    await client.query({ ...statement, values: batch });
    batch = cols();
    n = 0;
  };
  const nullable = (x: number): number | null => (Number.isNaN(x) ? null : x);
  const flag = (x: number): boolean | null => (x < 0 ? null : x === 1);
  for (const d of g.days) {
    for (let i = 0; i < d.minutes; i++) {
      const r = d.offset + i;
      const [h, z, m, it, hu, sp, o, date, dl, p, c, cl, w] = batch as [
        number[],
        number[],
        number[],
        (number | null)[],
        (number | null)[],
        (number | null)[],
        (number | null)[],
        string[],
        (number | null)[],
        (boolean | null)[],
        (boolean | null)[],
        boolean[],
        (string | null)[],
      ];
      h.push(d.homeId);
      z.push(d.zoneId);
      // epoch seconds of a whole minute: to_timestamp is exact
      m.push((d.dayStartMs + i * 60_000) / 1000);
      it.push(nullable(g.insideC[r] as number));
      hu.push(nullable(g.humidityFraction[r] as number));
      sp.push(nullable(g.setpointC[r] as number));
      o.push(nullable(g.outsideC[r] as number));
      date.push(d.date);
      const level = g.demandLevel[r] as number;
      dl.push(level < 0 ? null : level);
      p.push(flag(g.powerOn[r] as number));
      c.push(flag(g.connected[r] as number));
      cl.push(g.cleaned[r] === 1);
      w.push(g.weatherState[r] ?? null);
      if (++n === batchRows) await flush();
    }
  }
  await flush();
}

/**
 * Streams a CSV file (DuckDB's, columns in table order) into `table` with `COPY … FROM STDIN`.
 *
 * @throws Error from Postgres or when the file cannot be read
 */
export async function copyCsvFile(client: pg.Client, table: string, file: string): Promise<void> {
  await pipeline(
    createReadStream(file, { highWaterMark: 1 << 20 }),
    client.query(copyFrom(`COPY ${table} (${COLUMNS.join(', ')}) FROM STDIN (FORMAT csv)`)),
  );
}
