/**
 * heating_analytics: the analysis of the heating data tado_etl loads (docs/analytics.md). It has
 * no clock schedule: it runs when tado_etl's `load` has updated the asset `tado://warehouse`
 * (data-aware scheduling, docs/dag-authoring.md), one run per batch of asset events, and each run
 * analyses the local days those events name plus any loaded day not analysed yet:
 *
 * ```
 * clean >> resample >> [merge, daily_metrics]; daily_metrics >> weather_dependence >> unusual_days
 * [clean, merge, unusual_days] >> quality_check
 * ```
 *
 * - clean: reads the zone-days from schema `tado`, sets aside placeholder, offline, impossible
 *   and spike readings (counts per rule), and zone-days whose tables are missing or half loaded;
 * - resample: one row per zone and minute of each local day; merge: into `analytics.zone_minute`;
 * - daily_metrics: per zone-day and home-day; weather_dependence: the energy signature of each
 *   zone and of the home per year (the 3-parameter heating change-point model) and the monthly
 *   and yearly figures; unusual_days: residual outliers and rule-based days;
 * - quality_check: fails the run, naming zone and date, when clean set a zone-day aside (every
 *   other zone-day of the run is analysed and stored).
 *
 * Configuration (read when the DAG file is parsed; defaults in src/config/dag-file-settings.ts,
 * shown by `heatflow config list`):
 * - `HEATING_ANALYTICS_TIMEZONE`: the time zone the triggering events' data intervals are read
 *   in to name local days; `@defaultValue` `TADO_ETL_TIMEZONE`, else `'Europe/London'`
 * - `HEATING_ANALYTICS_RETRIES` / `HEATING_ANALYTICS_RETRY_DELAY_MS`: retries of each task and
 *   the first retry delay (exponential backoff); `@defaultValue 2` / `10000`
 * - `HEATING_ANALYTICS_PAUSED_UPON_CREATION`: `@defaultValue false`
 * - `TADO_ETL_TASK_SNAPSHOTS`: `false` runs the programs from their plain bundles
 *
 * A manual run (`heatflow dags trigger heating_analytics --conf '{"dates":["2022-01-01","2022-03-01..2022-03-31"]}'`,
 * or `{"dates":"2022-01-01..2022-12-31"}`) re-analyses the dates of its `dates` param (a list of
 * dates and `first..last` ranges, or one comma-separated date set text); without it, only the
 * loaded days not analysed yet. The conf is checked when the run is triggered
 * ({@link heatingAnalyticsParamsSchema}: `dates` only, real calendar dates).
 */
import { compressDateSet, DateSetError, datesOfInterval } from '../src/analytics/date-set.js';
import {
  HEATING_ANALYTICS_DEFAULTS,
  heatingAnalyticsTimeZone,
  TADO_ETL_DEFAULTS,
} from '../src/config/dag-file-settings.js';
import { expandDatesParam, heatingAnalyticsParamsSchema } from '../src/analytics/dates-param.js';
import { FailTask } from '../src/task-sdk/fail-task.js';
import { databaseUsesTls } from '../src/config/tls-usage.js';
import { asset, defineDag, type RunContext, type Templated } from '../src/core/index.js';
import {
  envCount,
  envFlag,
  extraCaCertsIf,
  fromWorkerEnv,
  TASK_PROGRAM_ENV,
  taskProgramCommand,
} from '../src/task-sdk/dag-file-helpers.js';

/** The asset tado_etl's load updates (dags/tado_etl.ts). */
export const TADO_WAREHOUSE = asset('tado://warehouse');
/** The asset this DAG's unusual_days updates: the analytics tables of schema `analytics`. */
export const HEATING_ANALYTICS_ASSET = asset('analytics://heating');

const { timeZone } = heatingAnalyticsTimeZone(process.env);
const D = HEATING_ANALYTICS_DEFAULTS;
const useSnapshots = envFlag('TADO_ETL_TASK_SNAPSHOTS', TADO_ETL_DEFAULTS.TADO_ETL_TASK_SNAPSHOTS);
const program = (task: string): readonly string[] => taskProgramCommand(task, useSnapshots);

/**
 * The local dates a run analyses, as a date set text: those of its triggering asset events (each
 * event's data interval read in {@link timeZone}) and those of its `dates` param.
 * @throws FailTask when the `dates` param is malformed (the try fails at once, without retries,
 *   naming it; a triggered run's conf was checked already)
 */
