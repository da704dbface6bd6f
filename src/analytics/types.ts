/**
 * The heating analytics' data model (pure types, no I/O): what the `heating_analytics` tasks pass
 * between them and what `src/db/analytics-repository.ts` reads and writes. Every column of the
 * `analytics` schema, with its unit, is in docs/analytics.md.
 *
 * Terms:
 * - **zone-day**: one HEATING zone on one local date of the home's time zone; its minutes are
 *   `[dayStartMs, dayEndMs)` (1,440 minutes; 1,380 / 1,500 on the clock-change days).
 * - **reading**: one point of `tado.interior` (15-minute grid): a temperature and a humidity.
 * - **set aside**: a value clean removed, with the rule that removed it ({@link CleanRule}).
 * - **scope**: what a model or an unusual day is about: one zone (`zoneId`), or the whole home
 *   (`zoneId: null`, its heating zones summed).
 *
 * Units are in the names: `…C` °C, `…Fraction` 0..1, `…Ms` ms since the epoch (UTC) or a
 * duration in ms, `…Minutes` minutes, `…Hours` hours. Dates are `YYYY-MM-DD` in the home's time zone.
 */

/** An interval `[startMs, endMs)` of a step series with its value. */
export interface StepInterval<V> {
  readonly startMs: number;
  readonly endMs: number;
  readonly value: V;
}

/** tado's `callForHeat` level as a number: NONE 0, LOW 1, MEDIUM 2, HIGH 3. */
export type DemandLevel = 0 | 1 | 2 | 3;

/** One reading of `tado.interior`. */
export interface Reading {
  readonly tsMs: number;
  /** °C; null when the report had none */
  readonly temperatureC: number | null;
  /** 0..1; null when the report had none */
  readonly humidityFraction: number | null;
}

/** A zone's setting over an interval (`tado.settings`). */
export interface SettingValue {
  /** the heating is switched on */
  readonly powerOn: boolean;
  /** target °C; null when off */
  readonly setpointC: number | null;
}

/** The outdoor weather over an interval (`tado.weather`, per zone as tado sends it). */
export interface WeatherValue {
  /** tado's weather state (e.g. `CLOUDY_PARTLY`); null when tado sent no condition */
  readonly state: string | null;
  /** outdoor °C; null when tado sent no condition */
  readonly temperatureC: number | null;
}

/**
 * Everything the analysis of one zone-day reads from the `tado` tables. Step series are those
 * stored for the day (clipped to it); readings and device intervals also cover a margin of
 * {@link INPUT_MARGIN_MS} on each side (from the neighbouring days, when loaded), so that the
 * day's first and last minutes interpolate between real readings.
 */
export interface ZoneDayInput {
  readonly homeId: number;
  readonly zoneId: number;
  readonly zoneName: string;
  /** local date */
  readonly date: string;
  /** IANA time zone of the home */
  readonly timeZone: string;
  /** local midnight starting the day, ms since the epoch */
  readonly dayStartMs: number;
  /** next local midnight, ms since the epoch */
  readonly dayEndMs: number;
  /** `tado.days.placeholder`: tado answered with its stand-in values (tado-api.md §5.4) */
  readonly placeholder: boolean;
  /** sorted by time, unique timestamps, covering `[dayStartMs − margin, dayEndMs + margin]` */
  readonly readings: readonly Reading[];
  /** `tado.device_connected`, covering the same extended range */
  readonly deviceConnected: readonly StepInterval<boolean>[];
  readonly callForHeat: readonly StepInterval<DemandLevel>[];
  readonly settings: readonly StepInterval<SettingValue>[];
  readonly weather: readonly StepInterval<WeatherValue>[];
}

/** Readings and device intervals are read this far beyond each end of the day: 60 min. */
export const INPUT_MARGIN_MS = 60 * 60_000;

/** Why clean set a value aside (applied in this order; a value counts under the first that applies). */
export type CleanRule =
  /** the day is tado's placeholder history (flagged, or every reading of the day exactly 20 °C / 0.5) */
  | 'placeholder'
  /** the reading lies in a span where the measuring device was disconnected */
  | 'disconnected'
  /** physically impossible: temperature outside −10..45 °C, humidity outside 0..1 */
  | 'out_of_range'
  /** an isolated spike (Hampel filter, docs/analytics.md) */
  | 'spike';

/** A reading after cleaning: the values kept (null when set aside or absent) and why. */
export interface CleanedReading {
  readonly tsMs: number;
  readonly temperatureC: number | null;
  readonly humidityFraction: number | null;
  /** the rule that set the temperature aside, or null when kept (or absent) */
  readonly temperatureRemovedBy: CleanRule | null;
  readonly humidityRemovedBy: CleanRule | null;
}

/** How many values of the zone-day's own readings (those inside the day) each rule removed. */
export interface CleanCounts {
  /** readings with a timestamp inside the day */
  readonly readings: number;
  readonly temperature: Readonly<Record<CleanRule, number>>;
  readonly humidity: Readonly<Record<CleanRule, number>>;
}

