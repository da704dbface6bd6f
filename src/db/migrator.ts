/**
 * Runs the kysely migrations in `migrations/` (both schemas: `heatflow` and the `tado` warehouse).
 * Idempotent: already-applied migrations are skipped; concurrent callers are serialised by
 * kysely's migration lock.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileMigrationProvider, Migrator, type MigrationResult } from 'kysely';
import type { Kysely } from 'kysely';
import { HeatflowError } from '../core/errors.js';

/** The `migrations/` folder, next to `src/` (or `dist/migrations` when running compiled code). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/** Outcome of {@link migrateToLatest}. */
export interface MigrateOutcome {
  /** migrations applied by this call, in order */
  readonly applied: readonly string[];
  readonly results: readonly MigrationResult[];
}

/**
 * Applies every pending migration.
 * @throws HeatflowError `MIGRATION_FAILED` naming the migration that failed, with the cause
 */
export async function migrateToLatest(db: Kysely<unknown>): Promise<MigrateOutcome> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: MIGRATIONS_DIR }),
    migrationTableSchema: 'public',
    migrationTableName: 'heatflow_migrations',
    migrationLockTableName: 'heatflow_migrations_lock',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error');
    throw new HeatflowError(
      'MIGRATION_FAILED',
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName), results };
}
