/**
 * Clean: sets aside the readings of a zone-day that are not measurements of the room, with the
 * rule that removed each value (docs/analytics.md "Methods"). Temperature and humidity are judged
 * separately; the rules apply in order and a value counts under the first that applies:
 *
 * 1. `placeholder`: the day is tado's placeholder history (`tado.days.placeholder`, or every
 *    reading of the day exactly 20 °C and 0.5: tado-api.md §5.4), all its readings;
 * 2. `disconnected`: the reading lies in a `[start, end)` span in which the measuring device was
 *    disconnected (tado repeats or invents values there: tado-api.md §7.3);
 * 3. `out_of_range`: physically impossible indoors: temperature outside −10..45 °C, humidity
 *    outside 0..1 (bounds valid);
 * 4. `spike`: an isolated spike, by a Hampel filter over the values the first three rules kept
 *    (`hampel-filter.ts`): window ±3 readings (±45 min on tado's 15-min grid; neighbours further
 *    away in time are left out, so a reading next to a gap is judged on its side only), threshold
 *    3 × 1.4826 × MAD around the window median, scale floored at the sensor resolution (0.1 °C,
 *    0.01 humidity), windows of fewer than 3 values not judged.
 *
 * A genuine fall such as an open window (≥ 3 °C within an hour, then a slow recovery) is not a
 * spike: the readings after it stay low, so the window median follows the fall.
 */
import { zoneDayLabel, ZoneDayError } from './errors.js';
import { hampelOutliers } from './hampel-filter.js';
import type {
  CleanCounts,
  CleanedReading,
  CleanedZoneDay,
  CleanRule,
  Reading,
  ZoneDayInput,
} from './types.js';

/** tado's placeholder values (tado-api.md §5.4). */
export const PLACEHOLDER_TEMPERATURE_C = 20;
export const PLACEHOLDER_HUMIDITY_FRACTION = 0.5;
/** Plausible indoor temperature, °C (inclusive). */
export const TEMPERATURE_RANGE_C: readonly [number, number] = [-10, 45];
/** Plausible relative humidity, fraction (inclusive). */
export const HUMIDITY_RANGE_FRACTION: readonly [number, number] = [0, 1];
/**
 * The Hampel scale's floor for temperature, °C: the sensor's precision as tado states it
 * (`precision.celsius: 0.1` in zone states, tado-api.md §4; day reports carry two decimals).
 */
export const TEMPERATURE_RESOLUTION_C = 0.1;
/**
 * The floor for humidity, fraction: one percentage point. Reports carry three decimals, and quiet
 * readings move by 0.001–0.005 between points (the real December report), which is not a spike.
 */
export const HUMIDITY_RESOLUTION_FRACTION = 0.01;

const RULES: readonly CleanRule[] = ['placeholder', 'disconnected', 'out_of_range', 'spike'];

/** A count of zero per rule. */
function zeroCounts(): Record<CleanRule, number> {
  return { placeholder: 0, disconnected: 0, out_of_range: 0, spike: 0 };
}

/**
 * True when the day is tado's placeholder: flagged as such, or every reading inside the day
 * (there is at least one) is exactly 20 °C and 0.5.
 */
export function isPlaceholderDay(input: ZoneDayInput): boolean {
  if (input.placeholder) return true;
  let any = false;
  for (const r of input.readings) {
    if (r.tsMs < input.dayStartMs || r.tsMs >= input.dayEndMs) continue;
    if (
      r.temperatureC !== PLACEHOLDER_TEMPERATURE_C ||
      r.humidityFraction !== PLACEHOLDER_HUMIDITY_FRACTION
    ) {
      return false;
    }
    any = true;
  }
  return any;
}

/** Rules 1-3 for one value. */
function firstRules(
  value: number | null,
  placeholder: boolean,
  disconnected: boolean,
  [lo, hi]: readonly [number, number],
): CleanRule | null {
  // the ETL stores the values of placeholder days and offline spans nulled (tado.interior.flag):
  // they count under their rule as before, a value tado never sent under none
  if (value === null) return placeholder ? 'placeholder' : disconnected ? 'disconnected' : null;
  if (placeholder) return 'placeholder';
  if (disconnected) return 'disconnected';
  if (!(value >= lo && value <= hi)) return 'out_of_range';
  return null;
}

