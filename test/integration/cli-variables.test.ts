/**
 * `heatflow variables` and `heatflow connections` through the real CLI (from source) on real
 * Postgres: a set/get round trip, and what a deployment whose HEATFLOW_FERNET_KEY does not match
 * sees: the lists still show every entry (marked CANNOT DECRYPT, exit 0), a get fails naming it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliActor } from '../../src/audit/event-log.js';
import { generateFernetKey } from '../../src/secrets/secret-cipher.js';
import { secretStores } from '../../src/secrets/secret-stores.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

const KEY = generateFernetKey();
const T = 240_000;

describe('variables and connections CLI with a key that does not match', () => {
  let h: TestOrchestrator;
  beforeAll(async () => {
    h = await createTestOrchestrator('clivars', { env: { HEATFLOW_FERNET_KEY: KEY } });
    const other = secretStores(h.rt.db, { HEATFLOW_FERNET_KEY: generateFernetKey() });
    await other.variables.set('foreign_var', 'from-another-key', null, { actor: cliActor() });
    await other.connections.add(
      'foreign_conn',
      { connType: 'http', host: 'h.example', password: 'foreign-pw' },
      { actor: cliActor() },
    );
  }, 60_000);
  afterAll(async () => h?.cleanup());

  it(
    'set and get round-trip; list shows the unreadable one marked; get of it exits 1 naming it',
    async () => {
      const set = await runCli(['variables', 'set', 'region', 'eu-west'], h.env);
      expect(set.code, set.err).toBe(0);
      const get = await runCli(['variables', 'get', 'region'], h.env);
      expect(get.out.trim()).toBe('eu-west');
      const list = await runCli(['variables', 'list'], h.env);
      expect(list.code, list.err).toBe(0);
      expect(list.out).toMatch(/region\s/);
      expect(list.out).toMatch(/foreign_var\s+CANNOT DECRYPT/);
      expect(list.err).toContain(
        'WARNING: variable "foreign_var" cannot be decrypted with HEATFLOW_FERNET_KEY',
      );
      const json = JSON.parse((await runCli(['variables', 'list', '--json'], h.env)).out) as {
        key: string;
        decrypt_error?: string;
      }[];
      expect(json.find((v) => v.key === 'foreign_var')?.decrypt_error).toMatch(/wrong key/);
      const bad = await runCli(['variables', 'get', 'foreign_var'], h.env);
      expect(bad.code).toBe(1);
      expect(bad.err).toContain('variable "foreign_var" cannot be decrypted');
      expect(bad.err).not.toContain('from-another-key');
      const conns = await runCli(['connections', 'list'], h.env);
      expect(conns.code, conns.err).toBe(0);
      expect(conns.out).toMatch(/foreign_conn\s+CANNOT DECRYPT/);
      expect(conns.out + conns.err).not.toContain('foreign-pw');
    },
    T,
  );
});
