/**
 * Builds what task containers run (docs/task-programs.md), after `tsc` (`npm run build`):
 *
 * 1. every `tasks/<name>.ts` bundled by esbuild into one CommonJS file, `dist/tasks/<name>.cjs`
 *    (with a source map): one file to read and compile instead of a few hundred modules;
 * 2. from each bundle, a V8 startup snapshot `dist/snapshots/<name>.blob`
 *    (`node --snapshot-blob <blob> --build-snapshot <bundle>`, Node.js's user-land snapshot:
 *    https://nodejs.org/docs/latest-v20.x/api/cli.html#--build-snapshot-entry): the program's
 *    modules are evaluated once, here, with what its `preload` loads (transform: danfojs-node), and
 *    `node --snapshot-blob dist/snapshots/<name>.blob` starts with them in memory and runs the task
 *    (`runTask` registers itself as the snapshot's main function).
 *
 * Guards, each failing the build with the task and the reason:
 * - a snapshot is built with a scrubbed environment (PATH only), so nothing read while modules
 *   load (a secret, a home folder) can be frozen into it;
 * - Node.js warns when a snapshot loads a built-in module it has not verified for snapshots
 *   (node:http, node:tls, …: network clients are imported when the task runs, never here); any
 *   such warning fails the build, except {@link ALLOWED_UNVERIFIED};
 * - each blob is started once: it must run the task's main function (which, without the task
 *   container contract's environment, fails naming `HEATFLOW_DAG_ID`).
 *
 * A snapshot loads only into the Node.js build and V8 flags it was built with: it is built with
 * {@link TASK_PROGRAM_NODE_FLAGS} and `NODE_OPTIONS` cleared, by the Node.js running this script
 * (`process.execPath`: the `node` on PATH under `npm run build`), the DAG runs the programs the
 * same way, and the Docker image builds its own in its build stage (Dockerfile). Which Node.js
 * build made them goes into `<out-dir>/snapshots/manifest.json` (`src/task-sdk/snapshot-manifest.ts`),
 * which the executor compares with the `node` it is about to start.
 *
 * Run: `tsx scripts/build-task-programs.ts [--tasks-dir tasks] [--out-dir dist]` (the folder of
 * task programs, and the folder receiving `tasks/` and `snapshots/`). Prints one line per program
 * built; exit 1 on failure.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build, type Plugin } from 'esbuild';
import { TASK_PROGRAM_NODE_FLAGS } from '../src/task-sdk/program-flags.js';
import {
  currentNodeBuild,
  describeNodeBuild,
  SNAPSHOT_MANIFEST_FILE,
  type SnapshotManifest,
} from '../src/task-sdk/snapshot-manifest.js';
import { preloadInSnapshot, SNAPSHOT_PRELOAD_ENV } from '../src/task-sdk/snapshot-preload.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const { values: args } = parseArgs({
  options: {
    'tasks-dir': { type: 'string', default: 'tasks' },
    'out-dir': { type: 'string', default: 'dist' },
  },
});
const TASKS_DIR = path.resolve(ROOT, args['tasks-dir']);
const OUT_TASKS = path.resolve(ROOT, args['out-dir'], 'tasks');
const OUT_SNAPSHOTS = path.resolve(ROOT, args['out-dir'], 'snapshots');

/**
 * Unverified built-ins a snapshot may load, and why that is safe: pino's `lib/tools.js` reads
 * `isMainThread` from `worker_threads` (true in the builder and in every task process), and its
 * `lib/transport.js` takes `createRequire` from `module` and `Worker` from `worker_threads` for
 * transports, which task programs never start (they log with `pino.destination({ sync: true })`).
 */
const ALLOWED_UNVERIFIED = new Set(['worker_threads', 'module']);

function fail(step: string, why: string): never {
  process.stderr.write(`build-task-programs: ${step}: ${why}\n`);
  process.exit(1);
}

const mb = (file: string): string => `${(statSync(file).size / 1e6).toFixed(1)} MB`;

