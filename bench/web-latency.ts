/**
 * Web latency benchmark (issue 6): with a year of runs loaded (365 runs × 4 tasks, written through
 * the repositories as the scheduler and worker write them), the p50 and p99 latency of the DAG
 * list, the grid and the dagRuns list under concurrent load from autocannon (a separate process,
 * so the load generator does not share the server's event loop), on loopback. Target: p99 < 50 ms.
 *
 * The heating dashboard (issue 13 §4): with a year of heating analysis (the simulated 2022:
 * 1,296 zone-days, 1,866,300 zone-minutes, bench/lib/seed-heating-year.ts), the overview and a day
 * view (page and JSON), a zone page and the unusual days, each measured with ONE connection (one
 * request at a time: the latency is the server's time plus loopback) and with
 * BENCH_CONNECTIONS. Target: overview and day view p99 ≤ 100 ms server time.
 *
 * Run: `npx tsx bench/web-latency.ts` (needs Postgres and Redis; prints tables and JSON).
 * Options (environment): BENCH_CONNECTIONS (default 10), BENCH_DURATION_S (default 10),
 * BENCH_PART (`all` default, `dags`, `heating`), BENCH_SCREENSHOTS (a folder: saves screenshots
 * of the heating pages over the seeded year there, with Chromium at CHROMIUM_PATH or
 * /usr/bin/chromium).
 */
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { defineDag } from '../src/core/define-dag.js';
import { makeRunId } from '../src/core/run-id.js';
import { syncDagBag } from '../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../src/db/task-instance-repository.js';
import { clearChartCache } from '../src/web/charts/echarts-svg.js';
import { startWebServer } from '../src/web/server.js';
import { heatingScreenshots } from './lib/heating-screenshots.js';
import { seedHeatingYear } from './lib/seed-heating-year.js';
import { createTestOrchestrator } from '../test/helpers/orchestrator.js';

const run = promisify(execFile);
const TASKS = ['extract', 'validate', 'transform', 'load'];
const DAY_MS = 86_400_000;

const dag = defineDag({
  dagId: 'tado_etl',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tasks: TASKS.map((taskId, i) => ({
    taskId,
    command: ['true'],
    ...(i === 0 ? {} : { upstream: [TASKS[i - 1] as string] }),
  })),
});

interface AutocannonResult {
  latency: { p50: number; p99: number; p97_5: number; average: number; max: number };
  requests: { total: number; average: number };
  non2xx: number;
  errors: number;
}

async function seedYear(h: Awaited<ReturnType<typeof createTestOrchestrator>>): Promise<void> {
  const db = h.rt.db;
  await syncDagBag(db, h.rt.registry.current(), new Date());
  const day0 = Date.UTC(2022, 0, 1, 1);
  const runs = Array.from({ length: 365 }, (_, i) => ({
    dagId: dag.dagId,
    runId: makeRunId('backfill', new Date(day0 + i * DAY_MS)),
    runType: 'backfill' as const,
    logicalDate: new Date(day0 + i * DAY_MS),
    dataIntervalStart: new Date(day0 + i * DAY_MS),
    dataIntervalEnd: new Date(day0 + (i + 1) * DAY_MS),
  }));
  await insertQueuedRuns(db, runs, new Date());
  let seeded = 0;
  const one = async (r: (typeof runs)[number], i: number) => {
    await insertTaskInstances(
      db,
      TASKS.map((taskId) => ({
        dagId: dag.dagId,
        runId: r.runId,
        taskId,
        maxTries: 1,
        pool: 'default_pool',
        poolSlots: 1,
      })),
    );
    await setRunState(db, dag.dagId, r.runId, 'running', new Date());
    for (const taskId of TASKS) {
      const t = {
        dagId: dag.dagId,
        runId: r.runId,
        taskId,
        tryNumber: 1,
        leaseToken: `bench-${i}-${taskId}`,
      };
      await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
      await claimTry(db, t, { workerId: 'bench', hostname: 'bench', logPath: '/dev/null' }, new Date());
      const failed = i % 53 === 7 && taskId === 'load';
      await finishTry(
        db,
        t,
        failed
          ? { tiState: 'failed', tryState: 'failed', exitCode: 1, error: 'exit code 1', durationMs: 900 }
          : {
              tiState: 'success',
              tryState: 'success',
              exitCode: 0,
              durationMs: 500 + ((i * 37 + taskId.length * 101) % 2000),
            },
        new Date(),
      );
    }
    await setRunState(db, dag.dagId, r.runId, i % 53 === 7 ? 'failed' : 'success', new Date());
    seeded++;
  };
  for (let i = 0; i < runs.length; i += 8)
    await Promise.all(runs.slice(i, i + 8).map((r, k) => one(r, i + k)));
  process.stderr.write(`seeded ${seeded} runs × ${TASKS.length} tasks\n`);
}

