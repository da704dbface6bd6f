/**
 * The simulator's room physics and thermostat (pure): one first-order heat balance per zone and
 * tado's demand levels. Used minute by minute by the day-report generator and, at a constant
 * outdoor temperature, by the ground truth (`ground-truth.ts`), so that both integrate the same
 * equation:
 *
 *   dT_in/dt = (T_out − T_in)/τ + p(level)·K + S·s·(1 − 0.8·c) + G·(0.5 + occupancy)
 *              [+ (T_out − T_in)/τ_w while a window is open]   (K/h)
 *
 * with τ the zone's heat-loss time constant (h), K its heat rate at full demand (K/h), p the power
 * fraction of the demand level ({@link LEVEL_POWER}), S its solar gain at full clear-sky sun (K/h),
 * s the sun's strength 0..1, c the cloud cover 0..1, G its internal gains (K/h) and τ_w the
 * window's air-change time constant (h).
 */
import type { SimZone } from './sim-home.js';

/** tado's `callForHeat` levels. */
export type CallForHeatLevel = 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH';

/** Fraction of the zone's heat rate each demand level delivers (the valve's opening). */
export const LEVEL_POWER: Readonly<Record<CallForHeatLevel, number>> = {
  NONE: 0,
  LOW: 0.3,
  MEDIUM: 0.6,
  HIGH: 1,
};

/** The thermostat decides the level this often, ms (tado re-evaluates every few minutes). */
export const CONTROL_PERIOD_MS = 5 * 60_000;

/**
 * The demand level for a setpoint and an indoor temperature: a proportional band of 1.2 K
 * centred 0.2 K above the setpoint (NONE above setpoint + 0.1 K, LOW up to 0.28 K below it,
 * MEDIUM up to 0.7 K below, HIGH further below). NONE when the heating is off (`setpointC` null).
 */
export function callForHeatLevel(setpointC: number | null, insideC: number): CallForHeatLevel {
  if (setpointC === null) return 'NONE';
  const p = Math.min(1, Math.max(0, (setpointC - insideC + 0.2) / 1.2));
  if (p < 0.08) return 'NONE';
  if (p < 0.4) return 'LOW';
  if (p < 0.75) return 'MEDIUM';
  return 'HIGH';
}

/** The inputs of one step of {@link insideRateKPerH}. */
export interface ZoneStepInput {
  readonly zone: SimZone;
  /** indoor °C */
  readonly insideC: number;
  /** outdoor °C */
  readonly outsideC: number;
  /** fraction 0..1 of the heat rate delivered (LEVEL_POWER of the level; 0 when the boiler is out) */
  readonly heatFraction: number;
  /** sun strength on a clear sky, 0..1 */
  readonly solarFraction: number;
  /** cloud cover, 0..1 */
  readonly cloudFraction: number;
  /** occupancy factor 0..1 (scales the internal gains) */
  readonly occupancy: number;
  /** air-change time constant of an open window, h; null when the windows are shut */
  readonly windowTimeConstantH: number | null;
  /** the heating is off (no setpoint) and the device connected: people air a room above 23 °C */
  readonly freeFloating: boolean;
}

/** Rate of change of the indoor temperature, K/h (the equation in the file header). */
export function insideRateKPerH(s: ZoneStepInput): number {
  const z = s.zone;
  let rate =
    (s.outsideC - s.insideC) / z.lossTimeConstantH +
    s.heatFraction * z.heatRateKPerH +
    z.solarGainKPerH * s.solarFraction * (1 - 0.8 * s.cloudFraction) +
    z.gainsKPerH * (0.5 + s.occupancy);
  if (s.windowTimeConstantH !== null) rate += (s.outsideC - s.insideC) / s.windowTimeConstantH;
  // on warm days people open windows in a room nobody heats
  else if (s.freeFloating && s.insideC > 23 && s.outsideC < s.insideC) rate += (s.outsideC - s.insideC) / 7;
  return rate;
}
