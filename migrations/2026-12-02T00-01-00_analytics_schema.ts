// The heating analytics (schema `analytics`, issue 12). Frozen in time: imports nothing from src/.
//
// Every column with its unit is in docs/analytics.md ("Tables (schema analytics)"). Keys are
// natural: (home_id, zone_id, date) per zone-day, + minute_start per minute; where a row may be
// about the whole home, `zone_id IS NULL` says so and the key is a UNIQUE NULLS NOT DISTINCT
// constraint (Postgres 15+), so an upsert or a second insert for the home scope conflicts as one
// for a zone does.
//
// zone_minute (~1.9 M rows for a year) has no foreign key to zone_days: a per-row check would
// cost a COPY of a year about as much as the index does; the repository writes both in one
// transaction instead. Its columns are ordered so that the fixed-width ones need no padding.
import { sql, type Kysely } from 'kysely';

const REASONS = [
  'residual',
  'heating_above_balance',
  'below_setpoint',
  'no_heating_cold_day',
  'open_window',
  'low_coverage',
];
const COUNT_COLUMNS = ['temperature', 'humidity'].flatMap((series) =>
  ['placeholder', 'disconnected', 'out_of_range', 'spike'].map((rule) => `${series}_removed_${rule}`),
);

export async function up(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS analytics`.execute(db);
  const s = db.schema.withSchema('analytics');
  const fraction = (column: string) => sql.raw(`${column} IS NULL OR (${column} >= 0 AND ${column} <= 1)`);

  let zoneDays = s
    .createTable('zone_days')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('day_start', 'timestamptz')
    .addColumn('day_end', 'timestamptz')
    .addColumn('minutes', 'integer')
    .addColumn('readings', 'integer');
  for (const column of COUNT_COLUMNS) zoneDays = zoneDays.addColumn(column, 'integer');
  await zoneDays
    .addColumn('analysed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dag_run_id', 'text')
    .addPrimaryKeyConstraint('zone_days_pkey', ['home_id', 'zone_id', 'date'])
    .addCheckConstraint('zone_days_status_check', sql`status IN ('analysed', 'rejected')`)
    .addCheckConstraint('zone_days_reason_check', sql`(status = 'rejected') = (reason IS NOT NULL)`)
    .addCheckConstraint(
      'zone_days_analysed_check',
      sql.raw(
        `status = 'rejected' OR (${[
          'time_zone',
          'day_start',
          'day_end',
          'minutes',
          'readings',
          ...COUNT_COLUMNS,
        ]
          .map((c) => `${c} IS NOT NULL`)
          .join(' AND ')})`,
      ),
    )
    .addCheckConstraint('zone_days_minutes_check', sql`day_end - day_start = minutes * interval '1 minute'`)
    .addCheckConstraint(
      'zone_days_counts_check',
      sql.raw(['readings', ...COUNT_COLUMNS].map((c) => `${c} >= 0`).join(' AND ')),
    )
    .execute();

  await s
    .createTable('zone_minute')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('minute_start', 'timestamptz', (c) => c.notNull())
    .addColumn('inside_c', 'double precision')
    .addColumn('humidity_fraction', 'double precision')
    .addColumn('setpoint_c', 'double precision')
    .addColumn('outside_c', 'double precision')
    .addColumn('local_date', 'date', (c) => c.notNull())
    .addColumn('demand_level', 'smallint')
    .addColumn('power_on', 'boolean')
    .addColumn('connected', 'boolean')
    .addColumn('cleaned', 'boolean', (c) => c.notNull())
    .addColumn('weather_state', 'text')
    .addPrimaryKeyConstraint('zone_minute_pkey', ['home_id', 'zone_id', 'minute_start'])
    .addCheckConstraint('zone_minute_demand_check', sql`demand_level BETWEEN 0 AND 3`)
    .addCheckConstraint('zone_minute_humidity_check', fraction('humidity_fraction'))
    .execute();

  await s
    .createTable('zone_day_metrics')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('minutes', 'integer', (c) => c.notNull())
    .addColumn('heating_minutes', 'integer', (c) => c.notNull())
    .addColumn('demand_weighted_minutes', 'double precision', (c) => c.notNull())
    .addColumn('inside_mean_c', 'double precision')
    .addColumn('inside_min_c', 'double precision')
    .addColumn('inside_max_c', 'double precision')
    .addColumn('inside_mean_heating_c', 'double precision')
    .addColumn('heating_minutes_with_inside', 'integer', (c) => c.notNull())
    .addColumn('setpoint_mean_heating_c', 'double precision')
    .addColumn('comfort_deficit_degree_minutes', 'double precision', (c) => c.notNull())
    .addColumn('minutes_below_setpoint_2c_heating', 'integer', (c) => c.notNull())
    .addColumn('outside_mean_c', 'double precision')
    .addColumn('hdd', 'double precision')
    .addColumn('heat_up_rate_c_per_h', 'double precision')
    .addColumn('max_drop_1h_c', 'double precision', (c) => c.notNull())
    .addColumn('max_drop_1h_at', 'timestamptz')
    .addColumn('coverage_fraction', 'double precision', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dag_run_id', 'text')
    .addPrimaryKeyConstraint('zone_day_metrics_pkey', ['home_id', 'zone_id', 'date'])
    .addCheckConstraint(
      'zone_day_metrics_minutes_check',
      sql`heating_minutes BETWEEN 0 AND minutes AND heating_minutes_with_inside BETWEEN 0 AND heating_minutes
        AND minutes_below_setpoint_2c_heating BETWEEN 0 AND heating_minutes`,
    )
    .addCheckConstraint('zone_day_metrics_coverage_check', fraction('coverage_fraction'))
    .addCheckConstraint('zone_day_metrics_hdd_check', sql`hdd >= 0`)
    .addCheckConstraint('zone_day_metrics_drop_check', sql`max_drop_1h_c >= 0`)
    .execute();

  await s
    .createTable('home_day_metrics')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('zones', 'integer', (c) => c.notNull())
    .addColumn('heating_minutes', 'integer', (c) => c.notNull())
    .addColumn('demand_weighted_minutes', 'double precision', (c) => c.notNull())
    .addColumn('inside_mean_c', 'double precision')
    .addColumn('inside_mean_heating_c', 'double precision')
    .addColumn('heating_minutes_with_inside', 'integer', (c) => c.notNull())
    .addColumn('comfort_deficit_degree_minutes', 'double precision', (c) => c.notNull())
    .addColumn('outside_mean_c', 'double precision')
    .addColumn('hdd', 'double precision')
    .addColumn('coverage_fraction', 'double precision', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dag_run_id', 'text')
    .addPrimaryKeyConstraint('home_day_metrics_pkey', ['home_id', 'date'])
    .addCheckConstraint(
      'home_day_metrics_minutes_check',
      sql`zones > 0 AND heating_minutes_with_inside BETWEEN 0 AND heating_minutes`,
    )
    .addCheckConstraint('home_day_metrics_coverage_check', fraction('coverage_fraction'))
    .addCheckConstraint('home_day_metrics_hdd_check', sql`hdd >= 0`)
    .execute();

  await s
    .createTable('weather_dependence')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer')
    .addColumn('year', 'integer', (c) => c.notNull())
    .addColumn('period_start', 'date', (c) => c.notNull())
    .addColumn('period_end', 'date', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('balance_temperature_c', 'double precision')
    .addColumn('slope_hours_per_c', 'double precision')
    .addColumn('intercept_hours', 'double precision', (c) => c.notNull())
    .addColumn('r2', 'double precision', (c) => c.notNull())
    .addColumn('adjusted_r2', 'double precision', (c) => c.notNull())
    .addColumn('cv_rmse', 'double precision')
    .addColumn('nmbe', 'double precision')
    .addColumn('n', 'integer', (c) => c.notNull())
    .addColumn('heating_days', 'integer', (c) => c.notNull())
    .addColumn('slope_p_value', 'double precision')
    .addColumn('weather_dependent', 'boolean', (c) => c.notNull())
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dag_run_id', 'text')
    .addUniqueConstraint('weather_dependence_scope_key', ['home_id', 'zone_id', 'year'], (u) =>
      u.nullsNotDistinct(),
    )
    .addCheckConstraint(
      'weather_dependence_model_check',
      sql`model IN ('heating_change_point', 'intercept_only')`,
    )
    .addCheckConstraint('weather_dependence_period_check', sql`period_start <= period_end`)
    .addCheckConstraint('weather_dependence_counts_check', sql`n >= 0 AND heating_days BETWEEN 0 AND n`)
    .execute();

  for (const [name, key] of [
    ['monthly_metrics', ['home_id', 'zone_id', 'year', 'month']],
    ['yearly_metrics', ['home_id', 'zone_id', 'year']],
  ] as const) {
    let t = s
      .createTable(name)
      .addColumn('home_id', 'integer', (c) => c.notNull())
      .addColumn('zone_id', 'integer')
      .addColumn('year', 'integer', (c) => c.notNull());
    if (name === 'monthly_metrics')
      t = t.addColumn('month', 'integer', (c) => c.notNull().check(sql`month BETWEEN 1 AND 12`));
    await t
      .addColumn('days', 'integer', (c) => c.notNull().check(sql`days >= 0`))
      .addColumn('heating_hours', 'double precision', (c) => c.notNull().check(sql`heating_hours >= 0`))
      .addColumn('hdd', 'double precision', (c) => c.check(sql`hdd >= 0`))
      .addColumn('heating_hours_per_hdd', 'double precision')
      .addColumn('inside_mean_heating_c', 'double precision')
      .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
      .addColumn('dag_run_id', 'text')
      .execute();
    // added apart: the builder's column type cannot follow `month`, added to monthly_metrics only
    await sql
      .raw(
        `ALTER TABLE analytics.${name} ADD CONSTRAINT ${name}_scope_key UNIQUE NULLS NOT DISTINCT (${key.join(', ')})`,
      )
      .execute(db);
  }

  await s
    .createTable('unusual_days')
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer')
    .addColumn('date', 'date', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('figures', 'jsonb', (c) => c.notNull())
    .addColumn('computed_at', 'timestamptz', (c) => c.notNull())
    .addColumn('dag_run_id', 'text')
    .addUniqueConstraint('unusual_days_scope_key', ['home_id', 'zone_id', 'date', 'reason'], (u) =>
      u.nullsNotDistinct(),
    )
    .addCheckConstraint(
      'unusual_days_reason_check',
      sql.raw(`reason IN (${REASONS.map((r) => `'${r}'`).join(', ')})`),
    )
    .addCheckConstraint('unusual_days_figures_check', sql`jsonb_typeof(figures) = 'object'`)
    .execute();

  // A (home, year) replace deletes by home and date range; the scope keys lead with zone_id.
  await s.createIndex('unusual_days_home_date_idx').on('unusual_days').columns(['home_id', 'date']).execute();
  // The report counts analysed / rejected zone-days per home and year without reading zone_minute.
  await s
    .createIndex('zone_days_home_date_idx')
    .on('zone_days')
    .columns(['home_id', 'date', 'status'])
    .execute();
  // Home-day recomputation reads every zone's metrics of a date.
  await s
    .createIndex('zone_day_metrics_home_date_idx')
    .on('zone_day_metrics')
    .columns(['home_id', 'date'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`DROP SCHEMA IF EXISTS analytics CASCADE`.execute(db);
}
