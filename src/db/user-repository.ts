/** The people who sign in to the web page (`heatflow.users`). */
import type { Kysely } from 'kysely';
import type { Database, UserRow } from './database.js';

/**
 * Records a new person; an existing user with that name is left as it is (Airflow's
 * `users create` refuses it: "already exist in the db"). One statement, so two creates of the same
 * name at once record one user.
 * @returns whether the user was created (false: a user with that name exists)
 */
export async function createUser(
  db: Kysely<Database>,
  user: { readonly username: string; readonly passwordHash: string; readonly role?: string },
): Promise<boolean> {
  const row = await db
    .insertInto('heatflow.users')
    .values({ username: user.username, password_hash: user.passwordHash, role: user.role ?? 'admin' })
    .onConflict((oc) => oc.column('username').doNothing())
    .returning('username')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * Replaces the password hash of an existing person (`heatflow users reset-password`); the sessions
 * signed in with the old password end (their stamp no longer matches, `passwordStamp`).
 * @returns whether a user with that name exists (false: nothing changed)
 */
export async function setUserPassword(
  db: Kysely<Database>,
  username: string,
  passwordHash: string,
): Promise<boolean> {
  const r = await db
    .updateTable('heatflow.users')
    .set({ password_hash: passwordHash })
    .where('username', '=', username)
    .executeTakeFirst();
  return r.numUpdatedRows > 0n;
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
