/**
 * Runs each task try as a child process on this machine, under the same task container contract
 * as the Docker executor. For development and single-machine use.
 */
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { logSink } from '../secrets/masking-stream.js';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveInside } from '../core/safe-path.js';
import { HeatflowError } from '../core/errors.js';
import {
  NO_RETRY_EXIT_CODE,
  RESCHEDULE_EXIT_CODE,
  SKIP_EXIT_CODE,
  type ExecutionHooks,
  type ExecutionRequest,
  type ExecutionResult,
  type Executor,
  type OrphanTry,
} from './executor.js';
import { readReturnValue, StderrTail, xcomFileNames } from './executor-files.js';
import { explainSnapshotRefusal, SnapshotGuard } from './snapshot-guard.js';

/** Options of {@link ProcessExecutor}. */
export interface ProcessExecutorOptions {
  /** the shared data folder (HEATFLOW_DATA_DIR), absolute */
  dataDir: string;
  /** working directory of task processes; `@defaultValue process.cwd()` */
  cwd?: string;
  /** base environment of task processes; `@defaultValue process.env` */
  baseEnv?: NodeJS.ProcessEnv;
  /** wait between SIGTERM and SIGKILL when killing, in ms; `@defaultValue 5000` */
  killGraceMs?: number;
}

/** The process executor: `execute` spawns the task's argv with the contract's environment. */
export class ProcessExecutor implements Executor {
  readonly name = 'process';
  private readonly cwd: string;
  private readonly baseEnv: NodeJS.ProcessEnv;
  private readonly killGraceMs: number;
  private readonly snapshots = new SnapshotGuard();

  constructor(private readonly options: ProcessExecutorOptions) {
    this.cwd = options.cwd ?? process.cwd();
    this.baseEnv = options.baseEnv ?? process.env;
    this.killGraceMs = options.killGraceMs ?? 5000;
  }

