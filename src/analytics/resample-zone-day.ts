/**
 * Resample: a zone-day as one value per minute of the local day (1/60 Hz, as the original
 * project's pandas `resample('1min')`), one column per series (`ZoneMinuteSeries`).
 *
 * - Indoor temperature and humidity, each on its own: at a minute start t, the value of a valid
 *   reading at t, else the linear interpolation a + (b − a)·(t − t_a)/(t_b − t_a) between the last
 *   valid reading before t (t_a, a) and the first after it (t_b, b) when t_b − t_a ≤ 30 min, else
 *   null (no reading for over 30 min: two missing grid points in a row). "Valid" is what clean
 *   kept, margins included, so the day's first and last minutes have their neighbours.
 * - Step series (demand, setting, outdoor weather, device connected): the value of the interval
 *   `[start, end)` containing t; null where none does. The setpoint is null when the power is off.
 * - `cleaned`: a raw reading bracketing t (the last at or before t and the first after it; only
 *   the one at t when there is one) had a value set aside.
 *
 * One pass per series with a moving pointer: O(readings + intervals + minutes).
 */
import { zoneDayLabel, ZoneDayError } from './errors.js';
import type {
  CleanedReading,
  CleanedZoneDay,
  DemandLevel,
  StepInterval,
  ZoneDayInput,
  ZoneMinuteSeries,
} from './types.js';

/** Readings further apart than this are not interpolated between, ms (30 min). */
export const MAX_INTERPOLATION_GAP_MS = 30 * 60_000;
const MINUTE_MS = 60_000;

/**
 * Minutes in the zone-day.
 * @throws ZoneDayError `ZONE_DAY_INVALID` when `[dayStartMs, dayEndMs)` is not a positive whole number of minutes
 */
export function minutesInDay(input: ZoneDayInput): number {
  const ms = input.dayEndMs - input.dayStartMs;
  if (!(ms > 0) || ms % MINUTE_MS !== 0) {
    throw new ZoneDayError(
      'ZONE_DAY_INVALID',
      `${zoneDayLabel(input)}: the day's bounds ${new Date(input.dayStartMs).toISOString()} … ${new Date(input.dayEndMs).toISOString()} are not a positive whole number of minutes`,
      input.homeId,
      input.zoneId,
      input.date,
    );
  }
  return ms / MINUTE_MS;
}

/** One value series interpolated at the minute starts (rules above). */
function interpolate(
  readings: readonly CleanedReading[],
  valueOf: (r: CleanedReading) => number | null,
  startMs: number,
  n: number,
): (number | null)[] {
  const ts: number[] = [];
  const vs: number[] = [];
  for (const r of readings) {
    const v = valueOf(r);
    if (v !== null) {
      ts.push(r.tsMs);
      vs.push(v);
    }
  }
  const m = ts.length;
  // filled by push: a packed array (V8 keeps `new Array(n)` holey, which is slower to read)
  const out: (number | null)[] = [];
  // k: the last valid reading at or before t (−1: none)
  let k = -1;
  for (let i = 0; i < n; i++) {
    const t = startMs + i * MINUTE_MS;
    while (k + 1 < m && (ts[k + 1] ?? Infinity) <= t) k++;
    const tA = k >= 0 ? (ts[k] ?? NaN) : NaN;
    const a = vs[k] ?? NaN;
    if (tA === t) {
      out.push(a);
      continue;
    }
    const tB = ts[k + 1] ?? NaN;
    if (k >= 0 && k + 1 < m && tB - tA <= MAX_INTERPOLATION_GAP_MS) {
      const b = vs[k + 1] ?? NaN;
      out.push(a + ((b - a) * (t - tA)) / (tB - tA));
    } else {
      out.push(null);
    }
  }
  return out;
}

/** A step series at the minute starts: the value of the interval containing each. */
function carry<V, O>(
  intervals: readonly StepInterval<V>[],
  map: (value: V) => O,
  startMs: number,
  n: number,
): (O | null)[] {
  const sorted = [...intervals].sort((x, y) => x.startMs - y.startMs);
  const out: (O | null)[] = [];
  let j = 0;
  let i = 0;
  // one interval at a time: the minutes before it are null, those inside it its value
  for (; j < sorted.length && i < n; j++) {
    const interval = sorted[j];
    if (interval === undefined) break;
    const value = map(interval.value);
    for (; i < n && startMs + i * MINUTE_MS < interval.startMs; i++) out.push(null);
    for (; i < n && startMs + i * MINUTE_MS < interval.endMs; i++) out.push(value);
  }
  for (; i < n; i++) out.push(null);
  return out;
}

/** The `cleaned` column (rule above). */
function cleanedFlags(readings: readonly CleanedReading[], startMs: number, n: number): boolean[] {
  const removed = (r: CleanedReading | undefined): boolean =>
    r !== undefined && (r.temperatureRemovedBy !== null || r.humidityRemovedBy !== null);
  const out: boolean[] = [];
  let k = -1;
  for (let i = 0; i < n; i++) {
    const t = startMs + i * MINUTE_MS;
    while (k + 1 < readings.length && (readings[k + 1]?.tsMs ?? Infinity) <= t) k++;
    const before = k >= 0 ? readings[k] : undefined;
    out.push(before?.tsMs === t ? removed(before) : removed(before) || removed(readings[k + 1]));
  }
  return out;
}

/**
 * The zone-day's minute series (rules above).
 * @param cleaned - `cleanZoneDay`'s result for `input` (same readings, same order)
 * @throws ZoneDayError `ZONE_DAY_INVALID` when the day is not whole minutes or `cleaned` is not of `input`
 */
export function resampleZoneDay(input: ZoneDayInput, cleaned: CleanedZoneDay): ZoneMinuteSeries {
  const n = minutesInDay(input);
  if (cleaned.readings.length !== input.readings.length) {
    throw new ZoneDayError(
      'ZONE_DAY_INVALID',
      `${zoneDayLabel(input)}: the cleaned readings (${cleaned.readings.length}) are not those of the input (${input.readings.length})`,
      input.homeId,
      input.zoneId,
      input.date,
    );
  }
  const start = input.dayStartMs;
  return {
    homeId: input.homeId,
    zoneId: input.zoneId,
    date: input.date,
    dayStartMs: start,
    minutes: n,
    insideC: interpolate(cleaned.readings, (r) => r.temperatureC, start, n),
    humidityFraction: interpolate(cleaned.readings, (r) => r.humidityFraction, start, n),
    setpointC: carry(input.settings, (v) => (v.powerOn ? v.setpointC : null), start, n),
    demandLevel: carry(input.callForHeat, (v: DemandLevel) => v, start, n),
    powerOn: carry(input.settings, (v) => v.powerOn, start, n),
    outsideC: carry(input.weather, (v) => v.temperatureC, start, n),
    weatherState: carry(input.weather, (v) => v.state, start, n),
    connected: carry(input.deviceConnected, (v) => v, start, n),
    cleaned: cleanedFlags(cleaned.readings, start, n),
  };
}
