/**
 * DNS rebinding (issue 14, item 5): the web server answers only Host headers it knows (IP
 * addresses, localhost, its bind name, HEATFLOW_WEB_ALLOWED_HOSTS). Real HTTP over node:http
 * (fetch forbids setting Host), real Postgres and Redis, an XCom in Redis as the secret a
 * rebinding page would read.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { makeRunId } from '../../src/core/run-id.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { insertQueuedRuns } from '../../src/db/dag-run-repository.js';
import { insertTaskInstances } from '../../src/db/task-instance-repository.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const dag = defineDag({
  dagId: 'host_dag',
  schedule: '0 1 * * *',
  startDate: '2022-01-01',
  timezone: 'UTC',
  isPausedUponCreation: true,
  tasks: [{ taskId: 'extract', command: ['node', '-e', '0'] }],
});
const logicalDate = new Date(Date.UTC(2022, 0, 1, 1));
const runId = makeRunId('backfill', logicalDate);
const SECRET = 'xcom-value-a-rebinding-page-wants';
const xcomPath = `/api/v1/dags/host_dag/dagRuns/${encodeURIComponent(runId)}/taskInstances/extract/xcomEntries/return_value`;

interface Answer {
  readonly status: number;
  readonly type: string;
  readonly body: string;
}

/** GET `path` from `server` with a forged `Host` header. */
function get(server: WebServer, path: string, host: string, accept = 'application/json'): Promise<Answer> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method: 'GET', headers: { host, accept } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('web server Host check (DNS rebinding)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let port: string;

  beforeAll(async () => {
    h = await createTestOrchestrator('webhost', {
      dags: [dag],
      env: { HEATFLOW_WEB_ALLOWED_HOSTS: 'heatflow.lan, Build-Box' },
    });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await insertQueuedRuns(
      h.rt.db,
      [
        {
          dagId: 'host_dag',
          runId,
          runType: 'backfill',
          logicalDate,
          dataIntervalStart: logicalDate,
          dataIntervalEnd: new Date(logicalDate.getTime() + 86_400_000),
        },
      ],
      new Date(),
    );
    await insertTaskInstances(h.rt.db, [
      { dagId: 'host_dag', runId, taskId: 'extract', maxTries: 1, pool: 'default_pool', poolSlots: 1 },
    ]);
    await h.rt.xcom.push({ dagId: 'host_dag', runId, taskId: 'extract' }, { reading: SECRET });
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
    port = new URL(web.url).port;
  });
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('refuses a rebound name with 403 on the API, pages and health, and gives nothing away', async () => {
    for (const host of [`evil.example:${port}`, 'evil.example', `localhost.evil.example:${port}`]) {
      const api = await get(web, xcomPath, host);
      expect({ host, status: api.status }).toEqual({ host, status: 403 });
      expect(api.type).toContain('application/problem+json');
      expect(api.body).not.toContain(SECRET);
      const problem = JSON.parse(api.body) as { status: number; detail: string };
      expect(problem.status).toBe(403);
      expect(problem.detail).toContain(JSON.stringify(host));
      expect(problem.detail).toContain('HEATFLOW_WEB_ALLOWED_HOSTS');
    }
    const page = await get(web, `/dags/host_dag/grid`, `evil.example:${port}`, 'text/html');
    expect(page.status).toBe(403);
    expect(page.type).toContain('text/html');
    expect(page.body).toContain('DNS rebinding');
    expect(page.body).not.toContain('host_dag</');
    expect((await get(web, '/api/v1/health', `evil.example:${port}`)).status).toBe(403);
    expect((await get(web, '/static/heatflow.css', `evil.example:${port}`)).status).toBe(403);
  });

  it('refuses a Host header that is no host name, quoting it escaped in the HTML page', async () => {
    const odd = await get(web, '/', `x<script>:${port}`, 'text/html');
    expect(odd.status).toBe(403);
    expect(odd.body).not.toContain('<script>:');
    expect(odd.body).toContain('is not a host name');
    const userinfo = await get(web, xcomPath, `evil.example@127.0.0.1:${port}`);
    expect(userinfo.status).toBe(403);
    expect(userinfo.body).not.toContain(SECRET);
  });

  it('answers IP addresses, localhost (any case, trailing dot) and the configured names', async () => {
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST.:${port}`,
      'localhost',
      `[::1]:${port}`,
      '192.168.1.5:8080',
      `heatflow.lan:${port}`,
      'build-box',
    ]) {
      const r = await get(web, xcomPath, host);
      expect({ host, status: r.status }).toEqual({ host, status: 200 });
      expect(r.body).toContain(SECRET);
    }
    // a configured name does not allow its subdomains
    expect((await get(web, xcomPath, `api.heatflow.lan:${port}`)).status).toBe(403);
  });

  it('answers its own bind name, and any Host when the list is "*"', async () => {
    const named = await startWebServer(h.rt, { host: 'localhost', port: 0, allowedHosts: [] });
    const any = await startWebServer(h.rt, { host: '127.0.0.1', port: 0, allowedHosts: ['*'] });
    try {
      expect((await get(named, xcomPath, `heatflow.lan:${port}`)).status).toBe(403);
      expect((await get(named, xcomPath, `localhost:${new URL(named.url).port}`)).status).toBe(200);
      expect((await get(any, xcomPath, 'evil.example')).status).toBe(200);
    } finally {
      await named.close();
      await any.close();
    }
  });
});
