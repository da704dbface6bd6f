/**
 * What the Docker engine fault tests share: the fault DAG's scripts copied onto the data volume
 * and the orchestrator's environment for a Docker-executor backfill on a private engine
 * (test/helpers/private-dockerd.ts).
 */
import { chmod, copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { LOAD, STEP } from './fault-backfill.js';

/**
 * The fault DAG's scripts copied onto the data volume, where the containers see them. The load
 * script's `pg` comes from the task image's own node_modules (/app), as a task program's would.
 */
export async function copyScripts(dataDir: string): Promise<{ step: string; load: string }> {
  const dir = path.join(dataDir, 'scripts');
  await mkdir(dir, { recursive: true });
  await copyFile(STEP, path.join(dir, 'step.mjs'));
  const load = (await readFile(LOAD, 'utf8')).replace(
    "import pg from 'pg';",
    "import { createRequire } from 'node:module';\nconst pg = createRequire('/app/package.json')('pg');",
  );
  expect(load).toContain("createRequire('/app/package.json')");
  await writeFile(path.join(dir, 'upsert-rows.mjs'), load);
  return { step: '/data/scripts/step.mjs', load: '/data/scripts/upsert-rows.mjs' };
}

/**
 * A new data folder (world-writable: tasks run as the image's non-root user, bind-mounted as the
 * volume) with the scripts in it.
 */
export async function dockerDataDir(
  tag: string,
): Promise<{ dataDir: string; scripts: { step: string; load: string } }> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), `hf-${tag}-data-`));
  await chmod(dataDir, 0o777);
  return { dataDir, scripts: await copyScripts(dataDir) };
}

/** The orchestrator's environment for a Docker-executor backfill on the engine at `host`. */
export function dockerBackfillEnv(host: string, image: string, dataDir: string): Record<string, string> {
  return {
    HEATFLOW_EXECUTOR: 'docker',
    DOCKER_HOST: host,
    HEATFLOW_TASK_IMAGE: image,
    HEATFLOW_DATA_DIR: dataDir,
    HEATFLOW_DOCKER_DATA_VOLUME: dataDir,
    HEATFLOW_DOCKER_NETWORK: 'host',
    HEATFLOW_DOCKER_FORWARD_ENV: 'TZ,DATABASE_URL',
    HEATFLOW_DOCKER_MEMORY_MB: '256',
    HEATFLOW_DOCKER_KILL_GRACE_MS: '1000',
    HEATFLOW_LOG_LEVEL: 'error',
  };
}
