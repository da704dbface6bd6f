/**
 * tado_etl: a day of tado° heating data per run, `extract >> validate >> transform >> load`
 * (docs/pipeline.md). Daily at 01:00 in the home's time zone: the run for `ds` starts once the
 * interval ends at 01:00 the next day, 45 minutes after tado's report window for `ds` closes
 * (next local midnight + 15 min), so scheduled runs never fetch a report cut short.
 *
 * Configuration (read when the DAG file is parsed):
 * - `TADO_ETL_TIMEZONE`: IANA time zone of the schedule and of `ds`; `@defaultValue 'Europe/London'`
 * - `TADO_ETL_START_DATE` / `TADO_ETL_END_DATE`: first / last logical date;
 *   `@defaultValue '2022-01-01'` / none
 * - `TADO_ETL_RETRIES` / `TADO_ETL_RETRY_DELAY_MS`: retries of each task and the first retry
 *   delay (exponential backoff); `@defaultValue 3` / `30000`
 * - `TADO_ETL_PAUSED_UPON_CREATION`: `true` records the DAG paused when it is first seen, so a new
 *   deployment does not start catching up since the start date by itself (docker compose sets it;
 *   backfills still run on a paused DAG); `@defaultValue false`
 *
 * Secrets are never written here: `DATABASE_URL` and the `TADO_*` client settings are read from
 * the worker's environment when a try is rendered (by reference), and given only to the task that
 * needs them (extract: `TADO_*`; load: `DATABASE_URL`).
 */
import { defineDag, type Templated } from '../src/core/index.js';
import { TADO_CONFIG_VARIABLES } from '../src/tado/tado-config.js';

/** The worker's value of `name` at render time ('' when unset, which the tasks read as unset). */
const fromWorkerEnv =
  (name: string): Templated<string> =>
  () =>
    process.env[name] ?? '';

const tadoEnv = Object.fromEntries(TADO_CONFIG_VARIABLES.map((name) => [name, fromWorkerEnv(name)]));
const node = (task: string): readonly string[] => ['node', `dist/tasks/${task}.js`];
const endDate = process.env.TADO_ETL_END_DATE;

export const tadoEtl = defineDag({
  dagId: 'tado_etl',
  description: 'Daily ETL of tado° day reports (one per heating zone) into the Postgres schema tado',
  schedule: '0 1 * * *',
  timezone: process.env.TADO_ETL_TIMEZONE ?? 'Europe/London',
  startDate: process.env.TADO_ETL_START_DATE ?? '2022-01-01',
  ...(endDate === undefined || endDate === '' ? {} : { endDate }),
  catchup: true,
  isPausedUponCreation: process.env.TADO_ETL_PAUSED_UPON_CREATION === 'true',
  tags: ['tado', 'etl'],
  defaultArgs: {
    retries: Number(process.env.TADO_ETL_RETRIES ?? 3),
    retryDelayMs: Number(process.env.TADO_ETL_RETRY_DELAY_MS ?? 30_000),
    retryExponentialBackoff: true,
    maxRetryDelayMs: 30 * 60_000,
    executionTimeoutMs: 10 * 60_000,
  },
  tasks: [
    {
      taskId: 'extract',
      description: 'zone list and one raw day report per HEATING zone for ds, into the run folder',
      command: node('extract'),
      env: tadoEnv,
      // the client paces its requests (TADO_REQUEST_DELAY_MS) and stops at the quota's reserve
      executionTimeoutMs: 30 * 60_000,
    },
    {
      taskId: 'validate',
      description:
        'schemas, window (local day ±15 min), 15-minute grid, hoursInDay; flags placeholder and offline data',
      command: node('validate'),
      upstream: ['extract'],
    },
    {
      taskId: 'transform',
      description: 'flatten into the tado tables with danfojs-node; intervals clipped to the local day',
      command: node('transform'),
      upstream: ['validate'],
    },
    {
      taskId: 'load',
      description: 'upsert into schema tado in one transaction, keyed on natural keys',
      command: node('load'),
      env: { DATABASE_URL: fromWorkerEnv('DATABASE_URL') },
      upstream: ['transform'],
    },
  ],
});

export default tadoEtl;
