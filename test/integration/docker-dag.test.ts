/**
 * DAGs through the real scheduler and worker with HEATFLOW_EXECUTOR=docker: every try in its own
 * container of the task image, on real Postgres, Redis and Docker. The data folder is a bind
 * mount of a temporary folder (the worker and the containers see the same files).
 * The worker-kill case runs the first worker as a separate `heatflow worker` process
 * (dist/src/cli/main.js: `npm run build` first, as `npm test` does).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import type { Dag } from '../../src/core/types.js';
import { getRun } from '../../src/db/dag-run-repository.js';
import { resolveDockerEndpoint } from '../../src/executors/docker-endpoint.js';
import { DockerExecutor } from '../../src/executors/docker-executor.js';
import { triggerDagRun } from '../../src/scheduler/dag-run-service.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { ensureTaskImage, removeNamespaceContainers } from '../helpers/docker-image.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const CLI = path.resolve('dist/src/cli/main.js');
const docker = new Dockerode();
let image: string;

let h: TestOrchestrator | undefined;
let dataDir: string | undefined;
const children: ChildProcess[] = [];

beforeAll(async () => {
  image = await ensureTaskImage(docker);
}, 25 * 60_000);

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  if (h !== undefined) {
    await removeNamespaceContainers(docker, h.config.HEATFLOW_REDIS_PREFIX);
    await h.cleanup();
  }
  h = undefined;
  if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
  dataDir = undefined;
});

/** An orchestrator whose worker uses the Docker executor with a bind-mounted data folder. */
async function dockerOrchestrator(
  tag: string,
  o: { dags?: readonly Dag[]; dagsDir?: string; env?: Record<string, string> },
) {
  dataDir = await mkdtemp(path.join(os.tmpdir(), `hf-docker-${tag}-`));
  await chmod(dataDir, 0o755); // tasks run as the image's non-root user
  h = await createTestOrchestrator(tag, {
    ...o,
    env: {
      HEATFLOW_EXECUTOR: 'docker',
      HEATFLOW_TASK_IMAGE: image,
      HEATFLOW_DATA_DIR: dataDir,
      HEATFLOW_DOCKER_DATA_VOLUME: dataDir,
      HEATFLOW_DOCKER_NETWORK: 'host',
      HEATFLOW_DOCKER_MEMORY_MB: '512',
      HEATFLOW_DOCKER_KILL_GRACE_MS: '1000',
      ...o.env,
    },
  });
  return h;
}

async function runFinished(
  t: TestOrchestrator,
  dagId: string,
  runId: string,
  timeoutMs = 90_000,
): Promise<string> {
  return waitFor(
    `run ${runId} to finish`,
    async () => {
      const r = await getRun(t.rt.db, dagId, runId);
      return r?.state === 'success' || r?.state === 'failed' ? r.state : undefined;
    },
    timeoutMs,
  );
}

async function tries(t: TestOrchestrator, taskId: string) {
  return t.rt.db
    .selectFrom('heatflow.task_tries')
    .selectAll()
    .where('task_id', '=', taskId)
    .orderBy('try_number')
    .execute();
}

async function containerGone(id: string | null | undefined): Promise<boolean> {
  try {
    await docker.getContainer(id ?? 'none').inspect();
    return false;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode === 404;
  }
}

const node = (script: string) => ['node', '-e', script];
const LOGICAL = new Date('2022-01-01T01:00:00Z');

