/**
 * DAG run ids and queue job ids.
 *
 * Run ids have Airflow's shape `{run_type}__{logical_date.isoformat()}`, e.g.
 * `scheduled__2022-01-01T01:00:00+00:00` (airflow/models/dagrun.py `DagRun.generate_run_id`); an
 * asset-triggered run is `asset_triggered__<creation instant>` (Airflow 3's run type; Airflow 2
 * called it `dataset_triggered`).
 * BullMQ rejects custom job ids that contain `:` or are made only of digits, so job ids escape
 * `%`, `:` and `/` in each part (percent-encoding) and join the parts with `/`.
 */
import { HeatflowError } from './errors.js';
import type { RunType } from './types.js';

/**
 * The run id of a DAG run: `{runType}__{logical date in UTC, ISO 8601 with +00:00}`; milliseconds,
 * when not zero, are written as Python writes microseconds (`…T01:00:00.123000+00:00`).
 */
export function makeRunId(runType: RunType, logicalDate: Date): string {
  if (Number.isNaN(logicalDate.getTime())) {
    throw new HeatflowError('INVALID_DATE', `cannot make a ${runType} run id from an invalid Date`);
  }
  const iso = logicalDate.toISOString();
  const ms = logicalDate.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms * 1000).padStart(6, '0')}`;
  return `${runType}__${iso.slice(0, 19)}${fraction}+00:00`;
}

/** The parts a job id is made of. */
export interface JobIdParts {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** counting from 1 */
  readonly tryNumber: number;
}

function escapePart(part: string): string {
  return part.replace(/[%:/]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

function unescapePart(part: string): string {
  return part.replace(/%([0-9A-F]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The BullMQ job id of one task-instance try: deterministic (enqueuing the same try twice is a
 * no-op in BullMQ), readable, free of `:` and never all digits, e.g.
 * `tado_etl/scheduled__2022-01-01T01%3A00%3A00+00%3A00/extract/1`. Inverse: {@link parseJobId}.
 *
 * @throws HeatflowError `INVALID_JOB_ID` when `tryNumber` is not a positive integer
 */
export function jobIdFor(dagId: string, runId: string, taskId: string, tryNumber: number): string {
  if (!Number.isInteger(tryNumber) || tryNumber < 1) {
    throw new HeatflowError('INVALID_JOB_ID', `try number must be a positive integer, got ${tryNumber}`);
  }
  return [escapePart(dagId), escapePart(runId), escapePart(taskId), String(tryNumber)].join('/');
}

/**
 * The start every job id of a DAG's tries (or of one run's, with `runId`) shares:
 * `<dag>/` or `<dag>/<run>/`, escaped as {@link jobIdFor} escapes them.
 */
export function jobIdPrefix(dagId: string, runId?: string): string {
  return runId === undefined ? `${escapePart(dagId)}/` : `${escapePart(dagId)}/${escapePart(runId)}/`;
}

/**
 * The parts of a job id made by {@link jobIdFor}.
 *
 * @throws HeatflowError `INVALID_JOB_ID` when `jobId` was not made by `jobIdFor`
 */
export function parseJobId(jobId: string): JobIdParts {
  const parts = jobId.split('/');
  const [dagId, runId, taskId, tryText] = parts;
  if (
    parts.length !== 4 ||
    dagId === undefined ||
    runId === undefined ||
    taskId === undefined ||
    tryText === undefined ||
    !/^[1-9]\d*$/.test(tryText)
  ) {
    throw new HeatflowError('INVALID_JOB_ID', `not a heatflow job id: ${JSON.stringify(jobId)}`);
  }
  return {
    dagId: unescapePart(dagId),
    runId: unescapePart(runId),
    taskId: unescapePart(taskId),
    tryNumber: Number(tryText),
  };
}
