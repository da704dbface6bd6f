/**
 * Connections for reading and writing schema `analytics`: a `pg` pool whose `date` values stay
 * `YYYY-MM-DD` text (the analytics' local dates must not become instants in the server's zone),
 * wrapped in kysely with the {@link AnalyticsDatabase} types. The analytics repository and the
 * web server's heating reads use it.
 */
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { AnalyticsDatabase } from './analytics-database.js';
import { guardPool } from './pool-errors.js';

/** `pg_type.oid` of `date` (`pg.types.builtins.DATE`). */
const DATE_OID = 1082;

/** node-postgres parser table with `date` kept as its `YYYY-MM-DD` text. */
export const ANALYTICS_PG_TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): ((value: string) => unknown) =>
    oid === DATE_OID
      ? (v: string) => v
      : (pg.types.getTypeParser(oid, format) as (value: string) => unknown)) as typeof pg.types.getTypeParser,
};

/** Options of {@link createAnalyticsDb}. */
export interface AnalyticsDbOptions {
  /** connections; `@defaultValue 4` */
  readonly max?: number;
  /** name in `pg_stat_activity`; `@defaultValue 'heatflow-analytics'` */
  readonly applicationName?: string;
}

/**
 * A kysely instance over its own pool with dates as text. Close it with `db.destroy()`.
 * A lost connection fails its statement only (the next query gets a fresh connection), as in
 * {@link openAnalyticsStore}.
 */
export function createAnalyticsDb(
  databaseUrl: string,
  options: AnalyticsDbOptions = {},
): Kysely<AnalyticsDatabase> {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 4,
    application_name: options.applicationName ?? 'heatflow-analytics',
    types: ANALYTICS_PG_TYPES,
  });
  // a lost connection, idle or checked out, fails its statement, never the process (pool-errors.ts)
  guardPool(pool, () => undefined);
  return new Kysely<AnalyticsDatabase>({ dialect: new PostgresDialect({ pool }) });
}
