/**
 * Marks the readings of a day report that are not measurements of the room, so that no query on
 * `tado.interior` takes them for real readings (issue 15 §1, §2; docs/pipeline.md "Flags"):
 *
 * - `placeholder`: the whole report is tado's stand-in for a day it no longer keeps (every point
 *   20 °C and 0.5; tado-api.md §5.4): every reading's values are nulled;
 * - `device_offline`: the reading lies inside a `[from, to)` interval of the report's
 *   `measuredData.measuringDeviceConnected` that is false (tado repeats or invents values there;
 *   tado-api.md §7.3), over the whole report window, margins included: its values are nulled.
 *
 * The row is kept (its key, and the rule that the report whose local day holds a timestamp owns
 * it, stay as they were), with the reason in `flag`. Pure code.
 */
import type { DayReport } from '../tado/schemas.js';

/** Why a reading's values are null although tado sent some (`tado.interior.flag`). */
export type ReadingFlag =
  /** the day is tado's placeholder history: no measurement at all */
  | 'placeholder'
  /** the measuring device was disconnected at this instant */
  | 'device_offline';

/** A reading as flattened: values and, when nulled, why. */
export interface FlaggableReading {
  readonly ts: string;
  readonly temperatureC: number | null;
  readonly humidityFraction: number | null;
}

/** The report's disconnected intervals `[fromMs, toMs)`, over its whole window. */
export function disconnectedIntervals(report: DayReport): [number, number][] {
  return report.measuredData.measuringDeviceConnected.dataIntervals
    .filter((i) => !i.value)
    .map((i) => [Date.parse(i.from), Date.parse(i.to)]);
}

/**
 * The readings with the values of flagged ones nulled and `flag` set (null for a measured one).
 * @param placeholder - the report is tado's placeholder (`isPlaceholderReport`)
 */
export function flagReadings<R extends FlaggableReading>(
  readings: readonly R[],
  report: DayReport,
  placeholder: boolean,
): (R & { flag: ReadingFlag | null })[] {
  const offline = disconnectedIntervals(report);
  return readings.map((r) => {
    const t = Date.parse(r.ts);
    const flag: ReadingFlag | null = placeholder
      ? 'placeholder'
      : offline.some(([a, b]) => t >= a && t < b)
        ? 'device_offline'
        : null;
    return flag === null ? { ...r, flag } : { ...r, temperatureC: null, humidityFraction: null, flag };
  });
}
