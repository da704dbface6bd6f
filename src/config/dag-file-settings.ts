/**
 * The settings the project's DAG files read from the environment when they are parsed
 * (`dags/tado_etl.ts`, `dags/heating_analytics.ts`), with their defaults in one place: the DAG
 * files take their defaults from here and `heatflow config list` shows them. Pure.
 */

/** Defaults of `dags/tado_etl.ts` (README's configuration table). */
export const TADO_ETL_DEFAULTS = Object.freeze({
  /** IANA time zone of the schedule and of `ds` */
  TADO_ETL_TIMEZONE: 'Europe/London',
  /** first logical date */
  TADO_ETL_START_DATE: '2022-01-01',
  /** last logical date (included); none: no end */
  TADO_ETL_END_DATE: undefined,
  /** record the DAG paused when it is first seen */
  TADO_ETL_PAUSED_UPON_CREATION: false,
  /** retries of each task */
  TADO_ETL_RETRIES: 3,
  /** first retry delay, in ms (exponential backoff) */
  TADO_ETL_RETRY_DELAY_MS: 30_000,
  /** run the task programs from their startup snapshots */
  TADO_ETL_TASK_SNAPSHOTS: true,
});

/** Defaults of `dags/heating_analytics.ts`; its time zone defaults to `TADO_ETL_TIMEZONE`'s value. */
export const HEATING_ANALYTICS_DEFAULTS = Object.freeze({
  /** retries of each task */
  HEATING_ANALYTICS_RETRIES: 2,
  /** first retry delay, in ms (exponential backoff) */
  HEATING_ANALYTICS_RETRY_DELAY_MS: 10_000,
  /** record the DAG paused when it is first seen */
  HEATING_ANALYTICS_PAUSED_UPON_CREATION: false,
});

/** The variable heating_analytics' time zone is read from; unset: {@link TADO_ETL_DEFAULTS}' zone, through `TADO_ETL_TIMEZONE`. */
export const HEATING_ANALYTICS_TIMEZONE = 'HEATING_ANALYTICS_TIMEZONE';

/**
 * heating_analytics' time zone: `HEATING_ANALYTICS_TIMEZONE`, else `TADO_ETL_TIMEZONE`, else
 * `Europe/London` (empty values count as unset).
 * @returns the zone and the variable it came from (`undefined`: the built-in default)
 */
export function heatingAnalyticsTimeZone(env: NodeJS.ProcessEnv): {
  readonly timeZone: string;
  readonly from: string | undefined;
} {
  for (const key of [HEATING_ANALYTICS_TIMEZONE, 'TADO_ETL_TIMEZONE']) {
    const v = env[key];
    if (v !== undefined && v !== '') return { timeZone: v, from: key };
  }
  return { timeZone: TADO_ETL_DEFAULTS.TADO_ETL_TIMEZONE, from: undefined };
}

/** One DAG-file setting as `config list` shows it. */
export interface DagFileSetting {
  /** `tado_etl` or `heating_analytics` */
  readonly section: string;
  readonly key: string;
  /** the default as text; undefined when there is none */
  readonly defaultValue: string | undefined;
}

/** Every DAG-file setting, by DAG, in declaration order (HEATING_ANALYTICS_TIMEZONE first of its DAG). */
export const DAG_FILE_SETTINGS: readonly DagFileSetting[] = Object.freeze([
  ...Object.entries(TADO_ETL_DEFAULTS).map(([key, v]) => ({
    section: 'tado_etl',
    key,
    defaultValue: v === undefined ? undefined : String(v),
  })),
  {
    section: 'heating_analytics',
    key: HEATING_ANALYTICS_TIMEZONE,
    defaultValue: TADO_ETL_DEFAULTS.TADO_ETL_TIMEZONE,
  },
  ...Object.entries(HEATING_ANALYTICS_DEFAULTS).map(([key, v]) => ({
    section: 'heating_analytics',
    key,
    defaultValue: String(v),
  })),
]);
