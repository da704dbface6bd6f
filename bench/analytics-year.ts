/**
 * Benchmark of heating_analytics (issue 12 §5), on a scratch database holding the simulated 2022
 * (seed 1, loaded by the ETL's data path in one process: bench/lib/load-simulated-year.ts):
 *
 * 1. **the year**: one heating_analytics run over 2022-01-01..2022-12-31 (what the asset events of
 *    the 2022 backfill name) through a scheduler and a worker of this process with the chosen
 *    executor: wall time of the run, the machine's busy CPU over it (all processes; /proc/stat) and
 *    the CPU stolen by the hypervisor, each task's duration, rows written;
 * 2. **one day**: the seven task programs run in sequence as child processes under GNU time for
 *    one date (what a daily asset-triggered run does: the date and its two neighbours, four zones),
 *    from their startup snapshots: CPU (user + system) per program and in all, peak memory.
 *
 * Run: `npm run build && npx tsx bench/analytics-year.ts [process|docker]` (docker: the engine and
 * the image of scripts/build-images.sh). Needs GNU time (`/usr/bin/time`).
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { heatingAnalytics } from '../dags/heating_analytics.js';
import { loadConfig } from '../src/config/config.js';
import { createDb, ensureDatabase } from '../src/db/connection.js';
import { setDagPaused } from '../src/db/dag-repository.js';
import { migrateToLatest } from '../src/db/migrator.js';
import { syncDagBag } from '../src/dag-processing/sync-dag-bag.js';
import { createLogger } from '../src/logging/logger.js';
import { openRuntime, startScheduler, startWorker } from '../src/runtime/runtime.js';
import { triggerDagRun } from '../src/scheduler/dag-run-service.js';
import { startTadoSimulator } from '../src/tado/simulator/tado-simulator.js';
import { runTaskProgram } from '../test/helpers/run-task-program.js';
import { loadSimulatedRange } from './lib/load-simulated-year.js';

const executor = process.argv[2] ?? 'process';
if (executor !== 'process' && executor !== 'docker')
  throw new Error(`executor must be process or docker, got ${executor}`);
const SERVER = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const name = `hf_bench_analytics_${randomBytes(3).toString('hex')}`;
const url = new URL(SERVER);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
const tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-bench-analytics-'));

/** busy and steal ticks of /proc/stat's cpu line (user nice system irq softirq; steal) */
async function cpuTicks(): Promise<{ busy: number; steal: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (f[0] ?? 0) + (f[1] ?? 0) + (f[2] ?? 0) + (f[5] ?? 0) + (f[6] ?? 0), steal: f[7] ?? 0 };
}
const HZ = 100; // USER_HZ on Linux

await ensureDatabase(databaseUrl);
const mdb = createDb(databaseUrl);
await migrateToLatest(mdb as Kysely<unknown>);
await mdb.destroy();

const sim = await startTadoSimulator({ seed: 1 });
const tokenFile = path.join(tmp, 'tado-token.json');
await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
const tadoEnv = {
  TADO_API_URL: sim.apiUrl,
  TADO_AUTH_URL: sim.authUrl,
  TADO_TOKEN_FILE: tokenFile,
  TADO_REQUEST_DELAY_MS: '0',
  TADO_REQUEST_JITTER_MS: '0',
};
const loaded = await loadSimulatedRange(databaseUrl, tadoEnv, '2022-01-01', '2022-12-31');
await sim.close();
console.log(`loaded 2022 in ${(loaded.wallMs / 1000).toFixed(1)} s (${loaded.rowsWritten} rows)`);

