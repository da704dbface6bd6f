/**
 * Test isolation for Postgres: each test file gets its own freshly migrated database, dropped
 * afterwards. Uses the real server at TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { createDb, ensureDatabase } from '../../src/db/connection.js';
import type { Database } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrator.js';

const SERVER_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A throwaway migrated database. */
export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  readonly db: Kysely<Database>;
  /** closes the pool and drops the database */
  drop(): Promise<void>;
}

/**
 * Creates and migrates a database named `hf_test_<tag>_<random>`.
 * @param serverUrl - the server (its `postgres` database); `@defaultValue` TEST_DATABASE_URL or
 *   the shared 127.0.0.1:5432 (fault tests pass a private cluster's)
 */
export async function createTestDatabase(tag = 't', serverUrl = SERVER_URL): Promise<TestDatabase> {
  const name = `hf_test_${tag.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await ensureDatabase(url.toString());
  const db = createDb(url.toString(), { max: 20, applicationName: `test-${tag}` });
  await migrateToLatest(db as Kysely<unknown>);
  return {
    url: url.toString(),
    name,
    db,
    async drop() {
      await db.destroy();
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      try {
        await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
