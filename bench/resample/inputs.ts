/**
 * What every resample engine starts from: the resample task's input, clean's
 * `clean/zone-days.ndjson` (one `{ input, cleaned }` per zone-day), made here as the clean task
 * makes it (the analytics repository's `readZoneDayInputs`, `findIncompleteness`, `cleanZoneDay`),
 * and the same zone-days flattened into the staging tables the SQL engines resample from
 * ({@link stagingTables}): one row per reading or interval, keyed by the zone-day's number `zd`.
 */
import type { CleanedZoneDay, ZoneDayInput } from '../../src/analytics/types.js';
import { findIncompleteness } from '../../src/analytics/check-zone-day.js';
import { cleanZoneDay } from '../../src/analytics/clean-zone-day.js';
import { openAnalyticsStore } from '../../src/db/analytics-repository.js';
import { readNdjsonFile, writeNdjsonFile } from '../../src/task-sdk/run-files.js';
import { planGrid, type GridDay } from './grid.js';

/** One line of clean's file. */
export interface CleanedPair {
  readonly input: ZoneDayInput;
  readonly cleaned: CleanedZoneDay;
}

/** The local dates `from … to` (inclusive, YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = Date.parse(`${from}T00:00:00Z`); d <= Date.parse(`${to}T00:00:00Z`); d += 86_400_000)
    out.push(new Date(d).toISOString().slice(0, 10));
  return out;
}

/**
 * Clean's output for the HEATING zone-days of `dates`, sorted by home, zone, date.
 *
 * @throws Error when a zone-day is missing or incomplete (the benchmark's data has none)
 */
export async function cleanedZoneDays(databaseUrl: string, dates: readonly string[]): Promise<CleanedPair[]> {
  const { repository, close } = openAnalyticsStore(databaseUrl, 'bench-resample-clean');
  try {
    const refs = await repository.zoneDaysToAnalyse(dates);
    const { inputs, missing } = await repository.readZoneDayInputs(refs);
    if (missing.length > 0) throw new Error(`zone-days missing: ${missing[0]?.reason ?? ''}`);
    return inputs.map((input) => {
      const problem = findIncompleteness(input);
      if (problem !== null) throw new Error(`zone-day set aside: ${problem}`);
      return { input, cleaned: cleanZoneDay(input) };
    });
  } finally {
    await close();
  }
}

/** Writes clean's file. */
export async function writeCleanFile(file: string, pairs: readonly CleanedPair[]): Promise<void> {
  await writeNdjsonFile(file, pairs);
}

/** Reads clean's file (every line into memory, as the engines then resample the batch). */
export async function readCleanFile(file: string): Promise<CleanedPair[]> {
  const out: CleanedPair[] = [];
  for await (const v of readNdjsonFile(file)) out.push(v as CleanedPair);
  return out;
}

/** A column's type: Postgres's name; DuckDB's is {@link DUCKDB_TYPES}. */
export type ColumnType = 'integer' | 'bigint' | 'smallint' | 'double precision' | 'boolean' | 'text' | 'date';

/** One staging table as columns of values (null allowed). */
export interface StagingTable {
  readonly name: string;
  readonly columns: readonly { readonly name: string; readonly type: ColumnType }[];
  readonly values: readonly (readonly unknown[])[];
}

export const DUCKDB_TYPES: Readonly<Record<ColumnType, string>> = {
  integer: 'INTEGER',
  bigint: 'BIGINT',
  smallint: 'SMALLINT',
  'double precision': 'DOUBLE',
  boolean: 'BOOLEAN',
  text: 'VARCHAR',
  date: 'VARCHAR',
};

function table(
  name: string,
  spec: string,
): { name: string; columns: StagingTable['columns']; values: unknown[][] } {
  const columns = spec.split(',').map((c) => {
    const [n = '', ...t] = c.trim().split(' ');
    return { name: n, type: t.join(' ') as ColumnType };
  });
  return { name, columns, values: columns.map(() => []) };
}

/**
 * The staging tables of a batch:
 * `zd` (zd, home_id, zone_id, local_date, day_start ms, minutes, row_offset: the block of the grid),
 * `rd` (every reading clean returned, margins included: kept temperature `t` and humidity `h`,
 * `removed` when either value was set aside), and per step series `dc`, `cf`, `st`, `w`
 * (zd, s, e: `[start, end)` ms, then the values). Instants are epoch ms as bigint (all whole ms).
 */
export function stagingTables(pairs: readonly CleanedPair[]): {
  tables: StagingTable[];
  days: GridDay[];
  rows: number;
} {
  const { days, rows } = planGrid(
    pairs.map(({ input: i }) => ({
      homeId: i.homeId,
      zoneId: i.zoneId,
      date: i.date,
      dayStartMs: i.dayStartMs,
      minutes: (i.dayEndMs - i.dayStartMs) / 60_000,
    })),
  );
  const zd = table(
    'zd',
    'zd integer, home_id integer, zone_id integer, local_date date, day_start bigint, minutes integer, row_offset integer',
  );
  const rd = table('rd', 'zd integer, ts bigint, t double precision, h double precision, removed boolean');
  const dc = table('dc', 'zd integer, s bigint, e bigint, connected boolean');
  const cf = table('cf', 'zd integer, s bigint, e bigint, level smallint');
  const st = table('st', 'zd integer, s bigint, e bigint, power_on boolean, setpoint double precision');
  const w = table('w', 'zd integer, s bigint, e bigint, state text, outside double precision');
  const push = (t: { values: unknown[][] }, ...row: unknown[]): void =>
    row.forEach((v, k) => t.values[k]?.push(v));
  pairs.forEach(({ input, cleaned }, k) => {
    const d = days[k] as GridDay;
    push(zd, k, d.homeId, d.zoneId, d.date, d.dayStartMs, d.minutes, d.offset);
    for (const r of cleaned.readings)
      push(
        rd,
        k,
        r.tsMs,
        r.temperatureC,
        r.humidityFraction,
        r.temperatureRemovedBy !== null || r.humidityRemovedBy !== null,
      );
    for (const s of input.deviceConnected) push(dc, k, s.startMs, s.endMs, s.value);
    for (const s of input.callForHeat) push(cf, k, s.startMs, s.endMs, s.value);
    for (const s of input.settings) push(st, k, s.startMs, s.endMs, s.value.powerOn, s.value.setpointC);
    for (const s of input.weather) push(w, k, s.startMs, s.endMs, s.value.state, s.value.temperatureC);
  });
  return { tables: [zd, rd, dc, cf, st, w], days, rows };
}
