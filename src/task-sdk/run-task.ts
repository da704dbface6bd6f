/**
 * The runtime of a task program (the task container contract, docs/task-contract.md):
 * `runTask(async (ctx) => …)` reads and validates the `HEATFLOW_*` environment and the upstream
 * XComs, logs JSON lines to stdout (secrets redacted), writes the function's return value to
 * `HEATFLOW_XCOM_RETURN_PATH`, and exits 0 on success, 99 ({@link SKIP_EXIT_CODE}) when the
 * function throws {@link SkipTask}, 98 ({@link NO_RETRY_EXIT_CODE}) when it throws {@link FailTask},
 * 97 ({@link RESCHEDULE_EXIT_CODE}, the reschedule request in the return file) when it throws
 * {@link RescheduleTask}, 1 on any other error; failures write a one-line reason on stderr.
 *
 * Deliberately small (pino, zod): task programs that do not need danfojs start fast.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { pino, type DestinationStream, type Logger } from 'pino';
import type { z } from 'zod';
import { HeatflowError } from '../core/errors.js';
import { SNAPSHOT_PRELOAD_ENV } from './snapshot-preload.js';
import {
  NO_RETRY_EXIT_CODE,
  RESCHEDULE_EXIT_CODE,
  SKIP_EXIT_CODE,
  type RescheduleRequest,
} from '../executors/executor.js';
import { REDACT_PATHS } from '../logging/logger.js';
import { FailTask } from './fail-task.js';
import { RescheduleTask } from './reschedule-task.js';
import { SkipTask } from './skip-task.js';
import { readTaskEnv, type TaskEnv } from './task-env.js';

/** What {@link runTask} returns while a startup snapshot is being built (the task has not run). */
export const SNAPSHOT_DEFERRED = -1;

/** Exit code of a failed task. */
export const FAILURE_EXIT_CODE = 1;

/** Extra keys redacted in task logs (besides the orchestrator's {@link REDACT_PATHS}). */
const TASK_REDACT_PATHS = [...REDACT_PATHS, 'DATABASE_URL', '*.DATABASE_URL', 'databaseUrl', '*.databaseUrl'];

/** What a task function receives. */
export interface TaskRuntimeContext extends TaskEnv {
  /** return values of the upstream tasks, by task id (from `HEATFLOW_XCOM_INPUT_PATH`) */
  readonly upstream: Readonly<Record<string, unknown>>;
  /**
   * The return value of upstream task `taskId`, validated with `schema`.
   * @throws HeatflowError `XCOM_MISSING` or `XCOM_INVALID` naming the task and the JSON path
   */
  xcom<S extends z.ZodType>(taskId: string, schema: S): z.output<S>;
  /** a path inside the run folder */
  runPath(...segments: string[]): string;
  /** JSON-lines logger on stdout, with the DAG/run/task/try in every record */
  readonly log: Logger;
  /** the process environment (the task's own variables) */
  readonly env: NodeJS.ProcessEnv;
}

/** Options of {@link runTask} (programs set at most `preload`; the rest is for tests). */
export interface RunTaskOptions {
  /**
   * Work done once while the program's startup snapshot is built (docs/task-programs.md), so that
   * processes starting from the snapshot find it done, e.g. importing danfojs-node. Not called
   * when the program runs without a snapshot (the task function then does that work itself).
   * `@defaultValue` none
   */
  preload?: () => Promise<unknown>;
  /** `@defaultValue process.env` */
  env?: NodeJS.ProcessEnv;
  /** where log lines go; `@defaultValue` stdout, written synchronously */
  logDestination?: DestinationStream;
  /** where the one-line failure reason goes; `@defaultValue process.stderr` */
  stderr?: { write(s: string): unknown };
  /** ends the process; `@defaultValue process.exit`, `null` to only return the code */
  exit?: ((code: number) => void) | null;
}

/** A thrown value as one line: `Name [CODE]: message: cause`. */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && depth < 4; depth++) {
    if (e instanceof Error) {
      const code = e instanceof HeatflowError ? ` [${e.code}]` : '';
      parts.push(depth === 0 ? `${e.name}${code}: ${e.message}` : e.message);
      e = e.cause;
    } else {
      parts.push(typeof e === 'string' ? e : (JSON.stringify(e) ?? 'unknown error'));
      e = undefined;
    }
  }
  return parts.join(': caused by: ').replace(/\s*\n\s*/g, ' | ');
}

