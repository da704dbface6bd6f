/**
 * The one place where schema `analytics` (snake_case, `src/db/analytics-database.ts`) and the
 * data model (camelCase, `src/analytics/types.ts`, `src/db/analytics-records.ts`) are mapped, in
 * both directions, including the `zone_minute` columns a COPY writes ({@link encodeZoneMinutes})
 * and the `tado` values the analysis reads ({@link demandLevelOf}, {@link settingOf}).
 */
import type { Insertable, Selectable } from 'kysely';
import type {
  CleanCounts,
  DemandLevel,
  HomeDayMetrics,
  PeriodMetrics,
  SettingValue,
  UnusualDay,
  UnusualReason,
  ZoneDayMetrics,
  ZoneMinuteSeries,
} from '../analytics/types.js';
import type {
  AnalyticsHomeDayMetricsTable,
  AnalyticsMonthlyMetricsTable,
  AnalyticsUnusualDaysTable,
  AnalyticsWeatherDependenceTable,
  AnalyticsYearlyMetricsTable,
  AnalyticsZoneDayMetricsTable,
  AnalyticsZoneDaysTable,
} from './analytics-database.js';
import type {
  AnalysedZoneDay,
  RejectedZoneDay,
  ScopeFit,
  StoredScopeFit,
  WriteContext,
} from './analytics-records.js';
import type { BinaryCopyWriter } from './binary-copy-writer.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const provenance = (ctx: WriteContext) => ({ computed_at: ctx.at, dag_run_id: ctx.dagRunId });
const msOrNull = (d: Date | null): number | null => (d === null ? null : d.getTime());

// ---------------------------------------------------------------------------------------------
// tado values

const DEMAND_LEVELS: Readonly<Record<string, DemandLevel>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

/** `tado.call_for_heat.level` as a {@link DemandLevel}; undefined for a level tado does not document. */
export function demandLevelOf(level: string): DemandLevel | undefined {
  return DEMAND_LEVELS[level];
}

/** `tado.settings` `power` (`ON`/`OFF`) and `temperature_c`; undefined for another power value. */
export function settingOf(power: string, temperatureC: number | null): SettingValue | undefined {
  if (power !== 'ON' && power !== 'OFF') return undefined;
  return { powerOn: power === 'ON', setpointC: temperatureC };
}

// ---------------------------------------------------------------------------------------------
// zone_days

/** The clean counts as the eight `…_removed_<rule>` columns. */
function countColumns(c: CleanCounts) {
  return {
    readings: c.readings,
    temperature_removed_placeholder: c.temperature.placeholder,
    temperature_removed_disconnected: c.temperature.disconnected,
    temperature_removed_out_of_range: c.temperature.out_of_range,
    temperature_removed_spike: c.temperature.spike,
    humidity_removed_placeholder: c.humidity.placeholder,
    humidity_removed_disconnected: c.humidity.disconnected,
    humidity_removed_out_of_range: c.humidity.out_of_range,
    humidity_removed_spike: c.humidity.spike,
  };
}

/** `zone_days` row of an analysed zone-day. */
export function analysedZoneDayRow(
  day: AnalysedZoneDay,
  ctx: WriteContext,
): Insertable<AnalyticsZoneDaysTable> {
  const s = day.series;
  return {
    home_id: s.homeId,
    zone_id: s.zoneId,
    date: s.date,
    status: 'analysed',
    reason: null,
    time_zone: day.timeZone,
    day_start: new Date(s.dayStartMs),
    day_end: new Date(s.dayStartMs + s.minutes * MINUTE_MS),
    minutes: s.minutes,
    ...countColumns(day.counts),
    analysed_at: ctx.at,
    dag_run_id: ctx.dagRunId,
  };
}

/** `zone_days` row of a rejected zone-day: the reason, nothing measured. */
export function rejectedZoneDayRow(
  day: RejectedZoneDay,
  ctx: WriteContext,
): Insertable<AnalyticsZoneDaysTable> {
  return {
    home_id: day.homeId,
    zone_id: day.zoneId,
    date: day.date,
    status: 'rejected',
    reason: day.reason,
    time_zone: null,
    day_start: null,
    day_end: null,
    minutes: null,
    readings: null,
    temperature_removed_placeholder: null,
    temperature_removed_disconnected: null,
    temperature_removed_out_of_range: null,
    temperature_removed_spike: null,
    humidity_removed_placeholder: null,
    humidity_removed_disconnected: null,
    humidity_removed_out_of_range: null,
    humidity_removed_spike: null,
    analysed_at: ctx.at,
    dag_run_id: ctx.dagRunId,
  };
}

