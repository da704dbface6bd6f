/**
 * Whether a zone-day's `tado` rows are all there: a day "missing or half loaded" is not analysed
 * (issue 12 §3), and the message says which zone, date and table, and what is wrong.
 *
 * Rules:
 * - each step series (`tado.call_for_heat`, `tado.settings`, `tado.device_connected`,
 *   `tado.weather`) tiles the day `[dayStartMs, dayEndMs)` exactly: its intervals, clipped to the
 *   day, leave no gap and do not overlap (weather values may be null: tado sends null conditions);
 * - `tado.interior` holds at least one reading per 15-minute grid point of the day (96; 92 / 100
 *   on clock-change days), less the grid points inside spans in which the measuring device was
 *   disconnected (tado omits or repeats points there; tado-api.md §7.3);
 * - a day that is tado's placeholder history (`tado.days.placeholder`) holds no measurement: the
 *   ETL stores its readings nulled and no step series (docs/pipeline.md "Flags"), so it is set
 *   aside as such, not analysed as a day without heating.
 */
import { ZoneDayError, zoneDayLabel } from './errors.js';
import type { StepInterval, ZoneDayInput } from './types.js';

/** tado's reading grid, ms (15 min). */
const GRID_MS = 15 * 60_000;
const MINUTE_MS = 60_000;

/** The tables the step series come from, in the order they are checked. */
const STEP_TABLES = [
  ['callForHeat', 'tado.call_for_heat'],
  ['settings', 'tado.settings'],
  ['deviceConnected', 'tado.device_connected'],
  ['weather', 'tado.weather'],
] as const;

const iso = (ms: number): string => new Date(ms).toISOString();

/** `60 min`, `2.5 min`, `40 s`. */
function duration(ms: number): string {
  if (ms < MINUTE_MS) return `${Math.round(ms / 1000)} s`;
  const min = ms / MINUTE_MS;
  return `${Number.isInteger(min) ? min : min.toFixed(1)} min`;
}

/** What is wrong with how `intervals` cover `[lo, hi)`, or null when they tile it. */
function tilingProblem(
  intervals: readonly StepInterval<unknown>[],
  lo: number,
  hi: number,
  table: string,
): string | null {
  const reversed = intervals.find((i) => !(i.endMs > i.startMs));
  if (reversed !== undefined) {
    return `${table} has an empty or reversed interval [${iso(reversed.startMs)}, ${iso(reversed.endMs)})`;
  }
  const inDay = intervals.filter((i) => i.endMs > lo && i.startMs < hi).sort((a, b) => a.startMs - b.startMs);
  if (inDay.length === 0) return `${table} has no interval for the day (not loaded)`;
  let cursor = lo;
  let previous: StepInterval<unknown> | undefined;
  const gaps: [number, number][] = [];
  for (const i of inDay) {
    const start = Math.max(i.startMs, lo);
    if (start < cursor && previous !== undefined) {
      return `${table} has overlapping intervals [${iso(previous.startMs)}, ${iso(previous.endMs)}) and [${iso(i.startMs)}, ${iso(i.endMs)})`;
    }
    if (start > cursor) gaps.push([cursor, start]);
    cursor = Math.min(i.endMs, hi);
    previous = i;
  }
  if (cursor < hi) gaps.push([cursor, hi]);
  const first = gaps[0];
  if (first === undefined) return null;
  const missingMs = gaps.reduce((sum, [a, b]) => sum + b - a, 0);
  const where =
    gaps.length === 1
      ? `from ${iso(first[0])} to ${iso(first[1])}`
      : `in ${gaps.length} gaps, the first from ${iso(first[0])} to ${iso(first[1])}`;
  return `${table} leaves ${duration(missingMs)} of the day uncovered (${where}; half loaded)`;
}

/** What is wrong with the day's readings, or null when there are enough. */
function readingsProblem(input: ZoneDayInput): string | null {
  const lo = input.dayStartMs;
  const hi = input.dayEndMs;
  const offline = input.deviceConnected.filter((i) => !i.value);
  let gridPoints = 0;
  let excused = 0;
  for (let t = Math.ceil(lo / GRID_MS) * GRID_MS; t < hi; t += GRID_MS) {
    gridPoints++;
    if (offline.some((i) => i.startMs <= t && t < i.endMs)) excused++;
  }
  let present = 0;
  for (const r of input.readings) if (r.tsMs >= lo && r.tsMs < hi) present++;
  const required = gridPoints - excused;
  if (present >= required) return null;
  const has = present === 0 ? 'none' : String(present);
  const state = present === 0 ? 'not loaded' : 'half loaded';
  if (excused === 0) return `tado.interior has ${has} of the day's ${gridPoints} readings (${state})`;
  return (
    `tado.interior has ${has} of the ${required} readings expected ` +
    `(the day's ${gridPoints} less ${excused} while the device was disconnected; ${state})`
  );
}

/**
 * Why the zone-day cannot be analysed, or null when its rows are complete (rules above).
 * @returns every problem found, in one line: `zone 3 (Kitchen) 2022-03-04: tado.interior has 12 of
 *   the day's 96 readings (half loaded)`; problems are joined with `; `
 */
export function findIncompleteness(input: ZoneDayInput): string | null {
  const lo = input.dayStartMs;
  const hi = input.dayEndMs;
  if (input.placeholder) {
    return `${zoneDayLabel(input)}: tado's placeholder history (tado.days.placeholder: tado no longer keeps this day; no measurement stored)`;
  }
  const problems: string[] = [];
  if (!(hi > lo) || (hi - lo) % MINUTE_MS !== 0) {
    problems.push(`the day's bounds [${iso(lo)}, ${iso(hi)}) are not a positive whole number of minutes`);
  } else {
    for (const [key, table] of STEP_TABLES) {
      const problem = tilingProblem(input[key], lo, hi, table);
      if (problem !== null) problems.push(problem);
    }
    const readings = readingsProblem(input);
    if (readings !== null) problems.push(readings);
  }
  return problems.length === 0 ? null : `${zoneDayLabel(input)}: ${problems.join('; ')}`;
}

/**
 * Throws when the zone-day cannot be analysed ({@link findIncompleteness}).
 * @throws ZoneDayError `ZONE_DAY_INCOMPLETE` with that message
 */
export function assertZoneDayComplete(input: ZoneDayInput): void {
  const problem = findIncompleteness(input);
  if (problem !== null) {
    throw new ZoneDayError('ZONE_DAY_INCOMPLETE', problem, input.homeId, input.zoneId, input.date);
  }
}
