/**
 * SQL of `heatflow.variables` (Airflow's `variable`). Values are stored as given: encryption is
 * the caller's (src/variables/variable-service.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { Database, VariablesTable } from './database.js';

/** A stored variable row (value possibly cipher text). */
export type VariableRow = Selectable<VariablesTable>;

/** The row of `key`, or undefined. */
export async function getVariableRow(db: Kysely<Database>, key: string): Promise<VariableRow | undefined> {
  return db.selectFrom('heatflow.variables').selectAll().where('key', '=', key).executeTakeFirst();
}

/** Every row, by key. */
export async function listVariableRows(db: Kysely<Database>): Promise<VariableRow[]> {
  return db.selectFrom('heatflow.variables').selectAll().orderBy('key').execute();
}

/** Inserts or replaces a variable (the description is kept when `description` is undefined). */
export async function upsertVariableRow(
  db: Kysely<Database>,
  row: { key: string; val: string; description: string | null | undefined; isEncrypted: boolean },
): Promise<void> {
  await db
    .insertInto('heatflow.variables')
    .values({
      key: row.key,
      val: row.val,
      description: row.description ?? null,
      is_encrypted: row.isEncrypted,
    })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        val: row.val,
        is_encrypted: row.isEncrypted,
        ...(row.description === undefined ? {} : { description: row.description }),
      }),
    )
    .execute();
}

/** Deletes a variable. @returns whether it existed */
export async function deleteVariableRow(db: Kysely<Database>, key: string): Promise<boolean> {
  const r = await db.deleteFrom('heatflow.variables').where('key', '=', key).executeTakeFirst();
  return r.numDeletedRows > 0n;
}