// ---------------------------------------------------------------------------------------------
// zone_minute (binary COPY)

/** `analytics.zone_minute`'s columns, in the order {@link encodeZoneMinutes} writes them. */
export const ZONE_MINUTE_COLUMNS = [
  'home_id',
  'zone_id',
  'minute_start',
  'inside_c',
  'humidity_fraction',
  'setpoint_c',
  'outside_c',
  'local_date',
  'demand_level',
  'power_on',
  'connected',
  'cleaned',
  'weather_state',
] as const;

/** The series' columns that must hold one value per minute. */
const SERIES_COLUMNS = [
  'insideC',
  'humidityFraction',
  'setpointC',
  'demandLevel',
  'powerOn',
  'outsideC',
  'weatherState',
  'connected',
  'cleaned',
] as const;

/** Why a series cannot be written (`insideC has 1439 values for 1440 minutes`), or null. */
export function zoneMinuteSeriesProblem(s: ZoneMinuteSeries): string | null {
  if (!Number.isInteger(s.minutes) || s.minutes <= 0)
    return `minutes is ${s.minutes}, not a positive integer`;
  if (!Number.isInteger(s.dayStartMs / MINUTE_MS)) return `dayStartMs ${s.dayStartMs} is not on a minute`;
  for (const key of SERIES_COLUMNS) {
    if (s[key].length !== s.minutes) return `${key} has ${s[key].length} values for ${s.minutes} minutes`;
  }
  for (const key of ['insideC', 'humidityFraction', 'setpointC', 'outsideC'] as const) {
    const i = s[key].findIndex((v) => v !== null && !Number.isFinite(v));
    if (i >= 0) return `${key}[${i}] is ${String(s[key][i])}`;
  }
  return null;
}

/**
 * Appends the series' rows (one per minute, {@link ZONE_MINUTE_COLUMNS}) to a binary COPY.
 * The series must pass {@link zoneMinuteSeriesProblem}.
 */
export function encodeZoneMinutes(s: ZoneMinuteSeries, out: BinaryCopyWriter): void {
  const localDay = Date.parse(`${s.date}T00:00:00Z`) / DAY_MS;
  for (let i = 0; i < s.minutes; i++) {
    out.beginRow(ZONE_MINUTE_COLUMNS.length);
    out.int4(s.homeId);
    out.int4(s.zoneId);
    out.timestamptz(s.dayStartMs + i * MINUTE_MS);
    out.float8(s.insideC[i] ?? null);
    out.float8(s.humidityFraction[i] ?? null);
    out.float8(s.setpointC[i] ?? null);
    out.float8(s.outsideC[i] ?? null);
    out.date(localDay);
    out.int2(s.demandLevel[i] ?? null);
    out.bool(s.powerOn[i] ?? null);
    out.bool(s.connected[i] ?? null);
    out.bool(s.cleaned[i] ?? false);
    out.text(s.weatherState[i] ?? null);
  }
}

// ---------------------------------------------------------------------------------------------
// zone_day_metrics, home_day_metrics

export function zoneDayMetricsRow(
  m: ZoneDayMetrics,
  ctx: WriteContext,
): Insertable<AnalyticsZoneDayMetricsTable> {
  return {
    home_id: m.homeId,
    zone_id: m.zoneId,
    date: m.date,
    minutes: m.minutes,
    heating_minutes: m.heatingMinutes,
    demand_weighted_minutes: m.demandWeightedMinutes,
    inside_mean_c: m.insideMeanC,
    inside_min_c: m.insideMinC,
    inside_max_c: m.insideMaxC,
    inside_mean_heating_c: m.insideMeanHeatingC,
    heating_minutes_with_inside: m.heatingMinutesWithInside,
    setpoint_mean_heating_c: m.setpointMeanHeatingC,
    comfort_deficit_degree_minutes: m.comfortDeficitDegreeMinutes,
    minutes_below_setpoint_2c_heating: m.minutesBelowSetpoint2CHeating,
    outside_mean_c: m.outsideMeanC,
    hdd: m.hdd,
    heat_up_rate_c_per_h: m.heatUpRateCPerH,
    max_drop_1h_c: m.maxDrop1hC,
    max_drop_1h_at: m.maxDrop1hAtMs === null ? null : new Date(m.maxDrop1hAtMs),
    coverage_fraction: m.coverageFraction,
    ...provenance(ctx),
  };
}

