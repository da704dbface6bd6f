/**
 * The kysely types of schema `analytics` (migrations/2026-12-02T00-01-00_analytics_schema.ts).
 * Tables are addressed as `analytics.<table>`; columns are snake_case as in Postgres, with their
 * units in the names (`_c` °C, `_fraction` 0..1, `_minutes`, `_hours`, `hdd` °C·day). The camelCase
 * shapes are in `src/analytics/types.ts` and `src/db/analytics-records.ts`; they are mapped in
 * `src/db/analytics-rows.ts` only. Every column with its unit is listed in docs/analytics.md.
 */
import type { ColumnType } from 'kysely';

/** `timestamptz`: read as `Date`, written as `Date` or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** `date`: read as `YYYY-MM-DD` (the repository's pool parses dates as text), written the same. */
type DateColumn = ColumnType<string, string, string>;
/** `jsonb`: read parsed, written as a JSON string. */
type Jsonb<T> = ColumnType<T, string, string>;

/** Provenance of a derived row: when, and by which `heating_analytics` run. */
interface Provenance {
  computed_at: Timestamp;
  dag_run_id: string | null;
}

/** `analytics.zone_days`: one row per zone-day the analysis saw, analysed or rejected. */
export interface AnalyticsZoneDaysTable {
  home_id: number;
  zone_id: number;
  date: DateColumn;
  /** `analysed` | `rejected` */
  status: string;
  /** why rejected; null when analysed */
  reason: string | null;
  time_zone: string | null;
  day_start: Timestamp | null;
  day_end: Timestamp | null;
  minutes: number | null;
  readings: number | null;
  temperature_removed_placeholder: number | null;
  temperature_removed_disconnected: number | null;
  temperature_removed_out_of_range: number | null;
  temperature_removed_spike: number | null;
  humidity_removed_placeholder: number | null;
  humidity_removed_disconnected: number | null;
  humidity_removed_out_of_range: number | null;
  humidity_removed_spike: number | null;
  analysed_at: Timestamp;
  dag_run_id: string | null;
}

/** `analytics.zone_minute`: one row per zone and minute (written by COPY, `zone-minute-copy.ts`). */
export interface AnalyticsZoneMinuteTable {
  home_id: number;
  zone_id: number;
  minute_start: Timestamp;
  inside_c: number | null;
  humidity_fraction: number | null;
  setpoint_c: number | null;
  outside_c: number | null;
  local_date: DateColumn;
  demand_level: number | null;
  power_on: boolean | null;
  connected: boolean | null;
  cleaned: boolean;
  weather_state: string | null;
}

/** `analytics.zone_day_metrics`: `ZoneDayMetrics`, one row per analysed zone-day. */
export interface AnalyticsZoneDayMetricsTable extends Provenance {
  home_id: number;
  zone_id: number;
  date: DateColumn;
  minutes: number;
  heating_minutes: number;
  demand_weighted_minutes: number;
  inside_mean_c: number | null;
  inside_min_c: number | null;
  inside_max_c: number | null;
  inside_mean_heating_c: number | null;
  heating_minutes_with_inside: number;
  setpoint_mean_heating_c: number | null;
  comfort_deficit_degree_minutes: number;
  minutes_below_setpoint_2c_heating: number;
  outside_mean_c: number | null;
  hdd: number | null;
  heat_up_rate_c_per_h: number | null;
  max_drop_1h_c: number;
  max_drop_1h_at: Timestamp | null;
  coverage_fraction: number;
}

/** `analytics.home_day_metrics`: `HomeDayMetrics`, one row per home and date with analysed zones. */
export interface AnalyticsHomeDayMetricsTable extends Provenance {
  home_id: number;
  date: DateColumn;
  zones: number;
  heating_minutes: number;
  demand_weighted_minutes: number;
  inside_mean_c: number | null;
  inside_mean_heating_c: number | null;
  heating_minutes_with_inside: number;
  comfort_deficit_degree_minutes: number;
  outside_mean_c: number | null;
  hdd: number | null;
  coverage_fraction: number;
}

/** `analytics.weather_dependence`: a `ChangePointFit` per scope (zone, or home: null) and year. */
export interface AnalyticsWeatherDependenceTable extends Provenance {
  home_id: number;
  zone_id: number | null;
  year: number;
  period_start: DateColumn;
  period_end: DateColumn;
  /** `heating_change_point` | `intercept_only` */
  model: string;
  balance_temperature_c: number | null;
  slope_hours_per_c: number | null;
  intercept_hours: number;
  r2: number;
  adjusted_r2: number;
  cv_rmse: number | null;
  nmbe: number | null;
  n: number;
  heating_days: number;
  slope_p_value: number | null;
  weather_dependent: boolean;
  decision: string;
  /** CalTRACK §2.2.1 data sufficiency (null: fitted before it was recorded) */
  days_in_period: number | null;
  days_with_data: number | null;
  data_sufficient: boolean | null;
  sufficiency: string | null;
}

/** Columns of `analytics.monthly_metrics` and `analytics.yearly_metrics` (a period of one scope). */
interface PeriodMetricsColumns extends Provenance {
  home_id: number;
  zone_id: number | null;
  year: number;
  days: number;
  heating_hours: number;
  hdd: number | null;
  heating_hours_per_hdd: number | null;
  inside_mean_heating_c: number | null;
}

/** `analytics.monthly_metrics`: per scope, year and month 1..12. */
export interface AnalyticsMonthlyMetricsTable extends PeriodMetricsColumns {
  month: number;
}

/** `analytics.yearly_metrics`: per scope and year. */
export type AnalyticsYearlyMetricsTable = PeriodMetricsColumns;

/** `analytics.unusual_days`: per scope, date and reason. */
export interface AnalyticsUnusualDaysTable extends Provenance {
  home_id: number;
  zone_id: number | null;
  date: DateColumn;
  /** an `UnusualReason` */
  reason: string;
  description: string;
  figures: Jsonb<Record<string, number | string | null>>;
}

/**
 * Every table of schema `analytics`. (The repository reads the `tado` tables with plain SQL:
 * `WarehouseDatabase` types their dates as `Date`, which this repository's pool does not parse.)
 */
export interface AnalyticsDatabase {
  'analytics.zone_days': AnalyticsZoneDaysTable;
  'analytics.zone_minute': AnalyticsZoneMinuteTable;
  'analytics.zone_day_metrics': AnalyticsZoneDayMetricsTable;
  'analytics.home_day_metrics': AnalyticsHomeDayMetricsTable;
  'analytics.weather_dependence': AnalyticsWeatherDependenceTable;
  'analytics.monthly_metrics': AnalyticsMonthlyMetricsTable;
  'analytics.yearly_metrics': AnalyticsYearlyMetricsTable;
  'analytics.unusual_days': AnalyticsUnusualDaysTable;
}
