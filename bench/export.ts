/**
 * Benchmark of `heatflow export` (issue 13 §3): rows/s and peak memory (RSS) of the CLI exporting
 * `analytics.zone_minute` for a year and for a month, in each format, to stdout (→ /dev/null).
 * Target: a year to Parquet at ≥ 500,000 rows/s, with memory flat (a year's peak ≈ a month's).
 *
 * Data: a scratch database `hf_bench_export` (kept between runs, filled once) whose
 * `analytics.zone_minute` holds a synthetic year: 5 zones × 525,600 minutes of 2022 = 2,628,000
 * rows, every column filled (about 1 % of `inside_c` null), generated in SQL. The simulated
 * year of `bench/analytics-year.ts` has 1,866,300 rows (4 heating zones, one from June);
 * this one is the "5 zones × a year".
 *
 * Each command is timed by GNU time (`/usr/bin/time`: peak RSS and user + system CPU of the
 * process, Postgres's backend not included); rows/s is the
 * rows over the export's own time as the command reports it (from its start to the last byte,
 * without Node's start-up). Best of `BENCH_RUNS` (default 3) for rows/s, worst for RSS.
 *
 * Then the web server (`heatflow webserver`, a child process) serves the Parquet of a month, then
 * of the year, over HTTP; its peak RSS (VmHWM) after each download shows whether a long export
 * grows the server.
 *
 * Run: `npm run build && npx tsx bench/export.ts` (needs Postgres and Redis; prints a table and JSON).
 */
import { execFile, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDb, ensureDatabase } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';

const run = promisify(execFile);
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const url = new URL(SERVER);
url.pathname = '/hf_bench_export';
const databaseUrl = url.toString();
const CLI = path.resolve('dist/src/cli/main.js');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const YEAR_ROWS = 5 * 525_600;

/** Creates, migrates and fills the bench database once. */
async function prepare(): Promise<void> {
  await ensureDatabase(databaseUrl);
  const db = createDb(databaseUrl);
  await migrateToLatest(db as Kysely<unknown>);
  await db.destroy();
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const n = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM analytics.zone_minute');
    if (n.rows[0]?.n === YEAR_ROWS) return;
    console.log(`filling analytics.zone_minute with ${YEAR_ROWS} synthetic rows (once) …`);
    await client.query('TRUNCATE analytics.zone_minute');
    await client.query(`SET TimeZone = 'UTC'`);
    await client.query(`
      INSERT INTO analytics.zone_minute (home_id, zone_id, minute_start, inside_c, humidity_fraction,
        setpoint_c, outside_c, local_date, demand_level, power_on, connected, cleaned, weather_state)
      SELECT 1, z, m,
        CASE WHEN random() < 0.01 THEN NULL
             ELSE round((18 + 3 * sin(extract(epoch FROM m) / 86400 * 6.283) + z * 0.2)::numeric, 2)::float8 END,
        round((0.45 + 0.1 * random())::numeric, 3)::float8,
        CASE WHEN extract(hour FROM m) BETWEEN 6 AND 22 THEN 20.0 ELSE 16.0 END,
        round((8 + 6 * sin(extract(epoch FROM m) / 86400 / 365 * 6.283))::numeric, 2)::float8,
        (m AT TIME ZONE 'Europe/London')::date,
        floor(random() * 4)::smallint,
        random() < 0.9, random() < 0.99, random() < 0.02,
        (ARRAY['CLOUDY', 'SUN', 'RAIN', 'FOGGY'])[1 + floor(random() * 4)::int]
      FROM generate_series(1, 5) z,
           generate_series(timestamptz '2022-01-01 00:00+00', timestamptz '2022-12-31 23:59+00', interval '1 minute') m`);
    await client.query('ANALYZE analytics.zone_minute');
  } finally {
    await client.end();
  }
}

interface Measure {
  rows: number;
  exportS: number;
  wallS: number;
  peakRssMb: number;
  /** user + system CPU of the command (Node, DuckDB's thread), s; not Postgres's */
  cpuS: number;
  /** the most DuckDB's temporary folder held, MB */
  spillMb: number;
  bytes: number;
}

