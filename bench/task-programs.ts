/**
 * What one try of each tado_etl task program costs (issue 5, docs/task-programs.md): the four
 * programs run in sequence, as child processes under the task container contract, for `days`
 * consecutive days against the tado simulator (seed 1) and a scratch Postgres database, each
 * started both from its startup snapshot (what the DAG runs) and from its plain bundle
 * (`TADO_ETL_TASK_SNAPSHOTS=false`). Prints, per program and mode, the mean CPU time (user +
 * system, GNU time), wall time and peak resident memory.
 *
 * CPU times on a shared host move with its load. With `--instructions`, every program is also
 * run once under `valgrind --tool=callgrind`, whose instruction counts (user space, all threads)
 * repeat exactly for the same build and input: the figure to compare two builds with.
 *
 * `--baseline <checkout>` adds a third mode: the compiled programs of another checkout of heatflow
 * (`node <checkout>/dist/tasks/<name>.js`, as the DAG ran them before the bundles and snapshots),
 * built there with `npm ci && npm run build`, for a before/after on the same machine and input.
 *
 * Run: `npm run build && npx tsx bench/task-programs.ts [--days N] [--instructions] [--baseline DIR]`
 * Needs GNU time (`/usr/bin/time`), and valgrind for `--instructions`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Kysely } from 'kysely';
import { DateTime } from 'luxon';
import pg from 'pg';
import { createDb, ensureDatabase } from '../src/db/connection.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { startTadoSimulator } from '../src/tado/simulator/tado-simulator.js';
import { TASK_PROGRAM_NODE_FLAGS } from '../src/task-sdk/index.js';
import { runTaskProgram } from '../test/helpers/run-task-program.js';

const { values: opts } = parseArgs({
  options: {
    days: { type: 'string', default: '6' },
    instructions: { type: 'boolean', default: false },
    baseline: { type: 'string' },
  },
});
const days = Number(opts.days);
if (!Number.isInteger(days) || days < 1)
  throw new Error(`--days must be a positive integer, got ${opts.days}`);
const TASKS = ['extract', 'validate', 'transform', 'load'] as const;
type Mode = 'snapshot' | 'bundle' | 'baseline';
const baseline = opts.baseline === undefined ? undefined : path.resolve(opts.baseline);
const argv = (task: string, mode: Mode): string[] =>
  mode === 'snapshot'
    ? ['node', ...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', `dist/snapshots/${task}.blob`]
    : mode === 'bundle'
      ? ['node', ...TASK_PROGRAM_NODE_FLAGS, `dist/tasks/${task}.cjs`]
      : ['node', path.join(baseline ?? '', 'dist', 'tasks', `${task}.js`)];
const modes: Mode[] = baseline === undefined ? ['snapshot', 'bundle'] : ['snapshot', 'bundle', 'baseline'];

const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const dbName = `hf_bench_programs_${process.pid}`;
const dbUrl = new URL(SERVER);
dbUrl.pathname = `/${dbName}`;
await ensureDatabase(dbUrl.toString());
const db = createDb(dbUrl.toString());
await migrateToLatest(db as Kysely<unknown>);
await db.destroy();

const sim = await startTadoSimulator({ seed: 1 });
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-bench-programs-'));
const tokenFile = path.join(tmp, 'tado-token.json');
await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
const env = {
  TADO_API_URL: sim.apiUrl,
  TADO_AUTH_URL: sim.authUrl,
  TADO_TOKEN_FILE: tokenFile,
  TADO_REQUEST_DELAY_MS: '0',
  TADO_REQUEST_JITTER_MS: '0',
  DATABASE_URL: dbUrl.toString(),
};
// the DAG renders the task environment from the worker's: give it the simulator's settings
Object.assign(process.env, env);

interface Sample {
  cpuS: number;
  wallS: number;
  maxRssMb: number;
}
const samples: Record<string, Sample[]> = {};
const instructions: Record<string, number> = {};

async function runDay(ds: string, mode: Mode, wrap: readonly string[]): Promise<Record<string, string>> {
  let upstream: Record<string, unknown> = {};
  const stderrs: Record<string, string> = {};
  for (const task of TASKS) {
    const run = await runTaskProgram({
      taskId: task,
      ds,
      runDir: path.join(tmp, mode, ds),
      upstream,
      env,
      command: [...wrap, ...argv(task, mode)],
      tryNumber: wrap.length > 0 ? 2 : 1,
    });
    if (run.exitCode !== 0) throw new Error(`${task} ${ds} (${mode}) failed: ${run.stderr.slice(-2000)}`);
    stderrs[task] = run.stderr;
    upstream = { [task]: run.returnValue };
  }
  return stderrs;
}

const start = DateTime.fromISO('2022-02-10');
for (const mode of modes) {
  for (let i = 0; i < days; i++) {
    const ds = start.plus({ days: i }).toISODate() ?? '';
    const stderrs = await runDay(ds, mode, ['/usr/bin/time', '-f', 'HEATFLOW_BENCH %U %S %e %M']);
    for (const task of TASKS) {
      const m = /HEATFLOW_BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderrs[task] ?? '');
      if (m === null) throw new Error(`no GNU time line for ${task}: is /usr/bin/time GNU time?`);
      (samples[`${task} ${mode}`] ??= []).push({
        cpuS: Number(m[1]) + Number(m[2]),
        wallS: Number(m[3]),
        maxRssMb: Number(m[4]) / 1024,
      });
    }
  }
  if (opts.instructions) {
    const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
    if (probe.status !== 0) throw new Error('--instructions needs valgrind on PATH');
    const stderrs = await runDay(start.plus({ days: days }).toISODate() ?? '', mode, [
      'valgrind',
      '--tool=callgrind',
      '--callgrind-out-file=/dev/null',
    ]);
    for (const task of TASKS) {
      const m = /I\s+refs:\s+([\d,]+)/.exec(stderrs[task] ?? '');
      if (m?.[1] !== undefined) instructions[`${task} ${mode}`] = Number(m[1].replace(/,/g, ''));
    }
  }
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const rows = Object.entries(samples).map(([key, xs]) => ({
  program: key,
  cpuMs: Math.round(mean(xs.map((x) => x.cpuS)) * 1000),
  wallMs: Math.round(mean(xs.map((x) => x.wallS)) * 1000),
  maxRssMb: Math.round(Math.max(...xs.map((x) => x.maxRssMb))),
  ...(instructions[key] === undefined ? {} : { instructionsM: Math.round(instructions[key] / 1e6) }),
}));
const perDay = (mode: Mode) => rows.filter((r) => r.program.endsWith(mode)).reduce((a, r) => a + r.cpuMs, 0);
console.log(
  JSON.stringify(
    {
      days,
      programs: rows,
      cpuMsPerDay: Object.fromEntries(modes.map((m) => [m, perDay(m)])),
      flags: TASK_PROGRAM_NODE_FLAGS,
      NODE_EXTRA_CA_CERTS:
        process.env.NODE_EXTRA_CA_CERTS === undefined ? 'unset' : 'set (the DAG drops it here)',
      loadAverage1m: Math.round((os.loadavg()[0] ?? 0) * 10) / 10,
    },
    null,
    2,
  ),
);

await sim.close();
await rm(tmp, { recursive: true, force: true });
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
await admin.end();