/** Marks the spikes among the values rules 1-3 kept (`removed[i] === null`, value not null). */
function markSpikes(
  readings: readonly Reading[],
  valueOf: (r: Reading) => number | null,
  removed: (CleanRule | null)[],
  scaleFloor: number,
): void {
  const index: number[] = [];
  const times: number[] = [];
  const values: number[] = [];
  readings.forEach((r, i) => {
    const v = valueOf(r);
    if (v !== null && removed[i] === null) {
      index.push(i);
      times.push(r.tsMs);
      values.push(v);
    }
  });
  const flags = hampelOutliers(times, values, { scaleFloor });
  flags.forEach((spike, k) => {
    const i = index[k];
    if (spike && i !== undefined) removed[i] = 'spike';
  });
}

/**
 * Cleans one zone-day (rules above). Readings in the margins are cleaned too (they give the
 * day's first and last minutes their neighbours) but only those inside the day are counted.
 * @throws ZoneDayError `ZONE_DAY_INVALID` when the readings are not in strictly ascending time order
 */
export function cleanZoneDay(input: ZoneDayInput): CleanedZoneDay {
  const readings = input.readings;
  for (let i = 1; i < readings.length; i++) {
    const a = readings[i - 1];
    const b = readings[i];
    if (a !== undefined && b !== undefined && !(b.tsMs > a.tsMs)) {
      throw new ZoneDayError(
        'ZONE_DAY_INVALID',
        `${zoneDayLabel(input)}: readings are not in ascending time order at index ${i} (${new Date(b.tsMs).toISOString()} after ${new Date(a.tsMs).toISOString()})`,
        input.homeId,
        input.zoneId,
        input.date,
      );
    }
  }
  const placeholderDay = isPlaceholderDay(input);
  const offline = input.deviceConnected.filter((i) => !i.value);
  const temperatureRemoved: (CleanRule | null)[] = [];
  const humidityRemoved: (CleanRule | null)[] = [];
  for (const r of readings) {
    const inDay = r.tsMs >= input.dayStartMs && r.tsMs < input.dayEndMs;
    const placeholder = placeholderDay && inDay;
    const disconnected = offline.some((i) => i.startMs <= r.tsMs && r.tsMs < i.endMs);
    temperatureRemoved.push(firstRules(r.temperatureC, placeholder, disconnected, TEMPERATURE_RANGE_C));
    humidityRemoved.push(firstRules(r.humidityFraction, placeholder, disconnected, HUMIDITY_RANGE_FRACTION));
  }
  markSpikes(readings, (r) => r.temperatureC, temperatureRemoved, TEMPERATURE_RESOLUTION_C);
  markSpikes(readings, (r) => r.humidityFraction, humidityRemoved, HUMIDITY_RESOLUTION_FRACTION);

  const temperature = zeroCounts();
  const humidity = zeroCounts();
  let inDayCount = 0;
  const cleaned: CleanedReading[] = readings.map((r, i) => {
    const tRule = temperatureRemoved[i] ?? null;
    const hRule = humidityRemoved[i] ?? null;
    if (r.tsMs >= input.dayStartMs && r.tsMs < input.dayEndMs) {
      inDayCount++;
      if (tRule !== null) temperature[tRule]++;
      if (hRule !== null) humidity[hRule]++;
    }
    return {
      tsMs: r.tsMs,
      temperatureC: tRule === null ? r.temperatureC : null,
      humidityFraction: hRule === null ? r.humidityFraction : null,
      temperatureRemovedBy: tRule,
      humidityRemovedBy: hRule,
    };
  });
  const counts: CleanCounts = { readings: inDayCount, temperature, humidity };
  return { readings: cleaned, counts };
}

/** The rules in the order they apply (for reports and column lists). */
export const CLEAN_RULES = RULES;
