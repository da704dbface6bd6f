// People who sign in to the web page with a username and password (beside the bearer token for
// machines): the password only as a scrypt hash (`scrypt$N$r$p$salt$hash`), a role for later use.
// Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('heatflow')
    .createTable('users')
    .addColumn('username', 'text', (c) => c.primaryKey())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('admin'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('heatflow').dropTable('users').ifExists().execute();
}
