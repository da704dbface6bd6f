// Variables and connections, as Airflow's `variable` and `connection` tables: `heatflow.variables`
// (created empty by the first migration) gains `is_encrypted`; `heatflow.connections` holds
// conn_id, conn_type, host, schema, login, password, port, extra (JSON text), each secret column
// encrypted when HEATFLOW_FERNET_KEY is set (`is_encrypted` for the password, `is_extra_encrypted`
// for extra). Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('heatflow')
    .alterTable('variables')
    .addColumn('is_encrypted', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .withSchema('heatflow')
    .createTable('connections')
    .addColumn('conn_id', 'text', (c) => c.primaryKey())
    .addColumn('conn_type', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('host', 'text')
    .addColumn('schema', 'text')
    .addColumn('login', 'text')
    .addColumn('password', 'text')
    .addColumn('port', 'integer')
    .addColumn('extra', 'text')
    .addColumn('is_encrypted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_extra_encrypted', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('heatflow').dropTable('connections').ifExists().execute();
  await db.schema.withSchema('heatflow').alterTable('variables').dropColumn('is_encrypted').execute();
}
