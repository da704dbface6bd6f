import { describe, expect, it } from 'vitest';
import {
  containerCreateOptions,
  containerLabels,
  containerName,
  dataVolumeMount,
  mountinfoShowsVolume,
  orphanFromLabels,
  selectForwardedEnv,
  tryPaths,
  type ContainerSettings,
} from '../../src/executors/docker-container-spec.js';
import { resolveDockerEndpoint } from '../../src/executors/docker-endpoint.js';
import type { ExecutionRequest } from '../../src/executors/executor.js';

const req: ExecutionRequest = {
  dagId: 'tado_etl',
  runId: 'scheduled__2022-01-01T01:00:00+00:00',
  taskId: 'extract',
  tryNumber: 2,
  leaseToken: '6f1c2a9e-lease',
  command: ['node', 'dist/tasks/extract.js'],
  env: { HEATFLOW_DAG_ID: 'tado_etl', HEATFLOW_DS: '2022-01-01', DATABASE_URL: 'postgres://task@db/x' },
  runDir: 'runs/tado_etl/scheduled__2022-01-01T01:00:00+00:00',
  xcomInput: {},
  logPath: '/tmp/x.log',
};

const settings: ContainerSettings = {
  namespace: 'heatflow',
  deploymentId: 'heatflow.heatflow',
  workerId: 'host-a:123',
  defaultImage: 'heatflow:latest',
  dataVolume: 'heatflow-data',
  dataMount: '/data',
  network: 'host',
  user: undefined,
  memoryMb: 256,
  cpus: 0.5,
  init: true,
  logDriver: 'none',
  forwardedEnv: { DATABASE_URL: 'postgres://worker@127.0.0.1/heatflow', TADO_SIMULATOR: '1' },
};

describe('containerName', () => {
  it('is a valid Docker name that carries the try number', () => {
    const name = containerName('heatflow', req);
    expect(name).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    expect(name).toContain('.try2.');
    expect(name).toContain('tado_etl.extract.scheduled__2022-01-01T01_00_00_00_00');
  });

  it('differs between tries, runs that sanitise alike, and namespaces', () => {
    const a = containerName('heatflow', req);
    expect(containerName('heatflow', { ...req, tryNumber: 3 })).not.toBe(a);
    expect(containerName('heatflow', { ...req, runId: 'scheduled__2022-01-01T01_00_00_00_00' })).not.toBe(a);
    expect(containerName('other', req)).not.toBe(a);
    expect(containerName('heatflow', { ...req })).toBe(a);
    // two deployments with the same prefix: the same try gets two names
    expect(containerName('heatflow', req, 'db_a.heatflow')).not.toBe(
      containerName('heatflow', req, 'db_b.heatflow'),
    );
    expect(containerName('heatflow', req, 'db_a.heatflow')).toBe(
      containerName('heatflow', req, 'db_a.heatflow'),
    );
  });

  it('stays short and starts with a letter or digit', () => {
    const long = containerName('_ns', { ...req, runId: 'x'.repeat(500) });
    expect(long.length).toBeLessThan(230);
    expect(long).toMatch(/^[a-zA-Z0-9]/);
  });
});

describe('labels', () => {
  it('round-trip a try through the container labels', () => {
    const labels = containerLabels(settings, req);
    expect(labels).toMatchObject({
      'heatflow.dag_id': 'tado_etl',
      'heatflow.run_id': req.runId,
      'heatflow.task_id': 'extract',
      'heatflow.try_number': '2',
      'heatflow.lease_token': '6f1c2a9e-lease',
      'heatflow.worker_id': 'host-a:123',
      'heatflow.namespace': 'heatflow',
      'heatflow.deployment': 'heatflow.heatflow',
    });
    expect(orphanFromLabels(labels, 'abc')).toEqual({
      dagId: 'tado_etl',
      runId: req.runId,
      taskId: 'extract',
      tryNumber: 2,
      leaseToken: '6f1c2a9e-lease',
      containerId: 'abc',
    });
  });

  it('ignore containers with missing or malformed labels', () => {
    const labels = containerLabels(settings, req);
    expect(orphanFromLabels(undefined, 'x')).toBeUndefined();
    expect(orphanFromLabels({ ...labels, 'heatflow.try_number': 'two' }, 'x')).toBeUndefined();
    const { ['heatflow.lease_token']: _dropped, ...noLease } = labels;
    expect(orphanFromLabels(noLease, 'x')).toBeUndefined();
  });
});

