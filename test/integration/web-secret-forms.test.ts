/**
 * The Variables and Connections page forms over real HTTP, Postgres and Redis: a person signed in
 * adds, edits and deletes both (recorded in the event log under their name); a bad key, conn id,
 * port or extra re-shows the form with a 400 naming the field and stores nothing; a missing CSRF
 * token, a reader not signed in and a server without HEATFLOW_WEB_TOKEN are refused; an entry the
 * key cannot decrypt is edited only with a new secret (409 otherwise) and can be deleted; no
 * password or secret value appears in any page served.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor, listEvents } from '../../src/audit/event-log.js';
import { createUser } from '../../src/db/user-repository.js';
import { generateFernetKey } from '../../src/secrets/secret-cipher.js';
import { secretStores, type SecretStores } from '../../src/secrets/secret-stores.js';
import { hashPassword } from '../../src/web/password-hash.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';

const TOKEN = 'secret-forms-token-5521';
const VAR_SECRET = 'var-Secret-Q81zt';
const CONN_PW = 'conn-Pw-R27mx';
const CONN_PW2 = 'conn-Pw2-T90kd';
const EXTRA_SECRET = 'extra-Key-W33pb';
const FOREIGN = 'foreign-Secret-Z55ha';

describe('Variables and Connections forms (real HTTP, Postgres, Redis)', () => {
  let h: TestOrchestrator;
  let web: WebServer;
  let stores: SecretStores;
  let cookie = '';
  /** every HTML page served in this file, checked for secrets at the end */
  const pages: string[] = [];

  const get = async (path: string, withCookie = true) => {
    const r = await fetch(`${web.url}${path}`, {
      redirect: 'manual',
      headers: { accept: 'text/html', ...(withCookie ? { cookie } : {}) },
    });
    const text = await r.text();
    pages.push(text);
    return { status: r.status, text };
  };
  const csrfOf = (page: string): string => /name="_csrf" value="([^"]+)"/.exec(page)?.[1] ?? '';
  const post = async (path: string, fields: Record<string, string>, opts: { cookie?: string } = {}) => {
    const r = await fetch(`${web.url}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        accept: 'text/html',
        cookie: opts.cookie ?? cookie,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(fields).toString(),
    });
    const text = await r.text();
    pages.push(text);
    return {
      status: r.status,
      text,
      location: r.headers.get('location'),
      // the one-time message the next page shows (fetch keeps no cookies)
      flash: decodeURIComponent(/heatflow_flash=([^;]*)/.exec(r.headers.get('set-cookie') ?? '')?.[1] ?? ''),
    };
  };
  /** posts a form with the CSRF token of the page it is on */
  const submit = async (formPage: string, action: string, fields: Record<string, string>) =>
    post(action, { _csrf: csrfOf((await get(formPage)).text), ...fields });
  const countRows = async () => ({
    variables: (await h.rt.db.selectFrom('heatflow.variables').select('key').execute()).length,
    connections: (await h.rt.db.selectFrom('heatflow.connections').select('conn_id').execute()).length,
  });

  beforeAll(async () => {
    h = await createTestOrchestrator('websecretforms', {
      env: { HEATFLOW_WEB_TOKEN: TOKEN, HEATFLOW_FERNET_KEY: generateFernetKey() },
    });
    stores = secretStores(h.rt.db, h.config);
    await createUser(h.rt.db, { username: 'erin', passwordHash: await hashPassword('erin-password-8') });
    web = await startWebServer(h.rt, { host: '127.0.0.1', port: 0 });
    const login = await fetch(`${web.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: 'erin', password: 'erin-password-8', next: '/' }).toString(),
    });
    expect(login.status).toBe(303);
    cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  }, 120_000);
  afterAll(async () => {
    await web?.close();
    await h?.cleanup();
  });

  it('adds, edits and deletes a variable; a secret value is never shown nor pre-filled', async () => {
    const list = await get('/variables');
    expect(list.text).toContain('href="/variables/new"');
    const added = await submit('/variables/new', '/variables', {
      key: 'plain_var',
      value: 'hello',
      description: 'a greeting',
    });
    expect([added.status, added.location]).toEqual([303, '/variables']);
    const secret = await submit('/variables/new', '/variables', { key: 'api_token', value: VAR_SECRET });
    expect([secret.status, secret.flash]).toEqual([303, 'Variable api_token added.']);
    expect((await stores.variables.require('plain_var')).value).toBe('hello');
    expect((await stores.variables.require('api_token')).value).toBe(VAR_SECRET);
    const shown = await get('/variables');
    expect(shown.text).toContain('<code>***</code>');
    expect(shown.text).toContain('href="/variables/api_token/edit"');

    // adding an existing key is refused (edit it instead): nothing overwritten
    const again = await submit('/variables/new', '/variables', { key: 'plain_var', value: 'overwritten' });
    expect(again.status).toBe(409);
    expect(again.text).toContain('variable &quot;plain_var&quot; already exists');
    expect((await stores.variables.require('plain_var')).value).toBe('hello');

    // the edit form of a sensitive key starts empty; empty keeps the value, the description changes
    const form = await get('/variables/api_token/edit');
    expect(form.status).toBe(200);
    expect(form.text).toContain('<textarea name="value" rows="4" cols="60" autocomplete="off"></textarea>');
    const kept = await post('/variables/api_token/edit', {
      _csrf: csrfOf(form.text),
      value: '',
      description: 'for the API',
    });
    expect(kept.status).toBe(303);
    const v = await stores.variables.require('api_token');
    expect([v.value, v.description]).toEqual([VAR_SECRET, 'for the API']);
    // a plain one is pre-filled and replaced
    expect((await get('/variables/plain_var/edit')).text).toContain('>hello</textarea>');
    const edited = await submit('/variables/plain_var/edit', '/variables/plain_var/edit', {
      value: 'bonjour',
      description: '',
    });
    expect(edited.status).toBe(303);
    const p = await stores.variables.require('plain_var');
    expect([p.value, p.description]).toEqual(['bonjour', null]);

    // delete: a confirm page, then the POST
    const confirm = await get('/variables/plain_var/delete');
    expect(confirm.text).toContain('action="/variables/plain_var/delete"');
    const deleted = await post('/variables/plain_var/delete', { _csrf: csrfOf(confirm.text) });
    expect([deleted.status, deleted.location, deleted.flash]).toEqual([
      303,
      '/variables',
      'Variable plain_var deleted.',
    ]);
    expect(await stores.variables.get('plain_var')).toBeUndefined();
    expect((await post('/variables/plain_var/delete', { _csrf: csrfOf(confirm.text) })).status).toBe(404);

    const { events } = await listEvents(h.rt.db, { owner: 'erin' });
    const mine = events
      .filter((e) => e.event.startsWith('variable.'))
      .map((e) => [e.event, e.source, (e.extra as { key?: string } | null)?.key])
      .reverse();
    expect(mine).toEqual([
      ['variable.set', 'web', 'plain_var'],
      ['variable.set', 'web', 'api_token'],
      ['variable.set', 'web', 'api_token'],
      ['variable.set', 'web', 'plain_var'],
      ['variable.delete', 'web', 'plain_var'],
    ]);
  });

  it('adds, edits and deletes a connection; the password is never shown, empty keeps it', async () => {
    const added = await submit('/connections/new', '/connections', {
      conn_id: 'tado_home',
      conn_type: 'http',
      host: 'my.tado.com',
      login: 'me@example.com',
      password: CONN_PW,
      port: '443',
      extra: JSON.stringify({ timeout: 10, api_key: EXTRA_SECRET }),
    });
    expect([added.status, added.location]).toEqual([303, '/connections']);
    const c = await stores.connections.require('tado_home');
    expect([c.password, c.port, c.extra]).toEqual([CONN_PW, 443, { timeout: 10, api_key: EXTRA_SECRET }]);

    // the edit form: password empty, the extra's secret field masked; saved as shown, both kept
    const form = await get('/connections/tado_home/edit');
    expect(form.text).toContain('name="password" value=""');
    expect(form.text).toContain('&quot;api_key&quot;: &quot;***&quot;');
    const extraShown = /<textarea name="extra"[^>]*>([^<]*)<\/textarea>/.exec(form.text)?.[1] ?? '';
    const saved = await post('/connections/tado_home/edit', {
      _csrf: csrfOf(form.text),
      conn_type: 'http',
      host: 'api.tado.example',
      login: 'me@example.com',
      password: '',
      port: '',
      extra: extraShown.replace(/&quot;/g, '"'),
    });
    expect(saved.status).toBe(303);
    const after = await stores.connections.require('tado_home');
    expect([after.host, after.password, after.port, after.extra]).toEqual([
      'api.tado.example',
      CONN_PW,
      null,
      { timeout: 10, api_key: EXTRA_SECRET },
    ]);
    // a new password replaces the stored one
    const replaced = await submit('/connections/tado_home/edit', '/connections/tado_home/edit', {
      conn_type: 'http',
      password: CONN_PW2,
    });
    expect(replaced.status).toBe(303);
    expect((await stores.connections.require('tado_home')).password).toBe(CONN_PW2);

    const deleted = await submit('/connections/tado_home/delete', '/connections/tado_home/delete', {});
    expect(deleted.status).toBe(303);
    expect(await stores.connections.get('tado_home')).toBeUndefined();
    const { events } = await listEvents(h.rt.db, { owner: 'erin' });
    expect(
      events
        .filter((e) => e.event.startsWith('connection.'))
        .map((e) => e.event)
        .reverse(),
    ).toEqual(['connection.add', 'connection.update', 'connection.update', 'connection.delete']);
  });

  it('re-shows a form with a 400 naming the field and stores nothing', async () => {
    const before = await countRows();
    const badKey = await submit('/variables/new', '/variables', { key: 'no spaces!', value: 'v' });
    expect(badKey.status).toBe(400);
    expect(badKey.text).toContain('id="form-error"');
    expect(badKey.text).toContain('key: &quot;no spaces!&quot; is not a variable key');
    const base = { conn_id: 'c1', conn_type: 'http', password: CONN_PW };
    for (const [fields, message] of [
      [{ ...base, conn_id: 'bad id' }, 'conn id: &quot;bad id&quot; is not a connection id'],
      [{ ...base, port: '80a' }, 'port: &quot;80a&quot; is not a whole number from 0 to 65535'],
      [{ ...base, port: '70000' }, 'port: &quot;70000&quot; is not a whole number'],
      [{ ...base, extra: '{not json' }, 'extra: not JSON'],
      [{ ...base, extra: '[1, 2]' }, 'extra: must be a JSON object'],
      [{ ...base, conn_type: '' }, 'conn type: 1 to 100 letters'],
    ] as const) {
      const r = await submit('/connections/new', '/connections', fields);
      expect([r.status, r.text.includes(message)], message).toEqual([400, true]);
      // the form comes back with what was typed, except the password
      expect(r.text).toContain('name="password" value=""');
    }
    expect(await countRows()).toEqual(before);
  });

  it('refuses a POST without or with a wrong CSRF token, and stores nothing', async () => {
    const before = await countRows();
    const none = await post('/variables', { key: 'no_csrf', value: 'x' });
    expect(none.status).toBe(403);
    expect(none.text).toContain('missing or wrong CSRF token');
    const wrong = await post('/connections', { _csrf: 'forged', conn_id: 'no_csrf', conn_type: 'http' });
    expect(wrong.status).toBe(403);
    expect(await countRows()).toEqual(before);
  });

  it('edits an entry the key cannot decrypt only with a new secret (409 otherwise) and deletes it', async () => {
    const other = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: generateFernetKey() });
    await other.variables.set('foreign_password', FOREIGN, 'from elsewhere', { actor: cliActor() });
    await other.connections.add(
      'foreign_conn',
      { connType: 'http', host: 'h.example', password: FOREIGN },
      { actor: cliActor() },
    );
    const form = await get('/variables/foreign_password/edit');
    expect(form.status).toBe(200);
    expect(form.text).toContain('id="unreadable"');
    const kept = await post('/variables/foreign_password/edit', { _csrf: csrfOf(form.text), value: '' });
    expect(kept.status).toBe(409);
    expect(kept.text).toContain(
      'variable &quot;foreign_password&quot; cannot be decrypted with this server&#39;s HEATFLOW_FERNET_KEY, so its stored value cannot be kept: type a new value',
    );
    const repaired = await post('/variables/foreign_password/edit', {
      _csrf: csrfOf(form.text),
      value: 'new-value-1',
    });
    expect(repaired.status).toBe(303);
    const v = await stores.variables.require('foreign_password');
    // the description it could not show is kept
    expect([v.value, v.description]).toEqual(['new-value-1', 'from elsewhere']);

    const cform = await get('/connections/foreign_conn/edit');
    const noPw = await post('/connections/foreign_conn/edit', {
      _csrf: csrfOf(cform.text),
      conn_type: 'http',
      password: '',
    });
    expect(noPw.status).toBe(409);
    expect(noPw.text).toContain('its stored password cannot be kept: type a new password');
    const deleted = await submit('/connections/foreign_conn/delete', '/connections/foreign_conn/delete', {});
    expect(deleted.status).toBe(303);
    expect(await stores.connections.get('foreign_conn')).toBeUndefined();
  });

  it('hides the forms from a reader not signed in and refuses their POSTs', async () => {
    await stores.variables.set('reader_var', 'r', null, { actor: cliActor() });
    const list = await get('/variables', false);
    expect(list.status).toBe(200);
    expect(list.text).not.toContain('/variables/new');
    expect(list.text).not.toContain('/variables/reader_var/edit');
    expect(list.text).toContain('to add, edit or delete');
    expect((await get('/variables/reader_var/edit', false)).status).toBe(401);
    const before = await countRows();
    const r = await post('/variables/reader_var/delete', { _csrf: 'x' }, { cookie: '' });
    expect(r.status).toBe(401);
    expect(await countRows()).toEqual(before);
  });

  it('on a server without HEATFLOW_WEB_TOKEN: no forms, and every POST and form page is a 403', async () => {
    const readOnly = await startWebServer(
      { ...h.rt, config: { ...h.rt.config, HEATFLOW_WEB_TOKEN: undefined } },
      { host: '127.0.0.1', port: 0 },
    );
    try {
      const before = await countRows();
      for (const path of ['/variables', '/connections']) {
        const page = await (await fetch(`${readOnly.url}${path}`)).text();
        pages.push(page);
        expect(page).not.toContain(`${path}/new`);
        expect(page).toContain('Read-only: set HEATFLOW_WEB_TOKEN');
        expect((await fetch(`${readOnly.url}${path}/new`)).status).toBe(403);
      }
      for (const [path, fields] of [
        ['/variables', { key: 'ro_var', value: 'x' }],
        ['/variables/reader_var/edit', { value: 'y' }],
        ['/variables/reader_var/delete', {}],
        ['/connections', { conn_id: 'ro_conn', conn_type: 'http' }],
      ] as const) {
        const r = await fetch(`${readOnly.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(fields).toString(),
        });
        expect([path, r.status]).toEqual([path, 403]);
        expect(await r.text()).toContain('actions are disabled');
      }
      expect(await countRows()).toEqual(before);
      expect((await stores.variables.require('reader_var')).value).toBe('r');
    } finally {
      await readOnly.close();
    }
  });

  it('never served a password or a secret value in any page', () => {
    expect(pages.length).toBeGreaterThan(20);
    for (const secret of [VAR_SECRET, CONN_PW, CONN_PW2, EXTRA_SECRET, FOREIGN])
      expect(pages.filter((p) => p.includes(secret)).length, secret).toBe(0);
  });
});
