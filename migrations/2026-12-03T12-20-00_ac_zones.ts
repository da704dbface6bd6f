// Air-conditioning zones (issue 15, item 5). Frozen in time: imports nothing from src/.
//
// - tado.ac_activity: an AIR_CONDITIONING zone's `acActivity` intervals (when the unit ran,
//   ON/OFF), clipped to their report's local day like every interval table (same key, same
//   reference to tado.days with ON DELETE CASCADE, same day index for a reload's deletes).
// - tado.settings gains the AC setting's columns, null for heating settings: mode (COOL, HEAT,
//   DRY, FAN, AUTO), fan_level (fanLevel, or an older unit's fanSpeed), vertical_swing
//   (verticalSwing, or an older unit's swing), horizontal_swing.
import { sql, type Kysely } from 'kysely';

const SETTING_COLUMNS = ['mode', 'fan_level', 'vertical_swing', 'horizontal_swing'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  const s = db.schema.withSchema('tado');
  await s
    .createTable('ac_activity')
    .ifNotExists()
    .addColumn('home_id', 'integer', (c) => c.notNull())
    .addColumn('zone_id', 'integer', (c) => c.notNull())
    .addColumn('interval_start', 'timestamptz', (c) => c.notNull())
    .addColumn('interval_end', 'timestamptz', (c) => c.notNull())
    .addColumn('power', 'text', (c) => c.notNull())
    .addColumn('report_date', 'date', (c) => c.notNull())
    .addPrimaryKeyConstraint('ac_activity_pkey', ['home_id', 'zone_id', 'interval_start'])
    .addForeignKeyConstraint(
      'ac_activity_day_fk',
      ['home_id', 'zone_id', 'report_date'],
      'tado.days',
      ['home_id', 'zone_id', 'date'],
      (c) => c.onDelete('cascade'),
    )
    .addCheckConstraint('ac_activity_interval_check', sql`interval_start < interval_end`)
    .execute();
  await s
    .createIndex('ac_activity_day_idx')
    .ifNotExists()
    .on('ac_activity')
    .columns(['home_id', 'zone_id', 'report_date'])
    .execute();
  for (const column of SETTING_COLUMNS) {
    await sql`ALTER TABLE tado.settings ADD COLUMN IF NOT EXISTS ${sql.ref(column)} text`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of SETTING_COLUMNS) {
    await sql`ALTER TABLE tado.settings DROP COLUMN IF EXISTS ${sql.ref(column)}`.execute(db);
  }
  await db.schema.withSchema('tado').dropTable('ac_activity').ifExists().execute();
}