// 1. the year through the orchestrator
const env: NodeJS.ProcessEnv = {
  ...process.env,
  DATABASE_URL: databaseUrl,
  HEATFLOW_REDIS_PREFIX: name,
  HEATFLOW_DATA_DIR: path.join(tmp, 'data'),
  HEATFLOW_LOG_DIR: path.join(tmp, 'logs'),
  HEATFLOW_EXECUTOR: executor,
  HEATFLOW_LOG_LEVEL: 'warn',
  // as `heatflow demo` does: the data folder bind-mounted, containers running as this user
  ...(executor === 'docker'
    ? {
        HEATFLOW_DOCKER_DATA_VOLUME: path.join(tmp, 'data'),
        HEATFLOW_DOCKER_USER: `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
      }
    : {}),
};
Object.assign(process.env, { DATABASE_URL: databaseUrl });
const config = loadConfig(env);
await mkdir(config.HEATFLOW_DATA_DIR, { recursive: true });
const rt = await openRuntime(config, createLogger({ level: 'warn', format: 'json' }));
const bag = await rt.registry.refresh();
await syncDagBag(rt.db, bag, new Date());
await setDagPaused(rt.db, 'tado_etl', true);
await setDagPaused(rt.db, 'heating_analytics', false);
const worker = await startWorker(rt);
const sched = await startScheduler(rt);
const t0 = await cpuTicks();
const run = await triggerDagRun(rt.deps, heatingAnalytics, { conf: { dates: '2022-01-01..2022-12-31' } });
sched.scheduler.notifyAll();
let state = run.state;
while (state !== 'success' && state !== 'failed') {
  await new Promise((r) => setTimeout(r, 250));
  const r = await rt.db
    .selectFrom('heatflow.dag_runs')
    .select('state')
    .where('dag_id', '=', 'heating_analytics')
    .where('run_id', '=', run.run_id)
    .executeTakeFirstOrThrow();
  state = r.state;
}
const t1 = await cpuTicks();
const span = await sql<{ start: Date; end: Date }>`
  SELECT start_date AS start, end_date AS end FROM heatflow.dag_runs
  WHERE dag_id = 'heating_analytics' AND run_id = ${run.run_id}`.execute(rt.db);
const tasks = await sql<{ task_id: string; duration_ms: number; state: string }>`
  SELECT task_id, duration_ms, state FROM heatflow.task_instances
  WHERE dag_id = 'heating_analytics' AND run_id = ${run.run_id} ORDER BY start_date`.execute(rt.db);
const rows = await sql<{ minutes: number; zone_days: number; unusual: number }>`
  SELECT (SELECT count(*)::int FROM analytics.zone_minute) AS minutes,
         (SELECT count(*)::int FROM analytics.zone_days WHERE status = 'analysed') AS zone_days,
         (SELECT count(*)::int FROM analytics.unusual_days) AS unusual`.execute(rt.db);
await sched.stop();
await worker.stop();
const s = span.rows[0];
const year = {
  executor,
  state,
  runWallS: s === undefined ? null : Math.round((s.end.getTime() - s.start.getTime()) / 100) / 10,
  machineBusyCpuS: Math.round((t1.busy - t0.busy) / HZ),
  stolenCpuS: Math.round((t1.steal - t0.steal) / HZ),
  tasks: Object.fromEntries(
    tasks.rows.map((t) => [t.task_id, `${t.state} ${(t.duration_ms / 1000).toFixed(1)} s`]),
  ),
  ...rows.rows[0],
};
console.log(JSON.stringify({ year }, null, 2));

// 2. one day: the programs as child processes under GNU time
const day = '2022-06-15';
const runDir = path.join(tmp, 'one-day');
const upstream: Record<string, unknown> = {};
const order = [
  'clean',
  'resample',
  'merge',
  'daily_metrics',
  'weather_dependence',
  'unusual_days',
  'quality_check',
];
const cpu: Record<string, { cpuMs: number; wallMs: number; maxRssMb: number }> = {};
for (const taskId of order) {
  const task = heatingAnalytics.tasks.get(taskId);
  if (task === undefined) throw new Error(`no task ${taskId}`);
  const r = await runTaskProgram({
    dag: heatingAnalytics,
    taskId,
    ds: day,
    runDir,
    upstream: Object.fromEntries(task.upstream.map((u) => [u, upstream[u]])),
    env: {
      DATABASE_URL: databaseUrl,
      HEATING_ANALYTICS_DATES: day,
      HEATING_ANALYTICS_INCLUDE_UNANALYSED: 'false',
    },
    params: { dates: day },
    command: [
      '/usr/bin/time',
      '-f',
      'HEATFLOW_BENCH %U %S %e %M',
      ...(typeof task.command === 'function' ? [] : task.command),
    ],
  });
  if (r.exitCode !== 0) throw new Error(`${taskId} failed (${r.exitCode}): ${r.stderr}`);
  const m = /HEATFLOW_BENCH ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(r.stderr);
  if (m === null) throw new Error(`no GNU time line for ${taskId}`);
  cpu[taskId] = {
    cpuMs: Math.round((Number(m[1]) + Number(m[2])) * 1000),
    wallMs: Math.round(Number(m[3]) * 1000),
    maxRssMb: Math.round(Number(m[4]) / 1024),
  };
  upstream[taskId] = r.returnValue;
}
const totalCpuMs = Object.values(cpu).reduce((n, c) => n + c.cpuMs, 0);
console.log(JSON.stringify({ oneDay: { date: day, totalCpuMs, perTask: cpu } }, null, 2));

await rt.close();
const admin = new pg.Client({ connectionString: SERVER });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
await admin.end();
await rm(tmp, { recursive: true, force: true });
