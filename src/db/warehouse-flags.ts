/**
 * How much of the warehouse is not measurement (docs/pipeline.md's flags): zone-days that are
 * tado's placeholder history, and readings stored with null values because they are placeholder
 * or fall inside a device-offline span. For the summaries that must say so (issue 15 §1, §2).
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

/**
 * The flagged data of the whole warehouse (every day stored, as the demo's row counts).
 * @throws Error from pg when the schema is missing (not migrated)
 */
export async function countWarehouseFlags(db: Kysely<WarehouseDatabase>): Promise<WarehouseFlagCounts> {
  const days = await db
    .selectFrom('tado.days')
    .select(sql<number>`count(*) FILTER (WHERE placeholder)::int`.as('n'))
    .executeTakeFirstOrThrow();
  const readings = await db
    .selectFrom('tado.interior')
    .select([
      sql<number>`count(*) FILTER (WHERE flag = 'placeholder')::int`.as('placeholder'),
      sql<number>`count(*) FILTER (WHERE flag = 'device_offline')::int`.as('offline'),
    ])
    .executeTakeFirstOrThrow();
  return {
    placeholderZoneDays: days.n,
    placeholderReadings: readings.placeholder,
    deviceOfflineReadings: readings.offline,
  };
}

/** One line for a summary: what of the stored data is flagged, not measured. */
export function flagCountsLine(f: WarehouseFlagCounts): string {
  return `flagged, not measurements: ${f.placeholderZoneDays} placeholder zone-day${f.placeholderZoneDays === 1 ? '' : 's'} (${f.placeholderReadings} readings), ${f.deviceOfflineReadings} reading${f.deviceOfflineReadings === 1 ? '' : 's'} inside device-offline spans (values null; docs/pipeline.md)`;
}
