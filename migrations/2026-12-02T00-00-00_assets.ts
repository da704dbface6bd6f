// Assets (data-aware scheduling, Airflow's Datasets / Assets) in schema `heatflow`.
// Frozen in time: imports nothing from src/.
//
// - assets: one row per URI any DAG names (never deleted: events keep pointing at it).
// - dag_schedule_asset_refs: consumer DAG ↔ asset it is scheduled on.
// - task_outlet_asset_refs: producer (DAG, task) ↔ asset in its outlets.
// - asset_events: one row per successful try of a producing task and outlet.
// - asset_dag_run_queue: one row per (consumer DAG, event) not consumed yet. Unlike Airflow's
//   ADRQ (one row per consumer and asset), events are not collapsed, so a run links exactly the
//   events it consumed.
// - dag_run_asset_events: the events each asset-triggered run consumed.
// - dags.schedule_assets: the URIs a DAG is scheduled on, for display (the refs are what the
//   scheduler reads).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('heatflow');

  await s
    .createTable('assets')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('uri', 'text', (c) => c.notNull().unique())
    .addColumn('extra', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await s
    .createTable('dag_schedule_asset_refs')
    .addColumn('asset_id', 'bigint', (c) => c.notNull().references('heatflow.assets.id').onDelete('cascade'))
    .addColumn('dag_id', 'text', (c) => c.notNull().references('heatflow.dags.dag_id').onDelete('cascade'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('dag_schedule_asset_refs_pkey', ['asset_id', 'dag_id'])
    .execute();
  await s
    .createIndex('dag_schedule_asset_refs_dag_idx')
    .on('dag_schedule_asset_refs')
    .column('dag_id')
    .execute();

  await s
    .createTable('task_outlet_asset_refs')
    .addColumn('asset_id', 'bigint', (c) => c.notNull().references('heatflow.assets.id').onDelete('cascade'))
    .addColumn('dag_id', 'text', (c) => c.notNull().references('heatflow.dags.dag_id').onDelete('cascade'))
    .addColumn('task_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('task_outlet_asset_refs_pkey', ['asset_id', 'dag_id', 'task_id'])
    .execute();
  // what a success looks up: the outlets of (dag, task)
  await s
    .createIndex('task_outlet_asset_refs_task_idx')
    .on('task_outlet_asset_refs')
    .columns(['dag_id', 'task_id'])
    .execute();

  await s
    .createTable('asset_events')
    .addColumn('id', 'bigserial', (c) => c.primaryKey())
    .addColumn('asset_id', 'bigint', (c) => c.notNull().references('heatflow.assets.id'))
    .addColumn('extra', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source_dag_id', 'text', (c) => c.notNull())
    .addColumn('source_run_id', 'text', (c) => c.notNull())
    .addColumn('source_task_id', 'text', (c) => c.notNull())
    .addColumn('source_try_number', 'integer', (c) => c.notNull())
    .addColumn('source_data_interval_start', 'timestamptz', (c) => c.notNull())
    .addColumn('source_data_interval_end', 'timestamptz', (c) => c.notNull())
    .addColumn('timestamp', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await s
    .createIndex('asset_events_asset_idx')
    .on('asset_events')
    .columns(['asset_id', 'timestamp'])
    .execute();
  await s
    .createIndex('asset_events_source_idx')
    .on('asset_events')
    .columns(['source_dag_id', 'source_run_id', 'source_task_id'])
    .execute();

  await s
    .createTable('asset_dag_run_queue')
    .addColumn('target_dag_id', 'text', (c) =>
      c.notNull().references('heatflow.dags.dag_id').onDelete('cascade'),
    )
    .addColumn('event_id', 'bigint', (c) =>
      c.notNull().references('heatflow.asset_events.id').onDelete('cascade'),
    )
    .addColumn('asset_id', 'bigint', (c) => c.notNull().references('heatflow.assets.id'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('asset_dag_run_queue_pkey', ['target_dag_id', 'event_id'])
    .execute();

  await s
    .createTable('dag_run_asset_events')
    .addColumn('dag_run_id', 'bigint', (c) =>
      c.notNull().references('heatflow.dag_runs.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'bigint', (c) =>
      c.notNull().references('heatflow.asset_events.id').onDelete('cascade'),
    )
    .addPrimaryKeyConstraint('dag_run_asset_events_pkey', ['dag_run_id', 'event_id'])
    .execute();
  // an event's created runs (the API's created_dagruns)
  await s
    .createIndex('dag_run_asset_events_event_idx')
    .on('dag_run_asset_events')
    .column('event_id')
    .execute();

  await s
    .alterTable('dags')
    .addColumn('schedule_assets', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('heatflow');
  await s.alterTable('dags').dropColumn('schedule_assets').execute();
  for (const t of [
    'dag_run_asset_events',
    'asset_dag_run_queue',
    'asset_events',
    'task_outlet_asset_refs',
    'dag_schedule_asset_refs',
    'assets',
  ])
    await s.dropTable(t).ifExists().execute();
}
