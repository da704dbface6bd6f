/**
 * Runs the kysely migrations in `migrations/` (both schemas: `heatflow` and the `tado` warehouse).
 * Idempotent: already-applied migrations are skipped; concurrent callers are serialised by
 * kysely's migration lock.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider, type MigrationResult } from 'kysely';
import type { Kysely } from 'kysely';
import { tsImport } from 'tsx/esm/api';
import { HeatflowError } from '../core/errors.js';

/** The `migrations/` folder, next to `src/` (or `dist/migrations` when running compiled code). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Reads `migrations/`: compiled `.js` files, or `.ts` sources (through tsx) when running from source.
 * Names are the file names without extension, so both forms are the same migration.
 */
class FolderMigrationProvider implements MigrationProvider {
  constructor(private readonly dir: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of (await readdir(this.dir)).sort()) {
      const m = /^(.*)\.(js|ts)$/.exec(name);
      if (m === null || name.endsWith('.d.ts') || m[1] === undefined) continue;
      const url = pathToFileURL(path.join(this.dir, name)).href;
      const mod = (m[2] === 'ts' ? await tsImport(url, import.meta.url) : await import(url)) as Migration;
      out[m[1]] = mod;
    }
    return out;
  }
}

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
    provider: new FolderMigrationProvider(MIGRATIONS_DIR),
    migrationTableSchema: 'public',
    migrationTableName: 'heatflow_migrations',
    migrationLockTableName: 'heatflow_migrations_lock',
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((r) => r.status === 'Error');
    throw new HeatflowError(
      'MIGRATION_FAILED',
      `migration ${failed?.migrationName ?? '(unknown)'} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`,
      { cause: error },
    );
  }
  return { applied: results.filter((r) => r.status === 'Success').map((r) => r.migrationName), results };
}
