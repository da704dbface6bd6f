/**
 * Task program snapshots and the Node.js that runs them (docs/task-programs.md#which-nodejs-a-snapshot-is-for):
 * `npm run build` records in dist/snapshots/manifest.json which Node.js build made the blobs, and
 * the process executor refuses, without retry and naming both builds, to start a blob with another
 * one; a blob Node.js itself refuses (exit 14) is reported the same way. Needs `npm run build`.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecutionRequest } from '../../src/executors/executor.js';
import { ProcessExecutor } from '../../src/executors/process-executor.js';
import { TASK_PROGRAM_NODE_FLAGS } from '../../src/task-sdk/index.js';
import { PROJECT_ROOT } from '../helpers/run-task-program.js';

const BUILT = path.join(PROJECT_ROOT, 'dist', 'snapshots');
let tmp: string;
let n = 0;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-snapshot-node-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

/** A project folder with validate's real blob and `manifest` (the real one, or edited) next to it. */
async function project(
  manifest: ((m: Record<string, unknown>) => unknown) | 'none',
  blob?: Buffer,
): Promise<string> {
  const dir = path.join(tmp, `project-${++n}`);
  await mkdir(path.join(dir, 'dist', 'snapshots'), { recursive: true });
  const target = path.join(dir, 'dist', 'snapshots', 'validate.blob');
  if (blob === undefined) await copyFile(path.join(BUILT, 'validate.blob'), target);
  else await writeFile(target, blob);
  if (manifest !== 'none') {
    const real = JSON.parse(await readFile(path.join(BUILT, 'manifest.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    await writeFile(path.join(dir, 'dist', 'snapshots', 'manifest.json'), JSON.stringify(manifest(real)));
  }
  return dir;
}

async function runValidate(
  cwd: string,
): Promise<Awaited<ReturnType<ProcessExecutor['execute']>> & { log: string }> {
  const dataDir = path.join(cwd, 'data');
  const logPath = path.join(dataDir, 'logs', 'validate.log');
  const req: ExecutionRequest = {
    dagId: 'tado_etl',
    runId: 'manual__2022-01-01T01:00:00+00:00',
    taskId: 'validate',
    tryNumber: 1,
    leaseToken: 'lease',
    command: ['node', ...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', 'dist/snapshots/validate.blob'],
    env: { PATH: process.env.PATH ?? '' },
    runDir: 'runs/tado_etl/one',
    xcomInput: {},
    logPath,
  };
  const r = await new ProcessExecutor({ dataDir, cwd, baseEnv: { PATH: process.env.PATH ?? '' } }).execute(
    req,
  );
  return { ...r, log: await readFile(logPath, 'utf8').catch(() => '') };
}

/** Another Node.js version than this one, as a manifest would name it. */
const otherNode = process.version.startsWith('v24.') ? 'v20.20.2' : 'v24.22.3';

describe('which Node.js the task program snapshots are for', () => {
  it('the build records this Node.js in dist/snapshots/manifest.json', async () => {
    const m = JSON.parse(await readFile(path.join(BUILT, 'manifest.json'), 'utf8')) as {
      builtFor: { node: string; v8: string; platform: string; arch: string };
      flags: string[];
      programs: string[];
    };
    expect(m.builtFor).toMatchObject({
      node: process.version,
      v8: process.versions.v8,
      platform: process.platform,
      arch: process.arch,
    });
    expect(m.flags).toEqual([...TASK_PROGRAM_NODE_FLAGS]);
    expect(m.programs).toEqual(expect.arrayContaining(['extract', 'validate', 'transform', 'load']));
  });

  it('with the real manifest, the process executor starts the snapshot (the task itself then runs)', async () => {
    const r = await runValidate(await project((m) => m));
    // validate ran (its main function read the contract) and failed on its missing upstream value
    expect(r.error ?? '').not.toMatch(/snapshot/i);
    expect(r.outcome).not.toBe('success');
    expect(r.exitCode).not.toBeNull();
  });

  it('a manifest naming another Node.js fails the try at once, without retry, saying what to run', async () => {
    const cwd = await project((m) => ({ ...m, builtFor: { ...(m.builtFor as object), node: otherNode } }));
    const r = await runValidate(cwd);
    expect(r.outcome).toBe('failed_no_retry');
    expect(r.exitCode).toBeNull();
    expect(r.error).toContain(
      `the task program snapshots in dist/snapshots were built for Node.js ${otherNode}`,
    );
    expect(r.error).toContain(`this is Node.js ${process.version} (V8 ${process.versions.v8}`);
    expect(r.error).toContain('run `npm run build` with this Node.js');
    expect(r.log).toContain(`built for Node.js ${otherNode}`);
  });

  it('another build of the same version is told apart by its build id', async () => {
    const cwd = await project((m) => ({
      ...m,
      builtFor: { ...(m.builtFor as object), buildId: '0123456789abcdef' },
    }));
    const r = await runValidate(cwd);
    expect(r.outcome).toBe('failed_no_retry');
    expect(r.error).toContain(`built by another build of Node.js ${process.version}`);
    expect(r.error).toContain('(build 0123456789abcdef)');
  });

  it('a blob without a manifest, or with a broken one, is not started', async () => {
    const missing = await runValidate(await project('none'));
    expect(missing.outcome).toBe('failed_no_retry');
    expect(missing.error).toContain(
      'dist/snapshots/manifest.json is missing next to dist/snapshots/validate.blob',
    );
    const broken = await runValidate(await project((m) => ({ ...m, builtFor: { node: process.version } })));
    expect(broken.outcome).toBe('failed_no_retry');
    expect(broken.error).toMatch(
      /manifest\.json is not a snapshot manifest of this heatflow \(builtFor\.v8 is missing/,
    );
  });

  it("Node.js's own refusal of a blob (exit 14) is reported as such, not retried", async () => {
    // the blob's header names the Node.js version that made it: change its last digit, as a
    // blob from another patch release would read, and keep the manifest (which agrees with us)
    const blob = await readFile(path.join(BUILT, 'validate.blob'));
    const version = Buffer.from(process.versions.node);
    const at = blob.indexOf(version);
    expect(at).toBeGreaterThanOrEqual(0);
    const last = at + version.length - 1;
    blob[last] = blob[last] === 0x39 ? 0x38 : 0x39;
    const r = await runValidate(await project((m) => m, blob));
    expect(r.outcome).toBe('failed_no_retry');
    expect(r.exitCode).toBe(14);
    expect(r.error).toMatch(
      /^Node\.js refused the task program's startup snapshot \(exit 14: "Failed to load the startup snapshot because it was built with Node\.js version \d+\.\d+\.\d+ and the current Node\.js version is v/,
    );
    expect(r.error).toContain('run `npm run build`');
  });
});
