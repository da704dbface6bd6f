/**
 * Which engine should build heating_analytics' one-minute grid (issue 12)? The resample step — clean's
 * output (`clean/zone-days.ndjson`) → one row per zone and minute — by three engines:
 *
 *  1. TypeScript: the product's `resampleZoneDay` (src/analytics/resample-zone-day.ts), written by
 *     the analytics repository (binary COPY, src/db/zone-minutes-write.ts): what the DAG runs;
 *  2. Postgres SQL: clean's output in temporary staging tables, `generate_series` per zone-day and
 *     every series expanded into its minutes and joined on (zone-day, minute), `INSERT … SELECT`;
 *  3. DuckDB (`@duckdb/node-api`, a devDependency): the same staging tables loaded by appenders,
 *     the same expansion joins (or `ASOF JOIN`s), the grid handed to JavaScript and written by
 *     binary COPY, or written by DuckDB's CSV writer and streamed into COPY.
 *
 * over the simulated 2022 (1,296 zone-days, 1,866,300 minutes), measured three ways:
 *  (a) compute only, the input already in memory / in the engine (median of `--runs`);
 *  (b) end to end for the year: read clean's file → grid → table (median of `--runs`);
 *  (c) one day (`--day` and its two neighbours, 12 zone-days), as a task program: a fresh
 *      `node --no-opt` process on an esbuild bundle, under GNU time (median of `--day-runs`).
 * Each engine runs in a child process of its own (bench/resample/run-engine.ts): its peak RSS is its own.
 *
 * Correctness: DuckDB's grids are compared minute by minute with the product's in JavaScript,
 * Postgres's checksum (sums and counts of every column) with the product's; every year table is
 * compared row by row with `analytics.zone_minute` (the product's) and each zone-day's row count
 * with its local day's minutes, again after the one-day runs replaced three days. A mismatch is
 * printed, and the process exits with 1.
 *
 * Data: the scratch database `hf_bench_resample` (bench/resample/source.ts: a copy of `heatflow`'s
 * 2022 backfill when there is one, else the simulator's 2022 loaded by the ETL's data path), dropped
 * at the end unless `--keep`; `--reuse` takes a kept one as it is.
 *
 * Run: `npx tsx bench/resample-engines.ts [--runs 3] [--day-runs 5] [--day 2022-12-07] [--keep] [--reuse]`
 * (8–10 minutes on the 2-core build machine under load). Needs GNU time (`/usr/bin/time`); pg_dump and psql
 * when `heatflow` holds the backfill. Prints markdown tables, then one JSON line.
 */
import { execFile as execFileCb } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { build } from 'esbuild';
import pg from 'pg';
import { TASK_PROGRAM_NODE_FLAGS } from '../src/task-sdk/program-flags.js';
import { cleanedZoneDays, datesBetween, writeCleanFile } from './resample/inputs.js';
import { machineCpuMs } from './resample/measure.js';
import { engineTables, type DaySample, type EngineReport } from './resample/report.js';
import { dropScratch, prepareScratch } from './resample/source.js';
import { checksumDifferences, compareTables, wrongDayCounts } from './resample/verify.js';

const execFile = promisify(execFileCb);
const { values: opts } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'day-runs': { type: 'string', default: '5' },
    day: { type: 'string', default: '2022-12-07' },
    keep: { type: 'boolean', default: false },
    reuse: { type: 'boolean', default: false },
  },
});
const runs = Number(opts.runs);
const dayRuns = Number(opts['day-runs']);
if (!Number.isInteger(runs) || runs < 1)
  throw new Error(`--runs must be a positive integer, got ${opts.runs}`);
if (!Number.isInteger(dayRuns) || dayRuns < 1)
  throw new Error(`--day-runs must be a positive integer, got ${opts['day-runs']}`);
const root = path.resolve(import.meta.dirname, '..');
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const SCRATCH = 'hf_bench_resample';
const PRODUCT_TABLE = 'analytics.zone_minute';

/** The end-to-end variants: engine, write path, target table. The first is the product, the reference. */
const VARIANTS = [
  { engine: 'ts', write: 'product', table: PRODUCT_TABLE },
  { engine: 'postgres', write: 'server', table: 'bench.zm_postgres' },
  { engine: 'duckdb', write: 'binary', table: 'bench.zm_duckdb_binary' },
  { engine: 'duckdb', write: 'csv', table: 'bench.zm_duckdb_csv' },
] as const;

const problems: string[] = [];
const fmtS = (ms: number): string => (ms / 1000).toFixed(2);
const loadavg = (): string =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

// --- machine and DuckDB facts --------------------------------------------------------------------
const machine0 = machineCpuMs();
const load0 = loadavg();
const duckDir = path.join(root, 'node_modules/@duckdb');
const duSize = async (p: string): Promise<string> =>
  (await execFile('du', ['-sh', '--apparent-size', p])).stdout.split('\t')[0] ?? '?';
