/**
 * Fault suite: the web server under hostile requests (issue 14, items 3 and 4, and the probes of
 * its fault list). Real Postgres, Redis and HTTP on a random port. Every route the source
 * registers is probed with traversal (`..%2F`), NUL (`%00`) and malformed percent-encoding in each
 * of its path parameters and id query parameters: the answer is a 400 or 404 (problem JSON for
 * the API, an HTML page for a browser), never a 500. Writes without or with a wrong token are
 * refused, an oversized body gets 413, and a hostile run id can neither be created nor make the
 * server read a log outside HEATFLOW_LOG_DIR.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns, setRunState } from '../../src/db/dag-run-repository.js';
import { claimTry, finishTry, insertTaskInstances, queueTis } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { tryLogPath } from '../../src/worker/log-paths.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'probe-token-123456';
const DAG_ID = 'probe_dag';
const dag = defineDag({
  dagId: DAG_ID,
  schedule: '@daily',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'extract', command: ['node', '-e', '0'] }],
});
const RUN_ID = makeRunId('backfill', new Date(Date.UTC(2022, 0, 1)));
/** a run recorded (as before ids were checked) with a hostile id and a log path outside the log folder */
const LEGACY_RUN_ID = '../../../../elsewhere/evil';
/** a run with a valid id whose recorded log path points outside the log folder (a tampered row) */
const TAMPERED_RUN_ID = 'manual__tampered';

