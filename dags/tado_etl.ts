/**
 * tado_etl: a day of tado° heating data per run, `extract >> validate >> transform >> load`
 * (docs/pipeline.md). Daily at 01:00 in the home's time zone: the run for `ds` starts once the
 * interval ends at 01:00 the next day, 45 minutes after tado's report window for `ds` closes
 * (next local midnight + 15 min). On the eve of a spring-forward day the next 01:00 does not exist
 * and the timetable reads it as Airflow does, with the offset after the gap (01:00 BST, 00:00 UTC
 * in Europe/London: 15 min before that day's window closes); extract then waits for the window to
 * close instead of fetching a report cut short.
 *
 * Configuration (read when the DAG file is parsed; defaults in src/config/dag-file-settings.ts,
 * shown by `heatflow config list`):
 * - `TADO_ETL_TIMEZONE`: IANA time zone of the schedule and of `ds`; `@defaultValue 'Europe/London'`
 * - `TADO_ETL_START_DATE` / `TADO_ETL_END_DATE`: first / last logical date, both days included
 *   (`TADO_ETL_END_DATE=2022-12-31` ends with the run for 2022-12-31); `@defaultValue
 *   '2022-01-01'` / none
 * - `TADO_ETL_RETRIES` / `TADO_ETL_RETRY_DELAY_MS`: retries of each task and the first retry
 *   delay (exponential backoff); `@defaultValue 3` / `30000`
 * - `TADO_ETL_TASK_SNAPSHOTS`: `false` runs the task programs from their plain bundles instead of
 *   their startup snapshots (each try then loads its modules, and transform imports danfojs-node:
 *   about 0.5 s more CPU per run); `@defaultValue true`
 * - `TADO_ETL_PAUSED_UPON_CREATION`: `true` records the DAG paused when it is first seen, so a new
 *   deployment does not start catching up since the start date by itself (docker compose sets it;
 *   backfills still run on a paused DAG); `@defaultValue false`
 *
 * Run conf: none (`paramsSchema` is `z.strictObject({})`: `dags trigger tado_etl --conf '{"x":1}'`
 * is refused naming the key; a run's day is its `ds`).
 *
 * Secrets are never written here: `DATABASE_URL` and the `TADO_*` client settings are read from
 * the worker's environment when a try is rendered (by reference), and given only to the task that
 * needs them (extract: `TADO_*`; load: `DATABASE_URL`).
 */
import { z } from 'zod';
import { TADO_ETL_DEFAULTS } from '../src/config/dag-file-settings.js';
import { databaseUsesTls, tadoUsesTls } from '../src/config/tls-usage.js';
import { asset, defineDag } from '../src/core/index.js';
import { TADO_CONFIG_VARIABLES } from '../src/tado/tado-config.js';
import { TADO_CONNECTION_ENV } from '../src/tado/tado-connection.js';
import {
  envCount,
  envFlag,
  extraCaCertsIf,
  fromWorkerEnv,
  TASK_PROGRAM_ENV,
  taskProgramCommand,
} from '../src/task-sdk/dag-file-helpers.js';

const D = TADO_ETL_DEFAULTS;
const useSnapshots = envFlag('TADO_ETL_TASK_SNAPSHOTS', D.TADO_ETL_TASK_SNAPSHOTS);

/**
 * extract's tado settings: the worker's `TADO_*` variables, with the `tado` connection laid over
 * them when one is defined (`heatflow connections add tado --conn-uri 'tado://…'`): its URI reaches
 * the task as `HEATFLOW_CONN_TADO` and wins over the variables (src/tado/tado-connection.ts).
 */
const tadoEnv = {
  ...Object.fromEntries(TADO_CONFIG_VARIABLES.map((name) => [name, fromWorkerEnv(name)])),
  [TADO_CONNECTION_ENV]: "{{ conn.tado.uri | default('') }}",
};
/**
 * A task program (docs/task-programs.md): started from its startup snapshot, built by
 * `npm run build` with the program's modules already evaluated (transform: with danfojs-node
 * imported), or from its plain bundle when `TADO_ETL_TASK_SNAPSHOTS=false`.
 */
const node = (task: string): readonly string[] => taskProgramCommand(task, useSnapshots);
const programEnv = TASK_PROGRAM_ENV;
/** For programs that open no network connection at all (validate, transform). */
const offlineProgramEnv = { ...programEnv, NODE_EXTRA_CA_CERTS: '' };
/**
 * `TADO_ETL_END_DATE` names the last logical date, so its own day's run (at 01:00) is included: a
 * plain date means the end of that day, as README.md says (an instant is taken as given).
 */
const endDateSetting = process.env.TADO_ETL_END_DATE?.trim();
const endDate =
  endDateSetting !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(endDateSetting)
    ? `${endDateSetting}T23:59:59.999`
    : endDateSetting;

export const tadoEtl = defineDag({
  dagId: 'tado_etl',
  description: 'Daily ETL of tado° day reports (one per heating zone) into the Postgres schema tado',
  schedule: '0 1 * * *',
  timezone: process.env.TADO_ETL_TIMEZONE ?? D.TADO_ETL_TIMEZONE,
  startDate: process.env.TADO_ETL_START_DATE ?? D.TADO_ETL_START_DATE,
  ...(endDate === undefined || endDate === '' ? {} : { endDate }),
  catchup: true,
  isPausedUponCreation: envFlag('TADO_ETL_PAUSED_UPON_CREATION', D.TADO_ETL_PAUSED_UPON_CREATION),
  tags: ['tado', 'etl'],
  // its tasks read no conf: every run's day is its `ds`; a conf key is a mistake (rejected at trigger)
  paramsSchema: z.strictObject({}),
  defaultArgs: {
    retries: envCount('TADO_ETL_RETRIES', D.TADO_ETL_RETRIES),
    retryDelayMs: envCount('TADO_ETL_RETRY_DELAY_MS', D.TADO_ETL_RETRY_DELAY_MS),
    retryExponentialBackoff: true,
    maxRetryDelayMs: 30 * 60_000,
    executionTimeoutMs: 10 * 60_000,
  },
  tasks: [
    {
      taskId: 'extract',
      description: 'zone list and one raw day report per HEATING zone for ds, into the run folder',
      command: node('extract'),
      env: {
        ...programEnv,
        ...tadoEnv,
        NODE_EXTRA_CA_CERTS: extraCaCertsIf(() => tadoUsesTls(process.env)),
      },
      // the client paces its requests (TADO_REQUEST_DELAY_MS) and stops at the quota's reserve;
      // a run started before the day's report window closed first waits up to 30 min for it
      executionTimeoutMs: 60 * 60_000,
    },
    {
      taskId: 'validate',
      description:
        'schemas, window (local day ±15 min), 15-minute grid, hoursInDay; flags placeholder and offline data',
      command: node('validate'),
      env: offlineProgramEnv,
      upstream: ['extract'],
    },
    {
      taskId: 'transform',
      description: 'flatten into the tado tables with danfojs-node; intervals clipped to the local day',
      command: node('transform'),
      env: offlineProgramEnv,
      upstream: ['validate'],
    },
    {
      taskId: 'load',
      description: 'upsert into schema tado in one transaction, keyed on natural keys',
      command: node('load'),
      env: {
        ...programEnv,
        DATABASE_URL: fromWorkerEnv('DATABASE_URL'),
        NODE_EXTRA_CA_CERTS: extraCaCertsIf(() => databaseUsesTls(process.env.DATABASE_URL, process.env)),
      },
      upstream: ['transform'],
      outlets: [asset('tado://warehouse')],
    },
  ],
});

export default tadoEtl;
