/**
 * A bare date given to `POST /api/v1/dags/{id}/dagRuns` or the web's trigger form means what
 * `dags trigger --logical-date` means: that local day's scheduled logical date, with the scheduled
 * run's data interval (issue 16 trial). A date-time stays that instant. Real Postgres, Redis, HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { listRunsBetween } from '../../src/db/dag-run-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'bare-date-test-token-1234';
const dag = defineDag({
  dagId: 'bare_date_dag',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'Europe/London',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
});

interface RunJson {
  logical_date: string;
  data_interval_start: string;
  data_interval_end: string;
}

describe('a bare logical date on the API and the trigger form (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const trigger = (body: unknown) =>
    fetch(`${web.url}/api/v1/dags/bare_date_dag/dagRuns`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    h = await createTestOrchestrator('webbare', { dags: [dag], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    web = await startWebServer(h.rt, { port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('API: a bare date in summer (BST) is 01:00 local = 00:00Z, with the scheduled interval', async () => {
    const res = await trigger({ logical_date: '2022-06-15' });
    expect(res.status).toBe(200);
    const run = (await res.json()) as RunJson;
    expect(run.logical_date).toBe('2022-06-15T00:00:00.000Z');
    expect(run.data_interval_start).toBe('2022-06-15T00:00:00.000Z');
    expect(run.data_interval_end).toBe('2022-06-16T00:00:00.000Z');
  });

  it('API: execution_date too, in winter (GMT) 01:00Z; the same day twice is a 409', async () => {
    const res = await trigger({ execution_date: '2022-01-15' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as RunJson).logical_date).toBe('2022-01-15T01:00:00.000Z');
    expect((await trigger({ logical_date: '2022-01-15' })).status).toBe(409);
  });

  it('API: a date-time stays that instant (Airflow 2 manual interval)', async () => {
    const res = await trigger({ logical_date: '2022-03-10T00:00:00Z' });
    expect(res.status).toBe(200);
    const run = (await res.json()) as RunJson;
    expect(run.logical_date).toBe('2022-03-10T00:00:00.000Z');
    // Airflow 2's manual interval: the schedule interval that ended last at or before that instant
    expect(run.data_interval_end).toBe('2022-03-09T01:00:00.000Z');
  });

  it('the web trigger form reads a bare date the same way', async () => {
    const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
    const post = (p: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${web.url}${p}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web.url, ...headers },
        body,
      });
    const login = await post('/login', form({ token: TOKEN, next: '/' }));
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const page = await (await fetch(`${web.url}/dags/bare_date_dag/grid`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const res = await post('/dags/bare_date_dag/trigger', form({ _csrf: csrf, logical_date: '2022-07-01' }), {
      cookie,
    });
    expect(res.status).toBe(303);
    const july = await listRunsBetween(
      h.rt.db,
      'bare_date_dag',
      new Date('2022-07-01T00:00:00Z'),
      new Date('2022-07-31T00:00:00Z'),
    );
    expect(july.map((r) => r.logical_date.toISOString())).toEqual(['2022-07-01T00:00:00.000Z']);
    expect(july[0]?.data_interval_end.toISOString()).toBe('2022-07-02T00:00:00.000Z');
  });
});
