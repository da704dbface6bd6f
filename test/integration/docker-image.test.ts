/**
 * The task image (Dockerfile, built by scripts/build-images.sh): what task containers rely on.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureTaskImage } from '../helpers/docker-image.js';
import { TASK_PROGRAM_NODE_FLAGS } from '../../src/task-sdk/index.js';

const run = promisify(execFile);
/** The task programs of both DAGs: tasks/<name>.ts, each built into a bundle and a snapshot. */
const PROGRAMS = readdirSync('tasks')
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
const docker = new Dockerode();
let image: string;

beforeAll(async () => {
  image = await ensureTaskImage(docker);
}, 25 * 60_000);

async function inImage(...cmd: string[]): Promise<string> {
  const { stdout } = await run('docker', ['run', '--rm', '--network', 'none', image, ...cmd], {
    timeout: 60_000,
  });
  return stdout;
}

describe('the task image', () => {
  it('prints the CLI help by default', async () => {
    const out = await inImage();
    expect(out).toContain('Usage: heatflow');
    expect(out).toContain('worker');
  });

  it('runs as the non-root user node (uid 1000) in /app, with no entrypoint in the way', async () => {
    const info = await docker.getImage(image).inspect();
    expect(info.Config.User).toBe('node');
    expect(info.Config.WorkingDir).toBe('/app');
    expect(info.Config.Entrypoint ?? []).toEqual([]);
    expect((await inImage('sh', '-c', 'id -u; pwd; stat -c %U /data')).trim().split('\n')).toEqual([
      '1000',
      '/app',
      'node',
    ]);
    console.log(`task image ${image}: ${Math.round(info.Size / 1024 / 1024)} MiB`);
  });

  it('holds the task programs (bundles and startup snapshots) and production dependencies only', async () => {
    const out = await inImage(
      'node',
      '-e',
      `const fs = require('fs');
       const has = (m) => { try { require.resolve(m + '/package.json'); return true; } catch { return fs.existsSync('node_modules/' + m); } };
       console.log(JSON.stringify({
         tasks: fs.readdirSync('dist/tasks').filter((f) => f.endsWith('.cjs')).sort(),
         snapshots: fs.readdirSync('dist/snapshots').sort(),
         danfo: has('danfojs-node'), dockerode: has('dockerode'),
         vitest: has('vitest'), typescript: has('typescript'), eslint: has('eslint'),
       }));`,
    );
    const r = JSON.parse(out) as {
      tasks: string[];
      snapshots: string[];
      danfo: boolean;
      dockerode: boolean;
      vitest: boolean;
      typescript: boolean;
      eslint: boolean;
    };
    expect(PROGRAMS).toEqual(expect.arrayContaining(['extract', 'load', 'clean', 'quality-check']));
    expect(r.tasks).toEqual(PROGRAMS.map((p) => `${p}.cjs`));
    expect(r.snapshots).toEqual([...PROGRAMS.map((p) => `${p}.blob`), 'manifest.json'].sort());
    expect(r).toMatchObject({
      danfo: true,
      dockerode: true,
      vitest: false,
      typescript: false,
      eslint: false,
    });
  });

  it("starts each task program from the snapshot its own Node.js built, with the DAG's flags", async () => {
    for (const task of PROGRAMS) {
      // without the contract's environment the task starts and fails naming the first variable
      const out = await inImage(
        'sh',
        '-c',
        `node ${TASK_PROGRAM_NODE_FLAGS.join(' ')} --snapshot-blob dist/snapshots/${task}.blob 2>&1; echo "exit=$?"`,
      );
      expect(out, task).toContain('HEATFLOW_DAG_ID is not set');
      expect(out.trim().split('\n').at(-1)).toBe('exit=1');
    }
  });

  it('runs the pinned Node.js (scripts/node-versions.sh), and its snapshots record that build', async () => {
    const pinned = /^HEATFLOW_IMAGE_NODE=(\S+)$/m.exec(readFileSync('scripts/node-versions.sh', 'utf8'))?.[1];
    const out = await inImage(
      'node',
      '-e',
      `const m = JSON.parse(require('fs').readFileSync('dist/snapshots/manifest.json', 'utf8'));
       import('/app/dist/src/task-sdk/snapshot-manifest.js').then((s) => console.log(JSON.stringify({
         running: s.currentNodeBuild(), builtFor: m.builtFor, mismatch: s.snapshotMismatch(m.builtFor, s.currentNodeBuild(), 'dist/snapshots') ?? null,
       })));`,
    );
    const r = JSON.parse(out) as {
      running: { node: string };
      builtFor: { node: string };
      mismatch: string | null;
    };
    expect(pinned).toMatch(/^\d+\.\d+\.\d+$/);
    // a base given by HEATFLOW_NODE_IMAGE may hold another Node.js; the snapshots must still match it
    if (process.env.HEATFLOW_NODE_IMAGE === undefined) expect(r.running.node).toBe(`v${pinned}`);
    expect(r.builtFor).toEqual(r.running);
    expect(r.mismatch).toBeNull();
    const info = await docker.getImage(image).inspect();
    expect(info.Config.Labels?.['heatflow.node.version']).toBe(r.running.node);
  });

  it('parses the project DAG folder inside the image: both DAGs, no import error', async () => {
    const out = await inImage(
      'node',
      '-e',
      `import('/app/dist/src/dag-processing/dag-bag.js').then((m) => m.loadDagBag('/app/dags'))
         .then((b) => console.log(JSON.stringify({ dags: [...b.dags.keys()], errors: b.importErrors })))`,
    );
    const bag = JSON.parse(out) as { dags: string[]; errors: unknown[] };
    expect(bag.errors).toEqual([]);
    expect(bag.dags.sort()).toEqual(['heating_analytics', 'tado_etl']);
  });

  it('lets a worker running in a container detect that its data folder is the named volume (shared access)', async () => {
    const volume = `hftest-detect-${process.pid}-${Date.now()}`;
    try {
      const { stdout } = await run(
        'docker',
        [
          'run',
          '--rm',
          '--network',
          'none',
          '--mount',
          `type=volume,source=${volume},target=/data`,
          image,
          'node',
          '-e',
          `import('/app/dist/src/executors/docker-executor.js').then(async (m) => {
             const shared = new m.DockerExecutor({ dataDir: '/data', dataVolume: ${JSON.stringify(volume)} });
             console.log(await shared.dataAccess());
           })`,
        ],
        { timeout: 60_000 },
      );
      expect(stdout.trim()).toBe('shared');
    } finally {
      await docker
        .getVolume(volume)
        .remove()
        .catch(() => undefined);
    }
  });
});
