/**
 * `heatflow db check` and `heatflow db reset` through the real CLI (a child process, from source)
 * against a throwaway database on the real Postgres: exit codes, one-line reasons, and that a
 * reset without a terminal and without --yes changes nothing.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runCli as runCliWith } from '../helpers/run-cli.js';

/** per test: one CLI start from source takes 30 s on a loaded machine */
const T = 240_000;
const runCli = (args: string[], env: NodeJS.ProcessEnv) => runCliWith(args, env, { timeoutMs: 200_000 });
let t: TestDatabase;
let env: NodeJS.ProcessEnv;
let redis: Redis;
const prefix = `hftest-clidb-${randomBytes(4).toString('hex')}`;

const poolCount = async () =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM heatflow.pools`.execute(t.db)).rows[0]?.n;

beforeAll(async () => {
  t = await createTestDatabase('clidb');
  env = { ...process.env, DATABASE_URL: t.url, HEATFLOW_LOG_LEVEL: 'warn', HEATFLOW_REDIS_PREFIX: prefix };
  redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
}, 120_000);
afterAll(async () => {
  await redis.del(`${prefix}:xcom:d:r:t:return_value`, `${prefix}x:other`);
  redis.disconnect();
  await t.drop();
});

describe('heatflow db check', () => {
  it(
    'exits 0 and names the server version when the database answers',
    async () => {
      const r = await runCli(['db', 'check'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(
        /^Connection successful: Postgres at postgres:\/\/postgres@127\.0\.0\.1:5432\/hf_test_clidb_\w+ \(DATABASE_URL\), PostgreSQL \d+/,
      );
      expect(r.out).not.toContain('not migrated');
    },
    T,
  );

  it(
    'exits 1 with the reason, password masked, when nothing listens',
    async () => {
      const r = await runCli(['db', 'check'], {
        ...env,
        DATABASE_URL: 'postgres://u:s3cr3t-pw@127.0.0.1:1/nowhere',
      });
      expect(r.code).toBe(1);
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toMatch(
        /cannot use Postgres at postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/nowhere \(DATABASE_URL\): .*ECONNREFUSED/,
      );
      expect(r.err).not.toContain('s3cr3t-pw');
    },
    T,
  );
});

describe('heatflow db reset', () => {
  it(
    'without a terminal and without --yes refuses with exit 1 and drops nothing',
    async () => {
      await sql`INSERT INTO heatflow.pools (pool, slots, description) VALUES ('clidb_pool', 3, 'kept')`.execute(
        t.db,
      );
      const before = await poolCount();
      const r = await runCli(['db', 'reset'], env);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/not reset: stdin is not a terminal to ask on; pass --yes to go ahead/);
      expect(await poolCount()).toBe(before);
    },
    T,
  );

  it(
    '--yes drops the data and re-creates every table',
    async () => {
      expect(await poolCount()).toBeGreaterThan(0);
      // an XCom of the deployment, and a key of another prefix that shares its first letters
      await redis.set(`${prefix}:xcom:d:r:t:return_value`, '{"rows":24}');
      await redis.set(`${prefix}x:other`, 'kept');
      const r = await runCli(['db', 'reset', '--yes'], env);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(
        new RegExp(
          `reset: heatflow, tado, analytics dropped, \\d+ migrations applied; 1 Redis key ${prefix}:\\* deleted`,
        ),
      );
      expect(await redis.exists(`${prefix}:xcom:d:r:t:return_value`)).toBe(0);
      expect(await redis.get(`${prefix}x:other`)).toBe('kept');
      const kept = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM heatflow.pools WHERE pool = 'clidb_pool'`.execute(t.db);
      expect(kept.rows[0]?.n).toBe(0);
      const tables = await sql<{
        n: number;
      }>`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema IN ('heatflow', 'tado', 'analytics')`.execute(
        t.db,
      );
      expect(tables.rows[0]?.n).toBeGreaterThan(10);
    },
    T,
  );
});
