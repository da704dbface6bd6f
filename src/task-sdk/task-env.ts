/**
 * Reads the task container contract's `HEATFLOW_*` environment (docs/task-contract.md), validated
 * with zod: a missing or bad variable fails with its name and what was expected.
 */
import { z } from 'zod';
import { ConfigError } from '../core/errors.js';

const instant = z.iso.datetime({ offset: true, error: 'expected an ISO 8601 date-time with a zone' });
const path = z.string().min(1, 'expected a file path');

const schema = z.object({
  HEATFLOW_DAG_ID: z.string().min(1, 'expected the DAG id'),
  HEATFLOW_RUN_ID: z.string().min(1, 'expected the run id'),
  HEATFLOW_TASK_ID: z.string().min(1, 'expected the task id'),
  HEATFLOW_TRY_NUMBER: z.coerce
    .number({ error: 'expected an integer ≥ 1' })
    .int('expected an integer ≥ 1')
    .min(1, 'expected an integer ≥ 1'),
  HEATFLOW_LOGICAL_DATE: instant,
  HEATFLOW_DS: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  HEATFLOW_DATA_INTERVAL_START: instant,
  HEATFLOW_DATA_INTERVAL_END: instant,
  HEATFLOW_RUN_DIR: path,
  HEATFLOW_XCOM_INPUT_PATH: path,
  HEATFLOW_XCOM_RETURN_PATH: path,
});

/** The contract's variables, parsed. */
export interface TaskEnv {
  readonly dagId: string;
  readonly runId: string;
  readonly taskId: string;
  /** counts from 1 */
  readonly tryNumber: number;
  readonly logicalDate: Date;
  /** logical date as `YYYY-MM-DD` in the DAG's time zone */
  readonly ds: string;
  readonly dataIntervalStart: Date;
  readonly dataIntervalEnd: Date;
  /** this run's folder (files go here only) */
  readonly runDir: string;
  /** JSON file: upstream return values by task id */
  readonly xcomInputPath: string;
  /** where the task writes its JSON return value */
  readonly xcomReturnPath: string;
}

/** Names of the variables {@link readTaskEnv} requires. */
export const TASK_ENV_VARIABLES = Object.keys(schema.shape) as (keyof z.infer<typeof schema>)[];

/**
 * Reads and validates the contract's variables.
 * @param env - `@defaultValue process.env`
 * @throws ConfigError naming every missing or invalid variable and what it expects
 */
export function readTaskEnv(env: NodeJS.ProcessEnv = process.env): TaskEnv {
  const input: Record<string, string> = {};
  for (const key of TASK_ENV_VARIABLES) {
    const v = env[key];
    if (v !== undefined && v !== '') input[key] = v;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const vars = [...new Set(parsed.error.issues.map((i) => String(i.path[0])))];
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return input[name] === undefined
        ? `${name} is not set (${i.message})`
        : `${name}=${JSON.stringify(input[name])}: ${i.message}`;
    });
    throw new ConfigError(`task container contract: ${lines.join('; ')}`, vars);
  }
  const e = parsed.data;
  return {
    dagId: e.HEATFLOW_DAG_ID,
    runId: e.HEATFLOW_RUN_ID,
    taskId: e.HEATFLOW_TASK_ID,
    tryNumber: e.HEATFLOW_TRY_NUMBER,
    logicalDate: new Date(e.HEATFLOW_LOGICAL_DATE),
    ds: e.HEATFLOW_DS,
    dataIntervalStart: new Date(e.HEATFLOW_DATA_INTERVAL_START),
    dataIntervalEnd: new Date(e.HEATFLOW_DATA_INTERVAL_END),
    runDir: e.HEATFLOW_RUN_DIR,
    xcomInputPath: e.HEATFLOW_XCOM_INPUT_PATH,
    xcomReturnPath: e.HEATFLOW_XCOM_RETURN_PATH,
  };
}
