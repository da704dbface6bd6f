// The tado° warehouse (schema `tado`). Frozen in time: imports nothing from src/.
//
// Keys are natural: (home_id, zone_id) for zones, + date for days, + ts for point series and
// + interval_start for interval series. Interval rows are clipped to their report's local day
// (docs/pipeline.md), so adjacent days never store the same span twice; point rows keep the
// report's ±15-minute margins and are de-duplicated by their key.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS tado`.execute(db);
  const s = db.schema.withSchema('tado');

  await s
    .createTable('zones')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('zone_type', 'text', (c) => c.notNull())
    .addColumn('date_created', 'timestamptz', (c) => c.notNull())
    .addColumn('device_types', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('zones_pkey', ['home_id', 'zone_id'])
    .execute();

  await s
    .createTable('days')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('zone_type', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('interval_from', 'timestamptz', (c) => c.notNull())
    .addColumn('interval_to', 'timestamptz', (c) => c.notNull())
    .addColumn('hours_in_day', 'integer', (c) => c.notNull())
    .addColumn('placeholder', 'boolean', (c) => c.notNull())
    .addColumn('device_offline_ms', 'integer', (c) => c.notNull())
    .addColumn('report', 'jsonb', (c) => c.notNull())
    .addPrimaryKeyConstraint('days_pkey', ['home_id', 'zone_id', 'date'])
    .addForeignKeyConstraint('days_zone_fk', ['home_id', 'zone_id'], 'tado.zones', ['home_id', 'zone_id'])
    .execute();

  await s
    .createTable('interior')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('ts', 'timestamptz', (c) => c.notNull())
    .addColumn('temperature_c', 'double precision')
    .addColumn('humidity_fraction', 'double precision')
    .addColumn('report_date', 'date', (c) => c.notNull())
    .addColumn('in_report_day', 'boolean', (c) => c.notNull())
    .addPrimaryKeyConstraint('interior_pkey', ['home_id', 'zone_id', 'ts'])
    .addForeignKeyConstraint(
      'interior_day_fk',
      ['home_id', 'zone_id', 'report_date'],
      'tado.days',
      ['home_id', 'zone_id', 'date'],
      (c) => c.onDelete('cascade'),
    )
    .execute();

  const intervalTable = async (
    name: string,
    columns: (t: ReturnType<typeof s.createTable>) => ReturnType<typeof s.createTable>,
  ): Promise<void> => {
    let t = s
      .createTable(name)
      .addColumn('home_id', 'integer', (c) => c.notNull())
      .addColumn('zone_id', 'integer', (c) => c.notNull())
      .addColumn('interval_start', 'timestamptz', (c) => c.notNull())
      .addColumn('interval_end', 'timestamptz', (c) => c.notNull());
    t = columns(t);
    await t
      .addColumn('report_date', 'date', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${name}_pkey`, ['home_id', 'zone_id', 'interval_start'])
      .addForeignKeyConstraint(
        `${name}_day_fk`,
        ['home_id', 'zone_id', 'report_date'],
        'tado.days',
        ['home_id', 'zone_id', 'date'],
        (c) => c.onDelete('cascade'),
      )
      .addCheckConstraint(`${name}_interval_check`, sql`interval_start < interval_end`)
      .execute();
  };

  await intervalTable('weather', (t) =>
    t.addColumn('state', 'text').addColumn('temperature_c', 'double precision'),
  );
  await intervalTable('call_for_heat', (t) => t.addColumn('level', 'text', (c) => c.notNull()));
  await intervalTable('settings', (t) =>
    t
      .addColumn('setting_type', 'text', (c) => c.notNull())
      .addColumn('power', 'text', (c) => c.notNull())
      .addColumn('temperature_c', 'double precision'),
  );
  await intervalTable('device_connected', (t) => t.addColumn('connected', 'boolean', (c) => c.notNull()));
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS tado CASCADE`.execute(db);
}
