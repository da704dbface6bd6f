/**
 * Assembles what one load writes from the flattened day reports.
 */
import type { DayReportRows, WarehouseBatch, ZoneRow } from './warehouse-rows.js';

/** One flattened report and the raw report it came from (kept as jsonb in `tado.days`). */
export interface FlattenedReport {
  readonly rows: DayReportRows;
  /** the day report as the API returned it */
  readonly report: unknown;
}

/** Concatenates the rows of several reports (and the zone list) into one {@link WarehouseBatch}. */
export function buildWarehouseBatch(
  zones: readonly ZoneRow[],
  reports: readonly FlattenedReport[],
): WarehouseBatch {
  return {
    zones,
    days: reports.map((r) => ({ ...r.rows.day, report: r.report })),
    interior: reports.flatMap((r) => r.rows.interior),
    weather: reports.flatMap((r) => r.rows.weather),
    callForHeat: reports.flatMap((r) => r.rows.callForHeat),
    settings: reports.flatMap((r) => r.rows.settings),
    deviceConnected: reports.flatMap((r) => r.rows.deviceConnected),
    acActivity: reports.flatMap((r) => r.rows.acActivity),
  };
}
