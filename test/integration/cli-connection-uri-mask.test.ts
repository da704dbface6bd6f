/**
 * `heatflow connections get` through the real CLI (from source) on real Postgres: the `uri` it
 * shows masks the password and every sensitive query parameter (`api_key`, `token`, … by the rule
 * of src/secrets/sensitive.ts), as the `extra` beside it does: no secret in stdout or stderr, as a
 * table or as JSON (user trial: `api_key=K3Y` was shown in clear in the URI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

const T = 240_000;

describe('connections get masks the secrets of its URI', () => {
  let h: TestOrchestrator;
  beforeAll(async () => {
    h = await createTestOrchestrator('cliconnmask');
  }, 60_000);
  afterAll(async () => h?.cleanup());

  it(
    'add, get and get --json never show the password or a sensitive query parameter',
    async () => {
      const add = await runCli(
        [
          'connections',
          'add',
          'pg1',
          '--conn-uri',
          'postgres://alice:pa%3Ass@db.example:5432/mydb?sslmode=require&api_key=K3Y&Access_Token=T0KEN9',
        ],
        h.env,
      );
      expect(add.code, add.err).toBe(0);
      const get = await runCli(['connections', 'get', 'pg1'], h.env);
      expect(get.code, get.err).toBe(0);
      expect(get.out).toMatch(
        /uri\s+postgres:\/\/alice:\*\*\*@db\.example:5432\/mydb\?sslmode=require&api_key=\*\*\*&Access_Token=\*\*\*/,
      );
      const json = await runCli(['connections', 'get', 'pg1', '--json'], h.env);
      expect(json.code, json.err).toBe(0);
      const d = JSON.parse(json.out) as { uri: string; extra: Record<string, string> };
      expect(d.uri).toBe(
        'postgres://alice:***@db.example:5432/mydb?sslmode=require&api_key=***&Access_Token=***',
      );
      expect(d.extra).toEqual({ sslmode: 'require', api_key: '***', Access_Token: '***' });
      // an extra that is not flat strings goes in __extra__: its nested secrets are masked too
      const nested = await runCli(
        [
          'connections',
          'add',
          'http1',
          '--conn-type',
          'http',
          '--conn-host',
          'api.example',
          '--conn-extra',
          '{"retries":3,"auth":{"client_secret":"S3CRET7","user":"u"}}',
        ],
        h.env,
      );
      expect(nested.code, nested.err).toBe(0);
      const nestedGet = await runCli(['connections', 'get', 'http1', '--json'], h.env);
      expect(nestedGet.code, nestedGet.err).toBe(0);
      const n = JSON.parse(nestedGet.out) as { uri: string };
      expect(decodeURIComponent(n.uri)).toContain('"client_secret":"***"');
      const list = await runCli(['connections', 'list', '--json'], h.env);
      expect(list.code, list.err).toBe(0);
      for (const r of [add, get, json, nested, nestedGet, list]) {
        const all = r.out + r.err;
        for (const secret of ['K3Y', 'T0KEN9', 'pa:ss', 'pa%3Ass', 'S3CRET7']) {
          expect(all).not.toContain(secret);
          expect(all).not.toContain(encodeURIComponent(secret));
        }
      }
    },
    T,
  );
});
