/**
 * What a load says about the flagged data it stores (issue 15 §1): how many zone-days were tado's
 * placeholder history (stored as days, no measurement) and how many readings were nulled because
 * the measuring device was disconnected. Pure code; shown in load's return value and log line.
 */
import type { WarehouseBatch } from './warehouse-rows.js';

/** Flag counts of one load. */
export interface LoadFlagsSummary {
  /** zone-days of the batch that are tado's placeholder history (`tado.days.placeholder`) */
  readonly placeholderZoneDays: number;
  /** the zones of those days, with their dates, e.g. `zone 2 2021-01-10` (empty when none) */
  readonly placeholderDays: string[];
  /** readings stored with values nulled because the device was disconnected (`flag = 'device_offline'`) */
  readonly deviceOfflineReadings: number;
}

/** Counts the flags of `batch`. */
export function loadFlagsSummary(batch: Pick<WarehouseBatch, 'days' | 'interior'>): LoadFlagsSummary {
  const placeholders = batch.days.filter((d) => d.placeholder);
  return {
    placeholderZoneDays: placeholders.length,
    placeholderDays: placeholders.map((d) => `zone ${d.zoneId} ${d.date}`),
    deviceOfflineReadings: batch.interior.filter((r) => r.flag === 'device_offline').length,
  };
}
