/**
 * SQL of `heatflow.connections` (Airflow's `connection`). Secret columns are stored as given:
 * encryption is the caller's (src/connections/connection-service.ts).
 */
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { ConnectionsTable, Database } from './database.js';

/** A stored connection row (password and extra possibly cipher text). */
export type ConnectionRow = Selectable<ConnectionsTable>;

/** The row of `connId`, or undefined. */
export async function getConnectionRow(
  db: Kysely<Database>,
  connId: string,
): Promise<ConnectionRow | undefined> {
  return db.selectFrom('heatflow.connections').selectAll().where('conn_id', '=', connId).executeTakeFirst();
}

/** Every row, by id. */
export async function listConnectionRows(db: Kysely<Database>): Promise<ConnectionRow[]> {
  return db.selectFrom('heatflow.connections').selectAll().orderBy('conn_id').execute();
}

/** Inserts a connection. @returns false when the id is taken */
export async function insertConnectionRow(
  db: Kysely<Database>,
  row: Insertable<ConnectionsTable>,
): Promise<boolean> {
  const r = await db
    .insertInto('heatflow.connections')
    .values(row)
    .onConflict((oc) => oc.column('conn_id').doNothing())
    .executeTakeFirst();
  return (r.numInsertedOrUpdatedRows ?? 0n) > 0n;
}

/** Replaces every column of an existing connection. @returns whether it existed */
export async function replaceConnectionRow(
  db: Kysely<Database>,
  row: Insertable<ConnectionsTable>,
): Promise<boolean> {
  const { conn_id, ...rest } = row;
  const r = await db
    .updateTable('heatflow.connections')
    .set({ ...rest, updated_at: new Date() })
    .where('conn_id', '=', conn_id)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
}

/** Deletes a connection. @returns whether it existed */
export async function deleteConnectionRow(db: Kysely<Database>, connId: string): Promise<boolean> {
  const r = await db.deleteFrom('heatflow.connections').where('conn_id', '=', connId).executeTakeFirst();
  return r.numDeletedRows > 0n;
}
