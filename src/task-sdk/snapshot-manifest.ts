/**
 * The manifest of the task programs' startup snapshots, `dist/snapshots/manifest.json`
 * (docs/task-programs.md#which-nodejs-a-snapshot-is-for): which Node.js build made them.
 *
 * A V8 startup snapshot loads only into the Node.js build that made it: same Node.js version,
 * V8, platform and architecture, same V8 flags (Node.js checks its own version and the flags and
 * exits 14 with "Failed to load the startup snapshot because it was built with Node.js version
 * …", nodejs/node#44132; another build of the same version is not detected by Node.js at all).
 * The build (scripts/build-task-programs.ts) records the build it used here, and whoever starts a
 * program from a snapshot compares it with the Node.js that will run it
 * (`src/executors/snapshot-guard.ts`), so a mismatch fails with what to do instead of Node.js's
 * terse exit.
 */
import { createHash } from 'node:crypto';
import { HeatflowError } from '../core/errors.js';

/** File name of the manifest, next to the blobs. */
export const SNAPSHOT_MANIFEST_FILE = 'manifest.json';

/** One Node.js build, as far as snapshots care. */
export interface NodeBuild {
  /** `process.version`, e.g. `v24.22.3` */
  readonly node: string;
  /** `process.versions.v8`, e.g. `13.6.233.17-node.63` */
  readonly v8: string;
  /** `process.platform`, e.g. `linux` */
  readonly platform: string;
  /** `process.arch`, e.g. `x64` */
  readonly arch: string;
  /**
   * First 16 hex digits of the SHA-256 of `process.versions` and `process.config`: tells two
   * builds of one version apart (a distribution's and nodejs.org's link different libraries).
   */
  readonly buildId: string;
}

/** What `dist/snapshots/manifest.json` holds. */
export interface SnapshotManifest {
  /** format of this file */
  readonly format: 1;
  /** the Node.js build that made the snapshots (and the only one that can load them) */
  readonly builtFor: NodeBuild;
  /** Node.js flags they were built with, and must run with (`TASK_PROGRAM_NODE_FLAGS`) */
  readonly flags: readonly string[];
  /**
   * whether the programs' `preload` ran at build time (in the snapshot), or is left to run time
   * (`preloadInSnapshot`, snapshot-preload.ts)
   */
  readonly preload: boolean;
  /** the programs, one `<name>.blob` each */
  readonly programs: readonly string[];
  /** when they were built, ISO 8601 */
  readonly builtAt: string;
}

/** What a Node.js process says about itself: the input of {@link nodeBuildOf}. */
export interface NodeSelfReport {
  readonly version: string;
  readonly versions: Readonly<Record<string, string | undefined>>;
  readonly config: unknown;
  readonly platform: string;
  readonly arch: string;
}

/**
 * A script for `node -p` that prints the {@link NodeSelfReport} of that Node.js as JSON: how the
 * executor learns the build of a `node` binary other than its own.
 */
export const NODE_SELF_REPORT_SCRIPT =
  'JSON.stringify({version: process.version, versions: process.versions, config: process.config, platform: process.platform, arch: process.arch})';

/** The {@link NodeBuild} of a self-report. */
export function nodeBuildOf(report: NodeSelfReport): NodeBuild {
  const buildId = createHash('sha256')
    .update(JSON.stringify(report.versions))
    .update(JSON.stringify(report.config))
    .digest('hex')
    .slice(0, 16);
  return {
    node: report.version,
    v8: report.versions.v8 ?? 'unknown',
    platform: report.platform,
    arch: report.arch,
    buildId,
  };
}

/** The {@link NodeBuild} of this process. */
export function currentNodeBuild(): NodeBuild {
  return nodeBuildOf({
    version: process.version,
    versions: process.versions,
    config: process.config,
    platform: process.platform,
    arch: process.arch,
  });
}

/** The manifest is missing, unreadable or not a snapshot manifest; names the file. */
export class SnapshotManifestError extends HeatflowError {
  constructor(
    message: string,
    /** the manifest's path */
    readonly file: string,
  ) {
    super('SNAPSHOT_MANIFEST_INVALID', message);
  }
}

const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';

/**
 * Parses the text of a manifest.
 * @throws SnapshotManifestError naming `file` and the field at fault
 */
export function parseSnapshotManifest(text: string, file: string): SnapshotManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new SnapshotManifestError(
      `${file} is not JSON (${err instanceof Error ? err.message : String(err)}): run \`npm run build\` to rebuild the task programs`,
      file,
    );
  }
  const m = raw as Partial<Record<keyof SnapshotManifest, unknown>> | null;
  const builtFor: unknown = m?.builtFor ?? null;
  const b = builtFor as Partial<Record<keyof NodeBuild, unknown>> | null;
  const bad =
    m?.format !== 1
      ? 'format'
      : b === null || typeof b !== 'object'
        ? 'builtFor'
        : (['node', 'v8', 'platform', 'arch', 'buildId'] as const).find((k) => !isString(b[k]));
  if (bad !== undefined) {
    const field = bad === 'format' || bad === 'builtFor' ? bad : `builtFor.${bad}`;
    throw new SnapshotManifestError(
      `${file} is not a snapshot manifest of this heatflow (${field} is missing or wrong): run \`npm run build\` to rebuild the task programs`,
      file,
    );
  }
  return raw as SnapshotManifest;
}

/** "Node.js v24.22.3 (V8 13.6.233.17-node.63, linux-x64)" */
export function describeNodeBuild(b: NodeBuild): string {
  return `Node.js ${b.node} (V8 ${b.v8}, ${b.platform}-${b.arch})`;
}

/**
 * Why snapshots made for `builtFor` cannot run on `running`, as a sentence saying what to do, or
 * `undefined` when they can.
 * @param where the snapshots' folder as the reader should see it, e.g. `dist/snapshots`
 * @param runningPath the `node` binary that would run them, when known
 */
export function snapshotMismatch(
  builtFor: NodeBuild,
  running: NodeBuild,
  where: string,
  runningPath?: string,
): string | undefined {
  const at = runningPath === undefined ? '' : ` at ${runningPath}`;
  const fix =
    'run `npm run build` with this Node.js to rebuild them (or set TADO_ETL_TASK_SNAPSHOTS=false to run the plain bundles)';
  const differs =
    builtFor.node !== running.node ||
    builtFor.v8 !== running.v8 ||
    builtFor.platform !== running.platform ||
    builtFor.arch !== running.arch;
  if (differs) {
    return `the task program snapshots in ${where} were built for ${describeNodeBuild(builtFor)}, this is ${describeNodeBuild(running)}${at}: ${fix}`;
  }
  if (builtFor.buildId !== running.buildId) {
    return `the task program snapshots in ${where} were built by another build of ${describeNodeBuild(builtFor)} (build ${builtFor.buildId}), this is build ${running.buildId}${at}: ${fix}`;
  }
  return undefined;
}

/**
 * Node.js's own words when it refuses a snapshot (src/node.cc, since v18.8: nodejs/node#44132),
 * and its exit code then (`ExitCode::kStartupSnapshotFailure`).
 */
export const NODE_SNAPSHOT_REFUSAL = 'Failed to load the startup snapshot';
/** Exit code of Node.js when it refuses a snapshot (`kStartupSnapshotFailure`, Node.js 20–24). */
export const NODE_SNAPSHOT_REFUSAL_EXIT_CODE = 14;
