/**
 * `heatflow version`, `info`, `config list` through the real CLI (a child process, from source),
 * and `GET /api/v1/config` over real HTTP: values in effect, where they came from, and no secret
 * (a password in a connection string, the web token) anywhere in what they print or return.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebServer } from '../../src/web/server.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli as runCliWith } from '../helpers/run-cli.js';

const DB_PASSWORD = 'pg-Pa55word-xyz';
const TOKEN = 'web-token-secret-123';
/** per test: one CLI start from source takes 30 s on a loaded machine */
const T = 240_000;
const runCli = (args: string[], env: NodeJS.ProcessEnv) => runCliWith(args, env, { timeoutMs: 200_000 });
let h: TestOrchestrator;
/** the test's environment with a password in DATABASE_URL (trust auth ignores it) and a token */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  h = await createTestOrchestrator('cliinfo', { env: { HEATFLOW_WEB_TOKEN: TOKEN } });
  const url = new URL(h.database.url);
  url.password = DB_PASSWORD;
  env = { ...h.env, DATABASE_URL: url.toString(), HEATFLOW_WORKER_CONCURRENCY: '3' };
  delete env.HEATFLOW_DOCKER_CPUS;
}, 120_000);
afterAll(async () => h.cleanup());

describe('heatflow info, encryption at rest', () => {
  it(
    'says secrets are stored unencrypted without HEATFLOW_FERNET_KEY, and the key count with one',
    async () => {
      const off = await runCli(['info', '-o', 'json'], { ...env, HEATFLOW_FERNET_KEY: '' });
      expect(off.code).toBe(0);
      const offJson = JSON.parse(off.out) as { secrets_encryption: { encrypted: boolean; status: string } };
      expect(offJson.secrets_encryption.encrypted).toBe(false);
      expect(offJson.secrets_encryption.status).toMatch(/UNENCRYPTED.*set HEATFLOW_FERNET_KEY/);
      const on = await runCli(['info'], {
        ...env,
        HEATFLOW_FERNET_KEY: 'MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=',
      });
      expect(on.code).toBe(0);
      expect(on.out).toMatch(/secrets_encryption\s+AES-256-GCM \(1 key\)/);
    },
    T,
  );
});

describe('heatflow version', () => {
  it(
    "prints package.json's version, as --version does",
    async () => {
      const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
      const r = await runCli(['version'], env);
      expect(r.code).toBe(0);
      expect(r.out).toBe(`${pkg.version}\n`);
    },
    T,
  );
});