const programs = readdirSync(TASKS_DIR)
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();
for (const dir of [OUT_TASKS, OUT_SNAPSHOTS]) {
  rmSync(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
}

/**
 * The mathjs subset danfojs gets (scripts/danfojs-shims/mathjs-subset.mjs), bundled on its own as
 * an ES module first: danfojs `require`s mathjs, and esbuild keeps all of an ES module that is
 * `require`d, so bundling the subset in place kept 400 of mathjs's modules instead of 40.
 */
const MATHJS_SUBSET = path.resolve(ROOT, args['out-dir'], '.build', 'mathjs-subset.cjs');
try {
  await build({
    entryPoints: [path.join(ROOT, 'scripts', 'danfojs-shims', 'mathjs-subset.mjs')],
    outfile: MATHJS_SUBSET,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
  });
} catch (err) {
  fail('bundling scripts/danfojs-shims/mathjs-subset.mjs', err instanceof Error ? err.message : String(err));
}

/**
 * Inside danfojs-node, `@tensorflow/tfjs-node` and `mathjs` resolve to the subsets danfojs uses
 * (scripts/danfojs-shims/): transform's snapshot shrinks from 36 to about 16 MB and its start-up
 * from about 0.31 to 0.15 s of CPU (docs/benchmarks.md). Only imports made from danfojs-node's own
 * files are redirected.
 */
const danfojsShims: Plugin = {
  name: 'danfojs-shims',
  setup(b) {
    const fromDanfojs = (importer: string) => importer.includes(`${path.sep}danfojs-node${path.sep}`);
    b.onResolve({ filter: /^@tensorflow\/tfjs-node$/ }, (a) =>
      fromDanfojs(a.importer)
        ? { path: path.join(ROOT, 'scripts', 'danfojs-shims', 'tfjs-core-cpu.cjs') }
        : undefined,
    );
    b.onResolve({ filter: /^mathjs$/ }, (a) =>
      fromDanfojs(a.importer) ? { path: MATHJS_SUBSET } : undefined,
    );
  },
};

/** Whether this Node.js snapshots the programs' preloads (not Node.js 22: `preloadInSnapshot`). */
const preload = preloadInSnapshot(Number(process.versions.node.split('.')[0]));
/** The environment of `node --build-snapshot`: no NODE_OPTIONS (V8 flags), no secrets. */
const snapshotEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '/usr/bin:/bin',
  ...(preload ? {} : { [SNAPSHOT_PRELOAD_ENV]: 'false' }),
};

for (const name of programs) {
  // 1. the bundle
  const source = path.relative(ROOT, path.join(TASKS_DIR, `${name}.ts`));
  const bundle = path.join(OUT_TASKS, `${name}.cjs`);
  try {
    const result = await build({
      entryPoints: [path.join(TASKS_DIR, `${name}.ts`)],
      outfile: bundle,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      sourcemap: true,
      // error classes report `this.name = new.target.name`: keep the names bundling would mangle
      keepNames: true,
      logLevel: 'warning',
      plugins: [danfojsShims],
      external: [
        // pg's optional native binding, loaded in a try/catch only when asked for
        'pg-native',
        // danfojs-base draws charts with plotly only when asked to, which the ETL never does
        'plotly.js-dist-min',
      ],
    });
    if (result.warnings.length > 0) fail(`bundling ${source}`, `${result.warnings.length} warning(s) above`);
  } catch (err) {
    fail(`bundling ${source}`, err instanceof Error ? err.message : String(err));
  }

  // 2. the snapshot
  const blob = path.join(OUT_SNAPSHOTS, `${name}.blob`);
  const started = performance.now();
  const made = spawnSync(
    process.execPath,
    [...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', blob, '--build-snapshot', bundle],
    {
      cwd: ROOT,
      env: snapshotEnv,
      encoding: 'utf8',
    },
  );
  const unverified = [...made.stderr.matchAll(/built-in module "(?:node:)?([^"]+)" works in user snapshot/g)]
    .map((m) => m[1] ?? '')
    .filter((m) => !ALLOWED_UNVERIFIED.has(m));
  if (unverified.length > 0) {
    fail(
      `snapshot of ${source}`,
      `it loads built-in module(s) Node.js has not verified for snapshots: ${[...new Set(unverified)].join(', ')}; import what needs them inside the task function (it then loads when the task runs)`,
    );
  }
  if (made.status !== 0) {
    fail(
      `node --build-snapshot ${path.relative(ROOT, bundle)}`,
      `exit ${made.status ?? made.signal}: ${made.stderr.trim().slice(-2000)}`,
    );
  }
  const buildMs = Math.round(performance.now() - started);

  // 3. the check: the blob starts the task's main function
  const run = spawnSync(process.execPath, [...TASK_PROGRAM_NODE_FLAGS, '--snapshot-blob', blob], {
    cwd: ROOT,
    env: snapshotEnv,
    encoding: 'utf8',
  });
  if (run.status !== 1 || !run.stderr.includes('HEATFLOW_DAG_ID is not set')) {
    fail(
      `checking ${path.relative(ROOT, blob)}`,
      `expected the task to start and fail on the missing contract environment (exit 1), got exit ${run.status ?? run.signal}: ${run.stderr.trim().slice(-1000)}`,
    );
  }
  console.log(
    `${path.relative(ROOT, bundle)} (${mb(bundle)}), ${path.relative(ROOT, blob)} (${mb(blob)}, built in ${buildMs} ms)`,
  );
}

// 4. the manifest: which Node.js build made the snapshots (the only one that can load them)
const manifest: SnapshotManifest = {
  format: 1,
  builtFor: currentNodeBuild(),
  flags: TASK_PROGRAM_NODE_FLAGS,
  preload,
  programs,
  builtAt: new Date().toISOString(),
};
const manifestPath = path.join(OUT_SNAPSHOTS, SNAPSHOT_MANIFEST_FILE);
await writeFile(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
console.log(
  `${path.relative(ROOT, OUT_SNAPSHOTS)}: ${programs.length} snapshots for ${describeNodeBuild(manifest.builtFor)}, build ${manifest.builtFor.buildId} (${process.execPath}); recorded in ${path.relative(ROOT, manifestPath)}${preload ? '' : `; preloads left to run time (${process.version} cannot snapshot them)`}`,
);
