/**
 * What the heating dashboard shows, as plain data: the JSON bodies of `/api/v1/heating/…` and
 * the input of the `/heating` pages (one model, so every figure a page shows is in its JSON).
 * camelCase with the unit in each name (`…C` °C, `…Hours` h, `…Minutes` min, `…Fraction` 0..1,
 * `hdd` °C·day); dates are local dates of the home (`YYYY-MM-DD`), instants ISO 8601 UTC.
 */
import type { DataSufficiency } from '../../analytics/data-sufficiency.js';
import type { UnusualReason } from '../../analytics/types.js';

/** A HEATING zone. */
export interface ZoneRef {
  readonly zoneId: number;
  readonly name: string;
}

/** Yearly (or monthly) figures of a scope. */
export interface PeriodFigures {
  /** null: the whole home */
  readonly zoneId: number | null;
  readonly zoneName: string | null;
  /** 1..12; null for the year */
  readonly month: number | null;
  readonly days: number;
  readonly heatingHours: number;
  /** Σ HDD, °C·day */
  readonly hdd: number | null;
  /** h/(°C·day) */
  readonly heatingHoursPerHdd: number | null;
  /** mean indoor temperature while heating, °C */
  readonly insideMeanHeatingC: number | null;
}

/** The fitted energy-signature model of a scope and year (docs/analytics.md §6). */
export interface SignatureFitModel {
  /** `heating_change_point` or `intercept_only` */
  readonly model: string;
  readonly balanceTemperatureC: number | null;
  readonly slopeHoursPerC: number | null;
  readonly interceptHours: number;
  readonly r2: number;
  readonly adjustedR2: number;
  readonly cvRmse: number | null;
  readonly nmbe: number | null;
  readonly n: number;
  readonly heatingDays: number;
  readonly slopePValue: number | null;
  readonly weatherDependent: boolean;
  /** the rule applied, with its figures */
  readonly decision: string;
  readonly periodStart: string;
  readonly periodEnd: string;
  /** how much of the calendar year the fit saw (CalTRACK §2.2.1); absent for older fits */
  readonly sufficiency?: DataSufficiency;
}

/** The energy signature: the days' points, the fit and the plain answer. */
export interface SignatureModel {
  readonly points: readonly { date: string; outsideMeanC: number; heatingHours: number }[];
  readonly fit: SignatureFitModel | null;
  /** "Yes: …" / "No: …" / "Not fitted: …" */
  readonly verdict: string;
}

/** One day of the calendar and the trend. */
export interface DayFigures {
  readonly date: string;
  readonly heatingHours: number;
  readonly outsideMeanC: number | null;
  readonly hdd: number | null;
  readonly insideMeanC: number | null;
  /** zones only */
  readonly setpointMeanHeatingC: number | null;
  readonly coverageFraction: number;
  /** reasons this day is unusual for the scope shown (the home's and every zone's on the overview) */
  readonly unusualReasons: readonly UnusualReason[];
}

/** An unusual day, with where it links to. */
export interface UnusualDayItem {
  readonly date: string;
  /** null: the whole home */
  readonly zoneId: number | null;
  readonly zoneName: string | null;
  readonly reason: UnusualReason;
  readonly description: string;
  readonly figures: Readonly<Record<string, number | string | null>>;
}

/** A year of a scope: the overview (zone null) or a zone's page. */
export interface ScopeYearModel {
  readonly homeId: number;
  readonly year: number;
  /** IANA zone of the home's local dates */
  readonly timeZone: string;
  /** every year stored, for the year switcher */
  readonly years: readonly number[];
  readonly zones: readonly ZoneRef[];
  /** null: the whole home */
  readonly zone: ZoneRef | null;
  /** the overview: the home then each zone; a zone page: that zone */
  readonly yearly: readonly PeriodFigures[];
  /** the scope's months */
  readonly monthly: readonly PeriodFigures[];
  readonly signature: SignatureModel;
  readonly days: readonly DayFigures[];
  readonly unusualDays: readonly UnusualDayItem[];
}

/** A DAG run behind a zone-day, with its page. */
export interface RunLink {
  readonly dagId: string;
  readonly runId: string;
  /** null: the run was deleted (its id is still stored with the zone-day) */
  readonly state: string | null;
  /** the run's page on this server; null when the run was deleted (there is no page) */
  readonly href: string | null;
}

/** One zone-day. */
export interface ZoneDayModel {
  readonly homeId: number;
  readonly zone: ZoneRef;
  readonly date: string;
  readonly timeZone: string;
  /** `analysed` or `rejected` */
  readonly status: string;
  /** why it was rejected; null when analysed */
  readonly reason: string | null;
  /** local midnight and the next, ISO 8601 UTC (null when rejected) */
  readonly dayStart: string | null;
  readonly dayEnd: string | null;
  /** 1,440; 1,380 / 1,500 on clock-change days */
  readonly minutes: number | null;
  /** raw readings and the values each cleaning rule set aside */
  readonly cleaning: {
    readonly readings: number | null;
    readonly temperatureRemoved: Readonly<Record<string, number | null>>;
    readonly humidityRemoved: Readonly<Record<string, number | null>>;
  };
  /** the day's metrics (docs/analytics.md, zone_day_metrics); null when rejected */
  readonly metrics: Readonly<Record<string, number | string | null>> | null;
  /** one entry per minute from `dayStart` */
  readonly series: {
    readonly insideC: readonly (number | null)[];
    readonly setpointC: readonly (number | null)[];
    readonly outsideC: readonly (number | null)[];
    readonly humidityFraction: readonly (number | null)[];
    readonly demandLevel: readonly (number | null)[];
    readonly connected: readonly (boolean | null)[];
    readonly cleaned: readonly boolean[];
  };
  /** minutes `[start, end)` from `dayStart` with the device offline */
  readonly offlineSpans: readonly { start: number; end: number }[];
  /** minutes whose indoor value differs from the raw readings' (a reading set aside) */
  readonly cleanedMinutes: number;
  readonly unusualDays: readonly UnusualDayItem[];
  /** the tado_etl run(s) that loaded the day, then the heating_analytics run that analysed it */
  readonly runs: readonly RunLink[];
}