/** Every route the web server's source registers: `[method, path template]`. */
function registeredRoutes(): [string, string][] {
  const dir = path.resolve('src/web');
  const out: [string, string][] = [];
  const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.ts'));
  for (const f of files) {
    const src = readFileSync(path.join(dir, f), 'utf8');
    for (const m of src.matchAll(/app\.(get|post|put|patch|delete)(?:<[^>]*>)?\(\s*'([^']+)'/g))
      out.push([(m[1] ?? '').toUpperCase(), m[2] ?? '']);
  }
  return out;
}

/** A valid value of each path parameter (the probes replace one at a time). */
const VALID: Readonly<Record<string, string>> = {
  dagId: DAG_ID,
  runId: encodeURIComponent(RUN_ID),
  taskId: 'extract',
  tryNumber: '1',
  key: 'return_value',
  backfillId: '1',
  uri: encodeURIComponent('tado://warehouse'),
  file: 'zone_minute.csv',
  year: '2022',
  zone: '1',
  date: '2022-01-01',
  // `/dagSources/{file_token}` also takes a DAG id
  fileToken: DAG_ID,
  eventLogId: '1',
  poolName: 'default_pool',
  connectionId: 'probe_conn',
  connId: 'probe_conn',
};
/**
 * Form pages that need a signed-in person (secret-form-routes.ts): an id that is invalid is a 400
 * before the sign-in check; a valid-looking one (a variable key may hold `/` and `.`) gets 401
 * for the unsigned probe, without being looked up.
 */
const SIGN_IN_PAGES = /^\/(variables|connections)\/:\w+\/(edit|delete)$/;
/** Routes that read although their method is POST (Airflow's batch list forms). */
const POST_READS: readonly string[] = ['/api/v1/dags/~/dagRuns/list'];
/** Query parameters that carry ids, by route (probed besides the path parameters). */
const ID_QUERIES: Readonly<Record<string, readonly string[]>> = {
  '/api/v1/datasets/events': ['source_dag_id', 'source_task_id', 'source_run_id'],
  '/api/v1/importErrors': [],
  '/dags/:dagId/graph': ['run_id'],
  '/backfills': ['dag_id'],
  '/api/v1/backfills': ['dag_id'],
};
// (a bare `..` segment is resolved by the client before it is sent: it cannot reach the server)
const HOSTILE = [
  '..%2F..%2F..%2Fetc%2Fpasswd',
  '..%2F',
  '%2e%2e%2F',
  '%00',
  'a%00b',
  '%E0%A4%A',
  'x'.repeat(300),
];

describe('web security probes (real Postgres, Redis, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const call = (method: string, p: string, headers: Record<string, string> = {}, body?: string) =>
    fetch(`${web.url}${p}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });

  beforeAll(async () => {
    h = await createTestOrchestrator('websec', { dags: [dag], env: { HEATFLOW_WEB_TOKEN: TOKEN } });
    const db = h.rt.db;
    await syncDagBag(db, h.rt.registry.current(), new Date());
    const day = new Date(Date.UTC(2022, 0, 1));
    const next = new Date(Date.UTC(2022, 0, 2));
    const runs = [RUN_ID, LEGACY_RUN_ID, TAMPERED_RUN_ID].map((runId, i) => ({
      dagId: DAG_ID,
      runId,
      runType: 'backfill' as const,
      logicalDate: new Date(day.getTime() + i * 86_400_000),
      dataIntervalStart: day,
      dataIntervalEnd: next,
    }));
    await insertQueuedRuns(db, runs, new Date());
    for (const runId of [RUN_ID, LEGACY_RUN_ID, TAMPERED_RUN_ID]) {
      await insertTaskInstances(db, [
        { dagId: DAG_ID, runId, taskId: 'extract', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
      ]);
      await setRunState(db, DAG_ID, runId, 'running', new Date());
      const t = { dagId: DAG_ID, runId, taskId: 'extract', tryNumber: 1, leaseToken: `lease-${runId}` };
      await db.transaction().execute((trx) => queueTis(trx, [t], 'process', new Date()));
      // the legacy run's recorded log path is outside the log folder: a file the server must not read
      const logPath =
        runId === RUN_ID
          ? tryLogPath(h.config.HEATFLOW_LOG_DIR, t)
          : path.join(h.config.HEATFLOW_LOG_DIR, '..', 'outside-secret.log');
      await mkdir(path.dirname(logPath), { recursive: true });
      await writeFile(logPath, runId === RUN_ID ? 'ordinary log line\n' : 'SECRET-OUTSIDE-THE-LOG-DIR\n');
      await claimTry(db, t, { workerId: 'w', hostname: 'h', logPath }, new Date());
      await finishTry(
        db,
        t,
        { tiState: 'success', tryState: 'success', exitCode: 0, durationMs: 1 },
        new Date(),
      );
    }
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('the probe list covers the routes the source registers', () => {
    const routes = registeredRoutes();
    expect(routes.length).toBeGreaterThan(40);
    for (const [, p] of routes)
      for (const param of p.matchAll(/:(\w+)/g))
        expect(VALID, `${p}: no valid value for :${param[1]}`).toHaveProperty(param[1] ?? '');
  });

  it('traversal, NUL and bad percent-encoding in every id of every read route: 400 or 404, never 500', async () => {
    const failures: string[] = [];
    const probes: string[] = [];
    const signIn = new Set<string>();
    for (const [method, template] of registeredRoutes()) {
      if (method !== 'GET') continue;
      const params = [...template.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');
      const fill = (bad: string, hostile: string) =>
        template.replace(/:(\w+)/g, (_m, name: string) => (name === bad ? hostile : (VALID[name] ?? '')));
      for (const name of params)
        for (const v of HOSTILE) {
          probes.push(fill(name, v));
          if (SIGN_IN_PAGES.test(template)) signIn.add(fill(name, v));
        }
      for (const q of ID_QUERIES[template] ?? [])
        for (const v of HOSTILE) probes.push(`${fill('', '')}?${q}=${v}`);
    }
    for (const p of probes) {
      for (const accept of ['application/json', 'text/html']) {
        const r = await call('GET', p, { accept });
        const type = r.headers.get('content-type') ?? '';
        const text = await r.text();
        const api = p.startsWith('/api/');
        const okStatus = r.status === 400 || r.status === 404 || (r.status === 401 && signIn.has(p));
        // the API answers problem JSON; a page answers HTML to a browser, and to a JSON client
        // either problem JSON (the DAG pages) or its HTML message (the heating pages, issue 13 §4)
        const okType = api
          ? type.startsWith('application/problem+json')
          : accept === 'application/json'
            ? type.startsWith('application/problem+json') || type.startsWith('text/html')
            : type.startsWith('text/html');
        if (!okStatus || !okType)
          failures.push(`${p} (${accept}): ${r.status} ${type} ${text.slice(0, 120)}`);
      }
    }
    expect(probes.length).toBeGreaterThan(150);
    process.stdout.write(`web probes: ${probes.length} URLs x 2 Accept headers\n`);
    expect(failures).toEqual([]);
  });

  it('a NUL in any query parameter, read by the route or not, is a 400, never a 500', async () => {
    // every parameter name a route schema declares, sent to every GET route
    const names = new Set<string>();
    for (const f of readdirSync(path.resolve('src/web')).filter((n) => n.endsWith('.ts')))
      for (const m of readFileSync(path.join('src/web', f), 'utf8').matchAll(
        /^\s+([a-z_]+): (?:z\.|listParam|limitSchema|offsetSchema|instantSchema|queryBool|idSchema|runIdSchema|orderBy|confSchema)/gm,
      ))
        names.add(m[1] ?? '');
    expect(names.size).toBeGreaterThan(40);
    const urls: string[] = [];
    for (const [method, template] of registeredRoutes()) {
      if (method !== 'GET') continue;
      const base = template.replace(/:(\w+)/g, (_m, name: string) => VALID[name] ?? '');
      for (const name of names) urls.push(`${base}?${name}=a%00b`);
    }
    const failures: string[] = [];
    for (let i = 0; i < urls.length; i += 25) {
      await Promise.all(
        urls.slice(i, i + 25).map(async (u) => {
          const r = await call('GET', u);
          const text = await r.text();
          if (r.status !== 400) failures.push(`${u}: ${r.status} ${text.slice(0, 100)}`);
        }),
      );
    }
    process.stdout.write(`query NUL probes: ${urls.length}\n`);
    // each is refused as a 400 naming the parameter, whether or not the route reads it
    expect(failures).toEqual([]);
  });

  it('a malformed percent-encoding gives pages an HTML 400 and the API problem JSON', async () => {
    const page = await call('GET', '/dags/%E0%A4%A', { accept: 'text/html' });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(await page.text()).toContain('not valid percent-encoding');
    const api = await call('GET', '/api/v1/dags/%E0%A4%A');
    expect(api.status).toBe(400);
    expect(await api.json()).toMatchObject({ status: 400, title: 'Bad Request' });
  });

  it('bad query values are named, with the value received, not in zod’s words', async () => {
    const cases: [string, string, RegExp][] = [
      [`/dags/${DAG_ID}/calendar?year=abc`, 'year', /"year": expected a number, got "abc"/],
      [
        `/dags/${DAG_ID}/runs/${VALID.runId}/tasks/extract?try=abc`,
        'try',
        /"try": expected a number, got "abc"/,
      ],
      [`/dags/${DAG_ID}/graph?run_id=`, 'run_id', /"run_id": must not be empty/],
      [`/api/v1/dags/${DAG_ID}/dagRuns?limit=0`, 'limit', /"limit": must be at least 1, got "0"/],
      [
        `/api/v1/dags/${DAG_ID}/dagRuns?state=bogus`,
        'state',
        /"state".*must be one of queued, running, success, failed/,
      ],
    ];
    for (const [p, param, message] of cases) {
      const r = await call('GET', p);
      const body = (await r.json()) as { status: number; parameter: string; detail: string };
      expect(body, p).toMatchObject({ status: 400, parameter: param });
      expect(body.detail, p).toMatch(message);
      expect(body.detail, p).not.toMatch(/received NaN|Invalid input/);
    }
  });

  it('writes need the token: none and a wrong one are refused on every write route', async () => {
    const writes = registeredRoutes().filter(
      ([m, p]) => m !== 'GET' && p !== '/login' && p !== '/logout' && !POST_READS.includes(p),
    );
    expect(writes.length).toBeGreaterThanOrEqual(10);
    for (const [method, template] of writes) {
      const p = template.replace(/:(\w+)/g, (_m, n: string) => VALID[n] ?? '');
      for (const auth of [
        undefined,
        'Bearer wrong-token-123456',
        `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`,
      ]) {
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          ...(auth === undefined ? {} : { authorization: auth }),
        };
        const r = await call(method, p, headers, '{}');
        expect([401, 403], `${method} ${p} with ${auth ?? 'no credential'}`).toContain(r.status);
      }
    }
    // the paused flag did not change
    const d = (await (await call('GET', `/api/v1/dags/${DAG_ID}`)).json()) as { is_paused: boolean };
    expect(d.is_paused).toBe(true);
  });

  it('a NUL in a run configuration (which jsonb cannot store) is a 400 naming conf, not a 500', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    for (const [route, body] of [
      [`/api/v1/dags/${DAG_ID}/dagRuns`, { conf: { a: 'x\u0000' }, logical_date: '2022-04-01T00:00:00Z' }],
      [`/api/v1/dags/${DAG_ID}/dagRuns`, { conf: { 'k\u0000': 1 }, logical_date: '2022-04-02T00:00:00Z' }],
      [
        `/api/v1/dags/${DAG_ID}/dagRuns`,
        { conf: { a: [1, { b: '\u0000' }] }, logical_date: '2022-04-03T00:00:00Z' },
      ],
      [
        '/api/v1/backfills',
        { dag_id: DAG_ID, from_date: '2022-05-01', to_date: '2022-05-02', dag_run_conf: { a: '\u0000' } },
      ],
    ] as const) {
      const r = await call('POST', route, auth, JSON.stringify(body));
      expect(r.status, JSON.stringify(body)).toBe(400);
      const problem = (await r.json()) as { parameter: string; detail: string };
      expect(problem.parameter).toMatch(/^(conf|dag_run_conf)$/);
      expect(problem.detail).toMatch(/conf.* holds a NUL character/);
    }
  });

  it('an oversized body is refused with 413 before any handler runs', async () => {
    const big = JSON.stringify({ conf: { blob: 'x'.repeat(1024 * 1024 + 10) } });
    const r = await call(
      'POST',
      `/api/v1/dags/${DAG_ID}/dagRuns`,
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      big,
    );
    expect(r.status).toBe(413);
    const runs = (await (await call('GET', `/api/v1/dags/${DAG_ID}/dagRuns`)).json()) as {
      total_entries: number;
    };
    expect(runs.total_entries).toBe(3);
  });

  it('a body nested thousands of levels deep is a 400, with or without the token, never a 500', async () => {
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    const cases: [string, string, Record<string, string>][] = [
      ['/api/v1/dags/~/dagRuns/list', `{"dag_ids":${deep(5000)}}`, {}],
      [
        `/api/v1/dags/${DAG_ID}/dagRuns`,
        `{"conf":{"a":${deep(5000)}}}`,
        { authorization: `Bearer ${TOKEN}` },
      ],
    ];
    for (const [route, body, auth] of cases) {
      const r = await call('POST', route, { ...auth, 'content-type': 'application/json' }, body);
      expect(r.status, route).toBe(400);
      expect(((await r.json()) as { detail: string }).detail).toMatch(/nests deeper than 64 levels/);
    }
    const runs = (await (await call('GET', `/api/v1/dags/${DAG_ID}/dagRuns`)).json()) as {
      total_entries: number;
    };
    expect(runs.total_entries).toBe(3);
  });

  it('a run id that would escape the log and data folders is refused by the API, naming dag_run_id', async () => {
    for (const runId of [LEGACY_RUN_ID, '..', 'a/b', 'nul\u0000', 'x'.repeat(251)]) {
      const r = await call(
        'POST',
        `/api/v1/dags/${DAG_ID}/dagRuns`,
        { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        JSON.stringify({ dag_run_id: runId, logical_date: '2022-03-01T00:00:00Z' }),
      );
      expect(r.status, JSON.stringify(runId)).toBe(400);
      expect(await r.json()).toMatchObject({ parameter: 'dag_run_id' });
    }
    const ok = await call(
      'POST',
      `/api/v1/dags/${DAG_ID}/dagRuns`,
      { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      JSON.stringify({ dag_run_id: 'my_run-1.2~x:y+z', logical_date: '2022-03-01T00:00:00Z' }),
    );
    expect(ok.status).toBe(200);
  });

  it('a recorded log path outside HEATFLOW_LOG_DIR is never read', async () => {
    const legacy = encodeURIComponent(LEGACY_RUN_ID);
    // the legacy run's id itself is refused on the way in, so its log cannot even be asked for...
    const r = await call(
      'GET',
      `/api/v1/dags/${DAG_ID}/dagRuns/${legacy}/taskInstances/extract/logs/1?full_content=true`,
    );
    expect(r.status).toBe(400);
    expect(await r.text()).not.toContain('SECRET-OUTSIDE');
    // ...a valid run id whose recorded path is outside the log folder is answered without reading it...
    const tampered = await call(
      'GET',
      `/api/v1/dags/${DAG_ID}/dagRuns/${TAMPERED_RUN_ID}/taskInstances/extract/logs/1?full_content=true`,
      { accept: 'text/plain' },
    );
    expect(await tampered.text()).not.toContain('SECRET-OUTSIDE');
    const tiPage = await call('GET', `/dags/${DAG_ID}/runs/${TAMPERED_RUN_ID}/tasks/extract`, {
      accept: 'text/html',
    });
    expect(tiPage.status).toBe(200);
    expect(await tiPage.text()).not.toContain('SECRET-OUTSIDE');
    const lines = await call('GET', `/dags/${DAG_ID}/runs/${TAMPERED_RUN_ID}/tasks/extract/log-lines?try=1`);
    expect(await lines.text()).not.toContain('SECRET-OUTSIDE');
    // ...and the ordinary run's log is served
    const ok = await call(
      'GET',
      `/api/v1/dags/${DAG_ID}/dagRuns/${VALID.runId}/taskInstances/extract/logs/1?full_content=true`,
      { accept: 'text/plain' },
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('ordinary log line');
    // the pages that list runs show the legacy run without following its log path
    const grid = await (await call('GET', `/dags/${DAG_ID}/grid`, { accept: 'text/html' })).text();
    expect(grid).not.toContain('SECRET-OUTSIDE');
  });
});
