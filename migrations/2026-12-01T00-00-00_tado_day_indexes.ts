// Indexes on each measurement table's reference to its day, (home_id, zone_id, report_date).
// Frozen in time: imports nothing from src/.
//
// A load first deletes the rows of each reloaded day that its new report no longer has
// (`WHERE home_id = … AND zone_id = … AND report_date = …`), and `ON DELETE CASCADE` from
// tado.days looks rows up the same way. The primary keys lead with (home_id, zone_id) only, so
// without these indexes each of those statements scanned every row of the zone: a load's cost
// grew with the table, ~320 ms per day at the end of a 2022 backfill.
import type { Kysely } from 'kysely';

const TABLES = ['interior', 'weather', 'call_for_heat', 'settings', 'device_connected'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema
      .withSchema('tado')
      .createIndex(`${table}_day_idx`)
      .ifNotExists()
      .on(table)
      .columns(['home_id', 'zone_id', 'report_date'])
      .execute();
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of TABLES) {
    await db.schema.withSchema('tado').dropIndex(`${table}_day_idx`).ifExists().execute();
  }
}
