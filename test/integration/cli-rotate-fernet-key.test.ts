/**
 * `heatflow rotate-fernet-key` through the real CLI (from source) on real Postgres: with
 * HEATFLOW_FERNET_KEY = "new,old" every variable and connection secret is re-encrypted with the
 * new key (plain values encrypted too), so the old key can be dropped; a second rotation rewrites
 * nothing; a value no key opens fails the rotation naming it and changes no row; no key, exit 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/audit/event-log.js';
import { generateFernetKey, SecretCipher } from '../../src/secrets/secret-cipher.js';
import { secretStores } from '../../src/secrets/secret-stores.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

const OLD = generateFernetKey();
const NEW = generateFernetKey();
const T = 240_000;

describe('rotate-fernet-key', () => {
  let h: TestOrchestrator;
  const rows = () =>
    Promise.all([
      h.rt.db
        .selectFrom('heatflow.variables')
        .select(['key', 'val', 'is_encrypted'])
        .orderBy('key')
        .execute(),
      h.rt.db
        .selectFrom('heatflow.connections')
        .select(['conn_id', 'password', 'is_encrypted', 'extra', 'is_extra_encrypted'])
        .orderBy('conn_id')
        .execute(),
    ]);
  beforeAll(async () => {
    h = await createTestOrchestrator('clirotate', { env: { HEATFLOW_FERNET_KEY: OLD } });
    const old = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: OLD });
    await old.variables.set('api_token', 'tok-123456', null, { actor: cliActor() });
    await old.connections.add(
      'tado',
      { connType: 'http', host: 'my.tado.com', login: 'me', password: 'pw-secret', extra: { home: 1 } },
      { actor: cliActor() },
    );
    // stored before any key was set
    await secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: undefined }).variables.set(
      'plain_var',
      'plain-value',
      null,
      {
        actor: cliActor(),
      },
    );
  }, 60_000);
  afterAll(async () => h?.cleanup());

  it(
    'refuses without a key, re-encrypts everything under the new key, then has nothing to do',
    async () => {
      const none = await runCli(['rotate-fernet-key'], { ...h.env, HEATFLOW_FERNET_KEY: '' });
      expect(none.code).toBe(1);
      expect(none.err).toContain('HEATFLOW_FERNET_KEY is not set');

      const env = { ...h.env, HEATFLOW_FERNET_KEY: `${NEW},${OLD}` };
      const r = await runCli(['rotate-fernet-key'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toContain('re-encrypted 2 variables and 1 connection with the first of 2 keys');

      // readable with the new key alone, the old one is no longer needed
      const newOnly = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: NEW });
      expect((await newOnly.variables.get('api_token'))?.value).toBe('tok-123456');
      expect((await newOnly.variables.get('plain_var'))?.value).toBe('plain-value');
      const conn = await newOnly.connections.get('tado');
      expect(conn).toMatchObject({ password: 'pw-secret', extra: { home: 1 } });
      const [vars, conns] = await rows();
      expect(vars.every((v) => v.is_encrypted && !v.val.includes('value') && !v.val.includes('tok'))).toBe(
        true,
      );
      expect(conns[0]).toMatchObject({ is_encrypted: true, is_extra_encrypted: true });
      expect(new SecretCipher(OLD).isCurrent(vars[0]?.val ?? '')).toBe(false);
      const events = await h.rt.db
        .selectFrom('heatflow.log')
        .select(['event', 'extra', 'source'])
        .where('event', '=', 'secrets.rotate')
        .execute();
      expect(events).toHaveLength(1);
      expect(events[0]?.source).toBe('cli');
      expect(events[0]?.extra).toEqual({ variables: 2, connections: 1 });

      const again = await runCli(['rotate-fernet-key'], env);
      expect(again.code, again.err).toBe(0);
      expect(again.out).toContain('re-encrypted 0 variables and 0 connections');
    },
    T,
  );

  it(
    'a value no key opens fails the rotation, naming it, and changes nothing',
    async () => {
      await secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: generateFernetKey() }).variables.set(
        'foreign_var',
        'x-y-z',
        null,
        { actor: cliActor() },
      );
      const before = await rows();
      const third = generateFernetKey();
      const r = await runCli(['rotate-fernet-key'], { ...h.env, HEATFLOW_FERNET_KEY: `${third},${NEW}` });
      expect(r.code).toBe(1);
      expect(r.err).toContain('variable "foreign_var" cannot be decrypted');
      expect(r.err).toContain('nothing was changed');
      expect(await rows()).toEqual(before);
    },
    T,
  );
});
