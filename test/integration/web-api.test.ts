/**
 * The REST API and the form actions against real Postgres and Redis: runs, task instances and
 * tries are written through the repositories (as the scheduler and worker write them), logs as
 * real files, XComs in Redis; requests go over real HTTP to a server on a random port.
 */
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'web-test-token-1234';
const dag = defineDag({
  dagId: 'web_dag',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tasks: [
    { taskId: 'extract', command: ['node', '-e', '0'] },
    { taskId: 'load', command: ['node', '-e', '0'], upstream: ['extract'] },
  ],
});
const DAY = 86_400_000;
const day0 = Date.UTC(2022, 0, 1, 1);
const runIdOf = (i: number) => makeRunId('backfill', new Date(day0 + i * DAY));

describe('web API (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const api = (p: string, init: RequestInit = {}) => fetch(`${web.url}/api/v1${p}`, init);
  const authed = (body: unknown, method = 'POST'): RequestInit => ({
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    h = await createTestOrchestrator('webapi', { dags: [dag], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    const db = h.rt.db;
    const now = new Date();
    // 10 daily runs: 0..7 succeeded, 8 failed (load failed after 2 tries), 9 running (extract running)
    const runs = Array.from({ length: 10 }, (_, i) => ({
      dagId: 'web_dag',
      runId: runIdOf(i),
      runType: 'backfill' as const,
      logicalDate: new Date(day0 + i * DAY),
      dataIntervalStart: new Date(day0 + i * DAY),
      dataIntervalEnd: new Date(day0 + (i + 1) * DAY),
    }));
    await insertQueuedRuns(db, runs, now);
    for (let i = 0; i < 10; i++) {
      const runId = runIdOf(i);
      await insertTaskInstances(
        db,
        ['extract', 'load'].map((taskId) => ({
          dagId: 'web_dag',
          runId,
          taskId,
          maxTries: 2,
          pool: 'default_pool',
          poolSlots: 1,
        })),
      );
      await setRunState(db, 'web_dag', runId, 'running', now);
      const tasks = i === 9 ? ['extract'] : ['extract', 'load'];
      for (const taskId of tasks) {
        const tries = i === 8 && taskId === 'load' ? 2 : 1;
        for (let n = 1; n <= tries; n++) {
          const t = {
            dagId: 'web_dag',
            runId,
            taskId,
            tryNumber: n,
            leaseToken: `lease-${i}-${taskId}-${n}`,
          };
          await db.transaction().execute((trx) => queueTis(trx, [t], 'process', now));
          const logPath = tryLogPath(h.config.HEATFLOW_LOG_DIR, t);
          await mkdir(path.dirname(logPath), { recursive: true });
          await writeFile(logPath, `${taskId} try ${n} of ${runId} starts\n`);
          await claimTry(db, t, { workerId: 'w1', hostname: 'testhost', logPath }, new Date());
          if (i === 9) continue; // still running
          const fail = i === 8 && taskId === 'load';
          await appendFile(logPath, fail ? 'boom: exit 3\n' : 'done\n');
          await finishTry(
            db,
            t,
            fail
              ? {
                  tiState: n < tries ? 'up_for_retry' : 'failed',
                  tryState: 'failed',
                  exitCode: 3,
                  error: 'exit code 3',
                  durationMs: 1500,
                }
              : { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 1000 + 100 * i },
            new Date(),
          );
          if (!fail) await h.rt.xcom.push({ dagId: 'web_dag', runId, taskId }, { rows: i, task: taskId });
        }
      }
      if (i < 9) await setRunState(db, 'web_dag', runId, i === 8 ? 'failed' : 'success', new Date());
    }
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('lists DAGs with run counts, last run and next run; gets one; health and version', async () => {
    const r = await api('/dags');
    expect(r.status).toBe(200);
    const body = (await r.json()) as { dags: Record<string, unknown>[]; total_entries: number };
    expect(body.total_entries).toBe(1);
    const d = body.dags[0];
    expect(d).toMatchObject({
      dag_id: 'web_dag',
      is_paused: true,
      is_active: true,
      schedule_interval: { __type: 'CronExpression', value: '0 1 * * *' },
    });
    expect(d?.dag_run_counts).toEqual({ success: 8, failed: 1, running: 1 });
    expect(d?.last_dag_run).toMatchObject({ dag_run_id: runIdOf(9), state: 'running' });
    expect(typeof d?.next_dagrun).toBe('string');
    expect(await (await api('/dags/web_dag')).json()).toMatchObject({ dag_id: 'web_dag', tags: [] });
    expect(await (await api('/version')).json()).toEqual({ version: '0.1.0', git_version: null });
    const health = (await (await api('/health')).json()) as { metadatabase: { status: string } };
    expect(health.metadatabase.status).toBe('healthy');
  });

  it('pages DAG runs with limit/offset, filters by date and state, orders', async () => {
    const page = (await (await api('/dags/web_dag/dagRuns?limit=3&offset=2')).json()) as {
      dag_runs: { dag_run_id: string }[];
      total_entries: number;
    };
    expect(page.total_entries).toBe(10);
    expect(page.dag_runs.map((r) => r.dag_run_id)).toEqual([runIdOf(2), runIdOf(3), runIdOf(4)]);
    const filtered = (await (
      await api(
        '/dags/web_dag/dagRuns?execution_date_gte=2022-01-03T01:00:00Z&execution_date_lte=2022-01-05T01:00:00%2B00:00&order_by=-execution_date',
      )
    ).json()) as {
      dag_runs: { dag_run_id: string; execution_date: string; logical_date: string }[];
      total_entries: number;
    };
    expect(filtered.total_entries).toBe(3);
    expect(filtered.dag_runs.map((r) => r.dag_run_id)).toEqual([runIdOf(4), runIdOf(3), runIdOf(2)]);
    expect(filtered.dag_runs[0]?.execution_date).toBe('2022-01-05T01:00:00.000Z');
    // the list and the get give the same object for a run, in Airflow's DAGRun shape
    const one = (await (
      await api(`/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(4))}`)
    ).json()) as Record<string, unknown>;
    expect(one).toEqual(filtered.dag_runs[0]);
    expect(one).toMatchObject({
      dag_run_id: runIdOf(4),
      dag_id: 'web_dag',
      logical_date: '2022-01-05T01:00:00.000Z',
      data_interval_start: '2022-01-05T01:00:00.000Z',
      data_interval_end: '2022-01-06T01:00:00.000Z',
      run_type: 'backfill',
      state: 'success',
      external_trigger: false,
      conf: {},
      backfill_id: null,
    });
    expect(typeof one.start_date).toBe('string');
    expect(new Date(String(one.end_date)).getTime()).toBeGreaterThanOrEqual(
      new Date(String(one.start_date)).getTime(),
    );
    const failed = (await (await api('/dags/web_dag/dagRuns?state=failed&state=running')).json()) as {
      total_entries: number;
    };
    expect(failed.total_entries).toBe(2);
    const all = (await (await api('/dags/~/dagRuns?limit=1')).json()) as {
      total_entries: number;
      dag_runs: unknown[];
    };
    expect(all).toMatchObject({ total_entries: 10 });
    expect(all.dag_runs).toHaveLength(1);
    const beyond = (await (await api('/dags/web_dag/dagRuns?offset=50')).json()) as {
      total_entries: number;
      dag_runs: unknown[];
    };
    expect(beyond).toEqual({ dag_runs: [], total_entries: 10 });
  });

  it('answers bad parameters with a 400 problem naming the parameter, and unknown things with 404', async () => {
    const cases: [string, string][] = [
      ['/dags/web_dag/dagRuns?limit=abc', 'limit'],
      ['/dags/web_dag/dagRuns?offset=-1', 'offset'],
      ['/dags/web_dag/dagRuns?execution_date_gte=yesterday', 'execution_date_gte'],
      ['/dags/web_dag/dagRuns?order_by=id;drop%20table%20x', 'order_by'],
      ["/dags/web_dag/dagRuns?state=success'%20or%201=1--", 'state'],
      ["/dags/x'%20OR%201=1--/dagRuns", 'dagId'],
      ['/dags/web_dag/dagRuns/x/taskInstances/extract/logs/zero', 'tryNumber'],
    ];
    for (const [p, param] of cases) {
      const r = await api(p);
      expect(r.status, p).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      const body = (await r.json()) as Record<string, unknown>;
      expect(body, p).toMatchObject({ status: 400, title: 'Bad Request', parameter: param });
      expect(String(body.detail), p).toContain(`"${param}"`);
      expect(String(body.type)).toMatch(/^https:\/\//);
    }
    const missing = await api('/dags/web_dag/dagRuns/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({
      status: 404,
      title: 'DAG run not found',
      detail: 'DAG run "nope" of DAG "web_dag" not found',
    });
    expect((await api('/dags/no_such_dag')).status).toBe(404);
    expect((await api('/dags/no_such_dag/dagRuns')).status).toBe(404);
    expect((await api('/dags/web_dag/dagRuns?execution_date_gte=2030-01-01')).status).toBe(200);
    expect((await api('/nothing/here')).status).toBe(404);
    // the tables are intact after the injection attempts
    expect(
      ((await (await api('/dags/web_dag/dagRuns')).json()) as { total_entries: number }).total_entries,
    ).toBe(10);
  });

  it('lists task instances and tries, and serves logs with a continuation token that follows a running try', async () => {
    const tis = (await (
      await api(`/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(8))}/taskInstances`)
    ).json()) as {
      task_instances: Record<string, unknown>[];
      total_entries: number;
    };
    expect(tis.total_entries).toBe(2);
    const load = tis.task_instances.find((t) => t.task_id === 'load');
    expect(load).toMatchObject({
      state: 'failed',
      try_number: 2,
      max_tries: 2,
      duration: 1.5,
      hostname: 'testhost',
      dag_run_id: runIdOf(8),
      map_index: -1,
      exit_code: 3,
    });
    const tries = (await (
      await api(`/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(8))}/taskInstances/load/tries`)
    ).json()) as {
      task_instances: { try_number: number; exit_code: number; state: string }[];
    };
    expect(tries.task_instances.map((t) => [t.try_number, t.state, t.exit_code])).toEqual([
      [1, 'failed', 3],
      [2, 'failed', 3],
    ]);
    const log = (await (
      await api(`/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(8))}/taskInstances/load/logs/1`)
    ).json()) as Record<string, unknown>;
    expect(log).toMatchObject({
      content: `load try 1 of ${runIdOf(8)} starts\nboom: exit 3\n`,
      end_of_log: true,
    });
    const text = await api(
      `/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(8))}/taskInstances/load/logs/2`,
      { headers: { accept: 'text/plain' } },
    );
    expect(text.headers.get('content-type')).toContain('text/plain');
    expect(await text.text()).toContain('load try 2');
    expect(
      (await api(`/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(8))}/taskInstances/load/logs/3`)).status,
    ).toBe(404);

    // the running try: read, append, read again from the token: only the new part
    const base = `/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(9))}/taskInstances/extract/logs/1`;
    const first = (await (await api(base)).json()) as {
      content: string;
      continuation_token: string;
      end_of_log: boolean;
    };
    expect(first.end_of_log).toBe(false);
    expect(first.content).toBe(`extract try 1 of ${runIdOf(9)} starts\n`);
    await appendFile(
      tryLogPath(h.config.HEATFLOW_LOG_DIR, {
        dagId: 'web_dag',
        runId: runIdOf(9),
        taskId: 'extract',
        tryNumber: 1,
      }),
      'more output ✓\n',
    );
    const second = (await (
      await api(`${base}?token=${encodeURIComponent(first.continuation_token)}`)
    ).json()) as { content: string };
    expect(second.content).toBe('more output ✓\n');
    const bad = await api(`${base}?token=notatoken`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ parameter: 'token' });
  });

  it('lists and reads XCom entries', async () => {
    const base = `/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(3))}/taskInstances/extract/xcomEntries`;
    const list = (await (await api(base)).json()) as {
      xcom_entries: Record<string, unknown>[];
      total_entries: number;
    };
    expect(list.total_entries).toBe(1);
    expect(list.xcom_entries[0]).toMatchObject({
      key: 'return_value',
      task_id: 'extract',
      dag_id: 'web_dag',
      execution_date: '2022-01-04T01:00:00.000Z',
    });
    const one = (await (await api(`${base}/return_value`)).json()) as { value: string };
    expect(JSON.parse(one.value)).toEqual({ rows: 3, task: 'extract' });
    expect((await api(`${base}/nope`)).status).toBe(404);
  });

  it('refuses writes without the bearer token; triggers, pauses, marks and clears with it', async () => {
    const noAuth = await api('/dags/web_dag/dagRuns', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(noAuth.status).toBe(401);
    expect(noAuth.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await api('/dags/web_dag/dagRuns', {
      method: 'POST',
      headers: { authorization: 'Bearer nope-nope-nope', 'content-type': 'application/json' },
      body: '{}',
    });
    expect(wrong.status).toBe(401);

    const created = await api(
      '/dags/web_dag/dagRuns',
      authed({ logical_date: '2022-02-01T00:00:00Z', conf: { note: 'hi' } }),
    );
    expect(created.status).toBe(200);
    expect(await created.json()).toMatchObject({
      dag_run_id: 'manual__2022-02-01T00:00:00+00:00',
      run_type: 'manual',
      state: 'queued',
      conf: { note: 'hi' },
      external_trigger: true,
    });
    const again = await api('/dags/web_dag/dagRuns', authed({ logical_date: '2022-02-01T00:00:00Z' }));
    expect(again.status).toBe(409);
    const extra = await api(
      '/dags/web_dag/dagRuns',
      authed({ logical_date: '2022-02-02T00:00:00Z', bogus: 1 }),
    );
    expect(extra.status).toBe(400);
    expect(
      ((await (await api('/dags/web_dag/dagRuns?run_type=manual')).json()) as { total_entries: number })
        .total_entries,
    ).toBe(1);

    const paused = await api('/dags/web_dag', authed({ is_paused: false }, 'PATCH'));
    expect(await paused.json()).toMatchObject({ is_paused: false });
    expect(((await (await api('/dags/web_dag?x=1')).json()) as { is_paused: boolean }).is_paused).toBe(false);

    const run8 = encodeURIComponent(runIdOf(8));
    const dry = (await (
      await api('/dags/web_dag/clearTaskInstances', authed({ dag_run_id: runIdOf(8) }))
    ).json()) as { task_instances: { task_id: string }[] };
    expect(dry.task_instances.map((t) => t.task_id)).toEqual(['load']); // dry_run and only_failed default to true, as in Airflow
    expect(
      ((await (await api(`/dags/web_dag/dagRuns/${run8}/taskInstances/load`)).json()) as { state: string })
        .state,
    ).toBe('failed');
    const cleared = (await (
      await api('/dags/web_dag/clearTaskInstances', authed({ dag_run_id: runIdOf(8), dry_run: false }))
    ).json()) as {
      task_instances: { task_id: string; previous_state: string }[];
    };
    expect(cleared.task_instances).toMatchObject([{ task_id: 'load', previous_state: 'failed' }]);
    expect(
      (
        (await (await api(`/dags/web_dag/dagRuns/${run8}/taskInstances/load`)).json()) as {
          state: string | null;
        }
      ).state,
    ).toBeNull();
    expect(((await (await api(`/dags/web_dag/dagRuns/${run8}`)).json()) as { state: string }).state).toBe(
      'queued',
    );

    const marked = await api(
      `/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(7))}/taskInstances/load`,
      authed({ new_state: 'failed' }, 'PATCH'),
    );
    expect(marked.status).toBe(200);
    expect(
      (
        (await (
          await api(`/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(7))}/taskInstances/load`)
        ).json()) as { state: string }
      ).state,
    ).toBe('failed');
    const badState = await api(
      `/dags/web_dag/dagRuns/${encodeURIComponent(runIdOf(7))}/taskInstances/load`,
      authed({ new_state: 'running' }, 'PATCH'),
    );
    expect(await badState.json()).toMatchObject({ status: 400, parameter: 'new_state' });

    const bf = await api(
      '/backfills',
      authed({ dag_id: 'web_dag', from_date: '2022-03-01', to_date: '2022-03-05', max_active_runs: 2 }),
    );
    expect(bf.status).toBe(200);
    const bfBody = (await bf.json()) as { id: number; plan: unknown[] };
    expect(bfBody.plan).toHaveLength(5);
    expect(await (await api(`/backfills/${bfBody.id}`)).json()).toMatchObject({
      dag_id: 'web_dag',
      total_runs: 5,
      dag_run_counts: { queued: 5 },
      max_active_runs: 2,
    });
  });

  it('pages escape what they show; form actions need a session, its CSRF token and the same origin', async () => {
    // a run id with markup in it: the API refuses it (ids are a safe character set, issue 14)...
    const evil = '<img src=x onerror=alert(1)>';
    const refused = await api(
      '/dags/web_dag/dagRuns',
      authed({ dag_run_id: evil, logical_date: '2022-06-01T00:00:00Z' }),
    );
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ parameter: 'dag_run_id' });
    // ...but a run recorded before ids were checked is still shown escaped
    const at = new Date('2022-06-01T00:00:00Z');
    await insertQueuedRuns(
      h.rt.db,
      [
        {
          dagId: 'web_dag',
          runId: evil,
          runType: 'manual',
          logicalDate: at,
          dataIntervalStart: at,
          dataIntervalEnd: at,
        },
      ],
      new Date(),
    );
    const grid = await (await fetch(`${web.url}/dags/web_dag/grid`)).text();
    expect(grid).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(grid).not.toContain(evil);
    const page = await fetch(`${web.url}/`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');

    const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
    const post = (p: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${web.url}${p}`, {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body,
      });
    // not signed in
    expect((await post('/dags/web_dag/pause', form({ paused: 'true' }))).status).toBe(401);
    // wrong token
    expect((await post('/login', form({ token: 'wrong-token-xx', next: '/' }))).status).toBe(401);
    // sign in
    const login = await post('/login', form({ token: TOKEN, next: '/dags/web_dag/grid' }));
    expect(login.status).toBe(303);
    expect(login.headers.get('location')).toBe('/dags/web_dag/grid');
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^heatflow_session=/);
    expect(login.headers.get('set-cookie')).toContain('SameSite=Strict');
    // the page now carries the CSRF token in its forms
    const signedIn = await (await fetch(`${web.url}/dags/web_dag/grid`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(signedIn)?.[1] ?? '';
    expect(csrf.length).toBeGreaterThan(20);
    // session without CSRF token, or from another site: refused
    expect((await post('/dags/web_dag/pause', form({ paused: 'true' }), { cookie })).status).toBe(403);
    expect(
      (
        await post('/dags/web_dag/pause', form({ paused: 'true', _csrf: csrf }), {
          cookie,
          origin: 'http://evil.example',
        })
      ).status,
    ).toBe(403);
    expect(
      (
        await post('/dags/web_dag/pause', form({ paused: 'true', _csrf: csrf }), {
          cookie,
          'sec-fetch-site': 'cross-site',
        })
      ).status,
    ).toBe(403);
    // a redirect target on another site is refused
    expect(
      (
        await post('/dags/web_dag/pause', form({ paused: 'true', _csrf: csrf, next: '//evil.example/' }), {
          cookie,
        })
      ).status,
    ).toBe(400);
    // same origin + session + CSRF: done
    const ok = await post('/dags/web_dag/pause', form({ paused: 'true', _csrf: csrf, next: '/' }), {
      cookie,
      origin: web.url,
    });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/');
    expect(((await (await api('/dags/web_dag')).json()) as { is_paused: boolean }).is_paused).toBe(true);
    // trigger through the form: the run appears in the grid
    const trig = await post(
      '/dags/web_dag/trigger',
      form({ _csrf: csrf, logical_date: '2022-07-01T00:00:00Z', conf: '{"a":1}' }),
      { cookie, origin: web.url },
    );
    expect(trig.status).toBe(303);
    const after = await (await fetch(`${web.url}/dags/web_dag/grid`)).text();
    expect(after).toContain('manual__2022-07-01T00:00:00+00:00');
  });

  it('serves no chart library (charts are server-drawn SVG) and the task instance page with tries, log and XComs', async () => {
    expect((await fetch(`${web.url}/static/vendor/chart.umd.min.js`)).status).toBe(404);
    const ti = await (
      await fetch(`${web.url}/dags/web_dag/runs/${encodeURIComponent(runIdOf(2))}/tasks/extract`)
    ).text();
    expect(ti).toContain(`extract try 1 of ${runIdOf(2)} starts`);
    expect(ti).toContain('return_value');
    expect(ti).toContain('&quot;rows&quot;: 2');
    const tiUrl = `${web.url}/dags/web_dag/runs/${encodeURIComponent(runIdOf(2))}/tasks/extract`;
    expect((await fetch(`${tiUrl}?try=1`)).status).toBe(200);
    const noTry = await fetch(`${tiUrl}?try=99`);
    expect(noTry.status).toBe(404);
    expect(await noTry.text()).toContain('has no try 99 (tries: 1)');
    const live = await (
      await fetch(`${web.url}/dags/web_dag/runs/${encodeURIComponent(runIdOf(9))}/tasks/extract`)
    ).text();
    expect(live).toContain('id="hf-log-follow"');
    for (const p of [
      '/',
      '/dags/web_dag/calendar',
      '/dags/web_dag/durations',
      `/dags/web_dag/runs/${encodeURIComponent(runIdOf(1))}`,
      '/backfills',
    ]) {
      const r = await fetch(`${web.url}${p}`);
      expect(r.status, p).toBe(200);
    }
    const cal = await (await fetch(`${web.url}/dags/web_dag/calendar?year=2022`)).text();
    expect(cal).toMatch(/data-day="2022-01-01"\s+data-state="success"/);
    expect(cal).toMatch(/data-day="2022-01-10"\s+data-state="running"/);
    // the year pager names each year once, and stops a year beyond the runs and this year
    const pager = (page: string) =>
      [...(/<div class="pager">([\s\S]*?)<\/div>/.exec(page)?.[1] ?? '').matchAll(/>([^<]+)</g)]
        .map((m) => (m[1] ?? '').trim())
        .filter((t) => t !== '');
    expect(pager(cal)).toEqual(['← previous year', '2022', 'next year →']);
    const last = new Date().getUTCFullYear() + 1;
    const end = await (await fetch(`${web.url}/dags/web_dag/calendar?year=${last}`)).text();
    expect(pager(end)).toEqual(['← previous year', '2022', String(last)]);
  });

  it('with reads closed (a non-loopback bind), pages and API reads need the token; health stays open', async () => {
    const closed = await startWebServer(h.rt, { host: '127.0.0.1', port: 0, openReads: false });
    try {
      const page = await fetch(`${closed.url}/dags/web_dag/grid`, { redirect: 'manual' });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toBe('/login?next=%2Fdags%2Fweb_dag%2Fgrid');
      const apiNoAuth = await fetch(`${closed.url}/api/v1/dags`);
      expect(apiNoAuth.status).toBe(401);
      expect(await apiNoAuth.json()).toMatchObject({ status: 401, title: 'Unauthorized' });
      const apiAuth = await fetch(`${closed.url}/api/v1/dags`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(apiAuth.status).toBe(200);
      expect((await fetch(`${closed.url}/api/v1/health`)).status).toBe(200);
      expect((await fetch(`${closed.url}/static/heatflow.css`)).status).toBe(200);
    } finally {
      await closed.close();
    }
  });
});
