/**
 * tado_etl reads its tado settings from the `tado` connection when one is defined (issue 16):
 * the connection's URI reaches extract as HEATFLOW_CONN_TADO (rendered by the worker from the
 * connection store, real Postgres) and wins over the TADO_* environment; without it the
 * environment is used. The compiled extract program runs against the built-in tado simulator.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connToUri } from '../../src/connections/conn-uri.js';
import type { ExtractResult } from '../../src/etl/task-results.js';
import { secretStores } from '../../src/secrets/secret-stores.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';
import { runTaskProgram } from '../helpers/run-task-program.js';

/** nothing listens on port 9 (discard) here: a request to it fails at once */
const DEAD_API = 'http://127.0.0.1:9/api/v2';
let sim: TadoSimulator;
let tmp: string;
let base: Record<string, string>;
let runs = 0;

const extract = (env: Record<string, string>) =>
  runTaskProgram({
    taskId: 'extract',
    ds: '2022-03-01',
    runDir: path.join(tmp, `run-${++runs}`),
    upstream: {},
    env: { ...base, ...env },
  });

/** the simulator as a `tado` connection: host, port and path of its API, plain HTTP */
const simConnection = (extra: Record<string, string>) => {
  const api = new URL(sim.apiUrl);
  return connToUri({
    connType: 'tado',
    host: api.hostname,
    port: Number(api.port),
    schema: api.pathname.replace(/^\//, ''),
    extra: { protocol: 'http', ...extra },
  });
};

beforeAll(async () => {
  sim = await startTadoSimulator({ seed: 1 });
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-tado-conn-'));
  const tokenFile = path.join(tmp, 'tado-token.json');
  await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
  base = {
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: tokenFile,
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_RETRIES: '0',
  };
});
afterAll(async () => {
  await sim?.close();
  await rm(tmp, { recursive: true, force: true });
});

describe('extract with and without the tado connection', () => {
  let homeId = 0;

  it('without a connection uses the TADO_* environment', async () => {
    const ok = await extract({ TADO_API_URL: sim.apiUrl });
    expect(ok.exitCode, ok.stderr).toBe(0);
    homeId = (ok.returnValue as ExtractResult).homeId;
    expect(homeId).toBeGreaterThan(0);
    const dead = await extract({ TADO_API_URL: DEAD_API });
    expect(dead.exitCode).not.toBe(0);
    expect(dead.stderr).toContain('127.0.0.1:9');
  }, 120_000);

  it("the connection's API address and home win over the environment", async () => {
    const ok = await extract({
      TADO_API_URL: DEAD_API,
      TADO_HOME_ID: '424242',
      HEATFLOW_CONN_TADO: simConnection({ home_id: String(homeId) }),
    });
    expect(ok.exitCode, ok.stderr).toBe(0);
    const result = ok.returnValue as ExtractResult;
    expect(result.homeId).toBe(homeId);
    expect(result.reports.length).toBeGreaterThan(0);
    // the connection's home is the one asked for: a home the account does not have fails
    const other = await extract({
      TADO_API_URL: sim.apiUrl,
      HEATFLOW_CONN_TADO: simConnection({ home_id: '424242' }),
    });
    expect(other.exitCode).not.toBe(0);
    expect(other.stderr).toContain('424242');
  }, 120_000);

  it('refuses a connection with a login and password, naming HEATFLOW_CONN_TADO', async () => {
    const bad = await extract({
      TADO_API_URL: sim.apiUrl,
      HEATFLOW_CONN_TADO: 'tado://me%40example.com:hunter2@my.tado.com/api/v2',
    });
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stderr).toContain(
      'HEATFLOW_CONN_TADO (the "tado" connection): tado signs in with the device flow',
    );
    expect(bad.stderr).not.toContain('hunter2');
  }, 60_000);
});

describe("the worker renders the connection into extract's environment", () => {
  let h: TestOrchestrator;
  beforeAll(async () => {
    h = await createTestOrchestrator('tadoconn', { dagsDir: path.resolve('dags') });
  }, 60_000);
  afterAll(async () => h?.cleanup());

  it('connections add refuses a tado connection extract would refuse, naming the part, storing nothing', async () => {
    for (const [uri, message] of [
      ['tado://me:hunter2@my.tado.com/api%2Fv2', 'not a login and password'],
      ['tado://my.tado.com/api%2Fv2?home_id=abc', 'extra "home_id"="abc"'],
      ['tado://my.tado.com/api%2Fv2?bogus=1', 'unknown extra "bogus"'],
    ] as const) {
      const r = await runCli(['connections', 'add', 'tado_bad', '--conn-uri', uri], h.env);
      expect(r.code, uri).toBe(1);
      expect(r.err, uri).toContain(`connection "tado_bad" (conn_type tado): `);
      expect(r.err, uri).toContain(message);
      expect(r.err + r.out).not.toContain('hunter2');
    }
    expect(
      await h.rt.db
        .selectFrom('heatflow.connections')
        .select('conn_id')
        .where('conn_id', '=', 'tado_bad')
        .execute(),
    ).toEqual([]);
  }, 180_000);

  it('HEATFLOW_CONN_TADO is empty without a tado connection and its URI with one', async () => {
    const render = () => runCli(['tasks', 'render', 'tado_etl', 'extract', '2022-03-01'], h.env);
    const without = await render();
    expect(without.code, without.err).toBe(0);
    expect(without.out).toMatch(/^HEATFLOW_CONN_TADO=$/m);
    const uri = simConnection({ home_id: '7' });
    await secretStores(h.rt.db, h.config).connections.add(
      'tado',
      {
        connType: 'tado',
        host: '127.0.0.1',
        port: 8081,
        schema: 'api/v2',
        extra: { protocol: 'http', home_id: '7' },
      },
      { actor: { owner: 'test', source: 'cli', remoteAddr: null } },
    );
    const withConn = await render();
    expect(withConn.code, withConn.err).toBe(0);
    expect(withConn.out).toContain(
      'HEATFLOW_CONN_TADO=tado://127.0.0.1:8081/api%2Fv2?protocol=http&home_id=7',
    );
    expect(uri).toMatch(/^tado:\/\/127\.0\.0\.1:\d+\/api%2Fv2\?protocol=http&home_id=7$/);
  }, 180_000);
});