interface Row {
  endpoint: string;
  path: string;
  connections: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  non2xx: number;
}

const cannon = path.join(path.dirname(createRequire(import.meta.url).resolve('autocannon')), 'autocannon.js');

/** Loads each target with autocannon (2 s warm-up, then `durationS`). */
async function measure(
  url: string,
  targets: readonly [string, string][],
  connections: number,
  durationS: number,
): Promise<Row[]> {
  const rows: Row[] = [];
  for (const [name, p] of targets) {
    await run(process.execPath, [cannon, '-c', String(connections), '-d', '2', '--json', `${url}${p}`], {
      maxBuffer: 1 << 24,
    });
    const { stdout } = await run(
      process.execPath,
      [cannon, '-c', String(connections), '-d', String(durationS), '--json', `${url}${p}`],
      { maxBuffer: 1 << 24 },
    );
    const r = JSON.parse(stdout) as AutocannonResult;
    rows.push({
      endpoint: name,
      path: p,
      connections,
      requests: r.requests.total,
      rps: Math.round(r.requests.average),
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      non2xx: r.non2xx + r.errors,
    });
  }
  return rows;
}

const table = (rows: readonly Row[], targetMs: number) =>
  console.table(
    rows.map((r) => ({
      endpoint: r.endpoint,
      conns: r.connections,
      'req/s': r.rps,
      'p50 ms': r.p50Ms,
      'p99 ms': r.p99Ms,
      'max ms': r.maxMs,
      errors: r.non2xx,
      [`p99 ≤ ${targetMs} ms`]: r.p99Ms <= targetMs ? 'yes' : 'NO',
    })),
  );

const DAG_TARGETS: [string, string][] = [
  ['DAG list page (HTML)', '/'],
  ['DAG list API', '/api/v1/dags'],
  ['grid page (30 runs × 4 tasks, HTML)', '/dags/tado_etl/grid'],
  ['grid page (100 runs × 4 tasks, HTML)', '/dags/tado_etl/grid?limit=100'],
  ['dagRuns API (limit=100)', '/api/v1/dags/tado_etl/dagRuns?limit=100'],
  [
    'dagRuns API (date filter, -execution_date)',
    '/api/v1/dags/tado_etl/dagRuns?execution_date_gte=2022-06-01T00:00:00Z&execution_date_lte=2022-06-30T23:59:59Z&order_by=-execution_date',
  ],
];

const HEATING_TARGETS: [string, string][] = [
  ['heating overview page, 2022 (HTML)', '/heating?year=2022'],
  ['heating overview API', '/api/v1/heating/years/2022'],
  ['day view page, zone 1 2022-01-27 (HTML)', '/heating/zones/1/days/2022-01-27'],
  ['day view API (1,440 minutes)', '/api/v1/heating/zones/1/days/2022-01-27'],
  ['zone page, zone 2 2022 (HTML)', '/heating/zones/2?year=2022'],
  ['unusual days page 2022 (HTML)', '/heating/unusual-days?year=2022'],
];

/**
 * Latency of `paths` requested one after another from this process (the server runs in it too,
 * so nothing else is on its event loop), each with the chart cache emptied first: what a view
 * costs when its charts are drawn for it (the first view after an analysis, or a day not viewed
 * before). p50/p99 in ms.
 */
