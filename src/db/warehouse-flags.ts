/**
 * How much of the warehouse is not measurement (docs/pipeline.md's flags): zone-days that are
 * tado's placeholder history, and readings stored with null values because they are placeholder
 * or fall inside a device-offline span. For the summaries that must say so (issue 15 §1, §2):
 * the demo's (the whole warehouse) and `heatflow heating report`'s (its year, home and zone).
 */
import { sql, type Kysely } from 'kysely';
import type { WarehouseDatabase } from './warehouse.js';

/** Counts of flagged data in schema `tado`. */
export interface WarehouseFlagCounts {
  /** `tado.days` rows with `placeholder` (tado's stand-in history, no real readings) */
  readonly placeholderZoneDays: number;
  /** `tado.interior` rows with `flag = 'placeholder'` (values null) */
  readonly placeholderReadings: number;
  /** `tado.interior` rows with `flag = 'device_offline'` (values null) */
  readonly deviceOfflineReadings: number;
}

/** Which part of the warehouse {@link countWarehouseFlags} counts; every field narrows it. */
export interface WarehouseFlagScope {
  /** local dates of that calendar year (a zone-day's `date`, a reading's `report_date`) */
  readonly year?: number;
  readonly homeId?: number;
  readonly zoneId?: number;
}

/**
 * The flagged data of the warehouse: every day stored (as the demo's row counts), or the part
 * `scope` names (as the heating report's).
 * @throws Error from pg when the schema is missing (not migrated)
 */
export async function countWarehouseFlags(
  db: Kysely<WarehouseDatabase>,
  scope: WarehouseFlagScope = {},
): Promise<WarehouseFlagCounts> {
  const year = scope.year === undefined ? undefined : String(scope.year).padStart(4, '0');
  let days = db.selectFrom('tado.days').select(sql<number>`count(*) FILTER (WHERE placeholder)::int`.as('n'));
  let readings = db
    .selectFrom('tado.interior')
    .select([
      sql<number>`count(*) FILTER (WHERE flag = 'placeholder')::int`.as('placeholder'),
      sql<number>`count(*) FILTER (WHERE flag = 'device_offline')::int`.as('offline'),
    ]);
  if (year !== undefined) {
    days = days
      .where('date', '>=', sql<Date>`${`${year}-01-01`}::date`)
      .where('date', '<=', sql<Date>`${`${year}-12-31`}::date`);
    readings = readings
      .where('report_date', '>=', sql<Date>`${`${year}-01-01`}::date`)
      .where('report_date', '<=', sql<Date>`${`${year}-12-31`}::date`);
  }
  if (scope.homeId !== undefined) {
    days = days.where('home_id', '=', scope.homeId);
    readings = readings.where('home_id', '=', scope.homeId);
  }
  if (scope.zoneId !== undefined) {
    days = days.where('zone_id', '=', scope.zoneId);
    readings = readings.where('zone_id', '=', scope.zoneId);
  }
  const [d, r] = await Promise.all([days.executeTakeFirstOrThrow(), readings.executeTakeFirstOrThrow()]);
  return {
    placeholderZoneDays: d.n,
    placeholderReadings: r.placeholder,
    deviceOfflineReadings: r.offline,
  };
}

/**
 * One line for a summary: what of the stored data is flagged, not measured.
 * @param of - what was counted, e.g. `2022, home 7`; `@defaultValue` the whole warehouse (not said)
 */
export function flagCountsLine(f: WarehouseFlagCounts, of?: string): string {
  return `flagged, not measurements${of === undefined ? '' : ` in ${of}`}: ${f.placeholderZoneDays} placeholder zone-day${f.placeholderZoneDays === 1 ? '' : 's'} (${f.placeholderReadings} readings), ${f.deviceOfflineReadings} reading${f.deviceOfflineReadings === 1 ? '' : 's'} inside device-offline spans (values null; docs/pipeline.md)`;
}

/** The counts as the `--json` summaries give them (`flagged`: snake_case, as the demo's). */
export interface WarehouseFlagCountsJson {
  readonly placeholder_zone_days: number;
  readonly placeholder_readings: number;
  readonly device_offline_readings: number;
}

/** {@link WarehouseFlagCounts} as {@link WarehouseFlagCountsJson}. */
export function flagCountsJson(f: WarehouseFlagCounts): WarehouseFlagCountsJson {
  return {
    placeholder_zone_days: f.placeholderZoneDays,
    placeholder_readings: f.placeholderReadings,
    device_offline_readings: f.deviceOfflineReadings,
  };
}