  async execute(req: ExecutionRequest, hooks: ExecutionHooks = {}): Promise<ExecutionResult> {
    const startedAt = Date.now();
    const [program, ...args] = req.command;
    if (program === undefined) {
      throw new HeatflowError(
        'EMPTY_COMMAND',
        `task "${req.taskId}" of DAG "${req.dagId}" has an empty command`,
      );
    }
    // a run folder, its XCom files and the log never leave their roots, whatever the ids
    const runDir = resolveInside(this.options.dataDir, 'run folder', req.runDir);
    const files = xcomFileNames(req);
    const inputPath = path.join(runDir, files.input);
    const returnPath = path.join(runDir, files.return);
    await mkdir(path.dirname(inputPath), { recursive: true });
    await rm(returnPath, { force: true });
    await writeFile(inputPath, JSON.stringify(req.xcomInput));
    await mkdir(path.dirname(req.logPath), { recursive: true });
    const log = createWriteStream(req.logPath, { flags: 'a' });
    const tail = new StderrTail();
    const out = logSink(log, req.masker);
    const err = logSink(log, req.masker);

    const env: NodeJS.ProcessEnv = {
      ...this.baseEnv,
      ...req.env,
      HEATFLOW_RUN_DIR: runDir,
      HEATFLOW_XCOM_INPUT_PATH: inputPath,
      HEATFLOW_XCOM_RETURN_PATH: returnPath,
    };

    // a program started from a startup snapshot needs the Node.js build that made it: say so
    // instead of letting Node.js refuse it at every try (docs/task-programs.md)
    const mismatch = await this.snapshots.check(program, args, this.cwd, env);
    if (mismatch !== undefined) {
      await new Promise<void>((resolve) => log.end(`[heatflow] ${mismatch}\n`, resolve));
      return {
        outcome: 'failed_no_retry',
        exitCode: null,
        error: mismatch,
        durationMs: Date.now() - startedAt,
      };
    }

    const outcome = await new Promise<{
      code: number | null;
      signal: NodeJS.Signals | null;
      why?: 'timeout' | 'aborted';
      spawnError?: Error;
    }>((resolve) => {
      const child = spawn(program, args, {
        cwd: this.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let why: 'timeout' | 'aborted' | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      const kill = (reason: 'timeout' | 'aborted') => {
        if (why !== undefined || child.pid === undefined) return;
        why = reason;
        log.write(
          `[heatflow] ${reason === 'timeout' ? `execution_timeout of ${req.executionTimeoutMs} ms reached` : 'try aborted'}: sending SIGTERM\n`,
        );
        killGroup(child.pid, 'SIGTERM');
        killTimer = setTimeout(
          () => child.pid !== undefined && killGroup(child.pid, 'SIGKILL'),
          this.killGraceMs,
        );
        killTimer.unref();
      };
      const timeout =
        req.executionTimeoutMs === undefined
          ? undefined
          : setTimeout(() => kill('timeout'), req.executionTimeoutMs);
      const onAbort = () => kill('aborted');
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (req.signal?.aborted === true) onAbort();
      child.stdout.pipe(out.stream);
      child.stderr.on('data', (chunk: Buffer) => tail.push(chunk));
      child.stderr.pipe(err.stream);
      child.once('spawn', () =>
        hooks.onStarted?.({ ...(child.pid === undefined ? {} : { pid: child.pid }) }),
      );
      child.once('error', (err) => {
        clearTimeout(timeout);
        resolve({ code: null, signal: null, spawnError: err });
      });
      child.once('close', (code, signal) => {
        clearTimeout(timeout);
        clearTimeout(killTimer);
        req.signal?.removeEventListener('abort', onAbort);
        resolve({ code, signal, ...(why === undefined ? {} : { why }) });
      });
    });
    // the masked output reaches the log before it is closed (bounded: a grandchild holding the pipes)
    await Promise.race([
      Promise.all([out.finished, err.finished]),
      new Promise((r) => setTimeout(r, 2000).unref()),
    ]);
    await new Promise<void>((resolve) => log.end(resolve));
    const durationMs = Date.now() - startedAt;

    if (outcome.spawnError !== undefined) {
      return {
        outcome: 'failed',
        exitCode: null,
        error: `could not start ${JSON.stringify(program)} in ${this.cwd}: ${outcome.spawnError.message}`,
        durationMs,
      };
    }
    if (outcome.why === 'timeout') {
      return {
        outcome: 'timeout',
        exitCode: outcome.code,
        error: `killed after execution_timeout of ${req.executionTimeoutMs} ms`,
        durationMs,
      };
    }
    if (outcome.why === 'aborted') {
      return {
        outcome: 'aborted',
        exitCode: outcome.code,
        error: 'try aborted (lease lost or worker stopping)',
        durationMs,
      };
    }
    if (outcome.code === 0) {
      const rv = await readReturnValue(
        returnPath,
        req.taskId,
        (p) => readFile(p, 'utf8'),
        req.maxReturnFileBytes === undefined
          ? undefined
          : { maxBytes: req.maxReturnFileBytes, sizeOf: async (p) => (await stat(p)).size },
      );
      if (rv.error !== undefined) return { outcome: 'failed', exitCode: 0, error: rv.error, durationMs };
      return {
        outcome: 'success',
        exitCode: 0,
        ...(rv.present ? { returnValue: rv.value } : {}),
        durationMs,
      };
    }
    if (outcome.code === SKIP_EXIT_CODE) return { outcome: 'skipped', exitCode: outcome.code, durationMs };
    if (outcome.code === RESCHEDULE_EXIT_CODE) {
      const rv = await readReturnValue(returnPath, req.taskId, (p) => readFile(p, 'utf8'));
      if (rv.error !== undefined)
        return { outcome: 'failed', exitCode: outcome.code, error: rv.error, durationMs };
      return {
        outcome: 'reschedule',
        exitCode: outcome.code,
        ...(rv.present ? { returnValue: rv.value } : {}),
        durationMs,
      };
    }
    if (outcome.code === NO_RETRY_EXIT_CODE) {
      return {
        outcome: 'failed_no_retry',
        exitCode: outcome.code,
        error: `exited with code ${outcome.code} (failed, not to be retried)${tail.describe()}`,
        durationMs,
      };
    }
    const refused = explainSnapshotRefusal(
      outcome.code,
      tail.text(),
      "run `npm run build` with the Node.js that runs the tasks (the `node` on the worker's PATH)",
    );
    if (refused !== undefined) {
      return { outcome: 'failed_no_retry', exitCode: outcome.code, error: refused, durationMs };
    }
    const cause =
      outcome.code === null
        ? `killed by ${outcome.signal ?? 'a signal'}`
        : `exited with code ${outcome.code}`;
    return { outcome: 'failed', exitCode: outcome.code, error: `${cause}${tail.describe()}`, durationMs };
  }

  /**
   * Nothing to list here: each child leads its own process group (spawned detached), which the
   * worker records per try and, when a dead worker left it running, kills itself
   * (`process-groups.ts`, `TaskWorker`'s reaping).
   */
  reapOrphans(_isLive: (orphan: OrphanTry) => Promise<boolean>): Promise<OrphanTry[]> {
    return Promise.resolve([]);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}
