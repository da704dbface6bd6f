/**
 * `heatflow demo`: the main job on this machine's Postgres and Redis, in one command. Migrates,
 * starts the built-in tado° simulator, a scheduler and a worker, backfills `tado_etl` (default: all
 * of 2022), prints a summary (runs by state, rows per table, wall time) and exits; with `--serve`
 * it leaves the web page up afterwards. Its options are checked before it changes anything, and
 * the DAGs it pauses get their paused flags back when it ends (`demo-pause-state.ts`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Kysely } from 'kysely';
import { cliActor, recordEvent, type EventLogEntry } from '../audit/event-log.js';
import { loadConfig } from '../config/config.js';
import { listRunsBetween } from '../db/dag-run-repository.js';
import { WAREHOUSE_TABLES, Warehouse, type WarehouseDatabase } from '../db/warehouse.js';
import { countWarehouseFlags, flagCountsJson, flagCountsLine } from '../db/warehouse-flags.js';
import { createLogger } from '../logging/logger.js';
import { openRuntime, startScheduler, startWorker } from '../runtime/runtime.js';
import { createBackfill } from '../scheduler/dag-run-service.js';
import { printNoFernetKeyWarningOnce } from '../secrets/no-key-warning.js';
import { secretStores } from '../secrets/secret-stores.js';
import { startTadoSimulator } from '../tado/simulator/tado-simulator.js';
import { openAnalyticsStore } from '../db/analytics-repository.js';
import type { HeatingReport } from '../db/analytics-records.js';
import { CliError, listenError, parseDateRange, parsePositiveInt, requireDag } from './context.js';
import { DemoPauseState } from './demo-pause-state.js';
import { formatHeatingReport } from './heating-report-format.js';
import { startWebIfPresent } from './service-commands.js';
import { syncDagFolder } from './sync-dags.js';
import { waitForAssetRuns, type AssetRunsSummary } from './wait-asset-runs.js';
import { waitForBackfill } from './wait-backfill.js';

/** The DAG the demo runs after the backfill, on the backfill's asset events (dags/heating_analytics.ts). */
const ANALYTICS_DAG = 'heating_analytics';

interface DemoOptions {
  startDate: string;
  endDate: string;
  executor?: string;
  json?: boolean;
  serve?: boolean;
  seed: string;
  maxActiveRuns: string;
  concurrency?: string;
  reprocess: string;
}

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('run the 2022 tado_etl backfill against the built-in tado° simulator and print a summary')
    .option('-s, --start-date <date>', 'first day', '2022-01-01')
    .option('-e, --end-date <date>', 'last day, inclusive', '2022-12-31')
    .option('--executor <kind>', 'process or docker (default HEATFLOW_EXECUTOR)')
    .option('--json', 'print the summary as JSON')
    .option('--serve', 'keep the web page up afterwards (Ctrl-C to stop)')
    .option('--seed <n>', 'simulator seed', '1')
    .option('--max-active-runs <n>', 'DAG runs at once', '8')
    .option('--concurrency <n>', 'task tries at once (default HEATFLOW_WORKER_CONCURRENCY)')
    .option('--reprocess <behavior>', 'days already loaded: none | failed | completed', 'failed')
    .action(async (o: DemoOptions) => runDemo(o));
}

