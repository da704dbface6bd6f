/**
 * Postgres connection: a `pg` pool wrapped in kysely, plus creating the database when missing.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './database.js';
import { guardClient, guardPool } from './pool-errors.js';

// Postgres `bigint` (e.g. bigserial ids, counts) arrives as a string unless told otherwise; we keep
// ids as strings but want COUNT(*) as numbers, so queries cast counts to int explicitly.

/** Options of {@link createDb}. */
export interface CreateDbOptions {
  /** connections in the pool; `@defaultValue 10` */
  max?: number;
  /** name shown in `pg_stat_activity` */
  applicationName?: string;
  /**
   * called when a pooled connection is lost, idle or checked out (e.g. the server restarted or
   * `pg_terminate_backend`); the statement running on it fails on its own
   */
  onIdleError?: (err: Error) => void;
}

/** Opens a kysely instance over a `pg` pool. Call `db.destroy()` to close it. */
export function createDb(databaseUrl: string, options: CreateDbOptions = {}): Kysely<Database> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 10,
    application_name: options.applicationName ?? 'heatflow',
  });
  // A lost connection emits 'error' on the pool (idle) or on its client (checked out); unhandled,
  // either would crash the process (pool-errors.ts). The next query gets a fresh connection.
  guardPool(pool, (err) => options.onIdleError?.(err));
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}

/**
 * Creates the database named in `databaseUrl` if it does not exist (connects to the server's
 * `postgres` database to do so). Idempotent.
 * @returns true when it was created
 */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (name === '' || name === 'postgres') return false;
  url.pathname = '/postgres';
  const client = guardClient(new pg.Client({ connectionString: url.toString() }));
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
      } catch (err) {
        // Another process created it between our check and our CREATE: that is fine.
        if ((err as { code?: string }).code !== '42P04') throw err;
      }
      return true;
    }
    return false;
  } finally {
    await client.end();
  }
}
