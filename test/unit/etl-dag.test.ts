import { describe, expect, it } from 'vitest';
import { isDag } from '../../src/core/index.js';
import { tadoEtl } from '../../dags/tado_etl.js';

describe('dags/tado_etl.ts', () => {
  it('is a daily DAG at 01:00 London time from 2022-01-01 with catchup', () => {
    expect(isDag(tadoEtl)).toBe(true);
    expect(tadoEtl.dagId).toBe('tado_etl');
    expect(tadoEtl.schedule).toBe('0 1 * * *');
    expect(tadoEtl.timezone).toBe('Europe/London');
    expect(tadoEtl.catchup).toBe(true);
    expect(tadoEtl.startDate.toISOString()).toBe('2022-01-01T00:00:00.000Z'); // midnight in London (GMT)
  });

  it('chains extract >> validate >> transform >> load, each started from its startup snapshot', () => {
    expect(tadoEtl.taskIds).toEqual(['extract', 'validate', 'transform', 'load']);
    expect(tadoEtl.roots).toEqual(['extract']);
    expect(tadoEtl.leaves).toEqual(['load']);
    for (const id of tadoEtl.taskIds) {
      const task = tadoEtl.tasks.get(id);
      expect(task?.command).toEqual(['node', '--no-opt', '--snapshot-blob', `dist/snapshots/${id}.blob`]);
      expect(task?.retries).toBe(3);
      expect(task?.retryExponentialBackoff).toBe(true);
      // a snapshot loads only under the V8 flags it was built with: none from the worker
      expect(task?.env.NODE_OPTIONS).toBe('');
    }
    // the programs that open no connection skip parsing extra TLS root certificates at start
    expect(tadoEtl.tasks.get('validate')?.env.NODE_EXTRA_CA_CERTS).toBe('');
    expect(tadoEtl.tasks.get('transform')?.env.NODE_EXTRA_CA_CERTS).toBe('');
    expect(tadoEtl.tasks.get('load')?.upstream).toEqual(['transform']);
    expect(tadoEtl.tasks.get('transform')?.upstream).toEqual(['validate']);
  });

  it('passes DATABASE_URL and TADO_* by reference to the worker environment, never as literals', () => {
    const load = tadoEtl.tasks.get('load');
    const extract = tadoEtl.tasks.get('extract');
    expect(Object.keys(load?.env ?? {})).toEqual(['NODE_OPTIONS', 'DATABASE_URL', 'NODE_EXTRA_CA_CERTS']);
    expect(Object.keys(extract?.env ?? {})).toEqual(
      expect.arrayContaining(['TADO_API_URL', 'TADO_TOKEN_FILE', 'TADO_HOME_ID']),
    );
    const byReference = (env: Readonly<Record<string, unknown>> = {}) =>
      Object.entries(env).filter(([name]) => name !== 'NODE_OPTIONS');
    for (const [, value] of [...byReference(load?.env), ...byReference(extract?.env)]) {
      expect(typeof value).toBe('function');
    }
    const before = process.env.DATABASE_URL;
    process.env.DATABASE_URL = 'postgres://u:secret@db:5432/heatflow';
    try {
      const render = load?.env.DATABASE_URL;
      expect(typeof render === 'function' ? render({} as never) : render).toBe(
        'postgres://u:secret@db:5432/heatflow',
      );
    } finally {
      if (before === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = before;
    }
    expect(tadoEtl.tasks.get('validate')?.env).toEqual({ NODE_OPTIONS: '', NODE_EXTRA_CA_CERTS: '' });
  });

  it("gives extract and load the worker's extra CA certificates only when they will talk TLS", () => {
    const render = (task: string, env: Record<string, string>): string => {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const v = tadoEtl.tasks.get(task)?.env.NODE_EXTRA_CA_CERTS;
        return typeof v === 'function' ? v({} as never) : (v ?? 'unset');
      } finally {
        for (const k of Object.keys(env)) {
          if (saved[k] === undefined) delete process.env[k];
          else process.env[k] = saved[k];
        }
      }
    };
    const ca = { NODE_EXTRA_CA_CERTS: '/etc/ssl/corp-ca.pem' };
    // the simulator over plain http: no TLS
    expect(
      render('extract', {
        ...ca,
        TADO_API_URL: 'http://127.0.0.1:1/api/v2',
        TADO_AUTH_URL: 'http://127.0.0.1:1/oauth2',
      }),
    ).toBe('');
    // the real API: https
    expect(
      render('extract', {
        ...ca,
        TADO_API_URL: 'https://my.tado.com/api/v2',
        TADO_AUTH_URL: 'https://login.tado.com/oauth2',
      }),
    ).toBe('/etc/ssl/corp-ca.pem');
    expect(render('load', { ...ca, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/heatflow' })).toBe('');
    expect(render('load', { ...ca, DATABASE_URL: 'postgres://u@db:5432/heatflow?sslmode=verify-full' })).toBe(
      '/etc/ssl/corp-ca.pem',
    );
  });
});