const glibc = (
  await execFile('bash', [
    '-c',
    `objdump -T '${duckDir}/node-bindings-linux-x64/libduckdb.so' | grep -o 'GLIBC_[0-9.]*' | sort -Vu | tail -1`,
  ])
).stdout.trim();
const duck = {
  nodeModules: await duSize(duckDir),
  libduckdb: await duSize(path.join(duckDir, 'node-bindings-linux-x64/libduckdb.so')),
  glibc,
  version: (
    JSON.parse(await readFile(path.join(duckDir, 'node-api/package.json'), 'utf8')) as { version: string }
  ).version,
};

const prepared = await prepareScratch(SERVER, SCRATCH, opts.reuse);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-bench-resample-'));
try {
  const c = new pg.Client({ connectionString: prepared.url });
  await c.connect();
  await c.query('DROP SCHEMA IF EXISTS bench CASCADE; CREATE SCHEMA bench');
  await c.query(`TRUNCATE ${PRODUCT_TABLE}, analytics.zone_days`);
  // no background ANALYZE running into the next runs, in any target
  await c.query(`ALTER TABLE ${PRODUCT_TABLE} SET (autovacuum_enabled = false)`);
  for (const v of VARIANTS.slice(1))
    await c.query(
      `CREATE TABLE ${v.table} (LIKE ${PRODUCT_TABLE} INCLUDING ALL) WITH (autovacuum_enabled = false)`,
    );
  await c.end();

  // --- clean's files: the year, and the day with its neighbours ----------------------------------
  const yearFile = path.join(tmp, 'clean-year.ndjson');
  const dayFile = path.join(tmp, 'clean-day.ndjson');
  const t0 = performance.now();
  const yearPairs = await cleanedZoneDays(prepared.url, datesBetween('2022-01-01', '2022-12-31'));
  const cleanMs = performance.now() - t0;
  await writeCleanFile(yearFile, yearPairs);
  const shift = (d: string, n: number): string =>
    new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const dayDates = datesBetween(shift(opts.day, -1), shift(opts.day, 1));
  const dayPairs = await cleanedZoneDays(prepared.url, dayDates);
  await writeCleanFile(dayFile, dayPairs);
  const dayRows = dayPairs.reduce((n, p) => n + (p.input.dayEndMs - p.input.dayStartMs) / 60_000, 0);

  const runEngine = async (args: string[]): Promise<EngineReport> => {
    const { stdout } = await execFile(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'bench/resample/run-engine.ts'), '--db', prepared.url, ...args],
      { cwd: root, maxBuffer: 1 << 24 },
    );
    return JSON.parse(stdout) as EngineReport;
  };

  // --- (a) compute only ---------------------------------------------------------------------------
  const computeArgs = (engine: string, variant = 'expand'): string[] => [
    '--engine',
    engine,
    '--mode',
    'compute',
    '--runs',
    String(runs),
    '--clean',
    yearFile,
    '--variant',
    variant,
  ];
  const compute = {
    ts: await runEngine(computeArgs('ts')),
    postgres: await runEngine(computeArgs('postgres')),
    duckdb: await runEngine(computeArgs('duckdb')),
    duckdbAsof: await runEngine(computeArgs('duckdb', 'asof')),
  };
  for (const [name, r] of Object.entries(compute)) {
    if (r.checksum === undefined || compute.ts.checksum === undefined) problems.push(`${name}: no checksum`);
    else {
      const diff = checksumDifferences(compute.ts.checksum, r.checksum);
      if (diff.length > 0) problems.push(`compute only: ${name}'s checksum differs: ${diff.join('; ')}`);
    }
    const cmp = r.comparison;
    if (cmp !== undefined && cmp.differingRows > 0)
      problems.push(`compute only: ${name}: ${cmp.differingRows} minutes differ: ${cmp.examples.join('; ')}`);
  }

  // --- (b) end to end, the year -------------------------------------------------------------------
  const e2e: EngineReport[] = [];
  for (const v of VARIANTS)
    e2e.push(
      await runEngine(
        [
          '--engine',
          v.engine,
          '--write',
          v.write,
          '--table',
          v.table,
          '--mode',
          'e2e',
          '--runs',
          String(runs),
        ].concat(['--clean', yearFile]),
      ),
    );
  const verified: {
    when: string;
    table: string;
    missing: number;
    differing: number;
    notIdentical: number;
  }[] = [];
  const verify = async (when: string): Promise<void> => {
    const client = new pg.Client({ connectionString: prepared.url });
    await client.connect();
    try {
      for (const v of VARIANTS) {
        const wrong = await wrongDayCounts(client, v.table, '2022-01-01', '2022-12-31');
        if (wrong.length > 0)
          problems.push(
            `${when}: ${v.table}: ${wrong.length} zone-days with the wrong minutes, e.g. ${JSON.stringify(wrong[0])}`,
          );
        if (v.table === PRODUCT_TABLE) continue;
        const d = await compareTables(client, PRODUCT_TABLE, v.table);
        verified.push({
          when,
          table: v.table,
          missing: d.missing,
          differing: d.differing,
          notIdentical: d.floatsNotIdentical,
        });
        if (d.missing > 0 || d.differing > 0)
          problems.push(
            `${when}: ${v.table} differs from ${PRODUCT_TABLE}: ${d.missing} keys in one table only, ${d.differing} rows with other values; e.g. ${JSON.stringify(d.examples)}`,
          );
      }
    } finally {
      await client.end();
    }
  };
  await verify('year');

  // --- (c) one day, a fresh process per run ------------------------------------------------------
  const bundle = path.join(tmp, 'run-day.cjs');
  await build({
    entryPoints: [path.join(root, 'bench/resample/run-day.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: bundle,
    external: ['@duckdb/*', 'pg-native'],
    logLevel: 'warning',
  });
  // as the DAG starts a program that talks no TLS: no extra CA bundle to parse (docs/task-programs.md)
  const env = { ...process.env, NODE_PATH: path.join(root, 'node_modules'), NODE_EXTRA_CA_CERTS: '' };
  const timed = async (argv: string[]): Promise<DaySample> => {
    const out = path.join(tmp, 'time.txt');
    const { stdout } = await execFile('/usr/bin/time', ['-o', out, '-f', '%e %U %S %M', ...argv], {
      cwd: root,
      env,
      maxBuffer: 1 << 20,
    });
    const [wall, user, sys, rssKb] = (await readFile(out, 'utf8')).trim().split(/\s+/).map(Number);
    const line = stdout.trim();
    return {
      wallS: wall ?? NaN,
      cpuS: (user ?? NaN) + (sys ?? NaN),
      rssMb: (rssKb ?? NaN) / 1024,
      report: line === '' ? undefined : (JSON.parse(line) as DaySample['report']),
    };
  };
  const node = [process.execPath, ...TASK_PROGRAM_NODE_FLAGS];
  const nodeBaseline: DaySample[] = [];
  for (let i = 0; i < dayRuns; i++) nodeBaseline.push(await timed([...node, '-e', '0']));
  const day: DaySample[][] = [];
  for (const v of VARIANTS) {
    const samples: DaySample[] = [];
    const args = [
      '--engine',
      v.engine,
      '--write',
      v.write,
      '--db',
      prepared.url,
      '--table',
      v.table,
      '--clean',
      dayFile,
    ];
    for (let i = 0; i < dayRuns; i++) samples.push(await timed([...node, bundle, ...args]));
    day.push(samples);
  }
  await verify(`after the one-day runs (${dayDates[0]}..${dayDates[2]})`);
  const machine1 = machineCpuMs();

  // --- report -------------------------------------------------------------------------------------
  const lines: string[] = [];
  const p = (s = ''): number => lines.push(s);
  p(
    `machine: ${os.cpus().length} cores, load average ${load0} at the start, ${loadavg()} at the end; ` +
      `${fmtS(machine1.busyMs - machine0.busyMs)} s busy CPU and ${fmtS(machine1.stealMs - machine0.stealMs)} s stolen over the benchmark (/proc/stat)`,
  );
  p(
    `DuckDB ${duck.version}: node_modules/@duckdb ${duck.nodeModules} (libduckdb.so ${duck.libduckdb}), needs glibc ≥ ${duck.glibc.replace('GLIBC_', '')}`,
  );
  p(
    `data: ${prepared.source} (${fmtS(prepared.wallMs)} s); clean's input for the year (read + clean, the clean task's work) ${fmtS(cleanMs)} s`,
  );
  p();
  for (const l of engineTables({
    runs,
    dayRuns,
    zoneDays: yearPairs.length,
    compute,
    variants: VARIANTS,
    e2e,
    dayDates,
    dayZoneDays: dayPairs.length,
    dayRows,
    nodeBaseline,
    day,
  }))
    p(l);
  p();
  for (const v of verified)
    p(
      `check ${v.when}: ${v.table} vs ${PRODUCT_TABLE}: ${v.missing} keys in one only, ${v.differing} rows differ, ${v.notIdentical} rows with floats not bit-identical`,
    );
  p(
    problems.length === 0 ? "All grids agree with the product's." : `MISMATCHES:\n- ${problems.join('\n- ')}`,
  );
  console.log(lines.join('\n'));
  console.log(
    JSON.stringify({
      machine: {
        load0,
        load1: loadavg(),
        busyMs: machine1.busyMs - machine0.busyMs,
        stealMs: machine1.stealMs - machine0.stealMs,
      },
      duck,
      prepared,
      cleanMs,
      compute,
      e2e,
      nodeBaseline,
      day,
      verified,
      problems,
    }),
  );
  if (problems.length > 0) process.exitCode = 1;
} finally {
  await rm(tmp, { recursive: true, force: true });
  if (!opts.keep) await dropScratch(SERVER, SCRATCH);
}
