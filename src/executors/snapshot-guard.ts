/**
 * Checks, before a task program starts from a startup snapshot (`node … --snapshot-blob <blob>`),
 * that the `node` about to run it is the Node.js build that made the snapshot, as recorded in
 * `manifest.json` next to the blob (`src/task-sdk/snapshot-manifest.ts`,
 * docs/task-programs.md#which-nodejs-a-snapshot-is-for). Without it, a `npm run build` made by
 * another Node.js ends every try with Node.js's own exit 14, and retries repeat it.
 *
 * Used by the process executor, whose tasks run on this machine's files and `node`. In the task
 * image the snapshots are built by the image's own Node.js in its build stage, so a container's
 * refusal can only mean a broken image: {@link explainSnapshotRefusal} words that case.
 */
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  currentNodeBuild,
  NODE_SELF_REPORT_SCRIPT,
  NODE_SNAPSHOT_REFUSAL,
  NODE_SNAPSHOT_REFUSAL_EXIT_CODE,
  nodeBuildOf,
  parseSnapshotManifest,
  SNAPSHOT_MANIFEST_FILE,
  snapshotMismatch,
  type NodeBuild,
  type NodeSelfReport,
  type SnapshotManifest,
} from '../task-sdk/snapshot-manifest.js';

const run = promisify(execFile);

/** The blob of a command `node [flags] --snapshot-blob <blob> …`, or undefined for any other. */
export function snapshotBlobOf(args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a === '--snapshot-blob') return args[i + 1];
    if (a.startsWith('--snapshot-blob=')) return a.slice('--snapshot-blob='.length);
    if (a === '--build-snapshot' || !a.startsWith('-')) return undefined;
  }
  return undefined;
}

/**
 * Node.js's refusal of a snapshot (exit 14 and its message on stderr) as a sentence saying what
 * to do, or undefined when the try ended otherwise.
 * @param fix what rebuilds the snapshots where they ran, e.g. "rebuild the task image"
 */
export function explainSnapshotRefusal(
  exitCode: number | null,
  stderr: string,
  fix: string,
): string | undefined {
  if (exitCode !== NODE_SNAPSHOT_REFUSAL_EXIT_CODE || !stderr.includes(NODE_SNAPSHOT_REFUSAL))
    return undefined;
  const said = stderr
    .slice(stderr.indexOf(NODE_SNAPSHOT_REFUSAL))
    .split('\n')[0]
    ?.trim()
    // Node.js 20–24 print "built withNode.js version": put the space back
    .replace('built withNode.js', 'built with Node.js');
  return `Node.js refused the task program's startup snapshot (exit ${exitCode}: "${said}"): ${fix}`;
}

/** Finds `program` as `spawn` would: a path as is (against `cwd`), a bare name on `PATH`. */
async function resolveProgram(
  program: string,
  cwd: string,
  envPath: string | undefined,
): Promise<string | undefined> {
  const candidates = program.includes('/')
    ? [path.resolve(cwd, program)]
    : (envPath ?? '')
        .split(path.delimiter)
        .filter((d) => d !== '')
        .map((d) => path.resolve(cwd, d, program));
  for (const c of candidates) {
    try {
      await access(c, constants.X_OK);
      return await realpath(c);
    } catch {
      // next one
    }
  }
  return undefined;
}

/** Options of {@link SnapshotGuard}. */
export interface SnapshotGuardOptions {
  /** reports the build of a `node` binary; `@defaultValue` runs it once with `-p` */
  probe?: (nodePath: string) => Promise<NodeBuild>;
}

/** The check, with what it learnt cached: one probe per `node` binary, one read per manifest change. */
export class SnapshotGuard {
  private readonly builds = new Map<string, Promise<NodeBuild>>();
  private readonly manifests = new Map<string, { mtimeMs: number; manifest: SnapshotManifest }>();
  private readonly probe: (nodePath: string) => Promise<NodeBuild>;
  private selfPath: Promise<string> | undefined;

  constructor(options: SnapshotGuardOptions = {}) {
    this.probe = options.probe ?? probeNode;
  }

  /**
   * Why `program args` cannot start its snapshot here, or undefined when it can (or is no snapshot
   * start, or its blob has no manifest folder to read: Node.js then reports the missing file).
   */
  async check(
    program: string,
    args: readonly string[],
    cwd: string,
    env: NodeJS.ProcessEnv,
  ): Promise<string | undefined> {
    const blob = snapshotBlobOf(args);
    if (blob === undefined) return undefined;
    const dir = path.dirname(path.resolve(cwd, blob));
    const where = path.relative(cwd, dir) || '.';
    const manifestPath = path.join(dir, SNAPSHOT_MANIFEST_FILE);
    let manifest: SnapshotManifest;
    try {
      manifest = await this.manifest(manifestPath);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        return err instanceof Error ? err.message : String(err);
      try {
        await stat(path.resolve(cwd, blob));
      } catch {
        return undefined; // no blob either: Node.js names the missing file
      }
      return `${path.join(where, SNAPSHOT_MANIFEST_FILE)} is missing next to ${blob}, so which Node.js built the snapshots is unknown: run \`npm run build\` to rebuild the task programs`;
    }
    const nodePath = await resolveProgram(program, cwd, env.PATH);
    if (nodePath === undefined) return undefined; // spawn reports it
    let running: NodeBuild;
    try {
      running = await this.buildOf(nodePath);
    } catch (err) {
      return `could not learn which Node.js ${nodePath} is (${err instanceof Error ? err.message : String(err)}), needed to check the task program snapshots in ${where}`;
    }
    return snapshotMismatch(manifest.builtFor, running, where, nodePath);
  }

  private async manifest(file: string): Promise<SnapshotManifest> {
    const { mtimeMs } = await stat(file);
    const cached = this.manifests.get(file);
    if (cached?.mtimeMs === mtimeMs) return cached.manifest;
    const manifest = parseSnapshotManifest(await readFile(file, 'utf8'), file);
    this.manifests.set(file, { mtimeMs, manifest });
    return manifest;
  }

  private async buildOf(nodePath: string): Promise<NodeBuild> {
    this.selfPath ??= realpath(process.execPath);
    if (nodePath === (await this.selfPath)) return currentNodeBuild();
    let build = this.builds.get(nodePath);
    if (build === undefined) {
      build = this.probe(nodePath);
      this.builds.set(nodePath, build);
      build.catch(() => this.builds.delete(nodePath));
    }
    return build;
  }
}

/** The build of the `node` at `nodePath`, from its own report (`node -p`, no NODE_OPTIONS). */
async function probeNode(nodePath: string): Promise<NodeBuild> {
  const { stdout } = await run(nodePath, ['-p', NODE_SELF_REPORT_SCRIPT], {
    env: { PATH: process.env.PATH ?? '' },
    timeout: 30_000,
  });
  return nodeBuildOf(JSON.parse(stdout) as NodeSelfReport);
}
