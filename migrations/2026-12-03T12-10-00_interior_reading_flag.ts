// tado.interior.flag: why a reading's values are null although tado sent some (issue 15 §1, §2).
// `placeholder`: the day is tado's stand-in history (every point 20 °C / 0.5, tado-api.md §5.4);
// `device_offline`: the measuring device was disconnected at that instant. NULL: as measured.
// Rows stored before this migration keep their values until their day is loaded again
// (`heatflow dags backfill tado_etl … --reprocess completed`, docs/pipeline.md).
// Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('tado')
    .alterTable('interior')
    .addColumn('flag', 'text', (c) => c.check(sql`flag IN ('placeholder', 'device_offline')`))
    .execute();
  await sql`COMMENT ON COLUMN tado.interior.flag IS ${sql.lit(
    'why temperature_c and humidity_fraction are null although tado sent values: placeholder (tado stand-in history) or device_offline (measuring device disconnected); null: as measured',
  )}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.withSchema('tado').alterTable('interior').dropColumn('flag').execute();
}
