import { describe, expect, it } from 'vitest';
import { dagRunInfosBetween, isDag, parseDagDate } from '../../src/core/index.js';
import { MAX_REPORT_WAIT_MS, localDayWindow, reportWaitMs } from '../../src/etl/local-day-window.js';
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
    // HEATFLOW_CONN_TADO is a template the worker renders from the connection store
    expect(extract?.env.HEATFLOW_CONN_TADO).toBe("{{ conn.tado.uri | default('') }}");
    const byReference = (env: Readonly<Record<string, unknown>> = {}) =>
      Object.entries(env).filter(([name]) => name !== 'NODE_OPTIONS' && name !== 'HEATFLOW_CONN_TADO');
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

describe('scheduled runs and the report window', () => {
  const runEnd = (ds: string) => {
    const [info] = dagRunInfosBetween(
      tadoEtl,
      parseDagDate(ds, 'Europe/London', false),
      parseDagDate(ds, 'Europe/London', true),
    );
    if (info === undefined) throw new Error(`no run for ${ds}`);
    return info.dataInterval.end.getTime();
  };

  it('a run starts 45 min after its day report window closes: extract fetches at once', () => {
    for (const ds of ['2022-01-15', '2022-03-25', '2022-03-27', '2022-10-30', '2022-12-31'])
      expect(reportWaitMs(localDayWindow(ds, 'Europe/London'), runEnd(ds)), ds).toBe(0);
  });

  it('on the eve of the spring-forward day the run starts 15 min early: extract waits 20 min (window + 5 min)', () => {
    // 01:00 on 2022-03-27 does not exist in London: the interval ends at 01:00 BST, 00:00 UTC
    expect(new Date(runEnd('2022-03-26')).toISOString()).toBe('2022-03-27T00:00:00.000Z');
    expect(reportWaitMs(localDayWindow('2022-03-26', 'Europe/London'), runEnd('2022-03-26'))).toBe(
      20 * 60_000,
    );
    expect(tadoEtl.tasks.get('extract')?.executionTimeoutMs).toBeGreaterThan(MAX_REPORT_WAIT_MS);
  });

  it('a day further from over fails extract with a retryable error naming when it can be fetched', () => {
    const w = localDayWindow('2022-06-01', 'Europe/London');
    const noon = Date.parse('2022-06-01T11:00:00Z');
    expect(() => reportWaitMs(w, noon)).toThrow(
      /2022-06-01 \(Europe\/London\) is not over: tado reports it until 2022-06-01T23:15:00.000Z, so it can be fetched from 2022-06-01T23:20:00.000Z on, 740 min from now/,
    );
  });
});
