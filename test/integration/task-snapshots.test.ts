/**
 * Task programs started from their V8 startup snapshots (scripts/build-task-programs.ts,
 * docs/task-programs.md): what runs at build time and what at run time, the build's guard against
 * built-in modules Node.js cannot snapshot, and the real programs reading their own environment.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_PROGRAM_NODE_FLAGS } from '../../src/task-sdk/index.js';
import { PROJECT_ROOT, runTaskProgram } from '../helpers/run-task-program.js';
import { preloadInSnapshot } from '../../src/task-sdk/snapshot-preload.js';

const FIXTURES = path.join(PROJECT_ROOT, 'test', 'fixtures', 'task-programs');
let tmp: string;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-snapshots-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

function buildPrograms(
  tasksDir: string,
  outDir: string,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(
    process.execPath,
    [
      path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'),
      'scripts/build-task-programs.ts',
      '--tasks-dir',
      tasksDir,
      '--out-dir',
      outDir,
    ],
    { cwd: PROJECT_ROOT, encoding: 'utf8' },
  );
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Runs `argv` as a task try of day `ds`; returns its exit code, stderr and return value. */
async function runProgram(
  argv: readonly string[],
  ds: string,
  env: Record<string, string>,
): Promise<{ status: number | null; stderr: string; value: unknown }> {
  const runDir = path.join(tmp, `run-${ds}-${Math.random().toString(36).slice(2)}`);
  await mkdir(runDir, { recursive: true });
  const input = path.join(runDir, 'input.json');
  const ret = path.join(runDir, 'return.json');
  await writeFile(input, '{}');
  const r = spawnSync(process.execPath, argv, {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      ...env,
      HEATFLOW_DAG_ID: 'probe',
      HEATFLOW_RUN_ID: `manual__${ds}T00:00:00+00:00`,
      HEATFLOW_TASK_ID: 'probe',
      HEATFLOW_TRY_NUMBER: '1',
      HEATFLOW_LOGICAL_DATE: `${ds}T00:00:00.000Z`,
      HEATFLOW_DS: ds,
      HEATFLOW_DATA_INTERVAL_START: `${ds}T00:00:00.000Z`,
      HEATFLOW_DATA_INTERVAL_END: `${ds}T23:59:59.000Z`,
      HEATFLOW_RUN_DIR: runDir,
      HEATFLOW_XCOM_INPUT_PATH: input,
      HEATFLOW_XCOM_RETURN_PATH: ret,
    },
  });
  const value: unknown = existsSync(ret) ? JSON.parse(await readFile(ret, 'utf8')) : undefined;
  return { status: r.status, stderr: r.stderr, value };
}

describe('building a task program into a startup snapshot', () => {
  it('evaluates the modules and preload at build time, runs the task at run time with its own environment', async () => {
    const out = path.join(tmp, 'good');
    const built = buildPrograms(path.join(FIXTURES, 'good'), out);
    expect(built.stderr).toBe('');
    expect(built.status).toBe(0);
    expect(built.stdout).toMatch(/snapshots\/probe\.blob \(\d+\.\d MB, built in \d+ ms\)/);
    const blob = path.join(out, 'snapshots', 'probe.blob');

    const homeA = path.join(tmp, 'home-a');
    const a = await runProgram([...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', blob], '2022-03-01', {
      PROBE: 'first',
      HOME: homeA,
    });
    expect(a.stderr).toBe('');
    expect(a.status).toBe(0);
    expect(a.value).toMatchObject({
      loadedWhileBuilding: true,
      // Node.js 22 cannot snapshot preloads (scripts/build-task-programs.ts): left to run time
      preloadedWhileBuilding: preloadInSnapshot(Number(process.versions.node.split('.')[0])) ? true : null,
      probe: 'first',
      home: homeA,
      ds: '2022-03-01',
    });
    // a second process from the same snapshot: its own environment, its own random numbers
    const b = await runProgram([...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', blob], '2022-03-02', {
      PROBE: 'second',
      HOME: tmp,
    });
    expect(b.value).toMatchObject({ probe: 'second', home: tmp, ds: '2022-03-02' });
    expect((b.value as { random: number }).random).not.toBe((a.value as { random: number }).random);

    // the plain bundle runs the same program without a snapshot (and without the preload)
    const plain = await runProgram(
      [...TASK_PROGRAM_NODE_FLAGS, path.join(out, 'tasks', 'probe.cjs')],
      '2022-03-03',
      { PROBE: 'plain' },
    );
    expect(plain.status).toBe(0);
    expect(plain.value).toMatchObject({
      loadedWhileBuilding: false,
      preloadedWhileBuilding: null,
      probe: 'plain',
    });
  });

  it('refuses a program that loads node:http when its modules load, naming the module', () => {
    const built = buildPrograms(path.join(FIXTURES, 'unsafe'), path.join(tmp, 'unsafe'));
    expect(built.status).toBe(1);
    expect(built.stderr).toContain('snapshot of test/fixtures/task-programs/unsafe/http-at-load.ts');
    expect(built.stderr).toMatch(/built-in module\(s\) Node\.js has not verified for snapshots: .*http/);
    expect(built.stderr).toContain('import what needs them inside the task function');
  });

  it('fails a snapshot started under other V8 flags with Node.js reason (the DAG clears NODE_OPTIONS)', () => {
    const blob = path.join(PROJECT_ROOT, 'dist', 'snapshots', 'validate.blob');
    const r = spawnSync(process.execPath, [...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', blob], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_OPTIONS: '--max-old-space-size=300' },
    });
    expect(r.status).not.toBe(0);
    if (Number(process.versions.node.split('.')[0]) <= 20)
      expect(r.stderr).toContain('Failed to load the startup snapshot');
    // Node.js 22 and 24 no longer refuse a snapshot over --max-old-space-size: the program starts
    // (and stops at the task contract here, with no HEATFLOW_* variables), so the flag is harmless
    // there; the DAG clears NODE_OPTIONS on every Node.js all the same
    else expect(r.stderr).toContain('task container contract: HEATFLOW_DAG_ID is not set');
  });
});

describe('the tado_etl programs from their snapshots', () => {
  it('extract finds its default token file under the HOME it runs with, not the one it was built with', async () => {
    const home = path.join(tmp, 'extract-home');
    await mkdir(home, { recursive: true });
    const run = await runTaskProgram({
      taskId: 'extract',
      ds: '2022-01-10',
      runDir: path.join(tmp, 'extract-run'),
      upstream: {},
      // no TADO_TOKEN_FILE: the default ~/.heatflow/tado-token.json applies
      env: {
        HOME: home,
        TADO_API_URL: 'http://127.0.0.1:9/api/v2',
        TADO_AUTH_URL: 'http://127.0.0.1:9/oauth2',
      },
    });
    // not signed in: fails without retries (exit 98), naming the file it looked for
    expect(run.exitCode).toBe(98);
    expect(run.stderr).toContain(path.join(home, '.heatflow', 'tado-token.json'));
    expect(run.stderr).toContain('run `heatflow tado login`');
  });
});
