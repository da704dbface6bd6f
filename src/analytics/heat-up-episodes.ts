/**
 * Heat-up episodes of a zone-day: the spans in which the heating brings the room up towards its
 * setpoint, and how fast (°C/h), as preheat controllers measure it (median of recent events).
 *
 * An episode is a maximal run of consecutive minutes that each
 * - are heating (demand level ≥ 1),
 * - have a comfort setpoint (≥ 12 °C, `setpoints.ts`), the same one throughout the run,
 * - have a valid indoor value below that setpoint;
 * and it counts when it lasts at least 20 minutes, so that it spans at least one full 15-minute step
 * of tado's grid (its rise is measured, not only interpolated); the real December report's bursts
 * last 25–30 min, so a 30-minute minimum found none. Its rate is
 * (inside at its last minute − inside at its first) / ((minutes − 1) / 60), °C/h; it may be
 * negative (heating against an open window).
 */
import { isComfortSetpoint } from './setpoints.js';
import type { ZoneMinuteSeries } from './types.js';

/** The shortest episode that counts, minutes. */
export const HEAT_UP_MIN_MINUTES = 20;

/** One heat-up episode. */
export interface HeatUpEpisode {
  /** index of its first minute in the day */
  readonly firstMinute: number;
  /** index of its last minute (inclusive) */
  readonly lastMinute: number;
  /** its setpoint, °C */
  readonly setpointC: number;
  /** inside at the last minute − inside at the first, °C */
  readonly riseC: number;
  /** riseC per hour of the episode (its minutes − 1), °C/h */
  readonly rateCPerH: number;
}

/** The zone-day's heat-up episodes (definition above), in time order. */
export function heatUpEpisodes(series: ZoneMinuteSeries): HeatUpEpisode[] {
  const episodes: HeatUpEpisode[] = [];
  const inside = series.insideC;
  let first = -1;
  let runSetpoint = NaN;
  const close = (last: number): void => {
    if (first >= 0 && last - first + 1 >= HEAT_UP_MIN_MINUTES) {
      const riseC = (inside[last] ?? NaN) - (inside[first] ?? NaN);
      episodes.push({
        firstMinute: first,
        lastMinute: last,
        setpointC: runSetpoint,
        riseC,
        rateCPerH: riseC / ((last - first) / 60),
      });
    }
    first = -1;
  };
  for (let i = 0; i < series.minutes; i++) {
    const sp = series.setpointC[i] ?? null;
    const t = inside[i] ?? null;
    const eligible = (series.demandLevel[i] ?? 0) >= 1 && isComfortSetpoint(sp) && t !== null && t < sp;
    if (!eligible) {
      close(i - 1);
    } else if (first < 0 || sp !== runSetpoint) {
      close(i - 1);
      first = i;
      runSetpoint = sp;
    }
  }
  close(series.minutes - 1);
  return episodes;
}