describe('tryPaths', () => {
  it('maps the run folder and XCom files under the mount', () => {
    const p = tryPaths('/data', req);
    expect(p.runDir).toBe('/data/runs/tado_etl/scheduled__2022-01-01T01:00:00+00:00');
    expect(p.inputPath).toBe(`${p.runDir}/.xcom/extract.try2.input.json`);
    expect(p.returnPath).toBe(`${p.runDir}/.xcom/extract.try2.return.json`);
    expect(p.returnRel).toBe(
      'runs/tado_etl/scheduled__2022-01-01T01:00:00+00:00/.xcom/extract.try2.return.json',
    );
  });

  it('refuses a run folder outside the data root', () => {
    expect(() => tryPaths('/data', { ...req, runDir: '../etc' })).toThrow(/inside the data root/);
    expect(() => tryPaths('/data', { ...req, runDir: '/etc' })).toThrow(/inside the data root/);
    expect(() => tryPaths('/data', { ...req, runDir: 'runs/../..' })).toThrow(/inside the data root/);
  });
});

describe('containerCreateOptions', () => {
  it('sets the contract environment, limits, labels and the volume', () => {
    const o = containerCreateOptions(settings, req, tryPaths('/data', req));
    const env = Object.fromEntries(
      (o.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    expect(env).toMatchObject({
      HEATFLOW_RUN_DIR: '/data/runs/tado_etl/scheduled__2022-01-01T01:00:00+00:00',
      HEATFLOW_XCOM_INPUT_PATH:
        '/data/runs/tado_etl/scheduled__2022-01-01T01:00:00+00:00/.xcom/extract.try2.input.json',
      HEATFLOW_DS: '2022-01-01',
      // the request's own value wins over the forwarded worker variable
      DATABASE_URL: 'postgres://task@db/x',
      TADO_SIMULATOR: '1',
    });
    expect(o.Image).toBe('heatflow:latest');
    expect(o.Cmd).toEqual(['node', 'dist/tasks/extract.js']);
    expect(o.User).toBeUndefined();
    expect(o.HostConfig).toMatchObject({
      NetworkMode: 'host',
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      NanoCpus: 500_000_000,
      Init: true,
      // the worker keeps the try's log from the attached output: no second copy in the engine
      LogConfig: { Type: 'none' },
      Mounts: [{ Type: 'volume', Source: 'heatflow-data', Target: '/data' }],
    });
    expect(o.Labels?.['heatflow.try_number']).toBe('2');
  });

  it('leaves limits off when set to 0 and honours the request image and user', () => {
    const o = containerCreateOptions(
      { ...settings, memoryMb: 0, cpus: 0, user: '1000:1000' },
      { ...req, image: 'custom:1' },
      tryPaths('/data', req),
    );
    expect(o.HostConfig?.Memory).toBeUndefined();
    expect(o.HostConfig?.NanoCpus).toBeUndefined();
    expect(o.Image).toBe('custom:1');
    expect(o.User).toBe('1000:1000');
  });
});

describe('helpers', () => {
  it('dataVolumeMount binds absolute paths and mounts names as volumes', () => {
    expect(dataVolumeMount('/srv/heatflow', '/data')).toMatchObject({
      Type: 'bind',
      Source: '/srv/heatflow',
    });
    expect(dataVolumeMount('heatflow-data', '/data')).toMatchObject({
      Type: 'volume',
      Source: 'heatflow-data',
    });
  });

  it('selectForwardedEnv takes exact names and prefixes', () => {
    const env = { DATABASE_URL: 'a', TADO_USER: 'b', TADO_X: 'c', PATH: '/bin', TADOX: 'no' };
    expect(selectForwardedEnv('DATABASE_URL, TADO_*', env)).toEqual({
      DATABASE_URL: 'a',
      TADO_USER: 'b',
      TADO_X: 'c',
    });
    expect(selectForwardedEnv('', env)).toEqual({});
  });

  it('mountinfoShowsVolume recognises a named volume mounted at the data folder', () => {
    const info = [
      '1234 1200 0:52 / / rw,relatime master:1 - overlay overlay rw',
      '1301 1234 253:1 /var/lib/docker/volumes/heatflow-data/_data /data rw,relatime master:1 - ext4 /dev/vda rw',
      '1302 1234 253:1 /srv/my\\040dir /mnt/x rw - ext4 /dev/vda rw',
    ].join('\n');
    expect(mountinfoShowsVolume(info, '/data', 'heatflow-data')).toBe(true);
    expect(mountinfoShowsVolume(info, '/data/', 'heatflow-data')).toBe(true);
    expect(mountinfoShowsVolume(info, '/data', 'other')).toBe(false);
    expect(mountinfoShowsVolume(info, '/mnt/x', 'heatflow-data')).toBe(false);
  });

  it('resolveDockerEndpoint names the socket or DOCKER_HOST', () => {
    expect(resolveDockerEndpoint('unix:///tmp/d.sock')).toEqual({
      options: { socketPath: '/tmp/d.sock' },
      description: 'DOCKER_HOST=unix:///tmp/d.sock',
    });
    expect(resolveDockerEndpoint('tcp://127.0.0.1:2375').options).toEqual({
      host: '127.0.0.1',
      port: 2375,
      protocol: 'http',
    });
    expect(resolveDockerEndpoint('').description).toMatch(
      /unix socket .*docker\.sock \(DOCKER_HOST is not set\)/,
    );
  });
});
