// analytics.weather_dependence: how much of its calendar year each fit saw, and whether that is
// enough by CalTRACK §2.2.1 (365-day period, >= 90 % of the days with data). Fits stored before
// this migration have nulls until heating_analytics runs on their year again.
// Frozen in time: imports nothing from src/.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('analytics')
    .alterTable('weather_dependence')
    .addColumn('days_in_period', 'integer', (c) => c.check(sql`days_in_period IN (365, 366)`))
    .addColumn('days_with_data', 'integer', (c) => c.check(sql`days_with_data >= 0`))
    .addColumn('data_sufficient', 'boolean')
    .addColumn('sufficiency', 'text')
    .execute();
  await sql`COMMENT ON COLUMN analytics.weather_dependence.data_sufficient IS ${sql.lit(
    'CalTRACK 2.2.1: days_with_data / days_in_period >= 0.9; false: the fit describes part of the year only; null: fitted before this column existed',
  )}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .withSchema('analytics')
    .alterTable('weather_dependence')
    .dropColumn('days_in_period')
    .dropColumn('days_with_data')
    .dropColumn('data_sufficient')
    .dropColumn('sufficiency')
    .execute();
}
