/**
 * Sign-in for people against real Postgres and HTTP: a user of the users table and one of
 * HEATFLOW_WEB_USERS sign in with username and password and may act (their session carries a CSRF
 * token like the token's); wrong passwords are 401s recorded as `login.failed` with the username
 * tried and never the password; past the limit per username, and per address, sign-in is 429 with
 * Retry-After, even with the right password.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineDag } from '../../src/core/define-dag.js';
import { listEvents } from '../../src/audit/event-log.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createUser, deleteUser, setUserPassword } from '../../src/db/user-repository.js';
import { hashPassword, verifyPassword } from '../../src/web/password-hash.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'sign-in-test-token-1234';
const dag = defineDag({
  dagId: 'signin_dag',
  schedule: null,
  startDate: '2022-01-01',
  tasks: [{ taskId: 'a', command: ['node', '-e', '0'] }],
});

describe('sign-in for people (real Postgres, HTTP)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  const login = (fields: Record<string, string>) =>
    fetch(`${web.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ next: '/', ...fields }).toString(),
    });

  beforeAll(async () => {
    const envHash = await hashPassword('bob-password-2');
    h = await createTestOrchestrator('websignin', {
      dags: [dag],
      env: { HEATFLOW_WEB_TOKEN: TOKEN, HEATFLOW_WEB_USERS: `bob:${envHash}` },
    });
    await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
    await createUser(h.rt.db, { username: 'alice', passwordHash: await hashPassword('alice-password-1') });
    web = await startWebServer(h.rt, {
      host: '127.0.0.1',
      port: 0,
      loginRateLimit: { maxFailures: 3, windowMs: 60_000 },
    });
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('hashes with a salt and verifies only the right password', async () => {
    const a = await hashPassword('same-password');
    const b = await hashPassword('same-password');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$32768\$8\$3\$/);
    expect(await verifyPassword('same-password', a)).toBe(true);
    expect(await verifyPassword('same-passwore', a)).toBe(false);
    expect(await verifyPassword('same-password', 'plain-text')).toBe(false);
  });

  it('signs in a user of the table and one of HEATFLOW_WEB_USERS, who may then act', async () => {
    for (const [username, password] of [
      ['alice', 'alice-password-1'],
      ['bob', 'bob-password-2'],
    ] as const) {
      const r = await login({ username, password });
      expect(r.status, username).toBe(303);
      const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
      expect(cookie).toMatch(/^heatflow_session=/);
      // signed in: the grid offers the trigger form with a CSRF token; triggering works
      const grid = await (await fetch(`${web.url}/dags/signin_dag/grid`, { headers: { cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(grid)?.[1];
      expect(csrf, username).toBeDefined();
      const trigger = await fetch(`${web.url}/dags/signin_dag/trigger`, {
        method: 'POST',
        redirect: 'manual',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          _csrf: csrf ?? '',
          next: '/dags/signin_dag/grid',
          logical_date: username === 'alice' ? '2022-02-01T00:00:00Z' : '2022-02-02T00:00:00Z',
        }).toString(),
      });
      expect(trigger.status, username).toBe(303);
    }
    const runs = await h.rt.db
      .selectFrom('heatflow.dag_runs')
      .select('run_id')
      .where('dag_id', '=', 'signin_dag')
      .execute();
    expect(runs).toHaveLength(2);
  });

  it("ends a person's session when the user is deleted (the cookie alone no longer acts)", async () => {
    await createUser(h.rt.db, { username: 'carol', passwordHash: await hashPassword('carol-password-3') });
    const r = await login({ username: 'carol', password: 'carol-password-3' });
    expect(r.status).toBe(303);
    const cookie = (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const grid = await (await fetch(`${web.url}/dags/signin_dag/grid`, { headers: { cookie } })).text();
    const csrf = /name="_csrf" value="([^"]+)"/.exec(grid)?.[1] ?? '';
    expect(csrf).not.toBe('');
    expect(await deleteUser(h.rt.db, 'carol')).toBe(true);
    const after = await fetch(`${web.url}/dags/signin_dag/grid`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(after.headers.get('set-cookie')).toMatch(/^heatflow_session=;.*Max-Age=0/);
    const pause = await fetch(`${web.url}/dags/signin_dag/pause`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, paused: 'true', next: '/' }).toString(),
    });
    expect(pause.status).toBe(401);
    const dag = await h.rt.db
      .selectFrom('heatflow.dags')
      .select('is_paused')
      .where('dag_id', '=', 'signin_dag')
      .executeTakeFirstOrThrow();
    expect(dag.is_paused).toBe(false);
  });

  it("ends a person's other sessions when the password changes (users reset-password)", async () => {
    await createUser(h.rt.db, { username: 'dave', passwordHash: await hashPassword('dave-password-4') });
    const first = await login({ username: 'dave', password: 'dave-password-4' });
    expect(first.status).toBe(303);
    const cookie = (first.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${web.url}/dags/signin_dag/grid`, { headers: { cookie } })).status).toBe(200);
    // what `heatflow users reset-password --username dave` does
    expect(await setUserPassword(h.rt.db, 'dave', await hashPassword('dave-password-5'))).toBe(true);
    const after = await fetch(`${web.url}/dags/signin_dag/grid`, { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(await after.text()).toContain('the password of user \\"dave\\" changed');
    expect(after.headers.get('set-cookie')).toMatch(/^heatflow_session=;.*Max-Age=0/);
    const again = await login({ username: 'dave', password: 'dave-password-5' });
    expect(again.status).toBe(303);
    const fresh = (again.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect((await fetch(`${web.url}/dags/signin_dag/grid`, { headers: { cookie: fresh } })).status).toBe(200);
  });

  it('refuses wrong passwords, records login.failed without the password, and limits per username', async () => {
    for (let i = 0; i < 3; i++) {
      const r = await login({ username: 'alice', password: `wrong-secret-${i}` });
      expect(r.status).toBe(401);
      expect(await r.text()).toContain('Wrong username or password.');
    }
    // the limit holds even for the right password now
    const limited = await login({ username: 'alice', password: 'alice-password-1' });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const { events } = await listEvents(h.rt.db, { event: 'login.failed' });
    expect(events.length).toBeGreaterThanOrEqual(4);
    expect(events.map((e) => e.extra.username)).toContain('alice');
    expect(JSON.stringify(events)).not.toContain('wrong-secret');
    expect(JSON.stringify(events)).not.toContain('alice-password-1');
    expect(events.every((e) => e.remote_addr !== null && e.owner === 'anonymous')).toBe(true);
  });
});
