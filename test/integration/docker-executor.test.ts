/**
 * DockerExecutor against the real Docker engine and the real task image: every try in its own
 * container. Needs a running engine (scripts/build-images.sh and .ci/run start and build what is
 * needed; the image is built here when missing).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Dockerode from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  containerCreateOptions,
  tryPaths,
  type ContainerSettings,
} from '../../src/executors/docker-container-spec.js';
import { DockerImageMissingError, DockerUnavailableError } from '../../src/executors/docker-errors.js';
import { DockerExecutor, type DockerExecutorOptions } from '../../src/executors/docker-executor.js';
import type { ExecutionRequest, OrphanTry } from '../../src/executors/executor.js';
import { ensureTaskImage, removeNamespaceContainers } from '../helpers/docker-image.js';

const docker = new Dockerode();
const namespace = `hftest-${randomBytes(4).toString('hex')}`;
const volume = `${namespace}-data`;
let image: string;
let dataDir: string;

beforeAll(async () => {
  image = await ensureTaskImage(docker);
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'heatflow-docker-'));
  await chmod(dataDir, 0o755); // the task runs as the image's non-root user
}, 25 * 60_000);

afterAll(async () => {
  await removeNamespaceContainers(docker, namespace);
  await docker
    .getVolume(volume)
    .remove()
    .catch(() => undefined);
  await rm(dataDir, { recursive: true, force: true });
});

function executor(overrides: Partial<DockerExecutorOptions> = {}): DockerExecutor {
  return new DockerExecutor({
    dataDir,
    dataVolume: dataDir, // bind mount: host and containers see the same files
    image,
    namespace,
    workerId: 'test-worker',
    memoryMb: 512,
    cpus: 1,
    killGraceMs: 1000,
    ...overrides,
  });
}

let seq = 0;
function request(taskId: string, script: string, over: Partial<ExecutionRequest> = {}): ExecutionRequest {
  seq += 1;
  const runId = over.runId ?? `manual__2022-01-0${(seq % 9) + 1}T01:00:00+00:00`;
  return {
    dagId: 'docker_test',
    runId,
    taskId,
    tryNumber: 1,
    leaseToken: `lease-${seq}-${randomBytes(3).toString('hex')}`,
    command: ['node', '-e', script],
    env: {
      HEATFLOW_DAG_ID: 'docker_test',
      HEATFLOW_RUN_ID: runId,
      HEATFLOW_TASK_ID: taskId,
      HEATFLOW_TRY_NUMBER: '1',
    },
    runDir: `runs/docker_test/${runId}`,
    xcomInput: {},
    logPath: path.join(dataDir, 'logs', `dag_id=docker_test/run_id=${runId}/task_id=${taskId}/attempt=1.log`),
    ...over,
  };
}

async function containerGone(id: string | undefined): Promise<boolean> {
  expect(id).toBeDefined();
  try {
    await docker.getContainer(id ?? '').inspect();
    return false;
  } catch (err) {
    return (err as { statusCode?: number }).statusCode === 404;
  }
}

describe('DockerExecutor with a bind-mounted data folder', () => {
  it('runs a try in its own labelled container: a file on the volume, the return value, the log, then removal', async () => {
    const ex = executor();
    expect(await ex.dataAccess()).toBe('shared');
    const req = request(
      'produce',
      `const fs = require('fs');
       const input = JSON.parse(fs.readFileSync(process.env.HEATFLOW_XCOM_INPUT_PATH, 'utf8'));
       fs.writeFileSync(process.env.HEATFLOW_RUN_DIR + '/rooms.csv', 'room,temperatureC\\nliving,20.5\\n');
       console.log('to stdout', process.getuid(), process.cwd());
       console.error('to stderr');
       console.log('{"not":"the return value"}');
       fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ rows: 1, upstream: input.extract }));`,
      { xcomInput: { extract: { file: 'day.json' } } },
    );
    let labels: Record<string, string> | undefined;
    let name = '';
    const result = await ex.execute(req, {
      onStarted: ({ containerId }) => {
        void docker
          .getContainer(containerId ?? '')
          .inspect()
          .then((info) => {
            labels = info.Config.Labels;
            name = info.Name;
          });
      },
    });
    expect(result).toMatchObject({
      outcome: 'success',
      exitCode: 0,
      returnValue: { rows: 1, upstream: { file: 'day.json' } },
    });
    expect(await readFile(path.join(dataDir, req.runDir, 'rooms.csv'), 'utf8')).toBe(
      'room,temperatureC\nliving,20.5\n',
    );
    const log = await readFile(req.logPath, 'utf8');
    expect(log).toContain('to stdout 1000 /app'); // the image's non-root user, WORKDIR /app
    expect(log).toContain('to stderr');
    expect(labels).toMatchObject({
      'heatflow.dag_id': 'docker_test',
      'heatflow.run_id': req.runId,
      'heatflow.task_id': 'produce',
      'heatflow.try_number': '1',
      'heatflow.lease_token': req.leaseToken,
      'heatflow.worker_id': 'test-worker',
      'heatflow.namespace': namespace,
    });
    expect(name).toMatch(/\.produce\..*\.try1\./);
    expect(await containerGone(result.containerId)).toBe(true);
  });

  it('maps the contract paths into the container and passes the task environment', async () => {
    const ex = executor({
      forwardEnv: 'TZ,TADO_*',
      env: {
        TADO_SIMULATOR_URL: 'http://127.0.0.1:9',
        PATH_SECRET_NOT_FORWARDED: 'x',
        DATABASE_URL: 'postgres://secret@db/x',
      },
    });
    const req = request(
      'env',
      `const fs = require('fs');
       const keys = ['HEATFLOW_RUN_DIR','HEATFLOW_XCOM_INPUT_PATH','HEATFLOW_XCOM_RETURN_PATH','HEATFLOW_DS','TADO_SIMULATOR_URL','PATH_SECRET_NOT_FORWARDED','DATABASE_URL'];
       fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify(Object.fromEntries(keys.map((k) => [k, process.env[k] ?? null]))));`,
      { env: { HEATFLOW_DS: '2022-01-05' } },
    );
    const result = await ex.execute(req);
    expect(result.outcome).toBe('success');
    expect(result.returnValue).toEqual({
      HEATFLOW_RUN_DIR: `/data/${req.runDir}`,
      HEATFLOW_XCOM_INPUT_PATH: `/data/${req.runDir}/.xcom/env.try1.input.json`,
      HEATFLOW_XCOM_RETURN_PATH: `/data/${req.runDir}/.xcom/env.try1.return.json`,
      HEATFLOW_DS: '2022-01-05',
      TADO_SIMULATOR_URL: 'http://127.0.0.1:9',
      PATH_SECRET_NOT_FORWARDED: null,
      DATABASE_URL: null, // only what HEATFLOW_DOCKER_FORWARD_ENV names, or the task's own env
    });
  });

  it('reports the skip code as skipped, a non-zero exit as failed with the tail of stderr, and no return value without the file', async () => {
    const ex = executor();
    const skipped = await ex.execute(request('skip', 'process.exit(99)'));
    expect(skipped).toMatchObject({ outcome: 'skipped', exitCode: 99 });
    const failed = await ex.execute(
      request('fail', `console.error('no data for 2022-01-01'); process.exit(3)`),
    );
    expect(failed.outcome).toBe('failed');
    expect(failed.exitCode).toBe(3);
    expect(failed.error).toMatch(/exited with code 3.*no data for 2022-01-01/);
    expect(await containerGone(failed.containerId)).toBe(true);
    const none = await ex.execute(
      request('silent', `console.log(JSON.stringify({ looks: 'like a value' }))`),
    );
    expect(none.outcome).toBe('success');
    expect(none).not.toHaveProperty('returnValue');
  });

  it('reports exit 98 as failed_no_retry and exit 97 as reschedule with the request from the return file', async () => {
    const ex = executor();
    const noRetry = await ex.execute(request('doomed', `console.error('no token file'); process.exit(98)`));
    expect(noRetry).toMatchObject({ outcome: 'failed_no_retry', exitCode: 98 });
    expect(noRetry.error).toMatch(/exited with code 98 \(failed, not to be retried\).*no token file/);
    const resched = await ex.execute(
      request(
        'sensor',
        `require('fs').writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ reschedule_at: '2026-12-04T06:00:00Z', reason: 'quota spent' })); process.exit(97)`,
      ),
    );
    expect(resched).toMatchObject({
      outcome: 'reschedule',
      exitCode: 97,
      returnValue: { reschedule_at: '2026-12-04T06:00:00Z', reason: 'quota spent' },
    });
    expect(await containerGone(resched.containerId)).toBe(true);
  });

  it('kills a try past its execution timeout and removes the container', async () => {
    const ex = executor();
    const started = Date.now();
    const result = await ex.execute(
      request('slow', `console.log('started'); setTimeout(() => console.log('never'), 60000)`, {
        executionTimeoutMs: 1500,
      }),
    );
    const elapsed = Date.now() - started;
    expect(result.outcome).toBe('timeout');
    expect(result.error).toMatch(/execution_timeout of 1500 ms/);
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(elapsed).toBeLessThan(10_000);
    expect(await containerGone(result.containerId)).toBe(true);
  });

  it('stops the container when the try is aborted (lost lease)', async () => {
    const ex = executor();
    const controller = new AbortController();
    const req = request('aborted', `setInterval(() => console.log('working'), 100)`, {
      signal: controller.signal,
    });
    const result = await ex.execute(req, { onStarted: () => setTimeout(() => controller.abort(), 500) });
    expect(result.outcome).toBe('aborted');
    expect(await containerGone(result.containerId)).toBe(true);
    expect(await readFile(req.logPath, 'utf8')).toMatch(/working[\s\S]*try aborted/);
  });

  it('streams the log while the try runs', async () => {
    const ex = executor();
    const req = request(
      'ticker',
      `let n = 0; const t = setInterval(() => { console.log('tick ' + (++n)); if (n === 30) clearInterval(t); }, 100)`,
    );
    let settled = false;
    const running = ex.execute(req).finally(() => {
      settled = true;
    });
    let seenWhileRunning = '';
    while (!settled) {
      const content = await readFile(req.logPath, 'utf8').catch(() => '');
      if (content.includes('tick 3')) {
        seenWhileRunning = content;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(settled).toBe(false);
    expect(seenWhileRunning).toContain('tick 3');
    expect(seenWhileRunning).not.toContain('tick 30');
    const result = await running;
    expect(result.outcome).toBe('success');
    expect(await readFile(req.logPath, 'utf8')).toContain('tick 30');
  });

  it('reports a kernel OOM kill as OOM, not just exit 137', async () => {
    const ex = executor({ memoryMb: 64 });
    const result = await ex.execute(
      request('hungry', `const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1));`),
    );
    expect(result.outcome).toBe('failed');
    expect(result.exitCode).toBe(137);
    expect(result.error).toMatch(/out of memory \(OOM\).*64 MiB/);
  });

  it('keeps the container of a failed try when asked, and the reaper leaves it alone', async () => {
    const ex = executor({ keepFailed: true, logDriver: 'json-file' });
    const result = await ex.execute(request('kept', 'console.log("kept output"); process.exit(2)'));
    expect(result.outcome).toBe('failed');
    const info = await docker.getContainer(result.containerId ?? '').inspect();
    expect(info.Name).toMatch(/\.kept$/);
    // with a logging driver other than the default none, the engine keeps its own copy too
    expect(info.HostConfig.LogConfig?.Type).toBe('json-file');
    const engineLog = await docker.getContainer(result.containerId ?? '').logs({ stdout: true });
    expect(engineLog.toString()).toContain('kept output');
    expect(await ex.reapOrphans(() => Promise.resolve(false))).toEqual([]);
    await docker.getContainer(result.containerId ?? '').remove({ force: true });
    // a succeeded try is removed even with the setting on
    const ok = await ex.execute(request('kept-ok', 'process.exit(0)'));
    expect(await containerGone(ok.containerId)).toBe(true);
  });

  it('replaces a stale container of the same try left under another lease', async () => {
    const ex = executor();
    const req = request(
      'stale',
      `require('fs').writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, '"fresh"')`,
    );
    const settings = staleSettings();
    const stale = await docker.createContainer(
      containerCreateOptions(
        settings,
        { ...req, leaseToken: 'old-lease', command: ['sleep', '60'] },
        tryPaths('/data', req),
      ),
    );
    await stale.start();
    const result = await ex.execute(req);
    expect(result).toMatchObject({ outcome: 'success', returnValue: 'fresh' });
    expect(await containerGone(stale.id)).toBe(true);
  });
});

function staleSettings(): ContainerSettings {
  return {
    namespace,
    deploymentId: namespace,
    workerId: 'dead-worker',
    defaultImage: image,
    dataVolume: dataDir,
    dataMount: '/data',
    network: 'host',
    user: undefined,
    memoryMb: 0,
    cpus: 0,
    init: true,
    logDriver: 'none',
    forwardedEnv: {},
  };
}

describe('DockerExecutor with a named volume', () => {
  it('passes a file between two tries through the volume and reads the return value through the archive API', async () => {
    const ex = executor({ dataVolume: volume, dataAccess: 'archive' });
    expect(await ex.dataAccess()).toBe('archive');
    const runId = 'manual__2022-03-01T00:00:00+00:00';
    const up = await ex.execute(
      request(
        'writer',
        `const fs = require('fs');
         fs.writeFileSync(process.env.HEATFLOW_RUN_DIR + '/day.json', JSON.stringify({ zone: 1, callForHeat: [0, 1, 3] }));
         fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ file: 'day.json' }));`,
        { runId, runDir: `runs/docker_test/${runId}` },
      ),
    );
    expect(up).toMatchObject({ outcome: 'success', returnValue: { file: 'day.json' } });
    // the volume's files are not in the worker's data folder
    await expect(stat(path.join(dataDir, 'runs/docker_test', runId, 'day.json'))).rejects.toThrow();
    const down = await ex.execute(
      request(
        'reader',
        `const fs = require('fs');
         const input = JSON.parse(fs.readFileSync(process.env.HEATFLOW_XCOM_INPUT_PATH, 'utf8'));
         const day = JSON.parse(fs.readFileSync(process.env.HEATFLOW_RUN_DIR + '/' + input.writer.file, 'utf8'));
         fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ sum: day.callForHeat.reduce((a, b) => a + b, 0) }));`,
        { runId, runDir: `runs/docker_test/${runId}`, xcomInput: { writer: up.returnValue } },
      ),
    );
    expect(down).toMatchObject({ outcome: 'success', returnValue: { sum: 4 } });
  });

  it('reads the reschedule request of exit 97 through the archive API', async () => {
    const ex = executor({ dataVolume: volume, dataAccess: 'archive' });
    const r = await ex.execute(
      request(
        'sensor-archive',
        `require('fs').writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ reschedule_at: '2026-12-04T06:00:00Z', reason: 'refill' })); process.exit(97)`,
      ),
    );
    expect(r).toMatchObject({ outcome: 'reschedule', exitCode: 97, returnValue: { reason: 'refill' } });
  });

  it('does not read back a return file left by an earlier execution of the same try (archive mode)', async () => {
    const ex = executor({ dataVolume: volume, dataAccess: 'archive' });
    const req = request('rerun', `require('fs').writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, '1')`);
    expect((await ex.execute(req)).returnValue).toBe(1);
    const again = await ex.execute({ ...req, leaseToken: 'another-lease', command: ['node', '-e', '0'] });
    expect(again.outcome).toBe('success');
    expect(again).not.toHaveProperty('returnValue');
  });

  it('uses the volume mount point directly when the worker runs as root on the engine host (auto)', async () => {
    // the build machines run the tests as root next to the engine: the local driver's mount point is writable
    const ex = executor({ dataVolume: volume });
    expect(await ex.dataAccess()).toBe('shared');
    const mountpoint = ((await docker.getVolume(volume).inspect()) as { Mountpoint: string }).Mountpoint;
    const runId = 'manual__2022-03-02T00:00:00+00:00';
    const req = request(
      'direct',
      `const fs = require('fs');
       const input = JSON.parse(fs.readFileSync(process.env.HEATFLOW_XCOM_INPUT_PATH, 'utf8'));
       fs.writeFileSync(process.env.HEATFLOW_RUN_DIR + '/out.txt', 'written in the container');
       fs.writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ got: input.up }));`,
      { runId, runDir: `runs/docker_test/${runId}`, xcomInput: { up: 7 } },
    );
    expect(await ex.execute(req)).toMatchObject({ outcome: 'success', returnValue: { got: 7 } });
    expect(await readFile(path.join(mountpoint, req.runDir, 'out.txt'), 'utf8')).toBe(
      'written in the container',
    );
  });
});

describe('DockerExecutor.reapOrphans', () => {
  it('removes containers of dead tries, keeps live ones and other deployments, and returns the reaped tries', async () => {
    const ex = executor();
    const settings = staleSettings();
    const start = async (taskId: string, ns = namespace) => {
      const req = request(taskId, '0', { command: ['sleep', '120'] });
      const c = await docker.createContainer(
        containerCreateOptions({ ...settings, namespace: ns }, req, tryPaths('/data', req)),
      );
      await c.start();
      return { req, id: c.id };
    };
    const dead = await start('orphan');
    const exited = await start('orphan-exited');
    await docker.getContainer(exited.id).kill();
    const live = await start('live');
    const foreign = await start('foreign', `${namespace}-other`);
    try {
      const asked: OrphanTry[] = [];
      const reaped = await ex.reapOrphans((o) => {
        asked.push(o);
        return Promise.resolve(o.leaseToken === live.req.leaseToken);
      });
      expect(reaped.map((o) => o.taskId).sort()).toEqual(['orphan', 'orphan-exited']);
      expect(reaped.find((o) => o.taskId === 'orphan')).toEqual({
        dagId: 'docker_test',
        runId: dead.req.runId,
        taskId: 'orphan',
        tryNumber: 1,
        leaseToken: dead.req.leaseToken,
        containerId: dead.id,
      });
      expect(asked.map((o) => o.taskId)).not.toContain('foreign');
      expect(await containerGone(dead.id)).toBe(true);
      expect(await containerGone(exited.id)).toBe(true);
      expect(await containerGone(live.id)).toBe(false);
      expect(await containerGone(foreign.id)).toBe(false);
    } finally {
      await removeNamespaceContainers(docker, `${namespace}-other`);
      await docker
        .getContainer(live.id)
        .remove({ force: true })
        .catch(() => undefined);
    }
  });
});

describe('DockerExecutor.reapOrphans with two deployments on one engine', () => {
  it("reaps only its own deployment's containers, even when both share the Redis prefix", async () => {
    const mine = executor({ deploymentId: `${namespace}.db_a` });
    const theirs = executor({ deploymentId: `${namespace}.db_b` });
    // the same try (dag, run, task, try number) in both deployments, both workers dead
    const req = request('shared', '0', { command: ['sleep', '120'] });
    const start = async (deploymentId: string) => {
      const c = await docker.createContainer(
        containerCreateOptions({ ...staleSettings(), deploymentId }, req, tryPaths('/data', req)),
      );
      await c.start();
      return c.id;
    };
    const ours = await start(`${namespace}.db_a`);
    const other = await start(`${namespace}.db_b`);
    const asked: string[] = [];
    const reaped = await mine.reapOrphans((o) => {
      asked.push(o.containerId ?? '');
      return Promise.resolve(false);
    });
    expect(reaped.map((o) => o.containerId)).toEqual([ours]);
    expect(asked).toEqual([ours]);
    expect(await containerGone(ours)).toBe(true);
    expect(await containerGone(other)).toBe(false);
    const info = await docker.getContainer(other).inspect();
    expect(info.Config.Labels['heatflow.deployment']).toBe(`${namespace}.db_b`);
    expect((await theirs.reapOrphans(() => Promise.resolve(false))).map((o) => o.containerId)).toEqual([
      other,
    ]);
    expect(await containerGone(other)).toBe(true);
  });
});

describe('DockerExecutor errors', () => {
  it('names the missing image and the command that builds it', async () => {
    const ex = executor({ image: `${namespace}-missing:latest` });
    const req = request('noimage', '0');
    const err = await ex.execute(req).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DockerImageMissingError);
    expect((err as DockerImageMissingError).retryable).toBe(false);
    expect((err as Error).message).toContain(`${namespace}-missing:latest`);
    expect((err as Error).message).toContain('scripts/build-images.sh');
    expect(await readFile(req.logPath, 'utf8')).toContain(`${namespace}-missing:latest`);
    // a task's own image names docker pull/build
    const other = await executor()
      .execute(request('otherimage', '0', { image: `${namespace}-custom:1` }))
      .catch((e: unknown) => e);
    expect((other as Error).message).toMatch(/docker pull .*-custom:1/);
  });

  it('says which socket or DOCKER_HOST it tried when the daemon is unreachable, and is retryable', async () => {
    const socket = path.join(dataDir, 'no-docker.sock');
    const err = await executor({ dockerHost: `unix://${socket}` })
      .execute(request('nodaemon', '0'))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DockerUnavailableError);
    expect((err as DockerUnavailableError).retryable).toBe(true);
    expect((err as Error).message).toContain(`DOCKER_HOST=unix://${socket}`);
    const refused = await executor({ dockerHost: 'tcp://127.0.0.1:1' })
      .execute(request('refused', '0'))
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DockerUnavailableError);
    expect((refused as Error).message).toMatch(/DOCKER_HOST=tcp:\/\/127\.0\.0\.1:1.*ECONNREFUSED/);
    await expect(executor({ dockerHost: 'tcp://127.0.0.1:1' }).verify()).rejects.toBeInstanceOf(
      DockerUnavailableError,
    );
  });

  it('verify() passes with a reachable engine and the image present', async () => {
    await expect(executor().verify()).resolves.toBeUndefined();
    await expect(executor().verify(`${namespace}-missing:2`)).rejects.toBeInstanceOf(DockerImageMissingError);
  });
});
