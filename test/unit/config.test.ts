import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { ConfigError } from '../../src/core/errors.js';

describe('loadConfig', () => {
  it('defaults point at 127.0.0.1 Postgres and Redis and resolve folders against cwd', () => {
    const c = loadConfig({}, '/srv/hf');
    expect(c.DATABASE_URL).toBe('postgres://postgres@127.0.0.1:5432/heatflow');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.HEATFLOW_DAGS_DIR).toBe(path.resolve('/srv/hf', 'dags'));
    expect(c.HEATFLOW_EXECUTOR).toBe('process');
    expect(c.HEATFLOW_XCOM_MAX_BYTES).toBe(49152);
  });

  it('reads and coerces values; empty strings count as unset', () => {
    const c = loadConfig(
      { HEATFLOW_WORKER_CONCURRENCY: '8', HEATFLOW_EXECUTOR: 'docker', HEATFLOW_LOG_DIR: '' },
      '/x',
    );
    expect(c.HEATFLOW_WORKER_CONCURRENCY).toBe(8);
    expect(c.HEATFLOW_EXECUTOR).toBe('docker');
    expect(c.HEATFLOW_LOG_DIR).toBe('/x/.heatflow/logs');
  });

  it('names every bad variable, its value and what was expected', () => {
    let err: unknown;
    try {
      loadConfig({
        HEATFLOW_EXECUTOR: 'kubernetes',
        DATABASE_URL: 'mysql://h/db',
        HEATFLOW_WORKER_CONCURRENCY: '0',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const e = err as ConfigError;
    expect([...e.variables].sort()).toEqual([
      'DATABASE_URL',
      'HEATFLOW_EXECUTOR',
      'HEATFLOW_WORKER_CONCURRENCY',
    ]);
    expect(e.message).toMatch(/HEATFLOW_EXECUTOR="kubernetes": .*process.*docker/);
    expect(e.message).toMatch(/DATABASE_URL="mysql:\/\/h\/db"/);
    expect(e.message).toMatch(/HEATFLOW_WORKER_CONCURRENCY="0"/);
  });
});