async function readUpstream(file: string): Promise<Record<string, unknown>> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (err) {
    throw new HeatflowError('XCOM_INPUT_UNREADABLE', `cannot read HEATFLOW_XCOM_INPUT_PATH=${file}`, {
      cause: err,
    });
  }
  let value: unknown;
  try {
    value = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (err) {
    throw new HeatflowError('XCOM_INPUT_INVALID', `HEATFLOW_XCOM_INPUT_PATH=${file} is not JSON`, {
      cause: err,
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new HeatflowError(
      'XCOM_INPUT_INVALID',
      `HEATFLOW_XCOM_INPUT_PATH=${file}: expected an object of return values by task id`,
    );
  }
  return value as Record<string, unknown>;
}

function issuePath(p: readonly PropertyKey[]): string {
  return p.map((s) => (typeof s === 'number' ? `[${s}]` : `.${String(s)}`)).join('') || '(root)';
}

/**
 * Runs a task function under the contract and ends the process with its exit code. While the
 * program's startup snapshot is being built it only registers itself as the snapshot's main
 * function (and runs `options.preload`): a process started from the snapshot runs the task.
 * @returns the exit code (when `options.exit` is null); {@link SNAPSHOT_DEFERRED} while building a snapshot
 */
export async function runTask(
  fn: (ctx: TaskRuntimeContext) => Promise<unknown>,
  options: RunTaskOptions = {},
): Promise<number> {
  if (v8.startupSnapshot.isBuildingSnapshot()) {
    // Building the program's startup snapshot (docs/task-programs.md): what the program imported
    // is evaluated now and kept, with what `preload` loads (the snapshot is taken once the event
    // loop is empty); the task itself runs when a process starts from the snapshot.
    v8.startupSnapshot.setDeserializeMainFunction(() => void runTask(fn, options));
    // the build turns preloads off for a Node.js that cannot snapshot them (snapshot-manifest.ts)
    if (process.env[SNAPSHOT_PRELOAD_ENV] !== 'false') await options.preload?.();
    return SNAPSHOT_DEFERRED;
  }
  const env = options.env ?? process.env;
  const stderr = options.stderr ?? process.stderr;
  const exit = options.exit === undefined ? (code: number) => process.exit(code) : options.exit;
  const log = pino(
    {
      level: env.HEATFLOW_LOG_LEVEL ?? 'info',
      redact: { paths: TASK_REDACT_PATHS, censor: '[redacted]' },
      base: {
        dag_id: env.HEATFLOW_DAG_ID,
        run_id: env.HEATFLOW_RUN_ID,
        task_id: env.HEATFLOW_TASK_ID,
        try_number: env.HEATFLOW_TRY_NUMBER,
      },
    },
    options.logDestination ?? pino.destination({ dest: 1, sync: true }),
  );
  let code: number;
  let returnPath: string | undefined;
  try {
    const taskEnv = readTaskEnv(env);
    returnPath = taskEnv.xcomReturnPath;
    const upstream = await readUpstream(taskEnv.xcomInputPath);
    await mkdir(taskEnv.runDir, { recursive: true });
    const ctx: TaskRuntimeContext = {
      ...taskEnv,
      upstream,
      env,
      log,
      runPath: (...segments) => path.join(taskEnv.runDir, ...segments),
      xcom: (taskId, schema) => {
        if (!(taskId in upstream)) {
          throw new HeatflowError(
            'XCOM_MISSING',
            `no return value of upstream task "${taskId}" in HEATFLOW_XCOM_INPUT_PATH (has: ${Object.keys(upstream).join(', ') || 'none'})`,
          );
        }
        const parsed = schema.safeParse(upstream[taskId]);
        if (!parsed.success) {
          const i = parsed.error.issues[0];
          throw new HeatflowError(
            'XCOM_INVALID',
            `return value of upstream task "${taskId}" at ${issuePath(i?.path ?? [])}: ${i?.message ?? 'invalid'}`,
          );
        }
        return parsed.data;
      },
    };
    // startupMs: since the process started (Node.js start-up, snapshot, module loading)
    log.info(
      { ds: taskEnv.ds, upstream: Object.keys(upstream), startupMs: Math.round(performance.now()) },
      'task started',
    );
    const startedAt = performance.now();
    const value = await fn(ctx);
    if (value !== undefined) {
      await mkdir(path.dirname(taskEnv.xcomReturnPath), { recursive: true });
      await writeFile(taskEnv.xcomReturnPath, JSON.stringify(value));
    }
    log.info({ durationMs: Math.round(performance.now() - startedAt) }, 'task succeeded');
    code = 0;
  } catch (err) {
    if (err instanceof SkipTask) {
      log.info({ reason: err.message }, 'task skipped');
      code = SKIP_EXIT_CODE;
    } else if (err instanceof RescheduleTask && returnPath !== undefined) {
      code = await writeReschedule(returnPath, err, log, stderr);
    } else if (err instanceof FailTask) {
      log.error({ err }, 'task failed, not to be retried');
      stderr.write(`${describeError(err)}\n`);
      code = NO_RETRY_EXIT_CODE;
    } else {
      const line = describeError(err);
      log.error({ err }, 'task failed');
      stderr.write(`${line}\n`);
      code = FAILURE_EXIT_CODE;
    }
  }
  if (exit !== null) exit(code);
  return code;
}

/**
 * Writes the reschedule request to the return file. @returns {@link RESCHEDULE_EXIT_CODE}, or
 * {@link FAILURE_EXIT_CODE} when the file cannot be written (an ordinary, retried failure)
 */
async function writeReschedule(
  returnPath: string,
  err: RescheduleTask,
  log: Logger,
  stderr: { write(s: string): unknown },
): Promise<number> {
  const request: RescheduleRequest = { reschedule_at: err.rescheduleAt.toISOString(), reason: err.message };
  try {
    await mkdir(path.dirname(returnPath), { recursive: true });
    await writeFile(returnPath, JSON.stringify(request));
  } catch (writeErr) {
    log.error({ err: writeErr }, 'could not write the reschedule request');
    stderr.write(`cannot write the reschedule request to ${returnPath}: ${describeError(writeErr)}\n`);
    return FAILURE_EXIT_CODE;
  }
  log.info({ rescheduleAt: request.reschedule_at, reason: err.message }, 'task rescheduled');
  return RESCHEDULE_EXIT_CODE;
}
