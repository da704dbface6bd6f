// The event log (audit), Airflow's `log` table: one row per action taken through the web page,
// the REST API or the CLI (trigger, clear, mark, pause, backfill, variable or connection change,
// sign-in failure), with who, when, what and from where. Rows are only ever inserted.
// Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('heatflow')
    .createTable('log')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dttm', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('event', 'text', (c) => c.notNull())
    .addColumn('dag_id', 'text')
    .addColumn('task_id', 'text')
    .addColumn('run_id', 'text')
    .addColumn('try_number', 'integer')
    .addColumn('logical_date', 'timestamptz')
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('remote_addr', 'text')
    .addColumn('extra', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .execute();
  await db.schema.withSchema('heatflow').createIndex('log_dttm_idx').on('log').column('dttm').execute();
  await db.schema
    .withSchema('heatflow')
    .createIndex('log_dag_idx')
    .on('log')
    .columns(['dag_id', 'dttm'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('heatflow').dropTable('log').ifExists().execute();
}