async function runDemo(o: DemoOptions): Promise<void> {
  if (o.executor !== undefined && o.executor !== 'process' && o.executor !== 'docker') {
    throw new CliError(`--executor must be process or docker, got "${o.executor}"`);
  }
  if (!['none', 'failed', 'completed'].includes(o.reprocess))
    throw new CliError(`--reprocess must be none, failed or completed, got "${o.reprocess}"`);
  // Every option is checked before the demo changes anything (it pauses DAGs below).
  const seed = parsePositiveInt('--seed', o.seed);
  const maxActiveRuns = parsePositiveInt('--max-active-runs', o.maxActiveRuns);
  const concurrency =
    o.concurrency === undefined ? undefined : parsePositiveInt('--concurrency', o.concurrency);
  const started = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(o.executor === undefined ? {} : { HEATFLOW_EXECUTOR: o.executor }),
  };
  // With the Docker executor the demo shares its data folder with the task containers through a
  // bind mount (unless a volume is configured), so the simulator token file it writes is seen.
  if (env.HEATFLOW_EXECUTOR === 'docker' && (env.HEATFLOW_DOCKER_DATA_VOLUME ?? '') === '') {
    env.HEATFLOW_DOCKER_DATA_VOLUME = path.resolve(env.HEATFLOW_DATA_DIR ?? '.heatflow/data');
    // Files in a bind-mounted folder keep the host's owners: run the containers as this user so
    // they can read the token file (mode 0600) and write the run folders.
    if (
      (env.HEATFLOW_DOCKER_USER ?? '') === '' &&
      process.getuid !== undefined &&
      process.getgid !== undefined
    ) {
      env.HEATFLOW_DOCKER_USER = `${process.getuid()}:${process.getgid()}`;
    }
  }
  const config = loadConfig(env);
  const logger = createLogger({
    level: process.env.HEATFLOW_LOG_LEVEL ?? 'warn',
    ...(config.HEATFLOW_LOG_FORMAT === undefined ? {} : { format: config.HEATFLOW_LOG_FORMAT }),
    name: 'demo',
  });
  const rt = await openRuntime(config, logger, { migrate: true });
  const sim = await startTadoSimulator({
    seed,
    quota: 100_000,
    host: '127.0.0.1',
  });
  const stops: (() => Promise<void>)[] = [() => rt.close(), () => sim.close()];
  try {
    // The tasks find the simulator through the worker's environment (dags/tado_etl.ts passes TADO_*
    // by reference). The simulator accepts a static refresh token, so no human sign-in is needed.
    const tokenFile = path.join(config.HEATFLOW_DATA_DIR, 'tado-simulator-token.json');
    await mkdir(path.dirname(tokenFile), { recursive: true });
    await writeFile(tokenFile, JSON.stringify({ refresh_token: 'heatflow-simulator' }), { mode: 0o600 });
    Object.assign(process.env, {
      TADO_API_URL: sim.apiUrl,
      TADO_AUTH_URL: sim.authUrl,
      TADO_TOKEN_FILE:
        config.HEATFLOW_EXECUTOR === 'docker'
          ? path.posix.join(config.HEATFLOW_DOCKER_DATA_MOUNT, 'tado-simulator-token.json')
          : tokenFile,
      TADO_REQUEST_DELAY_MS: '0',
      TADO_REQUEST_JITTER_MS: '0',
      DATABASE_URL: config.DATABASE_URL,
    });
    const dag = await requireDag(rt, 'tado_etl');
    const { from, to } = parseDateRange(dag, o.startDate, o.endDate);
    // the range as the backfill will judge it (a future end, an end before the start, no logical
    // date in it): refused here, before any DAG is paused or anything recorded (a dry run writes nothing)
    const reprocess = o.reprocess as 'none' | 'failed' | 'completed';
    await createBackfill(rt.deps, dag, { from, to, maxActiveRuns, reprocess, dryRun: true });
    const analyticsDag = await rt.registry.get(ANALYTICS_DAG);
    // The flags as they are now, put back when the demo ends, however it ends (before the
    // database closes, after the scheduler and worker stopped: stops run first to last).
    // what the demo does is recorded in the event log as the CLI verbs record it, marked `command: demo`
    const audit = (entry: EventLogEntry) =>
      recordEvent(rt.db, cliActor(), { ...entry, extra: { ...entry.extra, command: 'demo' } }, rt.logger);
    const pauses = await DemoPauseState.capture(
      rt.db,
      dag.dagId,
      [dag.dagId, ANALYTICS_DAG],
      async (id, p) => {
        await audit({ event: p ? 'pause' : 'unpause', dagId: id });
      },
    );
    stops.unshift(async () => {
      for (const line of await pauses.restore()) process.stderr.write(`${line}\n`);
    });
    // Ctrl-C (or SIGTERM) from here on: stop the worker at once, which kills the running tries'
    // processes or containers and records them as failed (retried when the demo runs again),
    // instead of leaving them `running` until the zombie threshold; the paused flags are put back
    // either way. A second signal exits now (flags as they are).
    let onSignal: ((signal: NodeJS.Signals) => void) | undefined;
    let signalled: NodeJS.Signals | undefined;
    const interrupted = new Promise<NodeJS.Signals>((resolve) => {
      onSignal = (signal) => {
        signalled = signal;
        process.once('SIGINT', () => process.exit(130));
        process.once('SIGTERM', () => process.exit(143));
        resolve(signal);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    /** A signal before the backfill exists: stop before creating it (the finally block cleans up). */
    const stopIfSignalled = () => {
      if (signalled !== undefined)
        throw new CliError(
          `interrupted (${signalled}) before the backfill started`,
          signalled === 'SIGINT' ? 130 : 143,
        );
    };
    await syncDagFolder(rt);
    // The demo runs only its backfill: pause the schedule so catchup does not add runs up to today.
    await pauses.set(dag.dagId, true);
    // heating_analytics is held paused while the backfill runs: each load's asset event waits in
    // its queue (a paused consumer keeps its events, docs/adr/0003) and, once the backfill is
    // done and the demo unpauses it, the scheduler consumes them all in one asset-triggered run.
    if (analyticsDag !== undefined) await pauses.set(ANALYTICS_DAG, true);

    // The web page comes up before the backfill: a port in use fails now, not after the run, and
    // the page shows the backfill as it goes.
    let webUrl: string | undefined;
    if (o.serve === true) {
      const web = await startWebIfPresent(rt, config.HEATFLOW_WEB_PORT).catch((err: unknown) => {
        const e = listenError(err, config.HEATFLOW_WEB_PORT, 'HEATFLOW_WEB_PORT');
        throw e instanceof CliError ? new CliError(`--serve: ${e.message}`) : e;
      });
      if (web === undefined) throw new CliError('--serve: the web server is not built');
      process.stderr.write(`web page: ${web.url} (shows the backfill as it runs)\n`);
      stops.unshift(() => web.close());
      webUrl = web.url;
      stopIfSignalled();
    }

    // a person runs the demo: the warning as the other commands print it, not as a log line
    if (!secretStores(rt.db, config).cipher.enabled) printNoFernetKeyWarningOnce();
    const worker = await startWorker(rt, concurrency === undefined ? {} : { concurrency });
    const sched = await startScheduler(rt);
    stops.unshift(
      () => sched.stop(),
      () => worker.stop(),
    );
    stopIfSignalled();
    const result = await createBackfill(rt.deps, dag, {
      from,
      to,
      maxActiveRuns,
      reprocess,
    });
    await audit({
      event: 'backfill',
      dagId: dag.dagId,
      extra: {
        backfill_id: result.backfill?.id ?? null,
        from_date: from.toISOString(),
        to_date: to.toISOString(),
        reprocess_behavior: o.reprocess,
        runs: result.plan.filter((p) => p.action !== 'skip').length,
      },
    });
    process.stderr.write(
      `demo: simulator at ${sim.url}; backfill ${result.backfill?.id ?? ''} of tado_etl ${o.startDate}..${o.endDate} with the ${config.HEATFLOW_EXECUTOR} executor\n`,
    );
    // Runs of the range created by an earlier, interrupted demo are waited for too.
    const waiting = waitForBackfill(rt, { dagId: dag.dagId, from, to });
    let outcome = await Promise.race([waiting.then(() => undefined), interrupted]);
    const etlWallMs = Date.now() - started;
    let analytics: AssetRunsSummary | undefined;
    if (outcome === undefined && analyticsDag !== undefined) {
      const since = new Date();
      await pauses.set(ANALYTICS_DAG, false);
      sched.scheduler.notifyAll();
      process.stderr.write(
        `demo: tado_etl done; ${ANALYTICS_DAG} unpaused: it runs on the asset events of the backfill's loads\n`,
      );
      const watching = waitForAssetRuns(rt, ANALYTICS_DAG, { since });
      const r = await Promise.race([watching, interrupted]);
      if (typeof r === 'string') {
        watching.catch(() => undefined);
        outcome = r;
      } else analytics = r;
    }
    if (onSignal !== undefined) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    if (outcome !== undefined) {
      waiting.catch(() => undefined); // its next poll fails once the database is closed
      process.stderr.write(
        `demo: interrupted (${outcome}): stopping; running tries are recorded as failed and retried, and runs resume, when the demo runs again\n`,
      );
      await worker.stop(true);
      await sched.stop();
      process.exitCode = outcome === 'SIGINT' ? 130 : 143;
      return;
    }
    const wallMs = Date.now() - started;
    // The heating report of every year of the range, from the analytics tables.
    const reports: HeatingReport[] = [];
    if (analyticsDag !== undefined) {
      const store = openAnalyticsStore(config.DATABASE_URL, 'heatflow-demo');
      try {
        for (let y = Number(o.startDate.slice(0, 4)); y <= Number(o.endDate.slice(0, 4)); y++)
          reports.push(await store.repository.readHeatingReport({ year: y }));
      } finally {
        await store.close();
      }
    }
    const analyticsRuns: Record<string, number> = {};
    for (const r of analytics?.runs ?? []) analyticsRuns[r.state] = (analyticsRuns[r.state] ?? 0) + 1;
    const failedAnalytics = (analytics?.runs ?? []).filter((r) => r.state !== 'success').map((r) => r.runId);

    const runs = await listRunsBetween(rt.db, dag.dagId, from, to);
    const runsByState: Record<string, number> = {};
    for (const r of runs) runsByState[r.state] = (runsByState[r.state] ?? 0) + 1;
    const counts = await new Warehouse(rt.db as unknown as Kysely<WarehouseDatabase>).countRows();
    const flagged = await countWarehouseFlags(rt.db as unknown as Kysely<WarehouseDatabase>);
    // Rows by table name as in Postgres (schema tado).
    const rows = Object.fromEntries(
      (Object.keys(counts) as (keyof typeof counts)[]).map((k) => [
        WAREHOUSE_TABLES[k].replace(/^tado\./, ''),
        counts[k],
      ]),
    );
    const plan = { created: 0, reprocessed: 0, left_alone: 0, resumed: 0 };
    for (const p of result.plan) {
      if (p.action === 'create') plan.created++;
      else if (p.action === 'reprocess') plan.reprocessed++;
      else if (p.existingState === 'success' || p.existingState === 'failed') plan.left_alone++;
      else plan.resumed++; // an earlier, interrupted demo's run: finished by this one
    }
    const failedRuns = runs.filter((r) => r.state === 'failed').map((r) => r.run_id);
    const summary = {
      dag_id: dag.dagId,
      range: { start: o.startDate, end: o.endDate },
      executor: config.HEATFLOW_EXECUTOR,
      runs: runsByState,
      plan,
      failed_runs: failedRuns.slice(0, 20),
      rows,
      flagged: flagCountsJson(flagged),
      etl_wall_time_s: Math.round(etlWallMs / 100) / 10,
      heating_analytics:
        analytics === undefined
          ? null
          : {
              runs: analyticsRuns,
              asset_events_consumed: analytics.runs.reduce((n, r) => n + r.events, 0),
              run_ids: analytics.runs.map((r) => r.runId),
              wall_time_s: Math.round(analytics.wallMs / 100) / 10,
              reports,
            },
      wall_time_s: Math.round(wallMs / 100) / 10,
      simulator_requests: sim.stats().apiRequests,
    };
    if (o.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      process.stdout.write(
        [
          `tado_etl ${o.startDate}..${o.endDate} (${config.HEATFLOW_EXECUTOR} executor) in ${summary.etl_wall_time_s} s`,
          `runs: ${Object.entries(runsByState)
            .map(([k, v]) => `${v} ${k}`)
            .join(
              ', ',
            )} (this time: ${plan.created} created, ${plan.reprocessed} re-run, ${plan.resumed > 0 ? `${plan.resumed} unfinished ones finished, ` : ''}${plan.left_alone} already there left alone${plan.left_alone > 0 && o.reprocess !== 'completed' ? '; --reprocess completed re-runs every day' : ''})`,
          `rows in schema tado (every day stored, not only this range): ${Object.entries(rows)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
          flagCountsLine(flagged),
          ...(failedRuns.length > 0
            ? [
                `failed runs: ${failedRuns.slice(0, 5).join(', ')}${failedRuns.length > 5 ? ', …' : ''} (see logs in ${config.HEATFLOW_LOG_DIR})`,
              ]
            : []),
          analyticsLine(analytics),
          `demo total: ${summary.wall_time_s} s`,
        ].join('\n') + '\n',
      );
      if (reports.some((r) => r.homes.length > 0))
        process.stdout.write(`\n${reports.map((r) => formatHeatingReport(r)).join('\n')}`);
    }
    if (webUrl !== undefined) {
      process.stderr.write(`web page: ${webUrl} stays up (Ctrl-C to stop)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
    }
    if (failedRuns.length > 0 || failedAnalytics.length > 0) process.exitCode = 1;
  } finally {
    for (const stop of stops) await stop().catch(() => undefined);
  }
}

/** The summary's line about heating_analytics. */
function analyticsLine(a: AssetRunsSummary | undefined): string {
  if (a === undefined) return `${ANALYTICS_DAG}: not in the DAG folder (nothing analysed)`;
  if (a.runs.length === 0)
    return `${ANALYTICS_DAG}: no new asset events (no day was loaded this time); the tables below are as stored (\`heatflow dags trigger ${ANALYTICS_DAG} --conf '{"dates":"…"}'\` re-analyses days)`;
  const states = new Map<string, number>();
  for (const r of a.runs) states.set(r.state, (states.get(r.state) ?? 0) + 1);
  const events = a.runs.reduce((n, r) => n + r.events, 0);
  return `${ANALYTICS_DAG}: ${[...states].map(([k, v]) => `${v} ${k}`).join(', ')} asset-triggered run(s) on ${events} asset events, in ${Math.round(a.wallMs / 100) / 10} s${
    a.runs.some((r) => r.state !== 'success')
      ? ` (failed: ${a.runs
          .filter((r) => r.state !== 'success')
          .map((r) => r.runId)
          .join(', ')}; see \`heatflow dags state\` and the logs)`
      : ''
  }`;
}
