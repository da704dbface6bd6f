// Orchestrator metadata (schema `heatflow`). Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS heatflow`.execute(db);
  const s = db.schema.withSchema('heatflow');

  await s
    .createTable('dags')
    .addColumn('dag_id', 'text', (c) => c.primaryKey())
    .addColumn('is_paused', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_active', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('fileloc', 'text')
    .addColumn('description', 'text')
    .addColumn('schedule', 'text')
    .addColumn('timezone', 'text', (c) => c.notNull().defaultTo('UTC'))
    .addColumn('tags', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('max_active_runs', 'integer', (c) => c.notNull().defaultTo(16))
    .addColumn('max_active_tasks', 'integer', (c) => c.notNull().defaultTo(16))
    .addColumn('task_ids', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('last_parsed_at', 'timestamptz')
    .addColumn('next_dagrun_logical_date', 'timestamptz')
    .addColumn('next_dagrun_create_after', 'timestamptz')
    .execute();

  await s
    .createTable('import_errors')
    .addColumn('filename', 'text', (c) => c.primaryKey())
    .addColumn('error', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await s
    .createTable('backfills')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('from_date', 'timestamptz', (c) => c.notNull())
    .addColumn('to_date', 'timestamptz', (c) => c.notNull())
    .addColumn('reprocess_behavior', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('run_backwards', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('max_active_runs', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('dag_run_conf', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('running'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('completed_at', 'timestamptz')
    .execute();

  await s
    .createTable('dag_runs')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('run_type', 'text', (c) => c.notNull())
    .addColumn('logical_date', 'timestamptz', (c) => c.notNull())
    .addColumn('data_interval_start', 'timestamptz', (c) => c.notNull())
    .addColumn('data_interval_end', 'timestamptz', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('conf', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('backfill_id', 'bigint', (c) => c.references('heatflow.backfills.id').onDelete('set null'))
    .addColumn('backfill_sort_ordinal', 'integer')
    .addColumn('queued_at', 'timestamptz')
    .addColumn('start_date', 'timestamptz')
    .addColumn('end_date', 'timestamptz')
    .addColumn('state_reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('dag_runs_dag_id_run_id_key', ['dag_id', 'run_id'])
    .addUniqueConstraint('dag_runs_dag_id_logical_date_key', ['dag_id', 'logical_date'])
    .execute();
  await s.createIndex('dag_runs_state_idx').on('dag_runs').columns(['state', 'dag_id']).execute();
  await s.createIndex('dag_runs_backfill_idx').on('dag_runs').column('backfill_id').execute();

  await s
    .createTable('task_instances')
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull().defaultTo('none'))
    .addColumn('try_number', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('max_tries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('pool', 'text', (c) => c.notNull().defaultTo('default_pool'))
    .addColumn('pool_slots', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('queued_at', 'timestamptz')
    .addColumn('start_date', 'timestamptz')
    .addColumn('end_date', 'timestamptz')
    .addColumn('duration_ms', 'integer')
    .addColumn('next_retry_at', 'timestamptz')
    .addColumn('lease_token', 'text')
    .addColumn('worker_id', 'text')
    .addColumn('heartbeat_at', 'timestamptz')
    .addColumn('state_reason', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('task_instances_pkey', ['dag_id', 'run_id', 'task_id'])
    .addForeignKeyConstraint(
      'task_instances_run_fk',
      ['dag_id', 'run_id'],
      'heatflow.dag_runs',
      ['dag_id', 'run_id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();
  await s.createIndex('task_instances_state_idx').on('task_instances').columns(['state', 'dag_id']).execute();

  await s
    .createTable('task_tries')
    .addColumn('dag_id', 'text', (c) => c.notNull())
    .addColumn('run_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('try_number', 'integer', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('lease_token', 'text', (c) => c.notNull())
    .addColumn('executor', 'text')
    .addColumn('worker_id', 'text')
    .addColumn('hostname', 'text')
    .addColumn('container_id', 'text')
    .addColumn('queued_at', 'timestamptz')
    .addColumn('start_date', 'timestamptz')
    .addColumn('end_date', 'timestamptz')
    .addColumn('duration_ms', 'integer')
    .addColumn('exit_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('log_path', 'text')
    .addPrimaryKeyConstraint('task_tries_pkey', ['dag_id', 'run_id', 'task_id', 'try_number'])
    .addForeignKeyConstraint(
      'task_tries_ti_fk',
      ['dag_id', 'run_id', 'task_id'],
      'heatflow.task_instances',
      ['dag_id', 'run_id', 'task_id'],
      (c) => c.onDelete('cascade'),
    )
    .execute();

  await s
    .createTable('pools')
    .addColumn('pool', 'text', (c) => c.primaryKey())
    .addColumn('slots', 'integer', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();
  await db
    .withSchema('heatflow')
    .insertInto('pools')
    .values({ pool: 'default_pool', slots: 128, description: 'Default pool' })
    .execute();

  await s
    .createTable('variables')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('val', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS heatflow CASCADE`.execute(db);
}