export function zoneDayMetricsOf(r: Selectable<AnalyticsZoneDayMetricsTable>): ZoneDayMetrics {
  return {
    homeId: r.home_id,
    zoneId: r.zone_id,
    date: r.date,
    minutes: r.minutes,
    heatingMinutes: r.heating_minutes,
    demandWeightedMinutes: r.demand_weighted_minutes,
    insideMeanC: r.inside_mean_c,
    insideMinC: r.inside_min_c,
    insideMaxC: r.inside_max_c,
    insideMeanHeatingC: r.inside_mean_heating_c,
    heatingMinutesWithInside: r.heating_minutes_with_inside,
    setpointMeanHeatingC: r.setpoint_mean_heating_c,
    comfortDeficitDegreeMinutes: r.comfort_deficit_degree_minutes,
    minutesBelowSetpoint2CHeating: r.minutes_below_setpoint_2c_heating,
    outsideMeanC: r.outside_mean_c,
    hdd: r.hdd,
    heatUpRateCPerH: r.heat_up_rate_c_per_h,
    maxDrop1hC: r.max_drop_1h_c,
    maxDrop1hAtMs: msOrNull(r.max_drop_1h_at),
    coverageFraction: r.coverage_fraction,
  };
}

export function homeDayMetricsRow(
  m: HomeDayMetrics,
  ctx: WriteContext,
): Insertable<AnalyticsHomeDayMetricsTable> {
  return {
    home_id: m.homeId,
    date: m.date,
    zones: m.zones,
    heating_minutes: m.heatingMinutes,
    demand_weighted_minutes: m.demandWeightedMinutes,
    inside_mean_c: m.insideMeanC,
    inside_mean_heating_c: m.insideMeanHeatingC,
    heating_minutes_with_inside: m.heatingMinutesWithInside,
    comfort_deficit_degree_minutes: m.comfortDeficitDegreeMinutes,
    outside_mean_c: m.outsideMeanC,
    hdd: m.hdd,
    coverage_fraction: m.coverageFraction,
    ...provenance(ctx),
  };
}

export function homeDayMetricsOf(r: Selectable<AnalyticsHomeDayMetricsTable>): HomeDayMetrics {
  return {
    homeId: r.home_id,
    date: r.date,
    zones: r.zones,
    heatingMinutes: r.heating_minutes,
    demandWeightedMinutes: r.demand_weighted_minutes,
    insideMeanC: r.inside_mean_c,
    insideMeanHeatingC: r.inside_mean_heating_c,
    heatingMinutesWithInside: r.heating_minutes_with_inside,
    comfortDeficitDegreeMinutes: r.comfort_deficit_degree_minutes,
    outsideMeanC: r.outside_mean_c,
    hdd: r.hdd,
    coverageFraction: r.coverage_fraction,
  };
}

// ---------------------------------------------------------------------------------------------
// weather_dependence, monthly_metrics, yearly_metrics

export function weatherDependenceRow(
  homeId: number,
  year: number,
  f: ScopeFit,
  ctx: WriteContext,
): Insertable<AnalyticsWeatherDependenceTable> {
  const fit = f.fit;
  return {
    home_id: homeId,
    zone_id: f.zoneId,
    year,
    period_start: f.periodStart,
    period_end: f.periodEnd,
    model: fit.model,
    balance_temperature_c: fit.balanceTemperatureC,
    slope_hours_per_c: fit.slopeHoursPerC,
    intercept_hours: fit.interceptHours,
    r2: fit.r2,
    adjusted_r2: fit.adjustedR2,
    cv_rmse: fit.cvRmse,
    nmbe: fit.nmbe,
    n: fit.n,
    heating_days: fit.heatingDays,
    slope_p_value: fit.slopePValue,
    weather_dependent: fit.weatherDependent,
    decision: fit.decision,
    days_in_period: f.sufficiency?.daysInPeriod ?? null,
    days_with_data: f.sufficiency?.daysWithData ?? null,
    data_sufficient: f.sufficiency?.sufficient ?? null,
    sufficiency: f.sufficiency?.reason ?? null,
    ...provenance(ctx),
  };
}

