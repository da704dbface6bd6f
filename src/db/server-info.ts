/**
 * What the Postgres server says about itself: for `heatflow info` and `heatflow db check`.
 */
import { sql, type Kysely } from 'kysely';

/**
 * The server's version (`SHOW server_version`, e.g. `16.4 (Debian 16.4-1)`).
 * @throws Error from pg when the server does not answer
 */
export async function postgresServerVersion(db: Kysely<unknown>): Promise<string> {
  const r = await sql<{ server_version: string }>`SHOW server_version`.execute(db);
  return r.rows[0]?.server_version ?? 'unknown';
}

/**
 * Whether the `heatflow` schema has its tables (the migrations ran): the number of tables in it.
 * @throws Error from pg when the server does not answer
 */
export async function heatflowTableCount(db: Kysely<unknown>): Promise<number> {
  const r = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'heatflow'`.execute(db);
  return r.rows[0]?.n ?? 0;
}