describe('heatflow info', () => {
  it(
    'prints the versions of heatflow, Node.js, Postgres and Redis, the paths and the executor; no password',
    async () => {
      const r = await runCli(['info'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^heatflow\s+0\.1\.0$/m);
      expect(r.out).toContain(process.version);
      expect(r.out).toMatch(/^postgres\s+PostgreSQL \d+/m);
      expect(r.out).toMatch(/^redis\s+Redis \d+\.\d+/m);
      expect(r.out).toMatch(/^docker\s+(Docker Engine \d|unreachable \()/m);
      expect(r.out).toMatch(new RegExp(`^dags_folder\\s+${h.config.HEATFLOW_DAGS_DIR}$`, 'm'));
      expect(r.out).toMatch(new RegExp(`^logs_folder\\s+${h.config.HEATFLOW_LOG_DIR}$`, 'm'));
      expect(r.out).toMatch(/^executor\s+process$/m);
      expect(r.out).toMatch(/^sql_alchemy_conn\s+postgres:\/\/postgres:\*\*\*@127\.0\.0\.1/m);
      expect(r.out).not.toContain(DB_PASSWORD);
      expect(r.out).not.toContain(TOKEN);
    },
    T,
  );

  it(
    '--json: a Postgres that does not answer is reported unreachable, and it still exits 0',
    async () => {
      const r = await runCli(['info', '--json'], {
        ...env,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/x',
      });
      expect(r.code, r.err).toBe(0);
      const info = JSON.parse(r.out) as {
        versions: { heatflow: string; postgres: { unreachable?: string }; redis: { version?: string } };
        executor: string;
      };
      expect(info.versions.heatflow).toBe('0.1.0');
      expect(info.versions.postgres.unreachable).toMatch(/ECONNREFUSED/);
      expect(info.versions.redis.version).toMatch(/^Redis \d/);
      expect(info.executor).toBe('process');
    },
    T,
  );

  it(
    'refuses an unknown --output with exit 1 naming the option',
    async () => {
      const r = await runCli(['info', '-o', 'xml'], env);
      expect(r.code).toBe(1);
      expect(r.err).toContain('--output must be table or json, got "xml"');
    },
    T,
  );
});

describe('heatflow config list', () => {
  it(
    'prints every setting with its value and source, secrets masked',
    async () => {
      const r = await runCli(['config', 'list'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^section\s+key\s+value\s+source$/m);
      expect(r.out).toMatch(/^worker\s+HEATFLOW_WORKER_CONCURRENCY\s+3\s+env$/m);
      expect(r.out).toMatch(/^docker\s+HEATFLOW_DOCKER_CPUS\s+1\s+default$/m);
      expect(r.out).toMatch(
        /^database\s+DATABASE_URL\s+postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:5432\/hf_test_cliinfo_\w+\s+env$/m,
      );
      expect(r.out).toMatch(/^webserver\s+HEATFLOW_WEB_TOKEN\s+\*\*\*\s+env$/m);
      expect(r.out).not.toContain(DB_PASSWORD);
      expect(r.out).not.toContain(TOKEN);
    },
    T,
  );

  it(
    '-o json lists each setting as an object',
    async () => {
      const r = await runCli(['config', 'list', '-o', 'json'], env);
      expect(r.code, r.err).toBe(0);
      const rows = JSON.parse(r.out) as { section: string; key: string; value: string; source: string }[];
      expect(rows.find((e) => e.key === 'HEATFLOW_EXECUTOR')).toEqual({
        section: 'core',
        key: 'HEATFLOW_EXECUTOR',
        value: 'process',
        source: 'default',
      });
      expect(rows.find((e) => e.key === 'HEATFLOW_WEB_TOKEN')?.value).toBe('***');
      expect(r.out).not.toContain(DB_PASSWORD);
    },
    T,
  );

  it(
    'lists the tado client and DAG-file settings, and the deployment id in effect with what it is derived from',
    async () => {
      const r = await runCli(['config', 'list'], {
        ...env,
        TADO_RETRIES: '5',
        TADO_ETL_START_DATE: '2023-01-01',
        TADO_ETL_TIMEZONE: 'Europe/Berlin',
        // not a setting: never listed, and never printed
        TADO_PASSWORD: 'tado-Pa55word-abc',
      });
      expect(r.code, r.err).toBe(0);
      const database = new URL(h.database.url).pathname.slice(1);
      expect(r.out).toMatch(
        new RegExp(
          `^core\\s+HEATFLOW_DEPLOYMENT_ID\\s+${database}\\.${h.env.HEATFLOW_REDIS_PREFIX}\\s+derived \\(DATABASE_URL, HEATFLOW_REDIS_PREFIX\\)$`,
          'm',
        ),
      );
      expect(r.out).toMatch(/^tado\s+TADO_RETRIES\s+5\s+env$/m);
      expect(r.out).toMatch(/^tado\s+TADO_API_URL\s+https:\/\/my\.tado\.com\/api\/v2\s+default$/m);
      expect(r.out).toMatch(/^tado\s+TADO_TOKEN_FILE\s+\/\S+\/tado-token\.json\s+default$/m);
      expect(r.out).toMatch(/^tado_etl\s+TADO_ETL_START_DATE\s+2023-01-01\s+env$/m);
      expect(r.out).toMatch(/^tado_etl\s+TADO_ETL_RETRIES\s+3\s+default$/m);
      expect(r.out).toMatch(/^tado_etl\s+TADO_ETL_TASK_SNAPSHOTS\s+true\s+default$/m);
      expect(r.out).toMatch(
        /^heating_analytics\s+HEATING_ANALYTICS_TIMEZONE\s+Europe\/Berlin\s+derived \(TADO_ETL_TIMEZONE\)$/m,
      );
      expect(r.out).toMatch(/^heating_analytics\s+HEATING_ANALYTICS_RETRIES\s+2\s+default$/m);
      expect(r.out).not.toContain('tado-Pa55word-abc');
      expect(r.out).not.toContain(DB_PASSWORD);
      expect(r.out).not.toContain(TOKEN);

      // a tado connection in the environment wins over TADO_*: its settings say so
      const j = await runCli(['config', 'list', '--json'], {
        ...env,
        HEATFLOW_DEPLOYMENT_ID: 'mine',
        HEATFLOW_CONN_TADO: 'tado://127.0.0.1:9/api/v2?protocol=http&home_id=7',
      });
      expect(j.code, j.err).toBe(0);
      const rows = JSON.parse(j.out) as {
        key: string;
        value: string;
        source: string;
        derived_from?: string[];
      }[];
      const row = (key: string) => rows.find((e) => e.key === key);
      expect(row('HEATFLOW_DEPLOYMENT_ID')).toMatchObject({ value: 'mine', source: 'env' });
      expect(row('HEATFLOW_DEPLOYMENT_ID')?.derived_from).toBeUndefined();
      expect(row('TADO_HOME_ID')).toEqual({
        section: 'tado',
        key: 'TADO_HOME_ID',
        value: '7',
        source: 'derived',
        derived_from: ['HEATFLOW_CONN_TADO'],
      });
      expect(row('TADO_API_URL')?.value).toBe('http://127.0.0.1:9/api/v2');
      expect(row('HEATFLOW_CONN_TADO')).toMatchObject({ section: 'tado', source: 'env' });
    },
    T,
  );

  it(
    'fails with exit 1 naming the variable when a tado setting is invalid',
    async () => {
      const r = await runCli(['config', 'list'], { ...env, TADO_RETRIES: 'many' });
      expect(r.code).toBe(1);
      expect(r.err).toContain('TADO_RETRIES="many"');
    },
    T,
  );

  it(
    'fails with exit 1 naming the variable when a setting is invalid',
    async () => {
      const r = await runCli(['config', 'list'], { ...env, HEATFLOW_EXECUTOR: 'kubernetes' });
      expect(r.code).toBe(1);
      expect(r.err).toContain('HEATFLOW_EXECUTOR');
    },
    T,
  );
});

describe('GET /api/v1/config', () => {
  it(
    "returns Airflow's sections shape with no secret in the raw body, behind the read rule",
    async () => {
      const url = new URL(h.database.url);
      url.password = DB_PASSWORD;
      const rt = { ...h.rt, config: { ...h.rt.config, DATABASE_URL: url.toString() } };
      const web = await startWebServer(rt, { host: '127.0.0.1', port: 0, openReads: false });
      try {
        expect((await fetch(`${web.url}/api/v1/config`)).status).toBe(401);
        const res = await fetch(`${web.url}/api/v1/config`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(res.status).toBe(200);
        const raw = await res.text();
        expect(raw).not.toContain(DB_PASSWORD);
        expect(raw).not.toContain(TOKEN);
        const body = JSON.parse(raw) as {
          sections: { name: string; options: { key: string; value: string }[] }[];
        };
        const names = body.sections.map((s) => s.name);
        expect(names).toEqual(
          expect.arrayContaining(['database', 'redis', 'core', 'scheduler', 'webserver']),
        );
        const option = (section: string, key: string) =>
          body.sections.find((s) => s.name === section)?.options.find((o) => o.key === key)?.value;
        expect(option('database', 'DATABASE_URL')).toBe(url.toString().replace(DB_PASSWORD, '***'));
        expect(option('webserver', 'HEATFLOW_WEB_TOKEN')).toBe('***');
        expect(option('core', 'HEATFLOW_DAGS_DIR')).toBe(h.config.HEATFLOW_DAGS_DIR);
        expect(option('tado', 'TADO_RATE_RESERVE')).toBe('5');
        expect(option('tado_etl', 'TADO_ETL_RETRY_DELAY_MS')).toBe('30000');
        const deployment = body.sections
          .find((s) => s.name === 'core')
          ?.options.find((o) => o.key === 'HEATFLOW_DEPLOYMENT_ID');
        expect(deployment).toMatchObject({
          source: 'derived',
          derived_from: ['DATABASE_URL', 'HEATFLOW_REDIS_PREFIX'],
        });
        expect(deployment?.value).toMatch(/^hf_test_cliinfo_\w+\./);
      } finally {
        await web.close();
      }
    },
    T,
  );
});
