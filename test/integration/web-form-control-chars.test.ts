/**
 * Control characters in the sign-in form and in `next` (user trial, real Postgres and HTTP): a NUL
 * in the username is a wrong sign-in (401 with the login page, recorded as `login.failed`), never
 * a query Postgres refuses (500); a control character (U+0000–U+001F, U+007F) in `next` is
 * refused with 400 on every form route taking it (login, trigger, pause, clear, mark, backfills),
 * never put in the Location header (500), and the action is not done; a character past ASCII in
 * `next` is percent-encoded (it cannot go in a header either).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEvents } from '../../src/audit/event-log.js';
import { defineDag } from '../../src/core/define-dag.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createUser } from '../../src/db/user-repository.js';
import { hashPassword } from '../../src/web/password-hash.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'control-chars-test-token-1234';
const dag = defineDag({
  dagId: 'ctl_dag',
  schedule: null,
  startDate: '2022-01-01',
  tasks: [{ taskId: 'a', command: ['node', '-e', '0'] }],
});

describe('control characters in sign-in and next (real Postgres, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const form = (path: string, fields: Record<string, string>, cookie = '') =>
    fetch(`${web.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        ...(cookie === '' ? {} : { cookie }),
      },
      body: new URLSearchParams(fields).toString(),
    });

  beforeAll(async () => {
    h = await createTestOrchestrator('webctlchars', {
      dags: [dag],
      env: { HEATFLOW_WEB_TOKEN: TOKEN },
    });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await createUser(h.rt.db, { username: 'alice', passwordHash: await hashPassword('alice-password-1') });
    web = await startWebServer(h.rt, {
      host: '127.0.0.1',
      port: 0,
      loginRateLimit: { maxFailures: 1000, windowMs: 60_000 },
    });
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('a NUL in the username is a wrong sign-in (401, the login page), recorded, never a 500', async () => {
    for (const username of ['al\u0000ice', '\u0000', 'alice\u0000']) {
      const r = await form('/login', { username, password: 'alice-password-1', next: '/' });
      expect(r.status, JSON.stringify(username)).toBe(401);
      expect(r.headers.get('set-cookie')).toBeNull();
      expect(await r.text()).toContain('Wrong username or password.');
    }
    const failed = (await listEvents(h.rt.db, { event: 'login.failed' })).events;
    expect(failed.map((e) => (e.extra as { username?: string }).username)).toContain('al\uFFFDice');
    // the right name still signs in
    expect((await form('/login', { username: 'alice', password: 'alice-password-1' })).status).toBe(303);
  });

  it('a control character in next is a 400 on every route taking it, and the action is not done', async () => {
    const bad = ['/\u0000', '/a\u0001b', '/\u001f', '/x\u007f', '/\u0000/'];
    for (const next of bad) {
      const login = await form('/login', { username: 'alice', password: 'alice-password-1', next });
      expect(login.status, `POST /login next=${JSON.stringify(next)}`).toBe(400);
      expect(login.headers.get('set-cookie')).toBeNull();
      const page = await fetch(`${web.url}/login?next=${encodeURIComponent(next)}`, {
        headers: { accept: 'text/html' },
      });
      expect(page.status, `GET /login next=${JSON.stringify(next)}`).toBe(400);
    }
    const signedIn = await form('/login', { username: 'alice', password: 'alice-password-1', next: '/' });
    expect(signedIn.status).toBe(303);
    const cookie = (signedIn.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const grid = await (await fetch(`${web.url}/dags/ctl_dag/grid`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(grid)?.[1] ?? '';
    expect(csrf).not.toBe('');
    const actions: [string, Record<string, string>][] = [
      ['/dags/ctl_dag/pause', { paused: 'true' }],
      ['/dags/ctl_dag/trigger', { logical_date: '2022-02-01T00:00:00Z' }],
      ['/dags/ctl_dag/clear', { run_id: 'manual__x' }],
      ['/dags/ctl_dag/mark', { run_id: 'manual__x', task_id: 'a', state: 'success' }],
      ['/backfills', { dag_id: 'ctl_dag', from: '2022-01-01', to: '2022-01-02' }],
    ];
    for (const [path, fields] of actions)
      for (const next of bad) {
        const r = await form(path, { ...fields, _csrf: csrf, next }, cookie);
        expect(r.status, `POST ${path} next=${JSON.stringify(next)}`).toBe(400);
      }
    const row = await h.rt.db
      .selectFrom('heatflow.dags')
      .select('is_paused')
      .where('dag_id', '=', 'ctl_dag')
      .executeTakeFirstOrThrow();
    expect(row.is_paused).toBe(false);
    const runs = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .select('run_id')
      .where('dag_id', '=', 'ctl_dag')
      .execute();
    expect(runs).toHaveLength(0);
    // a good next still works
    const ok = await form(
      '/dags/ctl_dag/pause',
      { paused: 'true', _csrf: csrf, next: '/dags/ctl_dag/grid' },
      cookie,
    );
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/dags/ctl_dag/grid');
    // past ASCII (not allowed in a header either): percent-encoded, not a 500
    const wide = await form(
      '/dags/ctl_dag/pause',
      { paused: 'false', _csrf: csrf, next: '/dags/ctl_dag/grid?x=é€' },
      cookie,
    );
    expect(wide.status).toBe(303);
    expect(wide.headers.get('location')).toBe('/dags/ctl_dag/grid?x=%C3%A9%E2%82%AC');
    const wideLogin = await form('/login', { username: 'alice', password: 'alice-password-1', next: '/€' });
    expect(wideLogin.status).toBe(303);
    expect(wideLogin.headers.get('location')).toBe('/%E2%82%AC');
  });
});