describe('DAGs with the Docker executor (scheduler + worker + real engine)', () => {
  it('passes a file through the volume and a value through XCom, one container per try, logs per try', async () => {
    const dag = defineDag({
      dagId: 'docker_files',
      schedule: null,
      startDate: '2022-01-01',
      tasks: [
        {
          taskId: 'extract',
          command: node(`
            const fs = require('fs');
            fs.writeFileSync(process.env.HEATFLOW_RUN_DIR + '/day.json', JSON.stringify({ ds: process.env.HEATFLOW_DS, temperatureC: [20.5, 21, 19.5] }));
            console.log(JSON.stringify({ msg: 'extracted', uid: process.getuid() }));
            fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ file: 'day.json', rows: 3 }));`),
        },
        {
          taskId: 'transform',
          upstream: ['extract'],
          command: node(`
            const fs = require('fs');
            const up = JSON.parse(fs.readFileSync(process.env.HEATFLOW_XCOM_INPUT_PATH, 'utf8')).extract;
            const day = JSON.parse(fs.readFileSync(process.env.HEATFLOW_RUN_DIR + '/' + up.file, 'utf8'));
            const mean = day.temperatureC.reduce((a, b) => a + b, 0) / day.temperatureC.length;
            console.error('transform read ' + up.rows + ' rows');
            fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ ds: day.ds, meanTemperatureC: mean }));`),
        },
      ],
    });
    const t = await dockerOrchestrator('dkfiles', { dags: [dag] });
    await t.startScheduler();
    await t.startWorker({ concurrency: 2 });
    const run = await triggerDagRun(t.rt.deps, dag, { logicalDate: LOGICAL });
    expect(await runFinished(t, dag.dagId, run.run_id)).toBe('success');

    expect(await t.rt.xcom.pull({ dagId: dag.dagId, runId: run.run_id, taskId: 'extract' })).toEqual({
      file: 'day.json',
      rows: 3,
    });
    expect(await t.rt.xcom.pull({ dagId: dag.dagId, runId: run.run_id, taskId: 'transform' })).toEqual({
      ds: '2022-01-01',
      meanTemperatureC: 20.333333333333332,
    });
    // the file went through the volume: the worker's data folder holds it
    const day = JSON.parse(
      await readFile(
        path.join(t.config.HEATFLOW_DATA_DIR, 'runs', dag.dagId, run.run_id, 'day.json'),
        'utf8',
      ),
    ) as unknown;
    expect(day).toEqual({ ds: '2022-01-01', temperatureC: [20.5, 21, 19.5] });

    const all = [...(await tries(t, 'extract')), ...(await tries(t, 'transform'))];
    expect(all.map((x) => [x.task_id, x.state, x.executor])).toEqual([
      ['extract', 'success', 'docker'],
      ['transform', 'success', 'docker'],
    ]);
    expect(new Set(all.map((x) => x.container_id)).size).toBe(2);
    for (const x of all) expect(await containerGone(x.container_id)).toBe(true);

    const logOf = (taskId: string) =>
      readFile(
        tryLogPath(t.config.HEATFLOW_LOG_DIR, { dagId: dag.dagId, runId: run.run_id, taskId, tryNumber: 1 }),
        'utf8',
      );
    expect(await logOf('extract')).toContain('{"msg":"extracted","uid":1000}');
    expect(await logOf('transform')).toContain('transform read 3 rows');
  }, 120_000);

  it('kills a try past its execution_timeout and retries it to success', async () => {
    const dag = defineDag({
      dagId: 'docker_timeout',
      schedule: null,
      startDate: '2022-01-01',
      tasks: [
        {
          taskId: 'slow_once',
          executionTimeoutMs: 2000,
          retries: 1,
          retryDelayMs: 200,
          command: node(`
            const fs = require('fs');
            if (process.env.HEATFLOW_TRY_NUMBER === '1') { console.log('first try hangs'); setTimeout(() => {}, 120000); }
            else fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ try: Number(process.env.HEATFLOW_TRY_NUMBER) }));`),
        },
      ],
    });
    const t = await dockerOrchestrator('dktimeout', { dags: [dag] });
    await t.startScheduler();
    await t.startWorker();
    const run = await triggerDagRun(t.rt.deps, dag, { logicalDate: LOGICAL });
    expect(await runFinished(t, dag.dagId, run.run_id)).toBe('success');
    const tr = await tries(t, 'slow_once');
    expect(tr.map((x) => x.state)).toEqual(['failed', 'success']);
    expect(tr[0]?.error).toMatch(/execution_timeout of 2000 ms/);
    expect(tr[0]?.duration_ms).toBeLessThan(15_000);
    expect(await containerGone(tr[0]?.container_id)).toBe(true);
    expect(await t.rt.xcom.pull({ dagId: dag.dagId, runId: run.run_id, taskId: 'slow_once' })).toEqual({
      try: 2,
    });
  }, 120_000);

  it('fails a try whose image is missing, naming the image and how to get it', async () => {
    const missing = `heatflow-missing-${process.pid}:1`;
    const dag = defineDag({
      dagId: 'docker_noimage',
      schedule: null,
      startDate: '2022-01-01',
      tasks: [{ taskId: 'needs_image', image: missing, command: node('0') }],
    });
    const t = await dockerOrchestrator('dknoimg', { dags: [dag] });
    await t.startScheduler();
    await t.startWorker();
    const run = await triggerDagRun(t.rt.deps, dag, { logicalDate: LOGICAL });
    expect(await runFinished(t, dag.dagId, run.run_id)).toBe('failed');
    const tr = await tries(t, 'needs_image');
    expect(tr).toHaveLength(1);
    expect(tr[0]?.state).toBe('failed');
    expect(tr[0]?.error).toContain(`Docker image "${missing}" not found`);
    expect(tr[0]?.error).toContain(`docker pull ${missing}`);
    const log = await readFile(
      tryLogPath(t.config.HEATFLOW_LOG_DIR, {
        dagId: dag.dagId,
        runId: run.run_id,
        taskId: 'needs_image',
        tryNumber: 1,
      }),
      'utf8',
    );
    expect(log).toContain(missing);
  }, 120_000);

  it('a try that finds the Docker daemon gone is retried, not lost, and the error names the socket', async () => {
    const dag = defineDag({
      dagId: 'docker_nodaemon',
      schedule: null,
      startDate: '2022-01-01',
      // no retries configured: the daemon's absence must not use them up
      tasks: [
        {
          taskId: 'hello',
          retryDelayMs: 3000,
          command: node(`require('fs').writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, '"hello"')`),
        },
      ],
    });
    const t = await dockerOrchestrator('dknodaemon', { dags: [dag] });
    await t.startScheduler();
    // the real engine behind a relay socket that we can take away after the worker has started
    const socket = path.join(t.config.HEATFLOW_DATA_DIR, 'docker-relay.sock');
    const engineSocket = resolveDockerEndpoint().options?.socketPath ?? '/var/run/docker.sock';
    const open = new Set<net.Socket>();
    const relay = net.createServer((client) => {
      const engine = net.connect(engineSocket);
      for (const s of [client, engine]) {
        open.add(s);
        s.on('error', () => undefined);
        s.on('close', () => open.delete(s));
      }
      client.pipe(engine).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(socket, resolve));
    const viaRelay = new DockerExecutor({
      dataDir: t.config.HEATFLOW_DATA_DIR,
      dataVolume: t.config.HEATFLOW_DATA_DIR,
      image,
      namespace: t.config.HEATFLOW_REDIS_PREFIX,
      dockerHost: `unix://${socket}`,
    });
    const w1 = await t.startWorker({ executor: viaRelay }); // reaps through the relay: the engine answers
    await new Promise<void>((resolve) => {
      relay.close(() => resolve());
      for (const s of open) s.destroy();
    });
    const run = await triggerDagRun(t.rt.deps, dag, { logicalDate: LOGICAL });
    const first = await waitFor(
      'the first try to fail',
      async () => (await tries(t, 'hello')).find((x) => x.state === 'failed'),
      60_000,
    );
    expect(first.error).toContain(`Docker daemon unreachable at DOCKER_HOST=unix://${socket}`);
    const ti = await t.rt.db
      .selectFrom('heatflow.task_instances')
      .selectAll()
      .where('task_id', '=', 'hello')
      .executeTakeFirstOrThrow();
    expect(ti.state).toBe('up_for_retry');
    await w1.stop();
    await t.startWorker(); // the engine is reachable again
    expect(await runFinished(t, dag.dagId, run.run_id)).toBe('success');
    expect((await tries(t, 'hello')).map((x) => x.state)).toEqual(['failed', 'success']);
    expect(await t.rt.xcom.pull({ dagId: dag.dagId, runId: run.run_id, taskId: 'hello' })).toBe('hello');
  }, 120_000);

  it('after a worker is killed mid-container, the restarted worker removes the orphan and the try is retried to success', async () => {
    const dagsDir = await mkdtemp(path.join(os.tmpdir(), 'hf-docker-dags-'));
    const script = `
      const fs = require('fs');
      console.log('try ' + process.env.HEATFLOW_TRY_NUMBER + ' started');
      if (process.env.HEATFLOW_TRY_NUMBER === '1') setInterval(() => console.log('still working'), 200);
      else fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ try: Number(process.env.HEATFLOW_TRY_NUMBER) }));`;
    await mkdir(dagsDir, { recursive: true });
    await writeFile(
      path.join(dagsDir, 'docker_orphan.mts'),
      `import { defineDag } from ${JSON.stringify(path.resolve('src/core/define-dag.ts'))};
export const dag = defineDag({
  dagId: 'docker_orphan',
  schedule: null,
  startDate: '2022-01-01',
  tasks: [
    { taskId: 'long', retries: 1, retryDelayMs: 200, command: ['node', '-e', ${JSON.stringify(script)}] },
    { taskId: 'after', upstream: ['long'], command: ['node', '-e', '0'] },
  ],
});
`,
    );
    // zombie detection far away: the restarted worker's reaper is what must notice the orphan
    const t = await dockerOrchestrator('dkorphan', {
      dagsDir,
      env: { HEATFLOW_ZOMBIE_THRESHOLD_MS: '120000' },
    });
    try {
      await t.startScheduler();
      const w1 = spawn(process.execPath, [CLI, 'worker'], {
        env: t.env,
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      children.push(w1);
      let w1err = '';
      w1.stderr?.on('data', (c: Buffer) => (w1err = (w1err + c.toString()).slice(-4000)));

      const dag = await t.rt.registry.get('docker_orphan');
      if (dag === undefined)
        throw new Error(`DAG not parsed: ${JSON.stringify((await t.rt.registry.refresh()).importErrors)}`);
      const run = await triggerDagRun(t.rt.deps, dag, { logicalDate: LOGICAL });
      const logPath = tryLogPath(t.config.HEATFLOW_LOG_DIR, {
        dagId: 'docker_orphan',
        runId: run.run_id,
        taskId: 'long',
        tryNumber: 1,
      });
      // the first try's container runs, and its log is readable while it does
      const orphanId = await waitFor(
        `the first try's container to run (worker stderr: ${w1err})`,
        async () => {
          const list = await docker.listContainers({
            filters: {
              label: [
                `heatflow.namespace=${t.config.HEATFLOW_REDIS_PREFIX}`,
                'heatflow.task_id=long',
                'heatflow.try_number=1',
              ],
            },
          });
          const log = await readFile(logPath, 'utf8').catch(() => '');
          return list[0] !== undefined && log.includes('still working') ? list[0].Id : undefined;
        },
        60_000,
      );

      w1.kill('SIGKILL');
      await new Promise((r) => setTimeout(r, 300));
      expect((await docker.getContainer(orphanId).inspect()).State.Running).toBe(true); // left behind
      // let the dead worker's liveness key expire (3 heartbeats of 300 ms)
      await new Promise((r) => setTimeout(r, 1500));

      await t.startWorker();
      expect(await containerGone(orphanId)).toBe(true); // reaped at start
      expect(await runFinished(t, 'docker_orphan', run.run_id)).toBe('success');
      const tr = await tries(t, 'long');
      expect(tr.map((x) => x.state)).toEqual(['failed', 'success']);
      expect(tr[0]?.error).toMatch(/orphaned/);
      expect(tr[0]?.container_id).toBe(orphanId);
      expect(await t.rt.xcom.pull({ dagId: 'docker_orphan', runId: run.run_id, taskId: 'long' })).toEqual({
        try: 2,
      });
      expect((await tries(t, 'after')).map((x) => x.state)).toEqual(['success']);
    } finally {
      await rm(dagsDir, { recursive: true, force: true });
    }
  }, 180_000);
});
