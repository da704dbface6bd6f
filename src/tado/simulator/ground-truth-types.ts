/**
 * The shapes of the simulator's ground truth (`ground-truth.ts`), served as JSON by
 * `GET /sim/ground-truth` (`ground-truth-route.ts`).
 */
import type { HeatBalancePoint } from './heat-balance.js';
import type { InjectedEventKind } from './injected-events.js';

/**
 * Why the analysis flags a day; the same strings as `UnusualReason` in `src/analytics/types.ts`
 * (kept separate so that the simulator does not depend on the analysis).
 */
export type ExpectedReason =
  /** |modified z| of the day's residual > 3.5 */
  | 'residual'
  /** heating for over 2 h with the mean outdoor temperature above T_b */
  | 'heating_above_balance'
  /** indoor more than 2 °C below a setpoint ≥ 12 °C for over 1 h while heating */
  | 'below_setpoint'
  /** no heating in the whole home on a day at least 5 °C below T_b (the home scope only) */
  | 'no_heating_cold_day'
  /** a fall of ≥ 3 °C within an hour at a constant setpoint */
  | 'open_window'
  /** under 80 % of the day's minutes with a valid indoor value */
  | 'low_coverage';

/** The energy signature of one scope: H = μ + β·max(0, T_b − T). */
export interface SignatureTruth {
  /** null: the home */
  readonly zoneId: number | null;
  readonly name: string;
  /** T_b, °C */
  readonly balanceTemperatureC: number;
  /** β, heating hours per °C below T_b, h/°C */
  readonly slopeHoursPerC: number;
  /** μ, heating hours per day independent of the weather, h */
  readonly interceptHours: number;
  /** days of the year the scope has reports (the days a fit over the year uses) */
  readonly days: number;
}

/** The heat-loss figures of a zone, as the physics uses them (`zone-physics.ts`). */
export interface ZoneHeatLossFigures {
  /** heat-loss time constant τ, h */
  readonly lossTimeConstantH: number;
  /** heat rate at full demand K, K/h */
  readonly heatRateKPerH: number;
  /** internal gains G (× 0.5 + occupancy), K/h */
  readonly gainsKPerH: number;
  /** solar gain at full clear-sky sun S, K/h */
  readonly solarGainKPerH: number;
  /** power fraction of each demand level */
  readonly levelPower: Readonly<Record<'NONE' | 'LOW' | 'MEDIUM' | 'HIGH', number>>;
}

/** One zone's truth. */
export interface ZoneTruth extends SignatureTruth {
  readonly zoneId: number;
  readonly heatLoss: ZoneHeatLossFigures;
  /** heating-season days the curve averages */
  readonly seasonDays: number;
  /** E[H | T] with its heat balance, at each curve temperature */
  readonly curve: readonly HeatBalancePoint[];
}

/**
 * What is behind a listed day: an injected event, or what follows from one or from the habits:
 * - `holiday_return`: the day after the holiday, rooms heating up from far below the setpoint;
 * - `boiler_fault_recovery`: the day after the boiler fault, rooms still reheating;
 * - `zone_created`: a zone's first day, its device disconnected until installed;
 * - `summer_switch_off`: a day of the summer switch-off cold enough that the model expects heating;
 * - `heating_season_start`: the first day after the switch-off, rooms heated from a cold start.
 */
export type GroundTruthKind =
  | InjectedEventKind
  | 'holiday_return'
  | 'boiler_fault_recovery'
  | 'zone_created'
  | 'summer_switch_off'
  | 'heating_season_start';

/** A zone-day (or home-day) the analysis should flag, or a cleaning it should do. */
export interface GroundTruthDay {
  /** null: the home */
  readonly zoneId: number | null;
  /** local date */
  readonly date: string;
  /** the event behind it */
  readonly kind: GroundTruthKind;
  /** the reasons the analysis must give for this day */
  readonly reasons: readonly ExpectedReason[];
  /** reasons it may give as well without a false alarm (they depend on the fit or lie near a threshold) */
  readonly mayAlsoFlag: readonly ExpectedReason[];
  /** the clean rule that must set readings of this day aside, if any */
  readonly cleanRule: 'spike' | 'disconnected' | null;
  /** the day's mean outdoor temperature from the weather model, °C */
  readonly outsideMeanC: number;
  readonly description: string;
}

/** The tolerances the analysis' fit must meet (see {@link TRUTH_TOLERANCE}). */
export interface TruthTolerance {
  /** |T_b,fit − T_b| at most, °C */
  readonly balanceTemperatureC: number;
  /** |β_fit − β| / β at most */
  readonly slopeRelative: number;
  /** |μ_fit − μ| at most, h */
  readonly interceptHours: number;
}

/** The whole ground truth of one simulated year. */
export interface SimGroundTruth {
  readonly seed: number;
  readonly year: number;
  readonly homeId: number;
  readonly timeZone: string;
  /** how the signatures were derived, in words */
  readonly method: string;
  readonly tolerance: TruthTolerance;
  readonly zones: readonly ZoneTruth[];
  readonly home: SignatureTruth;
  /** in date order; zone days before home days on the same date */
  readonly days: readonly GroundTruthDay[];
}

/**
 * What the analysis' fitted T_b, β and μ must come within, per scope (each zone and the home).
 * Measured with an ordinary least-squares change-point fit (0.05 °C grid) of every generated day
 * of 2022, injected events included, for seeds 1, 2 and 7 (`test/unit/tado-sim-ground-truth.test.ts`
 * prints seed 1's figures):
 *
 * - worst difference from the truth: T_b 0.40 °C for the zones with 211 heating-season days and the
 *   home, 0.75 °C for the Study (created in June: 77–90 heating days); β −11 % … +11 %; μ 0.04 h;
 * - bootstrap standard errors of that fit: T_b 0.22–0.53 °C, β 4–10 % (daily scatter on heating
 *   days: 0.5–1.3 h per zone, 3.6 h for the home, from weekday/weekend schedules, AWAY afternoons,
 *   boosts, windows and the weather's swings; the injected events pull β down by 5–10 %).
 *
 * So: T_b within 1.0 °C (about 2 standard errors, and above the worst case), β within 15 %
 * (1.5–2 standard errors above the worst case), μ within 0.25 h. A fit of demand-weighted minutes
 * instead of heating minutes (β 45–65 % lower) fails, as the test checks.
 */
export const TRUTH_TOLERANCE: TruthTolerance = {
  balanceTemperatureC: 1.0,
  slopeRelative: 0.15,
  interceptHours: 0.25,
};
