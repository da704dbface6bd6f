/**
 * Benchmark: the overhead of one task try through the Docker executor against a bare
 * `docker run --rm` of the same image and the same no-op command, measured side by side (the
 * order alternates in each pair so neither side always runs on a warmer engine). Prints the
 * p50/p95 of each and the p50 of the per-pair ratio. Target (issue 3): ratio p50 ≤ 1.3.
 *
 *   npx tsx bench/docker-overhead.ts [--pairs 20] [--image heatflow:latest] [--mode shared|archive|both] [--skip-full]
 *
 * `shared` (bind mount of the worker's data folder: plain file I/O for XCom files) is what compose
 * and this machine use; `archive` (a named volume the worker cannot see) adds two archive-API calls.
 * The full path (unless `--skip-full`; needs Postgres and Redis as the integration tests do) runs a
 * one-task DAG through the real scheduler and worker with HEATFLOW_EXECUTOR=docker and measures,
 * for each run, from the task instance being queued to its success being recorded in Postgres.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, promisify } from 'node:util';
import Dockerode from 'dockerode';
import { defineDag } from '../src/core/define-dag.js';
import { DockerExecutor } from '../src/executors/docker-executor.js';
import type { ExecutionRequest } from '../src/executors/executor.js';
import { triggerDagRun } from '../src/scheduler/dag-run-service.js';
import { createTestOrchestrator, waitFor } from '../test/helpers/orchestrator.js';

const run = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '20' },
    image: { type: 'string', default: process.env.HEATFLOW_TASK_IMAGE ?? 'heatflow:latest' },
    mode: { type: 'string', default: 'both' },
    'skip-full': { type: 'boolean', default: false },
    warmup: { type: 'string', default: '2' },
  },
});
const pairs = Number(args.pairs);
const image = args.image;
const command = ['node', '-e', '0'];

/** Quantile of a sample (nearest rank). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

async function bareDockerRun(): Promise<number> {
  const t0 = performance.now();
  await run('docker', ['run', '--rm', '--network', 'host', image, ...command]);
  return performance.now() - t0;
}

function makeExecutor(
  dataDir: string,
  mode: 'shared' | 'archive',
  namespace: string,
  volume: string,
): DockerExecutor {
  return new DockerExecutor({
    dataDir,
    dataVolume: mode === 'shared' ? dataDir : volume,
    dataAccess: mode,
    image,
    namespace,
    workerId: 'bench',
  });
}

let seq = 0;
async function executorRun(ex: DockerExecutor, dataDir: string): Promise<number> {
  seq += 1;
  const runId = `manual__bench_${seq}`;
  const req: ExecutionRequest = {
    dagId: 'bench',
    runId,
    taskId: 'noop',
    tryNumber: 1,
    leaseToken: `lease-${seq}`,
    command,
    env: {
      HEATFLOW_DAG_ID: 'bench',
      HEATFLOW_RUN_ID: runId,
      HEATFLOW_TASK_ID: 'noop',
      HEATFLOW_TRY_NUMBER: '1',
    },
    runDir: `runs/bench/${runId}`,
    xcomInput: {},
    logPath: path.join(dataDir, 'logs', `${runId}.log`),
  };
  const t0 = performance.now();
  const r = await ex.execute(req);
  const ms = performance.now() - t0;
  if (r.outcome !== 'success') throw new Error(`bench try failed: ${r.outcome} ${r.error ?? ''}`);
  return ms;
}

/** A one-task DAG through scheduler + worker (Docker executor); `once()` = queued → success recorded, in ms. */
async function fullPathRunner(dataDir: string): Promise<{ once(): Promise<number>; close(): Promise<void> }> {
  const dag = defineDag({
    dagId: 'bench_docker',
    schedule: null,
    startDate: '2022-01-01',
    tasks: [{ taskId: 'noop', command }],
  });
  const h = await createTestOrchestrator('benchdocker', {
    dags: [dag],
    env: {
      HEATFLOW_EXECUTOR: 'docker',
      HEATFLOW_TASK_IMAGE: image,
      HEATFLOW_DATA_DIR: dataDir,
      HEATFLOW_DOCKER_DATA_VOLUME: dataDir,
      HEATFLOW_LOG_LEVEL: 'error',
    },
  });
  await h.startScheduler();
  await h.startWorker({ concurrency: 1 });
  let day = 0;
  return {
    async once() {
      day += 1;
      const run = await triggerDagRun(h.rt.deps, dag, {
        logicalDate: new Date(Date.UTC(2022, 0, 1, 1) + day * 86_400_000),
      });
      const ti = await waitFor(
        'the no-op try to succeed',
        async () => {
          const row = await h.rt.db
            .selectFrom('heatflow.task_instances')
            .select(['state', 'queued_at', 'end_date', 'state_reason'])
            .where('run_id', '=', run.run_id)
            .executeTakeFirst();
          if (row?.state === 'failed') throw new Error(`bench try failed: ${row.state_reason ?? ''}`);
          return row?.state === 'success' ? row : undefined;
        },
        60_000,
        10,
      );
      if (ti.queued_at === null || ti.end_date === null) throw new Error('queued_at or end_date missing');
      return ti.end_date.getTime() - ti.queued_at.getTime();
    },
    close: () => h.cleanup(),
  };
}

