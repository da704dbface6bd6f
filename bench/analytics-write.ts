/**
 * Analytics repository benchmark (issue 12 §5), on a scratch database holding the simulated 2022
 * (bench/resample/source.ts: a copy of `heatflow`'s `tado` tables when it holds the backfill, else
 * the simulator's year loaded by the ETL's data path). Measures
 *  1. `readZoneDayInputs` for every zone-day of 2022 (1,296);
 *  2. the write of the year's minutes (1,866,300 rows, from the pure clean and resample of
 *     `src/analytics/`) in one transaction, first into an empty table, then again over the stored
 *     rows (a re-run: delete + write), by
 *     - the product: the repository's `replaceZoneMinutes` (src/db/zone-minutes-write.ts: binary
 *       COPY through `BinaryCopyWriter`, plus the 1,296 `zone_days` upserts);
 *     - the alternatives of bench/resample/: binary COPY from typed arrays (write-binary.ts), text
 *       COPY and `INSERT … SELECT FROM unnest(…)` in batches of 20,000 (write-postgres.ts), each
 *       into a copy of `analytics.zone_minute` (same columns, checks and primary key);
 *     every table compared row by row with the product's afterwards;
 *  3. `readHeatingReport`.
 * Wall time, this process's CPU and its Postgres backend's CPU (/proc), median of `--runs`.
 * Run: `npx tsx bench/analytics-write.ts [--runs 3] [--keep] [--reuse]` (5–11 minutes). Prints a
 * markdown table, then JSON.
 */
import { parseArgs } from 'node:util';
import pg from 'pg';
import { cleanZoneDay } from '../src/analytics/clean-zone-day.js';
import { resampleZoneDay } from '../src/analytics/resample-zone-day.js';
import type { AnalysedZoneDay } from '../src/db/analytics-records.js';
import { openAnalyticsStore } from '../src/db/analytics-repository.js';
import { seriesToGrid, type MinuteGrid } from './resample/grid.js';
import { median, processCpuMs } from './resample/measure.js';
import { dropScratch, prepareScratch } from './resample/source.js';
import { compareTables } from './resample/verify.js';
import { writeCopyBinary } from './resample/write-binary.js';
import { deleteDays, writeCopy, writeUnnest } from './resample/write-postgres.js';

