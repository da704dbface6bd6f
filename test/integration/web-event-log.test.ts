/**
 * The event log through the web server (real Postgres and Redis; requests through fastify's
 * `inject`): each action of the REST API and of the web forms records exactly one row with who
 * (`token`), through what, from where, and what; dry runs and refused requests record nothing;
 * `/api/v1/eventLogs` and the Event log page read them back.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import type { EventLogRow } from '../../src/db/database.js';
import { insertTaskInstances } from '../../src/db/task-instance-repository.js';
import { buildWebApp } from '../../src/web/server.js';
import { SESSION_COOKIE, WebAuth } from '../../src/web/web-auth.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'event-log-token-1234';
const dag = defineDag({
  dagId: 'audited',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'extract', command: ['node', '-e', '0'] },
    { taskId: 'load', command: ['node', '-e', '0'], upstream: ['extract'] },
  ],
});

describe('event log of web and API actions', () => {
  let h: TestOrchestrator;
  let app: FastifyInstance;
  let lastId = 0n;
  const session = new WebAuth(TOKEN).issueSession();
  const csrf = new WebAuth(TOKEN).csrfToken(session);

  const api = (method: 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, bearer = true) =>
    app.inject({
      method,
      url: `/api/v1${url}`,
      headers: bearer ? { authorization: `Bearer ${TOKEN}` } : {},
      ...(body === undefined ? {} : { payload: body as Record<string, unknown> }),
    });
  const form = (url: string, fields: Record<string, string>) =>
    app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: `${SESSION_COOKIE}=${session}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: new URLSearchParams({ ...fields, _csrf: csrf, next: '/' }).toString(),
    });
  /** The rows written since the last call. */
  const newEvents = async (): Promise<EventLogRow[]> => {
    const rows = await h.rt.db
      .selectFrom('heatflow.log')
      .selectAll()
      .where('id', '>', String(lastId))
      .orderBy('id')
      .execute();
    for (const r of rows) lastId = BigInt(r.id) > lastId ? BigInt(r.id) : lastId;
    return rows;
  };
  /** Runs an action and returns the one row it recorded. */
  const onlyEvent = async (action: () => Promise<{ statusCode: number; body: string }>, status: number) => {
    const res = await action();
    expect(res.statusCode, res.body).toBe(status);
    const rows = await newEvents();
    expect(rows).toHaveLength(1);
    return rows[0];
  };

  beforeAll(async () => {
    h = await createTestOrchestrator('weblog', { dags: [dag], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    app = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await h.cleanup();
  });

  it('records each REST API action once, with the token as owner and the client address', async () => {
    const who = { owner: 'token', source: 'api', remote_addr: '127.0.0.1' };
    expect(await onlyEvent(() => api('PATCH', '/dags/audited', { is_paused: false }), 200)).toMatchObject({
      ...who,
      event: 'unpause',
      dag_id: 'audited',
    });
    expect(await onlyEvent(() => api('PATCH', '/dags/audited', { is_paused: true }), 200)).toMatchObject({
      event: 'pause',
    });
    const trigger = await onlyEvent(
      () =>
        api('POST', '/dags/audited/dagRuns', {
          dag_run_id: 'manual__audit',
          logical_date: '2022-03-01T00:00:00Z',
        }),
      200,
    );
    expect(trigger).toMatchObject({ ...who, event: 'trigger', dag_id: 'audited', run_id: 'manual__audit' });
    expect(trigger?.logical_date?.toISOString()).toBe('2022-03-01T00:00:00.000Z');

    await insertTaskInstances(
      h.rt.db,
      ['extract', 'load'].map((taskId) => ({
        dagId: 'audited',
        runId: 'manual__audit',
        taskId,
        maxTries: 1,
        pool: 'default_pool',
        poolSlots: 1,
      })),
    );
    const mark = await onlyEvent(
      () =>
        api('PATCH', '/dags/audited/dagRuns/manual__audit/taskInstances/extract', { new_state: 'failed' }),
      200,
    );
    expect(mark).toMatchObject({
      ...who,
      event: 'mark',
      run_id: 'manual__audit',
      task_id: 'extract',
      extra: { state: 'failed' },
    });
    const clear = await onlyEvent(
      () =>
        api('POST', '/dags/audited/clearTaskInstances', {
          dag_run_id: 'manual__audit',
          task_ids: ['extract'],
          dry_run: false,
        }),
      200,
    );
    expect(clear).toMatchObject({
      ...who,
      event: 'clear',
      run_id: 'manual__audit',
      task_id: 'extract',
      // Airflow's default only_failed=true: extract was marked failed just before
      extra: { cleared: 1, only_failed: true, include_downstream: false, task_ids: ['extract'] },
    });
    const backfill = await onlyEvent(
      () => api('POST', '/backfills', { dag_id: 'audited', from_date: '2022-01-01', to_date: '2022-01-03' }),
      200,
    );
    expect(backfill).toMatchObject({ ...who, event: 'backfill', dag_id: 'audited' });
    expect(backfill?.extra).toMatchObject({ runs: 3, reprocess_behavior: 'none' });

    const poolSet = await onlyEvent(() => api('POST', '/pools', { name: 'api_pool', slots: 4 }), 200);
    expect(poolSet).toMatchObject({ ...who, event: 'pool.set', extra: { pool: 'api_pool', slots: 4 } });
    const patched = await onlyEvent(() => api('PATCH', '/pools/api_pool', { slots: 2 }), 200);
    expect(patched).toMatchObject({ event: 'pool.set', extra: { slots: 2, previous_slots: 4 } });
    expect(await onlyEvent(() => api('DELETE', '/pools/api_pool'), 204)).toMatchObject({
      event: 'pool.delete',
      extra: { pool: 'api_pool' },
    });

    // dry runs and refused requests record nothing
    const dry = await api('POST', '/dags/audited/clearTaskInstances', { dag_run_id: 'manual__audit' });
    expect(dry.statusCode).toBe(200);
    expect((await api('PATCH', '/dags/audited', { is_paused: false }, false)).statusCode).toBe(401);
    expect((await api('DELETE', '/pools/default_pool')).statusCode).toBe(400);
    expect((await api('POST', '/pools', { name: 'default_pool', slots: 1 })).statusCode).toBe(409);
    expect(await newEvents()).toEqual([]);
  });

  it('records each web form action once, as source web', async () => {
    const who = { owner: 'token', source: 'web', remote_addr: '127.0.0.1' };
    expect(await onlyEvent(() => form('/dags/audited/pause', { paused: 'false' }), 303)).toMatchObject({
      ...who,
      event: 'unpause',
      dag_id: 'audited',
    });
    const trigger = await onlyEvent(() => form('/dags/audited/trigger', { conf: '{"a":1}' }), 303);
    expect(trigger).toMatchObject({ ...who, event: 'trigger', dag_id: 'audited' });
    expect(trigger?.run_id).toMatch(/^manual__/);
    expect(
      await onlyEvent(
        () => form('/dags/audited/mark', { run_id: 'manual__audit', task_id: 'load', state: 'success' }),
        303,
      ),
    ).toMatchObject({ ...who, event: 'mark', task_id: 'load', extra: { state: 'success' } });
    expect(
      await onlyEvent(() => form('/dags/audited/clear', { run_id: 'manual__audit', task_id: 'load' }), 303),
    ).toMatchObject({
      ...who,
      event: 'clear',
      run_id: 'manual__audit',
      task_id: 'load',
      extra: { cleared: 1 },
    });
    const backfill = await onlyEvent(
      () =>
        form('/backfills', { dag_id: 'audited', from: '2022-02-01', to: '2022-02-02', reprocess: 'none' }),
      303,
    );
    expect(backfill).toMatchObject({
      ...who,
      event: 'backfill',
      extra: { from_date: '2022-02-01', runs: 2 },
    });
    // a form without the CSRF token is refused and recorded nowhere
    const forged = await app.inject({
      method: 'POST',
      url: '/dags/audited/pause',
      headers: {
        cookie: `${SESSION_COOKIE}=${session}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      payload: 'paused=true',
    });
    expect(forged.statusCode).toBe(403);
    expect(await newEvents()).toEqual([]);
  });

  it('serves the events on /api/v1/eventLogs (filters, order, paging) and on the Event log page', async () => {
    const all = await app.inject({ url: '/api/v1/eventLogs' });
    const body = all.json<{ event_logs: Record<string, unknown>[]; total_entries: number }>();
    const stored = await h.rt.db.selectFrom('heatflow.log').select(['id', 'event']).orderBy('id').execute();
    expect(body.total_entries).toBe(stored.length);
    expect(body.event_logs.map((e) => e.event)).toEqual(stored.map((e) => e.event));
    const first = body.event_logs[0];
    expect(Object.keys(first ?? {})).toEqual([
      'event_log_id',
      'when',
      'dag_id',
      'task_id',
      'run_id',
      'map_index',
      'try_number',
      'event',
      'execution_date',
      'owner',
      'extra',
      'source',
      'remote_addr',
    ]);

    const marks = await app.inject({ url: '/api/v1/eventLogs?event=mark&order_by=-when&limit=1' });
    const m = marks.json<{ event_logs: { task_id: string; extra: string }[]; total_entries: number }>();
    expect(m.total_entries).toBe(2);
    expect(m.event_logs.map((e) => [e.task_id, JSON.parse(e.extra) as unknown])).toEqual([
      ['load', { state: 'success' }],
    ]);
    const second = await app.inject({ url: '/api/v1/eventLogs?event=mark&order_by=-when&limit=1&offset=1' });
    expect(second.json<{ event_logs: { task_id: string }[] }>().event_logs[0]?.task_id).toBe('extract');
    const future = await app.inject({ url: '/api/v1/eventLogs?after=2999-01-01' });
    expect(future.json<{ total_entries: number }>().total_entries).toBe(0);

    const one = await app.inject({ url: `/api/v1/eventLogs/${String(first?.event_log_id)}` });
    expect(one.json()).toEqual(first);
    expect((await app.inject({ url: '/api/v1/eventLogs/999999' })).statusCode).toBe(404);
    const badOrder = await app.inject({ url: '/api/v1/eventLogs?order_by=secret' });
    expect(badOrder.statusCode).toBe(400);
    expect(badOrder.body).toContain('order_by');

    const page = await app.inject({
      url: '/event-log?event=pool.set&dag_id=',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(200);
    expect(page.body.replace(/\s+/g, ' ')).toContain('Events 1–2 of 2, newest first.');
    expect(page.body.match(/<td>pool\.set<\/td>/g)).toHaveLength(2);
    expect(page.body).toContain('href="/event-log"');
  });
});
