/**
 * Which setpoints express a wish for comfort. Setpoints under 12 °C are frost protection or away
 * settings (tado's AWAY and frost modes hold 5-12 °C): a room below them is not uncomfortable, so
 * comfort metrics and heat-up episodes leave them out (as the tado-timescale dashboard's "Comfort
 * Deviation" excludes frost/away setpoints).
 */

/** The least setpoint counted as a comfort setpoint, °C (inclusive). */
export const COMFORT_SETPOINT_MIN_C = 12;

/** True when `setpointC` is a comfort setpoint (not null, ≥ {@link COMFORT_SETPOINT_MIN_C}). */
export function isComfortSetpoint(setpointC: number | null): setpointC is number {
  return setpointC !== null && setpointC >= COMFORT_SETPOINT_MIN_C;
}
