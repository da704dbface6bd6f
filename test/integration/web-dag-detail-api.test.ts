/**
 * Issue 16's REST endpoints against real Postgres, Redis and HTTP, with a DAG parsed from a real
 * DAG file: a task and the DAG's details as Airflow's `Task` and `DAGDetail`, `/dagStats`,
 * `/dagSources` by file token and by DAG id, PATCH of a run's state (its task instances follow,
 * under the run's lock), DELETE of a run (task instances, tries and XComs gone), and
 * `POST /dags/~/dagRuns/list`. Shapes are compared with Airflow's OpenAPI description in
 * web-api-openapi.test.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'detail-test-token-1234';
const DAGS_DIR = path.resolve('test/fixtures/dags-rest-api');
const DAY = 86_400_000;
const day0 = Date.UTC(2022, 0, 1, 1);
const runIdOf = (i: number) => makeRunId('backfill', new Date(day0 + i * DAY));

describe('issue 16 REST endpoints (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const api = (p: string, init: RequestInit = {}) => fetch(`${web.url}/api/v1${p}`, init);
  const send = (method: string, p: string, body?: unknown, token: string | null = TOKEN) =>
    api(p, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const tiStates = async (runId: string) =>
    Object.fromEntries(
      (
        await h.rt.db
          .selectFrom('heatflow.task_instances')
          .select(['task_id', 'state'])
          .where('run_id', '=', runId)
          .execute()
      ).map((r) => [r.task_id, r.state]),
    );

  beforeAll(async () => {
    h = await createTestOrchestrator('webdetail', { dagsDir: DAGS_DIR, env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    const db = h.rt.db;
    await syncDagBag(db, await h.rt.registry.refresh(), new Date());
    const now = new Date();
    // 4 runs: 0 success, 1 failed, 2 running (extract running, load none), 3 queued
    await insertQueuedRuns(
      db,
      Array.from({ length: 4 }, (_, i) => ({
        dagId: 'rest_api',
        runId: runIdOf(i),
        runType: 'backfill' as const,
        logicalDate: new Date(day0 + i * DAY),
        dataIntervalStart: new Date(day0 + i * DAY),
        dataIntervalEnd: new Date(day0 + (i + 1) * DAY),
      })),
      now,
    );
    for (let i = 0; i < 3; i++) {
      const runId = runIdOf(i);
      await insertTaskInstances(
        db,
        ['extract', 'load'].map((taskId) => ({
          dagId: 'rest_api',
          runId,
          taskId,
          maxTries: 3,
          pool: 'default_pool',
          poolSlots: 1,
        })),
      );
      await setRunState(db, 'rest_api', runId, 'running', now);
      for (const taskId of i === 2 ? ['extract'] : ['extract', 'load']) {
        const t = { dagId: 'rest_api', runId, taskId, tryNumber: 1, leaseToken: `l-${i}-${taskId}` };
        await db.transaction().execute((trx) => queueTis(trx, [t], 'process', now));
        await claimTry(
          db,
          t,
          { workerId: 'w1', hostname: 'testhost', logPath: path.join(h.config.HEATFLOW_LOG_DIR, 'x.log') },
          now,
        );
        if (i === 2) continue;
        const fail = i === 1 && taskId === 'load';
        await finishTry(
          db,
          t,
          fail
            ? { tiState: 'failed', tryState: 'failed', exitCode: 1, error: 'exit 1', durationMs: 10 }
            : { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 10 },
          now,
        );
        await h.rt.xcom.push({ dagId: 'rest_api', runId, taskId }, { i, taskId });
      }
      if (i < 2) await setRunState(db, 'rest_api', runId, i === 1 ? 'failed' : 'success', now);
    }
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('gets one task as Airflow’s Task, 404 naming an unknown task', async () => {
    const r = await api('/dags/rest_api/tasks/extract');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({
      task_id: 'extract',
      trigger_rule: 'all_success',
      retries: 2,
      retry_delay: { __type: 'TimeDelta', days: 0, seconds: 90, microseconds: 0 },
      execution_timeout: { __type: 'TimeDelta', days: 0, seconds: 600, microseconds: 0 },
      downstream_task_ids: ['load'],
      upstream_task_ids: [],
      doc_md: 'fetch the day',
      pool: 'default_pool',
      start_date: '2022-01-01T00:00:00.000Z',
    });
    const load = (await (await api('/dags/rest_api/tasks/load')).json()) as Record<string, unknown>;
    expect(load).toMatchObject({
      trigger_rule: 'all_done',
      execution_timeout: null,
      downstream_task_ids: [],
    });
    const missing = await api('/dags/rest_api/tasks/nope');
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { detail: string }).detail).toContain('"nope"');
    expect((await api('/dags/nope/tasks/extract')).status).toBe(404);
  });

  it('gets the DAG’s details (DAGDetail) from the parsed DAG', async () => {
    const r = await api('/dags/rest_api/details');
    expect(r.status).toBe(200);
    const d = (await r.json()) as Record<string, unknown>;
    expect(d).toMatchObject({
      dag_id: 'rest_api',
      description: 'a DAG for the REST API tests',
      timezone: 'Europe/London',
      catchup: false,
      concurrency: 16,
      start_date: '2022-01-01T00:00:00.000Z',
      end_date: '2022-12-31T00:00:00.000Z',
      // 90,061 s = 1 day, 1 h 1 min 1 s
      dag_run_timeout: { __type: 'TimeDelta', days: 1, seconds: 3661, microseconds: 0 },
      params: { zone: 1 },
      is_paused_upon_creation: true,
      is_paused: true,
      tags: [{ name: 'test' }],
      schedule_interval: { __type: 'CronExpression', value: '0 1 * * *' },
      dataset_expression: null,
    });
    expect(typeof d.last_parsed).toBe('string');
    expect((await api('/dags/nope/details')).status).toBe(404);
  });

  it('counts runs per state for each DAG (dagStats), zeros included', async () => {
    const r = (await (await api('/dagStats?dag_ids=rest_api')).json()) as {
      dags: { dag_id: string; stats: { state: string; count: number }[] }[];
      total_entries: number;
    };
    expect(r.total_entries).toBe(1);
    expect(r.dags[0]?.dag_id).toBe('rest_api');
    expect(Object.fromEntries(r.dags[0]?.stats.map((s) => [s.state, s.count]) ?? [])).toEqual({
      queued: 1,
      running: 1,
      success: 1,
      failed: 1,
    });
    const bad = await api('/dagStats?dag_ids=a%2Fb');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { parameter: string }).parameter).toBe('dag_ids');
  });

  it('serves the DAG file by its file_token and by DAG id; refuses other tokens', async () => {
    const dag = (await (await api('/dags/rest_api')).json()) as { file_token: string; fileloc: string };
    const text = await readFile(path.join(DAGS_DIR, 'rest_api.ts'), 'utf8');
    expect(dag.fileloc).toBe(path.join(DAGS_DIR, 'rest_api.ts'));
    const byToken = await api(`/dagSources/${dag.file_token}`);
    expect(byToken.status).toBe(200);
    expect(await byToken.json()).toEqual({ content: text });
    const plain = await api('/dagSources/rest_api', { headers: { accept: 'text/plain' } });
    expect(plain.headers.get('content-type')).toContain('text/plain');
    expect(await plain.text()).toBe(text);
    // a token for a file no DAG records (package.json of this repository) is not served
    const other = Buffer.from(path.resolve('package.json')).toString('base64url');
    const refused = await api(`/dagSources/${other}`);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain('"name": "heatflow"');
  });

  it('PATCH of a run needs the token and sets the run and its task instances, as Airflow', async () => {
    expect(
      (await send('PATCH', `/dags/rest_api/dagRuns/${runIdOf(2)}`, { state: 'failed' }, null)).status,
    ).toBe(401);
    expect(
      (await send('PATCH', `/dags/rest_api/dagRuns/${runIdOf(2)}`, { state: 'failed' }, 'wrong-token-0000'))
        .status,
    ).toBe(401);
    const bad = await send('PATCH', `/dags/rest_api/dagRuns/${runIdOf(2)}`, { state: 'running' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { parameter: string }).parameter).toBe('state');
    expect((await send('PATCH', '/dags/rest_api/dagRuns/nope', { state: 'failed' })).status).toBe(404);

    const failed = await send('PATCH', `/dags/rest_api/dagRuns/${runIdOf(2)}`, {
      state: 'failed',
      note: 'stuck',
    });
    expect(failed.status).toBe(200);
    expect(await failed.json()).toMatchObject({ dag_run_id: runIdOf(2), state: 'failed', note: 'stuck' });
    // running extract → failed, unstarted load → skipped; the running try lost its lease
    expect(await tiStates(runIdOf(2))).toEqual({ extract: 'failed', load: 'skipped' });
    const extract = await h.rt.db
      .selectFrom('heatflow.task_instances')
      .select('lease_token')
      .where('run_id', '=', runIdOf(2))
      .where('task_id', '=', 'extract')
      .executeTakeFirstOrThrow();
    expect(extract.lease_token).toBeNull();

    const ok = await send('PATCH', `/dags/rest_api/dagRuns/${runIdOf(1)}`, { state: 'success' });
    expect(await ok.json()).toMatchObject({ state: 'success' });
    expect(await tiStates(runIdOf(1))).toEqual({ extract: 'success', load: 'success' });

    const queued = await send('PATCH', `/dags/rest_api/dagRuns/${runIdOf(0)}`, { state: 'queued' });
    expect(await queued.json()).toMatchObject({ state: 'queued', end_date: null });
    expect(await tiStates(runIdOf(0))).toEqual({ extract: 'success', load: 'success' });
    // each accepted PATCH is one event-log row (the refused ones none), with the token as its owner
    const events = await h.rt.db
      .selectFrom('heatflow.log')
      .select(['event', 'run_id', 'owner', 'source', 'extra'])
      .where('event', '=', 'dag_run.set_state')
      .orderBy('id')
      .execute();
    expect(events.map((e) => [e.run_id, e.extra])).toEqual([
      [runIdOf(2), { state: 'failed' }],
      [runIdOf(1), { state: 'success' }],
      [runIdOf(0), { state: 'queued' }],
    ]);
    expect(events.every((e) => e.owner === 'token' && e.source === 'api')).toBe(true);
  });

  it('lists runs of any DAG with ListDagRunsForm (POST /dags/~/dagRuns/list)', async () => {
    const r = await send(
      'POST',
      '/dags/~/dagRuns/list',
      {
        dag_ids: ['rest_api'],
        states: ['failed', 'queued'],
        order_by: '-execution_date',
        page_limit: 10,
      },
      null,
    );
    expect(r.status).toBe(200);
    const body = (await r.json()) as {
      dag_runs: { dag_run_id: string; state: string }[];
      total_entries: number;
    };
    // run 0 was set queued, run 2 failed, run 3 was queued from the start
    expect(body.dag_runs.map((x) => x.dag_run_id)).toEqual([runIdOf(3), runIdOf(2), runIdOf(0)]);
    expect(body.total_entries).toBe(3);
    const page = (await (
      await send('POST', '/dags/~/dagRuns/list', {
        execution_date_gte: new Date(day0 + DAY).toISOString(),
        page_offset: 1,
        page_limit: 1,
        order_by: 'execution_date',
      })
    ).json()) as { dag_runs: { dag_run_id: string }[]; total_entries: number };
    expect(page.total_entries).toBe(3);
    expect(page.dag_runs.map((x) => x.dag_run_id)).toEqual([runIdOf(2)]);
    const none = (await (await send('POST', '/dags/~/dagRuns/list', { dag_ids: [] })).json()) as {
      total_entries: number;
    };
    expect(none.total_entries).toBe(0);
    for (const [body, parameter] of [
      [{ page_limit: 0 }, 'page_limit'],
      [{ states: ['sleeping'] }, 'states'],
      [{ order_by: 'conf' }, 'order_by'],
      [{ execution_date_gte: 'yesterday' }, 'execution_date_gte'],
      [{ dag_id: 'rest_api' }, 'body'],
    ] as const) {
      const bad = await send('POST', '/dags/~/dagRuns/list', body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(((await bad.json()) as { parameter: string }).parameter).toBe(parameter);
    }
  });

  it('DELETE of a run needs the token and removes its task instances, tries and XComs', async () => {
    const runId = runIdOf(1);
    const key = { dagId: 'rest_api', runId, taskId: 'extract' };
    expect(await h.rt.xcom.list(key)).toHaveLength(1);
    expect((await send('DELETE', `/dags/rest_api/dagRuns/${runId}`, undefined, null)).status).toBe(401);
    const r = await send('DELETE', `/dags/rest_api/dagRuns/${runId}`);
    expect(r.status).toBe(204);
    expect((await api(`/dags/rest_api/dagRuns/${runId}`)).status).toBe(404);
    const count = async (table: 'heatflow.task_instances' | 'heatflow.task_tries') =>
      (
        await h.rt.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('run_id', '=', runId)
          .executeTakeFirstOrThrow()
      ).n;
    expect(Number(await count('heatflow.task_instances'))).toBe(0);
    expect(Number(await count('heatflow.task_tries'))).toBe(0);
    expect(await h.rt.xcom.list(key)).toHaveLength(0);
    expect(await h.rt.xcom.list({ ...key, runId: runIdOf(0) })).toHaveLength(1);
    expect((await send('DELETE', `/dags/rest_api/dagRuns/${runId}`)).status).toBe(404);
    const deleted = await h.rt.db
      .selectFrom('heatflow.log')
      .select(['run_id', 'owner'])
      .where('event', '=', 'dag_run.delete')
      .execute();
    expect(deleted).toEqual([{ run_id: runId, owner: 'token' }]);
  });
});
