/**
 * Runs a built task program (tado_etl's, or another DAG's) as a child process under the task container contract, as the
 * ProcessExecutor does: the command and environment the DAG (`dags/tado_etl.ts`) renders for the
 * task (e.g. `node --no-opt --snapshot-blob dist/snapshots/transform.blob`), contract
 * environment, XCom input file, return value file. Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { tadoEtl } from '../../dags/tado_etl.js';
import type { Dag } from '../../src/core/types.js';
import { renderTask } from '../../src/worker/render-task.js';

export const PROJECT_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where transform's danfojs comes from when it starts from its snapshot: the snapshot, unless the
 * build left preloads to run time (Node.js 22: `preload: false` in dist/snapshots/manifest.json).
 */
export function snapshotDanfoSource(): 'snapshot' | 'import' {
  const m = JSON.parse(
    readFileSync(path.join(PROJECT_ROOT, 'dist', 'snapshots', 'manifest.json'), 'utf8'),
  ) as {
    preload?: boolean;
  };
  return m.preload === false ? 'import' : 'snapshot';
}

/** One try of a task program. */
export interface TaskProgramRun {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** parsed return value; undefined when none was written */
  readonly returnValue: unknown;
  readonly durationMs: number;
}

/** What the run needs. */
export interface TaskProgramOptions {
  readonly taskId: string;
  readonly ds: string;
  /** the run folder */
  readonly runDir: string;
  /** upstream return values by task id */
  readonly upstream: Record<string, unknown>;
  /** extra environment (DATABASE_URL, TADO_*) */
  readonly env?: Record<string, string>;
  readonly tryNumber?: number;
  /** argv to run instead of the DAG's command (e.g. a program without its snapshot) */
  readonly command?: readonly string[];
  /** the DAG the task belongs to; `@defaultValue` tado_etl */
  readonly dag?: Dag;
  /** the run's params (conf), for templated values; `@defaultValue` {} */
  readonly params?: Record<string, unknown>;
  /** applied last: replaces (or, when undefined, removes) contract variables */
  readonly override?: Record<string, string | undefined>;
}

/** Runs the DAG's command for task `taskId` to its end. */
export async function runTaskProgram(o: TaskProgramOptions): Promise<TaskProgramRun> {
  const dag = o.dag ?? tadoEtl;
  const task = dag.tasks.get(o.taskId);
  if (task === undefined) throw new Error(`${dag.dagId} has no task ${o.taskId}`);
  const xcomDir = path.join(o.runDir, '.xcom');
  await mkdir(xcomDir, { recursive: true });
  const tryNumber = o.tryNumber ?? 1;
  const inputPath = path.join(xcomDir, `${o.taskId}.try${tryNumber}.input.json`);
  const returnPath = path.join(xcomDir, `${o.taskId}.try${tryNumber}.return.json`);
  await writeFile(inputPath, JSON.stringify(o.upstream));
  const logical = new Date(`${o.ds}T01:00:00.000Z`);
  const rendered = renderTask(task, {
    dagId: dag.dagId,
    runId: `manual__${logical.toISOString()}`,
    runType: 'manual',
    taskId: o.taskId,
    tryNumber,
    logicalDate: logical,
    ds: o.ds,
    dataIntervalStart: logical,
    dataIntervalEnd: new Date(logical.getTime() + 86_400_000),
    params: { ...dag.params, ...o.params },
    upstreamXComs: o.upstream,
    triggeringAssetEvents: [],
  });
  const [program, ...args] = o.command ?? rendered.command;
  for (const file of args.filter((a) => a.startsWith('dist/'))) {
    if (!existsSync(path.join(PROJECT_ROOT, file))) {
      throw new Error(`${file} is missing: run \`npm run build\` first`);
    }
  }
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    // the task's own variables (TADO_* by reference are empty here: the caller gives them)
    ...Object.fromEntries(Object.entries(rendered.env).filter(([k]) => !k.startsWith('HEATFLOW_'))),
    ...o.env,
    HEATFLOW_DAG_ID: dag.dagId,
    HEATFLOW_RUN_ID: `manual__${logical.toISOString()}`,
    HEATFLOW_TASK_ID: o.taskId,
    HEATFLOW_TRY_NUMBER: String(tryNumber),
    HEATFLOW_LOGICAL_DATE: logical.toISOString(),
    HEATFLOW_DS: o.ds,
    HEATFLOW_DATA_INTERVAL_START: logical.toISOString(),
    HEATFLOW_DATA_INTERVAL_END: new Date(logical.getTime() + 86_400_000).toISOString(),
    HEATFLOW_RUN_DIR: o.runDir,
    HEATFLOW_XCOM_INPUT_PATH: inputPath,
    HEATFLOW_XCOM_RETURN_PATH: returnPath,
    ...o.override,
  };
  const started = performance.now();
  const child = spawn(program === 'node' ? process.execPath : (program ?? ''), args, {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exitCode = await new Promise<number | null>((resolve) =>
    child.once('close', (code) => resolve(code)),
  );
  let returnValue: unknown;
  try {
    returnValue = JSON.parse(await readFile(returnPath, 'utf8'));
  } catch {
    returnValue = undefined;
  }
  return { exitCode, stdout, stderr, returnValue, durationMs: Math.round(performance.now() - started) };
}
