/**
 * What the analytics repository (`src/db/analytics-repository.ts`) takes and gives besides the
 * data model of `src/analytics/types.ts`: references to zone-days, what a write records about its
 * zone-days, and the heating report. camelCase, units in the names as in the data model; the
 * snake_case columns are mapped in `src/db/analytics-rows.ts` only.
 */
import type { DataSufficiency } from '../analytics/data-sufficiency.js';
import type {
  ChangePointFit,
  CleanCounts,
  PeriodMetrics,
  UnusualDay,
  ZoneMinuteSeries,
} from '../analytics/types.js';

/** One zone-day: a HEATING zone on a local date of the home's time zone. */
export interface ZoneDayRef {
  readonly homeId: number;
  readonly zoneId: number;
  /** local date `YYYY-MM-DD` */
  readonly date: string;
}

/** A zone-day whose `tado` rows cannot be read as a `ZoneDayInput`, and why. */
export interface MissingZoneDay extends ZoneDayRef {
  /** `zone 3 (Kitchen) 2022-03-04: …` naming the table at fault */
  readonly reason: string;
}

/** Who writes, and when: stored in every derived row (`analysed_at` / `computed_at`, `dag_run_id`). */
export interface WriteContext {
  /** the `heating_analytics` run writing the rows; null outside a DAG run (tests, a CLI) */
  readonly dagRunId: string | null;
  /** the instant recorded as `analysed_at` / `computed_at` (passed in, so a rewrite can repeat it) */
  readonly at: Date;
}

/** A zone-day merge stores: its minute series, its time zone and clean's counts. */
export interface AnalysedZoneDay {
  readonly series: ZoneMinuteSeries;
  /** IANA time zone the date is read in (`analytics.zone_days.time_zone`) */
  readonly timeZone: string;
  readonly counts: CleanCounts;
}

/** A zone-day the analysis set aside as a whole, with the reason (`zone 3 (Kitchen) 2022-03-04: …`). */
export interface RejectedZoneDay extends ZoneDayRef {
  readonly reason: string;
}

/** What {@link AnalyticsRepository.replaceZoneMinutes} wrote. */
export interface ZoneMinuteWriteResult {
  /** `zone_minute` rows written (COPY) */
  readonly minutesWritten: number;
  /** `zone_minute` rows of earlier writes removed (same zone-days, and the rejected ones) */
  readonly minutesDeleted: number;
  readonly analysed: number;
  readonly rejected: number;
  /** wall time of the transaction, ms */
  readonly elapsedMs: number;
  /** of which deleting the earlier minutes (lock and look-up included), ms */
  readonly deleteMs: number;
  /** of which the COPY, ms */
  readonly copyMs: number;
}

/** The fit of one scope (a zone, or the home: `zoneId` null) over a period of a year. */
export interface ScopeFit {
  /** null: the whole home */
  readonly zoneId: number | null;
  /** first and last local date of the days fitted, `YYYY-MM-DD` */
  readonly periodStart: string;
  readonly periodEnd: string;
  readonly fit: ChangePointFit;
  /** how much of the calendar year the fit saw (CalTRACK §2.2.1); null for fits stored before it */
  readonly sufficiency: DataSufficiency | null;
}

/** A stored {@link ScopeFit} with its provenance. */
export interface StoredScopeFit extends ScopeFit {
  readonly computedAt: Date;
  readonly dagRunId: string | null;
}

/** What `weather_dependence` computes for a home and year, replaced as a whole. */
export interface YearResults {
  readonly fits: readonly ScopeFit[];
  /**
   * monthly (month 1..12) and yearly (month null) rows of every scope, as `periodMetrics` gives
   * them; each goes to `monthly_metrics` or `yearly_metrics` by its month
   */
  readonly periods: readonly PeriodMetrics[];
}

/** An unusual day with the name of its zone (null for the home scope). */
export interface NamedUnusualDay extends UnusualDay {
  readonly zoneName: string | null;
}

/** The zone-days of a scope and year the analysis saw. */
export interface ZoneDayCounts {
  readonly analysed: number;
  readonly rejected: number;
  /** the rejected zone-days with their reasons, by date then zone */
  readonly rejectedDays: readonly (ZoneDayRef & { readonly reason: string })[];
}

/** Everything stored about one scope (a zone, or the whole home) for a year. */
export interface ScopeHeatingReport {
  /** null: the whole home (its heating zones summed) */
  readonly zoneId: number | null;
  /** the zone's name in `tado.zones`; null for the home (or a zone no longer listed) */
  readonly zoneName: string | null;
  /** the yearly row (month null) */
  readonly yearly: PeriodMetrics | null;
  /** the monthly rows, by month */
  readonly monthly: readonly PeriodMetrics[];
  readonly fit: StoredScopeFit | null;
  /** by date, then reason */
  readonly unusualDays: readonly NamedUnusualDay[];
  /** the home scope counts every zone's zone-days */
  readonly zoneDays: ZoneDayCounts;
}

/** One home's report: the home scope first, then its zones by id. */
export interface HomeHeatingReport {
  readonly homeId: number;
  readonly scopes: readonly ScopeHeatingReport[];
}

/** What `heatflow heating report` and the dashboard print, read from the tables. */
export interface HeatingReport {
  readonly year: number;
  /** homes with anything stored for the year, by id */
  readonly homes: readonly HomeHeatingReport[];
}

/** Which report {@link AnalyticsRepository.readHeatingReport} reads. */
export interface HeatingReportQuery {
  readonly year: number;
  /** one home; `@defaultValue` every home */
  readonly homeId?: number;
  /** one zone (its scope only, no home scope); `@defaultValue` every zone and the home */
  readonly zoneId?: number;
}