/** The largest size, MB, that DuckDB's temporary folders (`heatflow-duckdb-*`) reach while `p` runs. */
async function peakSpillMb<T>(p: Promise<T>): Promise<{ value: T; spillMb: number }> {
  let peakKb = 0;
  let done = false;
  const sample = async (): Promise<void> => {
    while (!done) {
      const { stdout } = await run('sh', [
        '-c',
        `du -skc ${os.tmpdir()}/heatflow-duckdb-* 2>/dev/null | tail -1`,
      ]);
      peakKb = Math.max(peakKb, Number(stdout.split('\t')[0]) || 0);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const sampler = sample();
  try {
    return { value: await p, spillMb: Math.round(peakKb / 1024) };
  } finally {
    done = true;
    await sampler;
  }
}

/** One `heatflow export` under GNU time, stdout to /dev/null. */
async function measure(args: string[]): Promise<Measure> {
  const cmd = `/usr/bin/time -f 'TIME %e %M %U %S' node ${CLI} ${args.join(' ')} > /dev/null`;
  const { value, spillMb } = await peakSpillMb(
    run('sh', ['-c', cmd], {
      env: { ...process.env, DATABASE_URL: databaseUrl, HEATFLOW_LOG_LEVEL: 'warn' },
      maxBuffer: 1 << 20,
    }),
  );
  const { stderr } = value;
  const summary = /exported (\d+) rows .* \(([\d.]+) MB\) .* in ([\d.]+) s/.exec(stderr);
  const time = /TIME ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(stderr);
  if (summary === null || time === null) throw new Error(`unexpected output of ${cmd}: ${stderr}`);
  return {
    rows: Number(summary[1]),
    bytes: Number(summary[2]) * 1e6,
    exportS: Number(summary[3]),
    wallS: Number(time[1]),
    peakRssMb: Number(time[2]) / 1024,
    cpuS: Number(time[3]) + Number(time[4]),
    spillMb,
  };
}

/** The CLI's own RSS doing nothing (`--version`): what every command starts with. */
async function idleRssMb(): Promise<number> {
  const { stderr } = await run('sh', [
    '-c',
    `/usr/bin/time -f 'TIME %e %M' node ${CLI} --version > /dev/null`,
  ]);
  return Number(/TIME [\d.]+ (\d+)/.exec(stderr)?.[1] ?? NaN) / 1024;
}

await prepare();
const idle = await idleRssMb();
const ranges = [
  { name: 'year', args: ['--from', '2022-01-01', '--to', '2022-12-31'] },
  { name: 'month (Mar)', args: ['--from', '2022-03-01', '--to', '2022-03-31'] },
];
const results: Record<string, unknown>[] = [];
for (const format of ['parquet', 'csv', 'jsonl']) {
  for (const range of ranges) {
    const runs: Measure[] = [];
    for (let i = 0; i < RUNS; i++)
      runs.push(await measure(['export', 'zone_minute', ...range.args, '--format', format]));
    const best = runs.reduce((a, b) => (b.rows / b.exportS > a.rows / a.exportS ? b : a));
    const row = {
      format,
      range: range.name,
      rows: best.rows,
      rows_per_s: Math.round(best.rows / best.exportS),
      export_s: best.exportS,
      wall_s: best.wallS,
      cli_cpu_s: Math.min(...runs.map((r) => r.cpuS)),
      peak_rss_mb: Math.round(Math.max(...runs.map((r) => r.peakRssMb))),
      duckdb_temp_mb: Math.max(...runs.map((r) => r.spillMb)),
      output_mb: Math.round(best.bytes / 1e5) / 10,
    };
    results.push(row);
    console.log(
      `${format.padEnd(8)} ${range.name.padEnd(12)} ${String(row.rows).padStart(9)} rows  ${String(row.rows_per_s).padStart(9)} rows/s  export ${row.export_s.toFixed(1)} s (wall ${row.wall_s.toFixed(1)} s, CLI CPU ${row.cli_cpu_s.toFixed(1)} s)  peak RSS ${row.peak_rss_mb} MB  ${row.output_mb} MB  DuckDB temp ${row.duckdb_temp_mb} MB`,
    );
  }
}
/** The server's current and peak RSS, MB (/proc/PID/status). */
async function rssOf(pid: number): Promise<{ rssMb: number; peakMb: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN);
  return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
}

const port = 18_000 + (process.pid % 1000);
const server = spawn(process.execPath, [CLI, 'webserver', '--port', String(port)], {
  env: {
    ...process.env,
    DATABASE_URL: databaseUrl,
    HEATFLOW_REDIS_PREFIX: `hf-bench-export-${process.pid}`,
    HEATFLOW_LOG_LEVEL: 'warn',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
await new Promise<void>((resolve, reject) => {
  server.stdout.on('data', (c: Buffer) => {
    if (c.toString().includes('web server on')) resolve();
  });
  server.on('exit', (code) => reject(new Error(`webserver exited with ${code}`)));
});
const pid = server.pid ?? 0;
const web: Record<string, unknown>[] = [{ after: 'start', ...(await rssOf(pid)) }];
for (const range of [
  { name: 'month (Mar)', q: 'from=2022-03-01&to=2022-03-31' },
  { name: 'year', q: 'from=2022-01-01&to=2022-12-31' },
  { name: 'year again', q: 'from=2022-01-01&to=2022-12-31' },
]) {
  const t0 = Date.now();
  const r = await fetch(`http://127.0.0.1:${port}/api/v1/export/zone_minute.parquet?${range.q}`);
  let bytes = 0;
  for await (const chunk of r.body ?? []) bytes += (chunk as Uint8Array).length;
  const m = {
    after: range.name,
    status: r.status,
    bytes,
    seconds: (Date.now() - t0) / 1000,
    ...(await rssOf(pid)),
  };
  web.push(m);
  console.log(
    `web server after ${range.name.padEnd(11)}: HTTP ${m.status}, ${(bytes / 1e6).toFixed(1)} MB in ${m.seconds.toFixed(1)} s; RSS ${m.rssMb} MB, peak ${m.peakMb} MB`,
  );
}
server.kill('SIGTERM');
const load = (await run('cat', ['/proc/loadavg'])).stdout.trim();
console.log(`idle CLI RSS (heatflow --version): ${Math.round(idle)} MB; load average ${load}`);
console.log(JSON.stringify({ idle_cli_rss_mb: Math.round(idle), load, results, web }, null, 2));