/** Clean's result for one zone-day. */
export interface CleanedZoneDay {
  /** same order and timestamps as the input readings (margins included) */
  readonly readings: readonly CleanedReading[];
  readonly counts: CleanCounts;
}

/**
 * A zone-day's one-minute series, one entry per minute of the day (index i is the minute starting
 * at `dayStartMs + i·60 000`), as columns. `null` means unknown. Values are those at the start of
 * each minute.
 */
export interface ZoneMinuteSeries {
  readonly homeId: number;
  readonly zoneId: number;
  readonly date: string;
  readonly dayStartMs: number;
  /** 1,440; 1,380 / 1,500 on clock-change days */
  readonly minutes: number;
  /** °C, linearly interpolated between valid readings at most 30 min apart */
  readonly insideC: readonly (number | null)[];
  /** 0..1, as insideC */
  readonly humidityFraction: readonly (number | null)[];
  /** target °C; null when off or unknown */
  readonly setpointC: readonly (number | null)[];
  /** 0..3 (NONE..HIGH) */
  readonly demandLevel: readonly (DemandLevel | null)[];
  readonly powerOn: readonly (boolean | null)[];
  /** outdoor °C */
  readonly outsideC: readonly (number | null)[];
  readonly weatherState: readonly (string | null)[];
  readonly connected: readonly (boolean | null)[];
  /**
   * the minute's indoor values are not what the raw readings gave: a raw reading bracketing the
   * minute (the last at or before its start, the first after it; just the one when a reading falls
   * on the start) had its temperature or humidity set aside
   */
  readonly cleaned: readonly boolean[];
}

/** Metrics of one zone-day (`analytics.zone_day_metrics`), computed from its {@link ZoneMinuteSeries}. */
export interface ZoneDayMetrics {
  readonly homeId: number;
  readonly zoneId: number;
  readonly date: string;
  /** minutes in the local day (1,440; 1,380 / 1,500) */
  readonly minutes: number;
  /** minutes with heating demand on (demand level ≥ 1, i.e. callForHeat ≠ NONE) */
  readonly heatingMinutes: number;
  /** Σ over minutes of the demand weight (LOW 1/3, MEDIUM 2/3, HIGH 1; docs/analytics.md) */
  readonly demandWeightedMinutes: number;
  /** °C over minutes with a valid indoor value; null when none */
  readonly insideMeanC: number | null;
  readonly insideMinC: number | null;
  readonly insideMaxC: number | null;
  /** mean indoor °C over heating minutes with a valid indoor value; null when none */
  readonly insideMeanHeatingC: number | null;
  /** heating minutes with a valid indoor value (the weight of insideMeanHeatingC) */
  readonly heatingMinutesWithInside: number;
  /** mean target °C over heating minutes with a setpoint; null when none */
  readonly setpointMeanHeatingC: number | null;
  /** Σ max(0, setpoint − inside) over minutes with a setpoint ≥ 12 °C and a valid indoor value, °C·min */
  readonly comfortDeficitDegreeMinutes: number;
  /**
   * heating minutes with the indoor value more than 2 °C below a setpoint ≥ 12 °C that has held
   * for at least 60 minutes (since its last change or the day's start: the warm-up allowance)
   */
  readonly minutesBelowSetpoint2CHeating: number;
  /** mean outdoor °C over minutes with a value; null when none */
  readonly outsideMeanC: number | null;
  /** max(0, 15.5 − outsideMeanC), °C·day (mean method; null when outsideMeanC is) */
  readonly hdd: number | null;
  /**
   * median heat-up rate of the day's heat-up episodes, °C/h; null when none. An episode is a
   * maximal run of ≥ 30 consecutive minutes that are heating (demand ≥ 1), have a valid indoor
   * value below the setpoint, and one constant setpoint ≥ 12 °C; its rate is (last − first indoor
   * value) / (its length − 1 min), in °C/h (docs/analytics.md)
   */
  readonly heatUpRateCPerH: number | null;
  /**
   * largest fall of the indoor value within 60 min at a constant setpoint, °C (≥ 0): the max of
   * inside(i) − inside(j) over minutes 0 < j − i ≤ 60 with a valid indoor value at every minute of
   * [i, j] and one setpoint over all the minutes of [i, j] that have one (minutes with the heating
   * off or unknown do not break it: tado switches the heating off when it detects an open window)
   */
  readonly maxDrop1hC: number;
  /** when that fall began, ms since the epoch; null when maxDrop1hC is 0 */
  readonly maxDrop1hAtMs: number | null;
  /** fraction 0..1 of the day's minutes with a valid indoor value */
  readonly coverageFraction: number;
}