async function uncached(url: string, name: string, paths: readonly string[]): Promise<Row> {
  const ms: number[] = [];
  let bad = 0;
  // one request first, not counted: the server's first view of a page pays for the JIT and the
  // first pooled connection (about 100 ms for the overview), which is start-up, not a view's cost
  // (autocannon's runs below have a 2 s warm-up for the same reason)
  clearChartCache();
  await (await fetch(`${url}${paths[0] ?? '/'}`)).text();
  for (const p of paths) {
    clearChartCache();
    const t = performance.now();
    const r = await fetch(`${url}${p}`);
    await r.text();
    ms.push(performance.now() - t);
    if (r.status !== 200) bad++;
  }
  ms.sort((a, b) => a - b);
  const at = (q: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)] ?? 0);
  return {
    endpoint: name,
    path: paths[0] ?? '',
    connections: 1,
    requests: ms.length,
    rps: Math.round(1000 / (ms.reduce((a, b) => a + b, 0) / ms.length)),
    p50Ms: at(0.5),
    p99Ms: at(0.99),
    maxMs: Math.round(ms[ms.length - 1] ?? 0),
    non2xx: bad,
  };
}

/** 200 distinct zone-days of 2022 (zones 1..3, every other day from 6 January). */
const DISTINCT_DAYS = Array.from({ length: 200 }, (_, i) => {
  const date = new Date(Date.UTC(2022, 0, 6 + Math.floor(i / 3) * 2)).toISOString().slice(0, 10);
  return `/heating/zones/${(i % 3) + 1}/days/${date}`;
});

async function main(): Promise<void> {
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
  const durationS = Number(process.env.BENCH_DURATION_S ?? 10);
  const part = process.env.BENCH_PART ?? 'all';
  if (!['all', 'dags', 'heating'].includes(part))
    throw new Error(`BENCH_PART must be all, dags or heating, got ${part}`);
  const h = await createTestOrchestrator('webbench', { dags: [dag] });
  try {
    const t0 = Date.now();
    if (part !== 'heating') await seedYear(h);
    if (part !== 'dags') {
      const seeded = await seedHeatingYear(h.database.url);
      process.stderr.write(
        `seeded the heating analysis of 2022: ${seeded.zoneDays} zone-days, ${seeded.minutes} minutes, ${seeded.unusualDays} unusual days (${seeded.wallMs} ms)\n`,
      );
      // fresh tables: let the planner see their sizes, as autovacuum would
      await sql`ANALYZE`.execute(h.rt.db);
    }
    process.stderr.write(`seeding took ${Date.now() - t0} ms\n`);
    const web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
    const results: Row[] = [];
    if (part !== 'heating') {
      const rows = await measure(web.url, DAG_TARGETS, connections, durationS);
      results.push(...rows);
      console.log(
        `\nweb latency, ${connections} concurrent connections, ${durationS} s per endpoint, 365 runs × 4 tasks, loopback (autocannon in its own process)\n`,
      );
      table(rows, 50);
    }
    if (part !== 'dags') {
      const repeat = (p: string, n: number): string[] => Array.from({ length: n }, () => p);
      const cold = [
        await uncached(web.url, 'overview page, charts drawn per request', repeat('/heating?year=2022', 60)),
        await uncached(
          web.url,
          'zone page, charts drawn per request',
          repeat('/heating/zones/2?year=2022', 60),
        ),
        await uncached(web.url, 'day view page, 200 distinct days, drawn per request', DISTINCT_DAYS),
        await uncached(
          web.url,
          'day view API, 200 distinct days',
          DISTINCT_DAYS.map((p) => `/api/v1${p}`),
        ),
      ];
      const sequential = await measure(web.url, HEATING_TARGETS, 1, durationS);
      const loaded = await measure(web.url, HEATING_TARGETS, connections, durationS);
      results.push(...cold, ...sequential, ...loaded);
      console.log(
        '\nheating dashboard over a year (2022: 1,296 zone-days), loopback; uncached: one request at a time, the chart cache emptied before each\n',
      );
      table(cold, 100);
      console.log(
        `\nthe same pages repeated (charts cached after the first view), autocannon ${durationS} s per endpoint\n`,
      );
      table([...sequential, ...loaded], 100);
      const shots = process.env.BENCH_SCREENSHOTS;
      if (shots !== undefined && shots !== '') await heatingScreenshots(web.url, shots);
    }
    await web.close();
    console.log(
      JSON.stringify({
        benchmark: 'web-latency',
        part,
        connections,
        durationS,
        runs: 365,
        tasks: 4,
        results,
      }),
    );
  } finally {
    await h.cleanup();
  }
}

await main();
