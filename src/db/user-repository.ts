/** The people who sign in to the web page (`heatflow.users`). */
import type { Kysely } from 'kysely';
import type { Database, UserRow } from './database.js';

/**
 * Records a person, or replaces the password hash and role of one with that name.
 * @returns whether the user was new
 */
export async function upsertUser(
  db: Kysely<Database>,
  user: { readonly username: string; readonly passwordHash: string; readonly role?: string },
): Promise<boolean> {
  const existed = await getUser(db, user.username);
  await db
    .insertInto('heatflow.users')
    .values({ username: user.username, password_hash: user.passwordHash, role: user.role ?? 'admin' })
    .onConflict((oc) =>
      oc.column('username').doUpdateSet({ password_hash: user.passwordHash, role: user.role ?? 'admin' }),
    )
    .execute();
  return existed === undefined;
}

/** One user, or undefined. */
export async function getUser(db: Kysely<Database>, username: string): Promise<UserRow | undefined> {
  return db.selectFrom('heatflow.users').selectAll().where('username', '=', username).executeTakeFirst();
}

/** Every user, by name. */
export async function listUsers(db: Kysely<Database>): Promise<UserRow[]> {
  return db.selectFrom('heatflow.users').selectAll().orderBy('username').execute();
}

/** Deletes a user. @returns whether one was deleted */
export async function deleteUser(db: Kysely<Database>, username: string): Promise<boolean> {
  const r = await db.deleteFrom('heatflow.users').where('username', '=', username).executeTakeFirst();
  return r.numDeletedRows > 0n;
}
