/**
 * `heatflow db reset`: drops every schema heatflow's migrations create (`heatflow`, the `tado`
 * warehouse, `analytics`) and its migration bookkeeping, then migrates again, as Airflow's
 * `db reset` burns down and rebuilds the metadata database. Destroys all data in them.
 */
import { sql, type Kysely } from 'kysely';
import { migrateToLatest, type MigrateOutcome } from './migrator.js';

/** The schemas the migrations own, dropped by {@link resetDatabase}. */
export const MANAGED_SCHEMAS: readonly string[] = ['heatflow', 'tado', 'analytics'];

/**
 * Drops {@link MANAGED_SCHEMAS} and the migration tables (`public.heatflow_migrations`,
 * `public.heatflow_migrations_lock`) in one transaction, then applies every migration.
 * @throws Error from pg (e.g. another session holds a lock), or HeatflowError `MIGRATION_FAILED`
 */
export async function resetDatabase(db: Kysely<unknown>): Promise<MigrateOutcome> {
  await db.transaction().execute(async (trx) => {
    for (const schema of MANAGED_SCHEMAS)
      await sql`DROP SCHEMA IF EXISTS ${sql.id(schema)} CASCADE`.execute(trx);
    await sql`DROP TABLE IF EXISTS public.heatflow_migrations, public.heatflow_migrations_lock`.execute(trx);
  });
  return migrateToLatest(db);
}