const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const runs = Number(opts.runs);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${opts.runs}`);
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = 'hf_bench_analytics_write';
const APP = 'bench-analytics-write';
const prepared = await prepareScratch(SERVER, NAME, opts.reuse);

const cpu = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const client = new pg.Client({ connectionString: prepared.url });
await client.connect();
const pid = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid ?? 0;
const PATHS = [
  { name: 'repository (binary COPY, product)', table: 'analytics.zone_minute' },
  { name: 'binary COPY, typed arrays', table: 'bench.zm_binary' },
  { name: 'text COPY', table: 'bench.zm_copy' },
  { name: 'unnest, 20,000 rows per INSERT', table: 'bench.zm_unnest' },
] as const;
try {
  await client.query('DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench');
  await client.query('TRUNCATE analytics.zone_minute, analytics.zone_days');
  await client.query('ALTER TABLE analytics.zone_minute SET (autovacuum_enabled = false)');
  for (const p of PATHS.slice(1))
    await client.query(
      `CREATE TABLE ${p.table} (LIKE analytics.zone_minute INCLUDING ALL) WITH (autovacuum_enabled = false)`,
    );

  const { repository, close } = openAnalyticsStore(prepared.url, APP);
  const ctx = { dagRunId: 'bench', at: new Date('2026-12-02T00:00:00Z') };
  const refs = await repository.zoneDaysToAnalyse([], { includeUnanalysed: true });
  let t = performance.now();
  const c = cpu();
  const { inputs, missing } = await repository.readZoneDayInputs(refs);
  const read = {
    zoneDays: inputs.length,
    missing: missing.length,
    wallMs: Math.round(performance.now() - t),
    cpuMs: Math.round(cpu() - c),
  };
  const analysed: AnalysedZoneDay[] = inputs.map((input) => {
    const cleaned = cleanZoneDay(input);
    return { series: resampleZoneDay(input, cleaned), timeZone: input.timeZone, counts: cleaned.counts };
  });
  const grid: MinuteGrid = seriesToGrid(analysed.map((a) => a.series));

  /** the repository's backends (its own pool), found by application name */
  const repositoryPids = async (): Promise<number[]> =>
    (
      await client.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE application_name = $1', [
        APP,
      ])
    ).rows.map((r) => r.pid);
  /** CPU so far of each backend that works for path i */
  const serverCpu = async (i: number): Promise<Map<number, number>> =>
    new Map((i === 0 ? await repositoryPids() : [pid]).map((p) => [p, processCpuMs(p)]));
  /** CPU between two readings: backends gone meanwhile (idle, closed by the pool) are left out */
  const cpuBetween = (a: Map<number, number>, b: Map<number, number>): number =>
    [...b].reduce((sum, [p, ms]) => sum + ms - (a.get(p) ?? 0), 0);
  const writeOnce = async (i: number): Promise<number> => {
    if (i === 0) return (await repository.replaceZoneMinutes(analysed, [], ctx)).minutesWritten;
    const table = PATHS[i]?.table ?? '';
    await client.query('BEGIN');
    await deleteDays(client, table, grid.days);
    if (i === 1) await writeCopyBinary(client, table, grid);
    else if (i === 2) await writeCopy(client, table, grid);
    else await writeUnnest(client, table, grid);
    await client.query('COMMIT');
    return grid.rows;
  };
  interface Sample {
    wallMs: number;
    clientCpuMs: number;
    serverCpuMs: number;
    rows: number;
  }
  const results: { name: string; table: string; first: Sample[]; rewrite: Sample[] }[] = [];
  for (const [i, p] of PATHS.entries()) {
    const first: Sample[] = [];
    const rewrite: Sample[] = [];
    for (let r = 0; r < runs; r++) {
      await client.query(`TRUNCATE ${p.table}${i === 0 ? ', analytics.zone_days' : ''}`);
      await client.query('CHECKPOINT');
      for (const into of [first, rewrite]) {
        const s0 = await serverCpu(i);
        const c0 = cpu();
        const w0 = performance.now();
        const rows = await writeOnce(i);
        const wallMs = performance.now() - w0;
        into.push({ wallMs, clientCpuMs: cpu() - c0, serverCpuMs: cpuBetween(s0, await serverCpu(i)), rows });
        await client.query('CHECKPOINT');
      }
    }
    results.push({ name: p.name, table: p.table, first, rewrite });
  }
  const checks = [];
  for (const p of PATHS.slice(1)) {
    const d = await compareTables(client, 'analytics.zone_minute', p.table);
    checks.push({
      table: p.table,
      missing: d.missing,
      differing: d.differing,
      notIdentical: d.floatsNotIdentical,
    });
  }
  t = performance.now();
  const report = await repository.readHeatingReport({ year: 2022 });
  const reportMs = Math.round(performance.now() - t);
  await close();

  const med = (xs: Sample[], f: (s: Sample) => number): number => median(xs.map(f));
  const line = (s: Sample[]): string =>
    `${(med(s, (x) => x.wallMs) / 1000).toFixed(2)} | ${(med(s, (x) => x.clientCpuMs) / 1000).toFixed(2)} | ` +
    `${(med(s, (x) => x.serverCpuMs) / 1000).toFixed(2)} | ${Math.round(med(s, (x) => x.rows / (x.wallMs / 1000))).toLocaleString('en')}`;
  console.log(
    [
      `read: ${read.zoneDays} zone-days in ${read.wallMs} ms (client CPU ${read.cpuMs} ms); data: ${prepared.source}`,
      `write of ${grid.rows.toLocaleString('en')} minute rows in one transaction, median of ${runs}:`,
      '',
      '| write path | into empty table: wall s | client CPU s | Postgres CPU s | rows/s | re-run (delete + write): wall s | client CPU s | Postgres CPU s | rows/s |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...results.map((r) => `| ${r.name} | ${line(r.first)} | ${line(r.rewrite)} |`),
      '',
      ...checks.map(
        (k) =>
          `check: ${k.table} vs analytics.zone_minute: ${k.missing} keys in one only, ${k.differing} rows differ, ${k.notIdentical} with floats not bit-identical`,
      ),
      `readHeatingReport(2022): ${reportMs} ms`,
    ].join('\n'),
  );
  console.log(
    JSON.stringify({ read, results, checks, report: { wallMs: reportMs, homes: report.homes.length } }),
  );
  if (checks.some((k) => k.missing > 0 || k.differing > 0)) process.exitCode = 1;
} finally {
  await client.end();
  if (!opts.keep) await dropScratch(SERVER, NAME);
}
