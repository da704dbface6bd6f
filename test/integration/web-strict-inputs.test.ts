/**
 * Small inputs the web server must not guess at (issue 16 trial): the pause form takes only
 * `paused=true|false`; a DELETE with `Content-Type: application/json` and no body is accepted
 * (malformed JSON on POST/PATCH stays a 400); `/event-log?limit=abc` is a 400 naming `limit`.
 * Real Postgres and Redis; requests through fastify's `inject`.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { getDagRow } from '../../src/db/dag-repository.js';
import { getRun } from '../../src/db/dag-run-repository.js';
import { buildWebApp } from '../../src/web/server.js';
import { SESSION_COOKIE, WebAuth } from '../../src/web/web-auth.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'strict-inputs-token-1234';
const dag = defineDag({
  dagId: 'strict_dag',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'only', command: ['node', '-e', '0'] }],
});

describe('strict web inputs (real Postgres, Redis)', () => {
  let h: TestOrchestrator;
  let app: FastifyInstance;
  const session = new WebAuth(TOKEN).issueSession();
  const csrf = new WebAuth(TOKEN).csrfToken(session);
  const cookie = `${SESSION_COOKIE}=${session}`;
  const form = (url: string, fields: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url,
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...fields, _csrf: csrf, next: '/' }).toString(),
    });
  const flash = (res: { headers: Record<string, string | string[] | number | undefined> }) => {
    const set = res.headers['set-cookie'];
    const text = Array.isArray(set) ? set.join('; ') : String(set ?? '');
    return decodeURIComponent(/heatflow_flash=([^;]*)/.exec(text)?.[1] ?? '');
  };

  beforeAll(async () => {
    h = await createTestOrchestrator('webstrict', { dags: [dag], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    app = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await h?.cleanup();
  });

  it('the pause form: only true or false; anything else is a 400 naming "paused" and changes nothing', async () => {
    for (const bad of ['yes', 'TRUE', '1', '']) {
      const res = await form('/dags/strict_dag/pause', { paused: bad });
      const said = res.statusCode === 400 ? res.body : flash(res);
      expect([303, 400], bad).toContain(res.statusCode);
      expect(said, bad).toContain('"paused"');
      expect((await getDagRow(h.rt.db, 'strict_dag'))?.is_paused, bad).toBe(true);
    }
    const ok = await form('/dags/strict_dag/pause', { paused: 'false' });
    expect(ok.statusCode).toBe(303);
    expect((await getDagRow(h.rt.db, 'strict_dag'))?.is_paused).toBe(false);
    await form('/dags/strict_dag/pause', { paused: 'true' });
    expect((await getDagRow(h.rt.db, 'strict_dag'))?.is_paused).toBe(true);
  });

  it('DELETE with Content-Type application/json and no body deletes; bad JSON on POST/PATCH is a 400', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const made = await app.inject({
      method: 'POST',
      url: '/api/v1/dags/strict_dag/dagRuns',
      headers: auth,
      payload: JSON.stringify({ dag_run_id: 'manual__strict', logical_date: '2022-05-01T00:00:00Z' }),
    });
    expect(made.statusCode, made.body).toBe(200);
    const del = await app.inject({
      method: 'DELETE',
      url: '/api/v1/dags/strict_dag/dagRuns/manual__strict',
      headers: auth,
    });
    expect(del.statusCode, del.body).toBe(204);
    expect(await getRun(h.rt.db, 'strict_dag', 'manual__strict')).toBeUndefined();
    for (const method of ['POST', 'PATCH'] as const) {
      const bad = await app.inject({
        method,
        url: method === 'POST' ? '/api/v1/dags/strict_dag/dagRuns' : '/api/v1/dags/strict_dag',
        headers: auth,
        payload: '{"is_paused": tru',
      });
      expect(bad.statusCode, method).toBe(400);
    }
  });

  it('/event-log?limit: a bad one is a 400 naming "limit"; a good one sizes the page', async () => {
    for (const bad of ['abc', '0', '-1', '1.5', '1001']) {
      const res = await app.inject({ method: 'GET', url: `/event-log?limit=${bad}`, headers: { cookie } });
      expect(res.statusCode, bad).toBe(400);
      expect(res.body, bad).toContain('"limit"');
    }
    const ok = await app.inject({ method: 'GET', url: '/event-log?limit=1', headers: { cookie } });
    expect(ok.statusCode).toBe(200);
    // the pause form above recorded events: one a page, with a link to the next that keeps limit=1
    expect(ok.body).toMatch(/Events 1–1 of \d+/);
    expect(ok.body).toMatch(/href="\/event-log\?[^"]*limit=1/);
  });
});
