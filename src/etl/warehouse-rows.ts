/**
 * The rows the transform step produces and the load step writes, one interface per table of the
 * `tado` schema (see `docs/pipeline.md`). camelCase here, snake_case in Postgres; the mapping
 * lives in `src/db/warehouse.ts` only. Instants are ISO 8601 UTC strings (as they travel through
 * JSON files between tasks), dates are `YYYY-MM-DD` in the home's time zone.
 */
import type { ReadingFlag } from './reading-flags.js';

/** Identifies a zone: tado's home id and zone id. */
export interface ZoneKey {
  readonly homeId: number;
  readonly zoneId: number;
}

/** `tado.zones`: one row per zone, from `GET /homes/{homeId}/zones`. Key: (homeId, zoneId). */
export interface ZoneRow extends ZoneKey {
  readonly name: string;
  /** tado's `type`: `HEATING`, `HOT_WATER`, `AIR_CONDITIONING` */
  readonly zoneType: string;
  /** when the zone was created (ISO 8601) */
  readonly dateCreated: string;
  readonly deviceTypes: readonly string[];
  /** the zone object as the API returned it */
  readonly raw: unknown;
}

/** `tado.days`: one row per zone and local date, with the raw day report. Key: (homeId, zoneId, date). */
export interface DayRow extends ZoneKey {
  /** the report's local date, `YYYY-MM-DD` */
  readonly date: string;
  readonly zoneType: string;
  /** IANA time zone the date is read in */
  readonly timeZone: string;
  /** `interval.from` of the report (ISO 8601 UTC) */
  readonly intervalFrom: string;
  /** `interval.to` of the report (ISO 8601 UTC) */
  readonly intervalTo: string;
  /** 24, or 23/25 on clock-change days */
  readonly hoursInDay: number;
  /** the report is tado's placeholder (constant 20 °C / 0.5 humidity) */
  readonly placeholder: boolean;
  /** time inside the local day the measuring device was disconnected, in ms */
  readonly deviceOfflineMs: number;
}

/** A day row with its raw report, as loaded. */
export interface DayRowWithReport extends DayRow {
  /** the day report as the API returned it (stored as jsonb for reprocessing) */
  readonly report: unknown;
}

/** A day row as the transform task writes it: the raw report stays in extract's file. */
export interface DayFileRow extends DayRow {
  /** the raw day report, relative to the run folder */
  readonly reportFile: string;
}

/** Columns every per-day row carries: which report it came from. */
interface FromReport extends ZoneKey {
  /** local date of the report the row came from */
  readonly reportDate: string;
}

/**
 * `tado.interior`: inside temperature and humidity joined on their timestamp. Key:
 * (homeId, zoneId, ts). Points in the report's ±15-minute margins are kept with
 * `inReportDay: false`; when two reports hold the same point, the one whose local day holds it wins.
 */
export interface InteriorRow extends FromReport {
  /** ISO 8601 UTC */
  readonly ts: string;
  /** °C; null when the report has no temperature at this timestamp */
  readonly temperatureC: number | null;
  /** relative humidity as a fraction 0..1; null when the report has no humidity at this timestamp */
  readonly humidityFraction: number | null;
  /** ts lies inside the report's local day (not in its margins) */
  readonly inReportDay: boolean;
  /**
   * why both values are null although tado sent some: `placeholder` (the day is tado's stand-in
   * history) or `device_offline` (the measuring device was disconnected); null for a reading as
   * measured (`src/etl/reading-flags.ts`). Absent in transform files written before it existed:
   * read as null.
   */
  readonly flag?: ReadingFlag | null;
}

/** Columns of every interval row: `[intervalStart, intervalEnd)`, clipped to the report's local day. */
export interface IntervalRow extends FromReport {
  /** ISO 8601 UTC, inclusive */
  readonly intervalStart: string;
  /** ISO 8601 UTC, exclusive */
  readonly intervalEnd: string;
}

/** `tado.weather`: outdoor condition intervals (`weather.condition`). Key: (homeId, zoneId, intervalStart). */
export interface WeatherRow extends IntervalRow {
  /** tado's weather `state`, e.g. `NIGHT_CLOUDY`; null when the API sent no condition */
  readonly state: string | null;
  /** outdoor temperature in °C; null when the API sent no condition */
  readonly temperatureC: number | null;
}

/** `tado.call_for_heat`: heating demand intervals. Key: (homeId, zoneId, intervalStart). */
export interface CallForHeatRow extends IntervalRow {
  /** `NONE`, `LOW`, `MEDIUM`, `HIGH` */
  readonly level: string;
}

/** `tado.settings`: the zone's setting intervals. Key: (homeId, zoneId, intervalStart). */
export interface SettingRow extends IntervalRow {
  /** tado's setting `type`, e.g. `HEATING` */
  readonly settingType: string;
  /** `ON` or `OFF` */
  readonly power: string;
  /** target temperature in °C; null when power is OFF (and for AC modes without a setpoint) */
  readonly temperatureC: number | null;
  /** AIR_CONDITIONING only (null otherwise): `COOL`, `HEAT`, `DRY`, `FAN`, `AUTO`; see `ac-rows.ts` */
  readonly mode?: string | null;
  /** AIR_CONDITIONING only: `fanLevel` (`AUTO`, `LEVEL1`…`LEVEL5`, `SILENT`), or an older unit's `fanSpeed` */
  readonly fanLevel?: string | null;
  /** AIR_CONDITIONING only: `verticalSwing` (`OFF`, `ON`, `UP`, `MID`, …), or an older unit's `swing` */
  readonly verticalSwing?: string | null;
  /** AIR_CONDITIONING only: `horizontalSwing` (`OFF`, `ON`, `LEFT`, `RIGHT`, …) */
  readonly horizontalSwing?: string | null;
}

/** `tado.ac_activity`: when an AC unit ran (`acActivity`). Key: (homeId, zoneId, intervalStart). */
export interface AcActivityRow extends IntervalRow {
  /** `ON` or `OFF` (open set) */
  readonly power: string;
}

/** `tado.device_connected`: whether the measuring device was connected. Key: (homeId, zoneId, intervalStart). */
export interface DeviceConnectedRow extends IntervalRow {
  readonly connected: boolean;
}

/** The rows of one day report (one zone, one date). */
export interface DayReportRows {
  readonly day: DayRow;
  readonly interior: readonly InteriorRow[];
  readonly weather: readonly WeatherRow[];
  readonly callForHeat: readonly CallForHeatRow[];
  readonly settings: readonly SettingRow[];
  readonly deviceConnected: readonly DeviceConnectedRow[];
  /** AIR_CONDITIONING zones only (empty otherwise) */
  readonly acActivity: readonly AcActivityRow[];
}

/** Everything one load writes, in one transaction. */
export interface WarehouseBatch {
  readonly zones: readonly ZoneRow[];
  readonly days: readonly DayRowWithReport[];
  readonly interior: readonly InteriorRow[];
  readonly weather: readonly WeatherRow[];
  readonly callForHeat: readonly CallForHeatRow[];
  readonly settings: readonly SettingRow[];
  readonly deviceConnected: readonly DeviceConnectedRow[];
  readonly acActivity: readonly AcActivityRow[];
}

/** Rows per table (written by a load, or stored). */
export interface WarehouseRowCounts {
  zones: number;
  days: number;
  interior: number;
  weather: number;
  callForHeat: number;
  settings: number;
  deviceConnected: number;
  acActivity: number;
}