export function storedScopeFitOf(r: Selectable<AnalyticsWeatherDependenceTable>): StoredScopeFit {
  return {
    zoneId: r.zone_id,
    periodStart: r.period_start,
    periodEnd: r.period_end,
    fit: {
      model: r.model === 'intercept_only' ? 'intercept_only' : 'heating_change_point',
      balanceTemperatureC: r.balance_temperature_c,
      slopeHoursPerC: r.slope_hours_per_c,
      interceptHours: r.intercept_hours,
      r2: r.r2,
      adjustedR2: r.adjusted_r2,
      cvRmse: r.cv_rmse,
      nmbe: r.nmbe,
      n: r.n,
      heatingDays: r.heating_days,
      slopePValue: r.slope_p_value,
      weatherDependent: r.weather_dependent,
      decision: r.decision,
    },
    sufficiency:
      r.days_in_period === null || r.days_with_data === null || r.data_sufficient === null
        ? null
        : {
            daysInPeriod: r.days_in_period,
            daysWithData: r.days_with_data,
            coverageFraction: r.days_with_data / r.days_in_period,
            sufficient: r.data_sufficient,
            reason: r.sufficiency ?? '',
          },
    computedAt: r.computed_at,
    dagRunId: r.dag_run_id,
  };
}

/** Columns shared by `monthly_metrics` and `yearly_metrics` (the month is the caller's). */
function periodColumns(m: PeriodMetrics, ctx: WriteContext) {
  return {
    home_id: m.homeId,
    zone_id: m.zoneId,
    year: m.year,
    days: m.days,
    heating_hours: m.heatingHours,
    hdd: m.hdd,
    heating_hours_per_hdd: m.heatingHoursPerHdd,
    inside_mean_heating_c: m.insideMeanHeatingC,
    ...provenance(ctx),
  };
}

/** `yearly_metrics` row of a yearly `PeriodMetrics` (month null). */
export function yearlyMetricsRow(
  m: PeriodMetrics,
  ctx: WriteContext,
): Insertable<AnalyticsYearlyMetricsTable> {
  return periodColumns(m, ctx);
}

/** `monthly_metrics` row of a monthly `PeriodMetrics` (month 1..12). */
export function monthlyMetricsRow(
  m: PeriodMetrics & { month: number },
  ctx: WriteContext,
): Insertable<AnalyticsMonthlyMetricsTable> {
  return { ...periodColumns(m, ctx), month: m.month };
}

/** A `yearly_metrics` (month null) or `monthly_metrics` row as `PeriodMetrics`. */
export function periodMetricsOf(
  r: Selectable<AnalyticsYearlyMetricsTable> | Selectable<AnalyticsMonthlyMetricsTable>,
): PeriodMetrics {
  return {
    homeId: r.home_id,
    zoneId: r.zone_id,
    year: r.year,
    month: 'month' in r ? r.month : null,
    days: r.days,
    heatingHours: r.heating_hours,
    hdd: r.hdd,
    heatingHoursPerHdd: r.heating_hours_per_hdd,
    insideMeanHeatingC: r.inside_mean_heating_c,
  };
}

// ---------------------------------------------------------------------------------------------
// unusual_days

export function unusualDayRow(d: UnusualDay, ctx: WriteContext): Insertable<AnalyticsUnusualDaysTable> {
  return {
    home_id: d.homeId,
    zone_id: d.zoneId,
    date: d.date,
    reason: d.reason,
    description: d.description,
    figures: JSON.stringify(d.figures),
    ...provenance(ctx),
  };
}

export function unusualDayOf(r: Selectable<AnalyticsUnusualDaysTable>): UnusualDay {
  return {
    homeId: r.home_id,
    zoneId: r.zone_id,
    date: r.date,
    // the column's check constraint admits only the UnusualReason values
    reason: r.reason as UnusualReason,
    description: r.description,
    figures: r.figures,
  };
}
