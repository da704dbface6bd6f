/**
 * A {@link LocalTaskRunner} over the process executor (`heatflow dags test`): each task's command
 * and env rendered as a worker renders them (variables, connections, secrets masked), run as a
 * child process of this one, its log followed while it runs and written to `out` line by line
 * with a `[task_id] ` prefix.
 */
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { Dag, Task } from '../core/types.js';
import type { ExecutionResult } from '../executors/executor.js';
import { ProcessExecutor } from '../executors/process-executor.js';
import type { TemplateSources } from '../variables/template-render.js';
import type { LocalTaskResult, LocalTaskRunner } from './local-dag-run.js';
import { tryLogPath } from './log-paths.js';
import { previewContext, renderWithSecrets, type PreviewRun } from './run-preview.js';
import { runDirOf } from './task-worker.js';

/** Options of {@link processTaskRunner}. */
export interface ProcessTaskRunnerOptions {
  readonly dag: Dag;
  readonly run: PreviewRun;
  /** root of the run folders (HEATFLOW_DATA_DIR) */
  readonly dataDir: string;
  /** root of the logs: the try logs go to `<logDir>/dag_id=…/run_id=…/task_id=…/attempt=1.log` */
  readonly logDir: string;
  readonly secrets?: TemplateSources;
  /** where the prefixed log lines go (stdout) */
  readonly out: (text: string) => void;
  /** how often the log is read while the task runs, in ms; `@defaultValue 200` */
  readonly followMs?: number;
  /** aborting kills the running task (its process group) and fails every task not yet started */
  readonly signal?: AbortSignal;
}

/** Follows a growing file, handing each complete line to `line`. */
class LogFollower {
  private offset = 0;
  private rest = '';

  constructor(
    private readonly file: string,
    private readonly line: (l: string) => void,
  ) {}

  async poll(): Promise<void> {
    const fh = await open(this.file, 'r').catch(() => undefined);
    if (fh === undefined) return;
    try {
      const { size } = await fh.stat();
      if (size <= this.offset) return;
      const buf = Buffer.alloc(size - this.offset);
      const { bytesRead } = await fh.read(buf, 0, buf.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.rest + buf.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const l of lines) this.line(l);
    } finally {
      await fh.close();
    }
  }

  async finish(): Promise<void> {
    await this.poll();
    if (this.rest !== '') this.line(this.rest);
    this.rest = '';
  }
}

/** The runner; each task runs once (try 1), with no retries. */
export function processTaskRunner(o: ProcessTaskRunnerOptions): LocalTaskRunner {
  const executor = new ProcessExecutor({ dataDir: o.dataDir });
  return async (task: Task, upstreamXComs): Promise<Omit<LocalTaskResult, 'taskId'>> => {
    if (o.signal?.aborted === true) throw new Error('not run: interrupted');
    const startedAt = new Date();
    const key = { dagId: o.dag.dagId, runId: o.run.runId, taskId: task.taskId, tryNumber: 1 };
    const logPath = tryLogPath(o.logDir, key);
    await mkdir(path.dirname(logPath), { recursive: true });
    const { rendered, masker } = await renderWithSecrets(
      task,
      previewContext(o.dag, task, o.run, upstreamXComs),
      o.secrets,
    );
    const follower = new LogFollower(logPath, (l) => o.out(`[${task.taskId}] ${l}\n`));
    const timer = setInterval(() => void follower.poll().catch(() => undefined), o.followMs ?? 200);
    let result: ExecutionResult;
    try {
      result = await executor.execute({
        ...key,
        leaseToken: 'dags-test',
        command: rendered.command,
        env: rendered.env,
        runDir: runDirOf(o.dag.dagId, o.run.runId),
        xcomInput: upstreamXComs,
        ...(task.executionTimeoutMs === undefined ? {} : { executionTimeoutMs: task.executionTimeoutMs }),
        logPath,
        masker,
        ...(o.signal === undefined ? {} : { signal: o.signal }),
      });
    } finally {
      clearInterval(timer);
      await follower.finish();
    }
    const endedAt = new Date();
    const state =
      result.outcome === 'success' ? 'success' : result.outcome === 'skipped' ? 'skipped' : 'failed';
    return {
      state,
      durationMs: result.durationMs,
      startedAt,
      endedAt,
      exitCode: result.exitCode,
      logPath,
      ...(state === 'success' && result.returnValue !== undefined ? { returnValue: result.returnValue } : {}),
      ...(state === 'failed' ? { error: masker.mask(result.error ?? result.outcome) } : {}),
    };
  };
}
