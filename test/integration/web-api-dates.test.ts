/**
 * Every date and date-time the REST API and the web forms accept is checked against the calendar
 * and the clock (issue 16, item 1): 2022-02-30 and 2022-04-31 are not rolled over to March 2nd and
 * May 1st, 2022-13-01 and T25:00 are refused; each is a 400 naming the parameter and the value.
 * Real Postgres, Redis and HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { countRunsByState } from '../../src/db/dag-run-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'dates-test-token-1234';
const dag = defineDag({
  dagId: 'dates_dag',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
});

const BAD = ['2022-02-30', '2022-04-31', '2022-13-01', '2022-06-15T25:00:00Z'] as const;
/** Where each bad value must be named, and a good value that is not a 400. */
const GOOD_DATE = '2022-06-15';

describe('dates given to the API and the forms (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const api = (p: string, init: RequestInit = {}) => fetch(`${web.url}/api/v1${p}`, init);
  const authed = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    h = await createTestOrchestrator('webdates', { dags: [dag], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    web = await startWebServer(h.rt, { port: 0, host: '127.0.0.1' });
  }, 60_000);

  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  const expect400 = async (res: Response, parameter: string, value: string) => {
    const body = (await res.json()) as { status: number; detail: string; parameter?: string };
    expect(body.status, `${parameter}=${value}`).toBe(400);
    expect(body.parameter).toBe(parameter);
    expect(body.detail).toContain(`"${parameter}"`);
    expect(body.detail).toContain(value);
  };

  it('run list filters: every *_gte / *_lte', async () => {
    for (const f of [
      'execution_date_gte',
      'execution_date_lte',
      'logical_date_gte',
      'logical_date_lte',
      'start_date_gte',
      'start_date_lte',
      'end_date_gte',
      'end_date_lte',
      'updated_at_gte',
      'updated_at_lte',
    ]) {
      for (const bad of BAD)
        await expect400(await api(`/dags/dates_dag/dagRuns?${f}=${encodeURIComponent(bad)}`), f, bad);
      expect((await api(`/dags/~/dagRuns?${f}=${GOOD_DATE}`)).status, f).toBe(200);
    }
  });

  it('trigger: logical_date and execution_date; no run is created for an impossible day', async () => {
    for (const field of ['logical_date', 'execution_date']) {
      for (const bad of BAD)
        await expect400(await api('/dags/dates_dag/dagRuns', authed({ [field]: bad })), field, bad);
    }
    // a day whose data interval would end in year 10000: tasks could not be given it (ISO 8601)
    const far = await api('/dags/dates_dag/dagRuns', authed({ logical_date: '9999-12-31' }));
    expect(far.status).toBe(400);
    expect(((await far.json()) as { detail: string }).detail).toMatch(/data interval ends after 9999-12-31/);
    const none = await countRunsByState(h.rt.db, { dagId: 'dates_dag' });
    expect(none).toEqual({});
    const ok = await api('/dags/dates_dag/dagRuns', authed({ logical_date: `${GOOD_DATE}T00:00:00Z` }));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { logical_date: string }).logical_date).toBe('2022-06-15T00:00:00.000Z');
  });

  it('clearTaskInstances: start_date and end_date', async () => {
    for (const field of ['start_date', 'end_date']) {
      for (const bad of BAD)
        await expect400(
          await api('/dags/dates_dag/clearTaskInstances', authed({ dry_run: true, [field]: bad })),
          field,
          bad,
        );
      const ok = await api(
        '/dags/dates_dag/clearTaskInstances',
        authed({ dry_run: true, [field]: GOOD_DATE }),
      );
      expect(ok.status).toBe(200);
    }
  });

  it('backfills: from_date and to_date', async () => {
    for (const field of ['from_date', 'to_date']) {
      for (const bad of BAD) {
        const body = {
          dag_id: 'dates_dag',
          from_date: GOOD_DATE,
          to_date: GOOD_DATE,
          dry_run: true,
          [field]: bad,
        };
        await expect400(await api('/backfills', authed(body)), field, bad);
      }
    }
    const ok = await api(
      '/backfills',
      authed({ dag_id: 'dates_dag', from_date: GOOD_DATE, to_date: GOOD_DATE, dry_run: true }),
    );
    expect(ok.status).toBe(200);
  });

  it('the web forms: trigger (logical_date) and backfill (from, to)', async () => {
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
    const page = await (await fetch(`${web.url}/dags/dates_dag/grid`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const flash = (res: Response) =>
      decodeURIComponent(/heatflow_flash=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1] ?? '');
    for (const bad of BAD) {
      const trig = await post('/dags/dates_dag/trigger', form({ _csrf: csrf, logical_date: bad }), {
        cookie,
      });
      expect([303, 400]).toContain(trig.status);
      const said = trig.status === 400 ? await trig.text() : flash(trig);
      expect(said).toContain('"logical_date"');
      expect(said).toContain(bad);
      for (const field of ['from', 'to']) {
        const values = { _csrf: csrf, dag_id: 'dates_dag', from: GOOD_DATE, to: GOOD_DATE, [field]: bad };
        const res = await post('/backfills', form(values), { cookie });
        const text = res.status === 400 ? await res.text() : flash(res);
        expect(text).toContain(`"${field}"`);
        expect(text).toContain(bad);
      }
    }
    expect(
      await countRunsByState(h.rt.db, {
        dagId: 'dates_dag',
        from: new Date('2022-02-28'),
        to: new Date('2022-05-02'),
      }),
    ).toEqual({});
  });
});
