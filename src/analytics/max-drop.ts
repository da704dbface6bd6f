/**
 * The largest fall of the indoor temperature within an hour at a constant setpoint: the open
 * window's signature (a fall ≥ 3 °C within an hour at a constant setpoint: Home Assistant
 * versatile_thermostat's open-window detection by slope).
 *
 * drop = max of inside(i) − inside(j) over minutes i < j ≤ i + 60 such that every minute of
 * [i, j] has a valid indoor value (no fall is read across a data gap) and all the minutes of
 * [i, j] that have a setpoint have the same one. Minutes with the heating off or unknown (null
 * setpoint) do not break the run: tado switches the heating off itself when it detects an open
 * window, and a user lowering the setpoint (which does break it) cannot make a room fall 3 °C in an
 * hour through its walls (time constants of 15-55 h). Ties go to the earliest j, then the latest i.
 *
 * O(minutes) with a monotonic deque of candidate starts.
 */
import type { ZoneMinuteSeries } from './types.js';

/** The window of the fall, minutes. */
export const DROP_WINDOW_MINUTES = 60;

/** The largest fall and where it began. */
export interface MaxDrop {
  /** °C, ≥ 0 (0 when the indoor value never falls) */
  readonly dropC: number;
  /** minute index where the fall began (i), null when dropC is 0 */
  readonly fromMinute: number | null;
  /** minute index where it ended (j), null when dropC is 0 */
  readonly toMinute: number | null;
}

/** The zone-day's largest fall within `windowMinutes` (definition above). */
export function maxDrop(series: ZoneMinuteSeries, windowMinutes: number = DROP_WINDOW_MINUTES): MaxDrop {
  const inside = series.insideC;
  const setpoint = series.setpointC;
  // the first minute a window ending at the current j may start at
  let blockStart = 0;
  let lastSetpoint: number | null = null;
  let lastSetpointAt = -1;
  // minute indices with decreasing inside values: candidates for i
  const deque = new Int32Array(series.minutes);
  let head = 0;
  let tail = 0;
  let best = 0;
  let bestFrom: number | null = null;
  let bestTo: number | null = null;
  for (let j = 0; j < series.minutes; j++) {
    const v = inside[j] ?? null;
    if (v === null) {
      blockStart = j + 1;
      head = tail = 0;
      continue;
    }
    const sp = setpoint[j] ?? null;
    if (sp !== null) {
      if (lastSetpoint !== null && sp !== lastSetpoint) blockStart = Math.max(blockStart, lastSetpointAt + 1);
      lastSetpoint = sp;
      lastSetpointAt = j;
    }
    const lowest = Math.max(blockStart, j - windowMinutes);
    while (head < tail && (deque[head] ?? 0) < lowest) head++;
    if (head < tail) {
      const i = deque[head] ?? 0;
      const drop = (inside[i] ?? v) - v;
      if (drop > best) {
        best = drop;
        bestFrom = i;
        bestTo = j;
      }
    }
    while (head < tail && (inside[deque[tail - 1] ?? 0] ?? -Infinity) <= v) tail--;
    deque[tail++] = j;
  }
  return { dropC: best, fromMinute: bestFrom, toMinute: bestTo };
}
