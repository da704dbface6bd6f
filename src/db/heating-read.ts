/**
 * Reads of the heating dashboard (the web server's `/heating` pages and `/api/v1/heating`), over
 * schema `analytics` with the zones' names from `tado.zones`: the years stored, a home's zones and
 * time zone, and the day metrics of a year per scope (the energy signature's points and the
 * calendar). The year's figures, fits and unusual days come from `readHeatingReport`
 * (heating-report-query.ts); one zone-day is read by heating-zone-day-read.ts. Nothing is
 * computed here. Dates are `YYYY-MM-DD` text (the pool of analytics-pool.ts).
 */
import { sql, type Kysely } from 'kysely';
import type { AnalyticsDatabase } from './analytics-database.js';

/** A year with stored results, and the homes that have them. */
export interface StoredHeatingYear {
  readonly year: number;
  /** by id */
  readonly homeIds: readonly number[];
}

/** A HEATING zone of a home (`tado.zones`). */
export interface HeatingZone {
  readonly zoneId: number;
  readonly name: string;
  /** when tado created the zone */
  readonly createdAt: Date;
}

/** One day of a scope (a zone, or the home) as the dashboard draws it. */
export interface ScopeDay {
  /** local date */
  readonly date: string;
  /** minutes with demand ≥ LOW, min (home: Σ over zones) */
  readonly heatingMinutes: number;
  /** mean outdoor temperature, °C; null without a value */
  readonly outsideMeanC: number | null;
  /** heating degree days, °C·day */
  readonly hdd: number | null;
  /** mean indoor temperature, °C */
  readonly insideMeanC: number | null;
  /** mean setpoint while heating, °C (zones only; null for the home) */
  readonly setpointMeanHeatingC: number | null;
  /** valid indoor minutes / minutes, 0..1 */
  readonly coverageFraction: number;
}

/** Years with `yearly_metrics` rows, oldest first. */
export async function listStoredHeatingYears(db: Kysely<AnalyticsDatabase>): Promise<StoredHeatingYear[]> {
  const rows = await db
    .selectFrom('analytics.yearly_metrics')
    .select(['year', sql<number[]>`array_agg(DISTINCT home_id ORDER BY home_id)`.as('home_ids')])
    .groupBy('year')
    .orderBy('year')
    .execute();
  return rows.map((r) => ({ year: r.year, homeIds: r.home_ids }));
}

/** The HEATING zones of a home, by id. */
export async function listHeatingZones(
  db: Kysely<AnalyticsDatabase>,
  homeId: number,
): Promise<HeatingZone[]> {
  const { rows } = await sql<{ zone_id: number; name: string; date_created: Date }>`
    SELECT zone_id, name, date_created FROM tado.zones
    WHERE home_id = ${homeId} AND zone_type = 'HEATING' ORDER BY zone_id`.execute(db);
  return rows.map((r) => ({ zoneId: r.zone_id, name: r.name, createdAt: r.date_created }));
}

/**
 * The IANA time zone the home's days were cut in (its latest analysed zone-day's), or undefined
 * when none is stored.
 */
export async function readHomeTimeZone(
  db: Kysely<AnalyticsDatabase>,
  homeId: number,
): Promise<string | undefined> {
  const row = await db
    .selectFrom('analytics.zone_days')
    .select('time_zone')
    .where('home_id', '=', homeId)
    .where('time_zone', 'is not', null)
    .orderBy('date', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row?.time_zone ?? undefined;
}

/**
 * The day metrics of a scope for a year, by date: the home's (`zoneId` null, from
 * `home_day_metrics`) or one zone's (`zone_day_metrics`).
 */
export async function readScopeDays(
  db: Kysely<AnalyticsDatabase>,
  homeId: number,
  zoneId: number | null,
  year: number,
): Promise<ScopeDay[]> {
  const first = `${String(year).padStart(4, '0')}-01-01`;
  const last = `${String(year).padStart(4, '0')}-12-31`;
  if (zoneId === null) {
    const rows = await db
      .selectFrom('analytics.home_day_metrics')
      .select(['date', 'heating_minutes', 'outside_mean_c', 'hdd', 'inside_mean_c', 'coverage_fraction'])
      .where('home_id', '=', homeId)
      .where('date', '>=', first)
      .where('date', '<=', last)
      .orderBy('date')
      .execute();
    return rows.map((r) => ({
      date: r.date,
      heatingMinutes: r.heating_minutes,
      outsideMeanC: r.outside_mean_c,
      hdd: r.hdd,
      insideMeanC: r.inside_mean_c,
      setpointMeanHeatingC: null,
      coverageFraction: r.coverage_fraction,
    }));
  }
  const rows = await db
    .selectFrom('analytics.zone_day_metrics')
    .select([
      'date',
      'heating_minutes',
      'outside_mean_c',
      'hdd',
      'inside_mean_c',
      'setpoint_mean_heating_c',
      'coverage_fraction',
    ])
    .where('home_id', '=', homeId)
    .where('zone_id', '=', zoneId)
    .where('date', '>=', first)
    .where('date', '<=', last)
    .orderBy('date')
    .execute();
  return rows.map((r) => ({
    date: r.date,
    heatingMinutes: r.heating_minutes,
    outsideMeanC: r.outside_mean_c,
    hdd: r.hdd,
    insideMeanC: r.inside_mean_c,
    setpointMeanHeatingC: r.setpoint_mean_heating_c,
    coverageFraction: r.coverage_fraction,
  }));
}
