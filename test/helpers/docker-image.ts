/**
 * The task image for Docker integration tests: `HEATFLOW_TEST_IMAGE` (default `heatflow:latest`),
 * built with scripts/build-images.sh when the engine does not have it (CI builds it before the
 * tests; a cold build takes a few minutes, a cached one seconds).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';

const run = promisify(execFile);

/** The image the Docker tests run. */
export const TASK_IMAGE = process.env.HEATFLOW_TEST_IMAGE ?? 'heatflow:latest';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Makes sure {@link TASK_IMAGE} exists on the engine, building it if needed; returns its name. */
export async function ensureTaskImage(docker = new Dockerode()): Promise<string> {
  try {
    await docker.getImage(TASK_IMAGE).inspect();
    return TASK_IMAGE;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 404) throw err;
  }
  await run('bash', [path.join(repoRoot, 'scripts/build-images.sh'), '--tag', TASK_IMAGE], {
    cwd: repoRoot,
    timeout: 20 * 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  return TASK_IMAGE;
}

/** Removes every container labelled with `namespace` (cleanup after a test file). */
export async function removeNamespaceContainers(docker: Dockerode, namespace: string): Promise<void> {
  const list = await docker.listContainers({
    all: true,
    filters: { label: [`heatflow.namespace=${namespace}`] },
  });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}