function fmt(ms: number): string {
  return `${ms.toFixed(0)} ms`;
}

async function sideBySide(
  label: string,
  candidate: () => Promise<number>,
): Promise<{ label: string; bare: number[]; cand: number[]; ratios: number[] }> {
  for (let i = 0; i < Number(args.warmup); i++) {
    await bareDockerRun();
    await candidate();
  }
  const bare: number[] = [];
  const cand: number[] = [];
  const ratios: number[] = [];
  for (let i = 0; i < pairs; i++) {
    let b: number;
    let c: number;
    if (i % 2 === 0) {
      b = await bareDockerRun();
      c = await candidate();
    } else {
      c = await candidate();
      b = await bareDockerRun();
    }
    bare.push(b);
    cand.push(c);
    ratios.push(c / b);
  }
  return { label, bare, cand, ratios };
}

function report(r: { label: string; bare: number[]; cand: number[]; ratios: number[] }): void {
  console.log(
    `${r.label.padEnd(44)} bare docker run p50 ${fmt(quantile(r.bare, 0.5))} p95 ${fmt(quantile(r.bare, 0.95))} | ` +
      `heatflow p50 ${fmt(quantile(r.cand, 0.5))} p95 ${fmt(quantile(r.cand, 0.95))} | ` +
      `ratio p50 ${quantile(r.ratios, 0.5).toFixed(2)}x (p95 ${quantile(r.ratios, 0.95).toFixed(2)}x, target <= 1.30x)`,
  );
}

async function main(): Promise<void> {
  const docker = new Dockerode();
  await docker.getImage(image).inspect(); // fails clearly when the image is missing: scripts/build-images.sh
  const namespace = `hfbench-${randomBytes(3).toString('hex')}`;
  const volume = `${namespace}-data`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'heatflow-bench-'));
  await chmod(dataDir, 0o755);
  console.log(
    `docker-overhead: ${pairs} pairs, image ${image}, command ${JSON.stringify(command)}, ${os.cpus().length} CPUs, ` +
      `Docker ${(await docker.version()).Version}`,
  );
  const results = [];
  try {
    const modes =
      args.mode === 'both'
        ? (['shared', 'archive'] as const)
        : ([args.mode as 'shared' | 'archive'] as const);
    for (const mode of modes) {
      const ex = makeExecutor(dataDir, mode, namespace, volume);
      results.push(await sideBySide(`executor.execute() [${mode}]`, () => executorRun(ex, dataDir)));
      report(results[results.length - 1]!);
    }
    if (!args['skip-full']) {
      const full = await fullPathRunner(dataDir);
      try {
        results.push(await sideBySide('queued -> success recorded (scheduler+worker)', () => full.once()));
        report(results[results.length - 1]!);
      } finally {
        await full.close();
      }
    }
  } finally {
    const list = await docker.listContainers({
      all: true,
      filters: { label: [`heatflow.namespace=${namespace}`] },
    });
    await Promise.all(list.map((c) => docker.getContainer(c.Id).remove({ force: true })));
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
  }
  console.log(
    JSON.stringify({
      bench: 'docker-overhead',
      pairs,
      results: results.map((r) => ({
        label: r.label,
        bareP50Ms: Math.round(quantile(r.bare, 0.5)),
        heatflowP50Ms: Math.round(quantile(r.cand, 0.5)),
        ratioP50: Number(quantile(r.ratios, 0.5).toFixed(3)),
      })),
    }),
  );
}

await main();