/** Metrics of one home-day (`analytics.home_day_metrics`): its heating zones' zone-days combined. */
export interface HomeDayMetrics {
  readonly homeId: number;
  readonly date: string;
  /** heating zones analysed on this day */
  readonly zones: number;
  /** Σ of the zones' heating minutes */
  readonly heatingMinutes: number;
  /** Σ of the zones' demand-weighted minutes */
  readonly demandWeightedMinutes: number;
  /** mean of the zones' insideMeanC (each zone weighted by its minutes with a valid value) */
  readonly insideMeanC: number | null;
  /** mean indoor °C over all zones' heating minutes with a valid indoor value; null when none */
  readonly insideMeanHeatingC: number | null;
  /** Σ of the zones' heatingMinutesWithInside (the weight of insideMeanHeatingC) */
  readonly heatingMinutesWithInside: number;
  /** Σ of the zones' comfort deficits, °C·min */
  readonly comfortDeficitDegreeMinutes: number;
  /** mean outdoor °C (mean over the zones' non-null values, which tado reports for the home) */
  readonly outsideMeanC: number | null;
  /** max(0, 15.5 − outsideMeanC), °C·day; null when outsideMeanC is */
  readonly hdd: number | null;
  /** mean of the zones' coverage, 0..1 */
  readonly coverageFraction: number;
}

/** One observation of an energy signature: a day's heating hours against its mean outdoor °C. */
export interface SignaturePoint {
  readonly date: string;
  /** mean outdoor °C */
  readonly outsideMeanC: number;
  /** heating hours of the day (heating minutes / 60) */
  readonly heatingHours: number;
}

/**
 * The fitted energy signature of one scope over one period: the 3-parameter heating change-point
 * model y = μ + β·max(0, T_b − T) (CalTRACK daily methods §3.4; ASHRAE Guideline 14), or the
 * intercept-only model y = μ when no change-point fit qualifies.
 */
export interface ChangePointFit {
  readonly model: 'heating_change_point' | 'intercept_only';
  /** balance temperature T_b, °C; null for intercept-only */
  readonly balanceTemperatureC: number | null;
  /** β, heating hours per °C below T_b (h/°C); null for intercept-only */
  readonly slopeHoursPerC: number | null;
  /** μ, heating hours per day independent of the weather (h) */
  readonly interceptHours: number;
  readonly r2: number;
  readonly adjustedR2: number;
  /** CV(RMSE) as a fraction (ASHRAE Guideline 14); null when the mean of y is 0 */
  readonly cvRmse: number | null;
  /** NMBE as a fraction; null when the mean of y is 0 */
  readonly nmbe: number | null;
  /** days in the fit */
  readonly n: number;
  /** days with max(0, T_b − T) > 0 in the chosen fit */
  readonly heatingDays: number;
  /** two-sided p-value of β (null for intercept-only; docs/analytics.md says how) */
  readonly slopePValue: number | null;
  /** "is heating weather-dependent?" */
  readonly weatherDependent: boolean;
  /** the rule and the figures that decided `weatherDependent`, in words */
  readonly decision: string;
}

/** Why a day is unusual (`analytics.unusual_days.reason`). */
export type UnusualReason =
  /** |modified z| of the day's residual from the fitted model > 3.5 (Iglewicz–Hoaglin) */
  | 'residual'
  /** heating for over 2 h while the mean outdoor temperature was above T_b */
  | 'heating_above_balance'
  /** indoor more than 2 °C below setpoint for over 1 h while heating */
  | 'below_setpoint'
  /** no heating at all on a day at least 5 °C below T_b */
  | 'no_heating_cold_day'
  /** a fall of ≥ 3 °C within an hour at a constant setpoint */
  | 'open_window'
  /** under 80 % of the day's minutes have a valid indoor value */
  | 'low_coverage';

/**
 * Heating metrics of one scope over a calendar month or year (`analytics.monthly_metrics`,
 * `analytics.yearly_metrics`), aggregated from its day metrics.
 */
export interface PeriodMetrics {
  readonly homeId: number;
  /** null: the whole home */
  readonly zoneId: number | null;
  readonly year: number;
  /** 1..12; null for the yearly row */
  readonly month: number | null;
  /** days with metrics in the period */
  readonly days: number;
  /** Σ heating minutes / 60, h */
  readonly heatingHours: number;
  /** Σ of the days' HDD, °C·day; null when no day has one */
  readonly hdd: number | null;
  /**
   * heating hours of the days that have an HDD / their Σ HDD, h/(°C·day); null when that Σ is 0
   * (or no day has an HDD)
   */
  readonly heatingHoursPerHdd: number | null;
  /** mean indoor °C while heating, the days weighted by heatingMinutesWithInside; null when none */
  readonly insideMeanHeatingC: number | null;
}

/** An unusual day of one scope, with the figures behind it. */
export interface UnusualDay {
  readonly homeId: number;
  /** null: the whole home */
  readonly zoneId: number | null;
  readonly date: string;
  readonly reason: UnusualReason;
  /** one line a person can read, with the figures */
  readonly description: string;
  /** the figures behind the reason (units in the keys) */
  readonly figures: Readonly<Record<string, number | string | null>>;
}