export function runDates(ctx: RunContext): string {
  const dates = new Set<string>();
  for (const e of ctx.triggeringAssetEvents)
    for (const d of datesOfInterval(e.dataIntervalStart, e.dataIntervalEnd, timeZone)) dates.add(d);
  let param: string[];
  try {
    param = expandDatesParam(ctx.params.dates);
  } catch (err) {
    // a bad param stays bad on every try: FailTask fails the try without retries
    if (err instanceof DateSetError) throw new FailTask(`param "dates": ${err.message}`, { cause: err });
    throw err;
  }
  for (const d of param) dates.add(d);
  return compressDateSet(dates);
}

const database: Readonly<Record<string, Templated<string>>> = {
  ...TASK_PROGRAM_ENV,
  DATABASE_URL: fromWorkerEnv('DATABASE_URL'),
  NODE_EXTRA_CA_CERTS: extraCaCertsIf(() => databaseUsesTls(process.env.DATABASE_URL, process.env)),
};
const offline: Readonly<Record<string, Templated<string>>> = { ...TASK_PROGRAM_ENV, NODE_EXTRA_CA_CERTS: '' };

export const heatingAnalytics = defineDag({
  dagId: 'heating_analytics',
  description:
    'Heating analysis of the tado warehouse: cleaning, one-minute series, daily metrics, weather dependence, unusual days',
  schedule: [TADO_WAREHOUSE],
  timezone: timeZone,
  startDate: '2022-01-01',
  catchup: false,
  // one run at a time: events arriving while a run is active are consumed together by the next
  maxActiveRuns: 1,
  isPausedUponCreation: envFlag(
    'HEATING_ANALYTICS_PAUSED_UPON_CREATION',
    D.HEATING_ANALYTICS_PAUSED_UPON_CREATION,
  ),
  tags: ['tado', 'analytics'],
  params: { dates: null },
  paramsSchema: heatingAnalyticsParamsSchema,
  defaultArgs: {
    retries: envCount('HEATING_ANALYTICS_RETRIES', D.HEATING_ANALYTICS_RETRIES),
    retryDelayMs: envCount('HEATING_ANALYTICS_RETRY_DELAY_MS', D.HEATING_ANALYTICS_RETRY_DELAY_MS),
    retryExponentialBackoff: true,
    maxRetryDelayMs: 10 * 60_000,
    executionTimeoutMs: 20 * 60_000,
  },
  tasks: [
    {
      taskId: 'clean',
      description:
        'zone-days of the triggering events and any not analysed yet, from schema tado; placeholder, offline, impossible and spike readings set aside',
      command: program('clean'),
      env: { ...database, HEATING_ANALYTICS_DATES: runDates, HEATING_ANALYTICS_INCLUDE_UNANALYSED: 'true' },
    },
    {
      taskId: 'resample',
      description: 'one row per zone and minute of the local day: interpolated indoor values, step series',
      command: program('resample'),
      env: offline,
      upstream: ['clean'],
    },
    {
      taskId: 'merge',
      description: 'the minute series into analytics.zone_minute (per zone-day, replaced in one transaction)',
      command: program('merge'),
      env: database,
      upstream: ['resample'],
    },
    {
      taskId: 'daily_metrics',
      description: 'heating minutes, indoor/outdoor means, comfort deficit, HDD, heat-up rate, coverage',
      command: program('daily-metrics'),
      env: database,
      upstream: ['resample'],
    },
    {
      taskId: 'weather_dependence',
      description:
        'energy signature per zone and home and year (heating change-point model), monthly and yearly figures',
      command: program('weather-dependence'),
      env: database,
      upstream: ['daily_metrics'],
    },
    {
      taskId: 'unusual_days',
      description: 'residual outliers (modified z > 3.5) and rule-based unusual days',
      command: program('unusual-days'),
      env: database,
      upstream: ['weather_dependence'],
    },
    {
      taskId: 'quality_check',
      description: 'fails the run, naming zone and date, when clean set a zone-day aside',
      command: program('quality-check'),
      env: offline,
      upstream: ['clean', 'merge', 'unusual_days'],
      // the analysis is updated for consumers only once it passed its check: a run that set a
      // zone-day aside records no event
      outlets: [HEATING_ANALYTICS_ASSET],
      // the same data fails the same way: a retry would only repeat the message
      retries: 0,
    },
  ],
});

export default heatingAnalytics;
