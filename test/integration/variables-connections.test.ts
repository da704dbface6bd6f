/**
 * Variables and connections on real Postgres and Redis: the store encrypts at rest and names the
 * variable a wrong key cannot open; the REST API never returns a secret (asserted on raw bodies);
 * a real worker run renders `{{ var… }}` / `{{ conn… }}` into a task's env, masks the secrets in
 * the try's log and in the XCom API, and fails a try whose variable is missing, naming it.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/audit/event-log.js';
import { defineDag } from '../../src/core/define-dag.js';
import { parseDagDate } from '../../src/core/timetable.js';
import { syncDagBag } from '../../src/dag-processing/sync-dag-bag.js';
import { createBackfill } from '../../src/scheduler/dag-run-service.js';
import { generateFernetKey } from '../../src/secrets/secret-cipher.js';
import { secretStores } from '../../src/secrets/secret-stores.js';
import { storedSecretsMasker } from '../../src/secrets/stored-secrets-masker.js';
import { buildWebApp } from '../../src/web/server.js';
import { createTestOrchestrator, waitFor, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'test-token-varconn';
const KEY = generateFernetKey();
const VAR_SECRET = 'var-Secret-9f3k2';
const CONN_PASSWORD = 'conn-Pw-7x1q8';
const script = [
  "console.log('token=' + process.env.TOKEN + ' pw=' + process.env.PW + ' host=' + process.env.HOST + ' b=' + process.env.B);",
  "require('fs').writeFileSync(process.env.HEATFLOW_XCOM_RETURN_PATH, JSON.stringify({ leaked: process.env.PW }));",
].join('');
const dag = defineDag({
  dagId: 'templated',
  schedule: '@daily',
  startDate: '2022-01-01',
  isPausedUponCreation: true,
  tasks: [
    {
      taskId: 'uses_secrets',
      command: ['node', '-e', script],
      env: {
        TOKEN: '{{ var.value.api_token }}',
        PW: '{{ conn.tado.password }}',
        HOST: '{{ conn.tado.host }}',
        B: "{{ var.json.cfg.a.b }}/{{ var.value.nope | default('fallback') }}",
      },
    },
    { taskId: 'missing', command: ['node', '-e', '0'], env: { X: '{{ var.value.not_there }}' } },
  ],
});

let h: TestOrchestrator;
beforeAll(async () => {
  h = await createTestOrchestrator('varconn', {
    dags: [dag],
    env: { HEATFLOW_WEB_TOKEN: TOKEN, HEATFLOW_FERNET_KEY: KEY },
  });
  await syncDagBag(h.rt.db, h.rt.registry.current(), new Date());
});
afterAll(async () => h?.cleanup());

describe('the stores', () => {
  it('encrypt at rest, and a wrong key names the variable', async () => {
    const s = secretStores(h.rt.db, h.config);
    await s.variables.set('store_password', 'plain-Text-42', null, { actor: cliActor() });
    const row = await h.rt.db
      .selectFrom('heatflow.variables')
      .selectAll()
      .where('key', '=', 'store_password')
      .executeTakeFirstOrThrow();
    expect(row.is_encrypted).toBe(true);
    expect(row.val).not.toContain('plain-Text-42');
    expect((await s.variables.require('store_password')).value).toBe('plain-Text-42');
    const wrong = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: generateFernetKey() });
    await expect(wrong.variables.get('store_password')).rejects.toThrow(/variable "store_password"/);
    const events = await h.rt.db
      .selectFrom('heatflow.log')
      .selectAll()
      .where('event', '=', 'variable.set')
      .execute();
    expect(JSON.stringify(events)).not.toContain('plain-Text-42');
    await s.variables.delete('store_password', { actor: cliActor() });
  });
});

describe('REST API', () => {
  it('writes need the token; no response body holds a secret', async () => {
    const app = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const denied = await app.inject({
      method: 'POST',
      url: '/api/v1/variables',
      payload: { key: 'x', value: 'y' },
    });
    expect(denied.statusCode).toBe(401);
    const bodies: string[] = [];
    const call = async (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) => {
      const r = await app.inject({
        method,
        url,
        headers: auth,
        ...(payload === undefined ? {} : { payload }),
      });
      bodies.push(r.body);
      return r;
    };
    expect(
      (await call('POST', '/api/v1/variables', { key: 'api_token', value: VAR_SECRET })).statusCode,
    ).toBe(200);
    expect(
      (await call('POST', '/api/v1/variables', { key: 'cfg', value: '{"a":{"b":"deep"}}' })).statusCode,
    ).toBe(200);
    const conn = await call('POST', '/api/v1/connections', {
      connection_id: 'tado',
      conn_type: 'http',
      host: 'tado.example',
      login: 'me',
      password: CONN_PASSWORD,
      extra: JSON.stringify({ home_id: 1, api_key: 'extra-Key-55' }),
    });
    expect(conn.statusCode).toBe(200);
    expect(
      (await call('POST', '/api/v1/connections', { connection_id: 'tado', conn_type: 'http' })).statusCode,
    ).toBe(409);
    const one = await call('GET', '/api/v1/variables/api_token');
    expect(one.json()).toEqual({ key: 'api_token', value: '***', description: null });
    expect((await call('GET', '/api/v1/variables/cfg')).json()).toMatchObject({
      value: '{"a":{"b":"deep"}}',
    });
    const list = await call('GET', '/api/v1/variables');
    expect(list.json()).toMatchObject({ total_entries: 2 });
    const c = await call('GET', '/api/v1/connections/tado');
    expect(c.json()).toMatchObject({ connection_id: 'tado', host: 'tado.example', login: 'me' });
    expect(c.json()).not.toHaveProperty('password');
    await call('GET', '/api/v1/connections');
    expect(
      (
        await call('PATCH', '/api/v1/connections/tado', {
          connection_id: 'tado',
          conn_type: 'http',
          host: 'tado.example',
          login: 'me',
        })
      ).statusCode,
    ).toBe(200);
    for (const b of bodies) {
      expect(b).not.toContain(VAR_SECRET);
      expect(b).not.toContain(CONN_PASSWORD);
      expect(b).not.toContain('extra-Key-55');
    }
    await app.close();
  });

  it('templates render into a real try; secrets are masked in its log and in the XCom API', async () => {
    await h.startScheduler();
    await h.startWorker();
    const day = (d: string, end = false) => parseDagDate(d, 'UTC', end);
    await createBackfill(h.rt.deps, dag, { from: day('2022-01-01'), to: day('2022-01-01', true) });
    const tis = await waitFor(
      'both tasks to finish',
      async () => {
        const rows = await h.rt.db.selectFrom('heatflow.task_instances').selectAll().execute();
        return rows.length === 2 && rows.every((r) => r.state === 'success' || r.state === 'failed')
          ? rows
          : undefined;
      },
      120_000,
    );
    const ok = tis.find((t) => t.task_id === 'uses_secrets');
    expect(ok?.state).toBe('success');
    const okTry = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .selectAll()
      .where('task_id', '=', 'uses_secrets')
      .executeTakeFirstOrThrow();
    const log = await readFile(okTry.log_path ?? '', 'utf8');
    expect(log).toContain('token=*** pw=*** host=tado.example b=deep/fallback');
    expect(log).not.toContain(VAR_SECRET);
    expect(log).not.toContain(CONN_PASSWORD);
    const tries = await h.rt.db
      .selectFrom('heatflow.task_tries')
      .selectAll()
      .where('task_id', '=', 'missing')
      .execute();
    expect(tries[0]?.error).toMatch(/env\.X of task "missing".*variable "not_there" does not exist/);
    // the XCom really holds the password; the API shows it masked
    expect(
      JSON.stringify(
        await h.rt.xcom.pull(
          { dagId: 'templated', runId: ok?.run_id ?? '', taskId: 'uses_secrets' },
          'return_value',
        ),
      ),
    ).toContain(CONN_PASSWORD);
    const app = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
    const x = await app.inject({
      method: 'GET',
      url: `/api/v1/dags/templated/dagRuns/${encodeURIComponent(ok?.run_id ?? '')}/taskInstances/uses_secrets/xcomEntries/return_value?deserialize=true`,
    });
    expect(x.statusCode).toBe(200);
    expect(x.body).not.toContain(CONN_PASSWORD);
    expect(x.json()).toMatchObject({ value: { leaked: '***' } });
    await app.close();
  });
});

describe('a key that does not match, and no key at all', () => {
  it('lists what can be read and names what cannot (no 500); the rest is still masked in XComs', async () => {
    const s = secretStores(h.rt.db, h.config);
    await s.variables.set('readable_password', 'still-Masked-77', null, { actor: cliActor() });
    // stored under another key: this deployment's key cannot decrypt it
    const other = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: generateFernetKey() });
    await other.variables.set('foreign_secret', 'from-another-key', null, { actor: cliActor() });
    await other.connections.add(
      'foreign_conn',
      { connType: 'http', host: 'h.example', password: 'foreign-pw' },
      { actor: cliActor() },
    );
    const app = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
    const vars = await app.inject({ method: 'GET', url: '/api/v1/variables?limit=100' });
    expect(vars.statusCode).toBe(200);
    const listed = vars.json<{ variables: { key: string; value: unknown; decrypt_error?: string }[] }>()
      .variables;
    expect(listed.find((v) => v.key === 'foreign_secret')).toEqual({
      key: 'foreign_secret',
      value: null,
      description: null,
      decrypt_error: expect.stringMatching(/^variable "foreign_secret"/) as unknown,
    });
    expect(listed.find((v) => v.key === 'readable_password')).toMatchObject({ value: '***' });
    const conns = await app.inject({ method: 'GET', url: '/api/v1/connections?limit=100' });
    expect(conns.statusCode).toBe(200);
    expect(conns.body).toContain('"connection_id":"foreign_conn"');
    expect(conns.body).not.toContain('foreign-pw');
    // the single GET answers as the list does: 200, the same entry (no 500 "Cannot decrypt")
    const one = await app.inject({ method: 'GET', url: '/api/v1/variables/foreign_secret' });
    expect([one.statusCode, one.json()]).toEqual([200, listed.find((v) => v.key === 'foreign_secret')]);
    expect(one.json<{ decrypt_error: string }>().decrypt_error).toMatch(
      /^variable "foreign_secret" cannot be decrypted with HEATFLOW_FERNET_KEY/,
    );
    const listedConn = conns
      .json<{ connections: { connection_id: string }[] }>()
      .connections.find((c) => c.connection_id === 'foreign_conn');
    const oneConn = await app.inject({ method: 'GET', url: '/api/v1/connections/foreign_conn' });
    expect([oneConn.statusCode, oneConn.json()]).toEqual([
      200,
      {
        connection_id: 'foreign_conn',
        conn_type: null,
        decrypt_error: expect.stringMatching(
          /^connection "foreign_conn" \(password\) cannot be decrypted with HEATFLOW_FERNET_KEY/,
        ) as unknown,
      },
    ]);
    expect(oneConn.json()).toEqual(listedConn);
    expect(oneConn.body).not.toContain('foreign-pw');
    // a write that needs the stored password (PATCH without one) is a 409 naming it, not a 500
    const patch = await app.inject({
      method: 'PATCH',
      url: '/api/v1/connections/foreign_conn',
      headers: { authorization: `Bearer ${TOKEN}` },
      payload: { connection_id: 'foreign_conn', conn_type: 'http', host: 'other.example' },
    });
    expect(patch.statusCode).toBe(409);
    expect(patch.json()).toMatchObject({
      title: 'Cannot decrypt',
      detail: expect.stringMatching(/^connection "foreign_conn" \(password\) cannot be decrypted/) as unknown,
    });
    // a write that replaces every secret repairs the entry (stored under this server's key)
    const auth = { authorization: `Bearer ${TOKEN}` };
    const fixed = await app.inject({
      method: 'PATCH',
      url: '/api/v1/variables/foreign_secret',
      headers: auth,
      payload: { key: 'foreign_secret', value: 'set-again' },
    });
    expect([fixed.statusCode, fixed.json()]).toEqual([
      200,
      { key: 'foreign_secret', value: '***', description: null },
    ]);
    expect((await s.variables.require('foreign_secret')).value).toBe('set-again');
    const fixedConn = await app.inject({
      method: 'PATCH',
      url: '/api/v1/connections/foreign_conn',
      headers: auth,
      payload: { connection_id: 'foreign_conn', conn_type: 'http', host: 'h.example', password: 'new-pw' },
    });
    expect(fixedConn.statusCode, fixedConn.body).toBe(200);
    expect((await s.connections.require('foreign_conn')).password).toBe('new-pw');
    // a PATCH of one that does not exist is still a 404
    const missing = await app.inject({
      method: 'PATCH',
      url: '/api/v1/variables/no_such_var',
      headers: auth,
      payload: { key: 'no_such_var', value: 'x' },
    });
    expect(missing.statusCode).toBe(404);
    // the one that cannot be read does not stop the others from being masked
    const masker = await storedSecretsMasker(s);
    expect(masker.mask('x still-Masked-77 y')).toBe('x *** y');
    await app.close();
    await other.variables.delete('foreign_secret', { actor: cliActor() });
    await other.connections.delete('foreign_conn', { actor: cliActor() });
  });

  it('every page says loudly when HEATFLOW_FERNET_KEY is not set, and only then', async () => {
    const withKey = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
    const keyless = await buildWebApp(
      { ...h.rt, config: { ...h.rt.config, HEATFLOW_FERNET_KEY: undefined } },
      { host: '127.0.0.1', port: 0 },
    );
    for (const url of ['/', '/event-log', '/backfills']) {
      const a = await withKey.inject({ method: 'GET', url });
      const b = await keyless.inject({ method: 'GET', url });
      expect([url, a.statusCode, b.statusCode]).toEqual([url, 200, 200]);
      expect(a.body).not.toContain('id="no-fernet-key"');
      expect(b.body).toContain('id="no-fernet-key"');
      expect(b.body).toContain(
        'HEATFLOW_FERNET_KEY is not set: variables and connection passwords are stored unencrypted',
      );
    }
    await withKey.close();
    await keyless.close();
  });
});

describe('the Variables and Connections pages', () => {
  it('list every entry, hide secret values and passwords, and name one the key cannot decrypt', async () => {
    const s = secretStores(h.rt.db, h.config);
    await s.variables.set('page_plain', 'shown-on-the-page', 'a note', { actor: cliActor() });
    await s.variables.set('page_api_key', 'never-on-the-page-1', null, { actor: cliActor() });
    await s.connections.add(
      'page_conn',
      {
        connType: 'http',
        host: 'svc.example',
        login: 'bob',
        password: 'never-on-the-page-2',
        extra: { token: 'never-on-the-page-3', region: 'eu' },
      },
      { actor: cliActor() },
    );
    const other = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: generateFernetKey() });
    await other.variables.set('page_foreign', 'x', null, { actor: cliActor() });
    const app = await buildWebApp(h.rt, { host: '127.0.0.1', port: 0 });
    const vars = await app.inject({ method: 'GET', url: '/variables' });
    expect(vars.statusCode).toBe(200);
    expect(vars.body).toContain('page_plain');
    expect(vars.body).toContain('shown-on-the-page');
    expect(vars.body).toContain('page_api_key');
    expect(vars.body).toMatch(
      /page_foreign<\/td> ?<td colspan="3" class="bad">cannot decrypt: variable &quot;page_foreign&quot; cannot be decrypted/,
    );
    const conns = await app.inject({ method: 'GET', url: '/connections' });
    expect(conns.statusCode).toBe(200);
    expect(conns.body).toContain('page_conn');
    expect(conns.body).toContain('svc.example');
    expect(conns.body).toContain('&quot;region&quot;:&quot;eu&quot;');
    for (const body of [vars.body, conns.body])
      for (const secret of [
        'never-on-the-page-1',
        'never-on-the-page-2',
        'never-on-the-page-3',
        VAR_SECRET,
        CONN_PASSWORD,
      ])
        expect(body).not.toContain(secret);
    // linked from every page's top bar
    expect((await app.inject({ method: 'GET', url: '/' })).body).toContain('<a href="/variables">Variables<');
    await app.close();
    await other.variables.delete('page_foreign', { actor: cliActor() });
  });
});
