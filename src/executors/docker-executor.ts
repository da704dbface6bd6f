/**
 * The Docker executor: every task try runs in its own container, created through dockerode from
 * the task's image, with the task container contract's environment, the shared data volume, the
 * configured network, user, memory and CPU limits, and labels naming the try. Logs stream live
 * into the try's log file; the return value is read only from `HEATFLOW_XCOM_RETURN_PATH` on the
 * volume; the container is removed once its result is read. See docs/docker-executor.md.
 *
 * Docker Engine API used: create, archive (put/get), attach, start, wait, inspect, stop, remove,
 * rename, list, ping (https://docs.docker.com/reference/api/engine/); engine liveness:
 * docker-liveness.ts.
 */
import { createWriteStream } from 'node:fs';
import { logSink, type LogSink } from '../secrets/masking-stream.js';
import { constants as fsConstants } from 'node:fs';
import { access, chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Dockerode from 'dockerode';
import { deploymentIdOf, type HeatflowConfig } from '../config/config.js';
import { HeatflowError } from '../core/errors.js';
import { packTar, readFirstFileFromTar } from './docker-archive.js';
import {
  containerCreateOptions,
  KEPT_SUFFIX,
  DOCKER_LABELS,
  mountinfoShowsVolume,
  orphanFromLabels,
  selectForwardedEnv,
  tryPaths,
  type ContainerSettings,
  type TryPaths,
} from './docker-container-spec.js';
import { resolveDockerEndpoint, type DockerEndpoint } from './docker-endpoint.js';
import { DockerImageMissingError, DockerOperationError, DockerUnavailableError } from './docker-errors.js';
import { ENGINE_SHUTDOWN_WINDOW_MS, engineGoingDown, pingEngine, waitForExit } from './docker-liveness.js';
import { readReturnValue, StderrTail } from './executor-files.js';
import { explainSnapshotRefusal } from './snapshot-guard.js';
import {
  NO_RETRY_EXIT_CODE,
  RESCHEDULE_EXIT_CODE,
  SKIP_EXIT_CODE,
  type ExecutionHooks,
  type ExecutionOutcome,
  type ExecutionRequest,
  type ExecutionResult,
  type Executor,
  type OrphanTry,
} from './executor.js';

/**
 * How the worker reads and writes a try's XCom files on the data volume.
 * - `shared`: the worker's data folder is the volume (same named volume mounted at the same
 *   place, or the bind-mounted folder itself): plain file I/O.
 * - `archive`: through the Docker archive API on the try's container (works with any volume the
 *   worker cannot see; about 50 ms per call on the build machines).
 * - `auto`: `shared` when detected (see {@link DockerExecutor.dataAccess}), else `archive`.
 */
export type DockerDataAccess = 'auto' | 'shared' | 'archive';

/** Options of {@link DockerExecutor}; `DockerExecutor.fromConfig` fills them from the environment. */
export interface DockerExecutorOptions {
  /** the worker's data folder (HEATFLOW_DATA_DIR), absolute */
  dataDir: string;
  /** image of tasks that name none (HEATFLOW_TASK_IMAGE); `@defaultValue 'heatflow:latest'` */
  image?: string;
  /** named volume, or absolute host path for a bind mount (HEATFLOW_DOCKER_DATA_VOLUME); `@defaultValue 'heatflow-data'` */
  dataVolume?: string;
  /** where the volume is mounted in task containers (HEATFLOW_DOCKER_DATA_MOUNT); `@defaultValue '/data'` */
  dataMount?: string;
  /** HEATFLOW_DOCKER_DATA_ACCESS; `@defaultValue 'auto'` */
  dataAccess?: DockerDataAccess;
  /** HEATFLOW_DOCKER_NETWORK: `host`, `none`, `bridge` or a named network; `@defaultValue 'host'` */
  network?: string;
  /** HEATFLOW_DOCKER_USER (`uid[:gid]`); `@defaultValue undefined` (the image's user) */
  user?: string;
  /** memory limit in MiB, 0 for none (HEATFLOW_DOCKER_MEMORY_MB); `@defaultValue 1024` */
  memoryMb?: number;
  /** CPU limit in CPUs, 0 for none (HEATFLOW_DOCKER_CPUS); `@defaultValue 1` */
  cpus?: number;
  /** keep containers of failed or timed-out tries, renamed `<name>.kept` (HEATFLOW_DOCKER_KEEP_FAILED); `@defaultValue false` */
  keepFailed?: boolean;
  /** wait between SIGTERM and SIGKILL when killing, in ms, rounded up to seconds (HEATFLOW_DOCKER_KILL_GRACE_MS); `@defaultValue 5000` */
  killGraceMs?: number;
  /** label value of the Redis prefix (HEATFLOW_REDIS_PREFIX); `@defaultValue 'heatflow'` */
  namespace?: string;
  /**
   * label value separating deployments on one engine: only containers with this id and
   * {@link namespace} are reaped (HEATFLOW_DEPLOYMENT_ID, see `deploymentIdOf`); `@defaultValue` the namespace
   */
  deploymentId?: string;
  /** id of this worker, set as the `heatflow.worker_id` label; `@defaultValue '<hostname>:<pid>'` */
  workerId?: string;
  /** worker variables copied into every container, comma-separated, `PREFIX_*` allowed (HEATFLOW_DOCKER_FORWARD_ENV); `@defaultValue 'TZ'` (secrets go in the task's own env, to the tasks that need them) */
  forwardEnv?: string;
  /** environment the forwarded variables are read from; `@defaultValue process.env` */
  env?: NodeJS.ProcessEnv;
  /** run docker-init as the container's PID 1 (signals reach the task, zombies reaped); `@defaultValue true` */
  init?: boolean;
  /**
   * the engine's logging driver for task containers (HEATFLOW_DOCKER_LOG_DRIVER); the try's log is
   * written by the worker from the attached output whatever the driver; `@defaultValue 'none'`
   */
  logDriver?: string;
  /** DOCKER_HOST to use; `@defaultValue process.env.DOCKER_HOST` (else the default unix socket) */
  dockerHost?: string;
  /** command named in the "image missing" error for the default image; `@defaultValue 'scripts/build-images.sh (or make containers_build)'` */
  buildCommand?: string;
  /** how long to wait for the log stream to drain after the container exits, in ms; `@defaultValue 5000` */
  logDrainMs?: number;
  /** a ready dockerode client (tests); `@defaultValue` one built from `dockerHost` */
  docker?: Dockerode;
}

/** The resolved access mode and, when shared, the folder on this machine that is the volume's root. */
interface ResolvedAccess {
  readonly mode: 'shared' | 'archive';
  readonly dir: string;
}

/** Error codes of Node.js sockets that mean "the engine did not answer". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'EACCES',
  'EPERM',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ESOCKETTIMEDOUT',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface DockerApiError {
  statusCode?: number;
  code?: string;
  message?: string;
  json?: { message?: string } | null;
}

/** The Docker executor (see the file comment). */
export class DockerExecutor implements Executor {
  readonly name = 'docker';
  /** the engine endpoint, described for error messages */
  readonly endpoint: DockerEndpoint;
  private readonly docker: Dockerode;
  private readonly settings: ContainerSettings;
  private readonly dataDir: string;
  private readonly dataAccessOption: DockerDataAccess;
  private readonly keepFailed: boolean;
  private readonly killGraceMs: number;
  private readonly buildCommand: string;
  private readonly logDrainMs: number;
  private resolvedAccess: Promise<ResolvedAccess> | undefined;
  /** containers of tries this executor is running now (never reaped) */
  private readonly active = new Set<string>();

  constructor(options: DockerExecutorOptions) {
    this.endpoint = resolveDockerEndpoint(options.dockerHost ?? process.env.DOCKER_HOST);
    this.docker = options.docker ?? new Dockerode(this.endpoint.options);
    this.dataDir = path.resolve(options.dataDir);
    this.dataAccessOption = options.dataAccess ?? 'auto';
    this.keepFailed = options.keepFailed ?? false;
    this.killGraceMs = options.killGraceMs ?? 5000;
    this.buildCommand = options.buildCommand ?? 'scripts/build-images.sh (or make containers_build)';
    this.logDrainMs = options.logDrainMs ?? 5000;
    this.settings = {
      namespace: options.namespace ?? 'heatflow',
      deploymentId: options.deploymentId ?? options.namespace ?? 'heatflow',
      workerId: options.workerId ?? `${os.hostname()}:${process.pid}`,
      defaultImage: options.image ?? 'heatflow:latest',
      dataVolume: options.dataVolume ?? 'heatflow-data',
      dataMount: options.dataMount ?? '/data',
      network: options.network ?? 'host',
      user: options.user,
      memoryMb: options.memoryMb ?? 1024,
      cpus: options.cpus ?? 1,
      init: options.init ?? true,
      logDriver: options.logDriver ?? 'none',
      forwardedEnv: selectForwardedEnv(options.forwardEnv ?? 'TZ', options.env ?? process.env),
    };
  }

  /**
   * Builds the executor from the validated configuration.
   * @param extra - the worker's id, and the environment forwarded variables are read from
   */
  static fromConfig(
    config: HeatflowConfig,
    extra: { workerId?: string; env?: NodeJS.ProcessEnv } = {},
  ): DockerExecutor {
    return new DockerExecutor({
      dataDir: config.HEATFLOW_DATA_DIR,
      image: config.HEATFLOW_TASK_IMAGE,
      dataVolume: config.HEATFLOW_DOCKER_DATA_VOLUME,
      dataMount: config.HEATFLOW_DOCKER_DATA_MOUNT,
      dataAccess: config.HEATFLOW_DOCKER_DATA_ACCESS,
      network: config.HEATFLOW_DOCKER_NETWORK,
      ...(config.HEATFLOW_DOCKER_USER === undefined ? {} : { user: config.HEATFLOW_DOCKER_USER }),
      memoryMb: config.HEATFLOW_DOCKER_MEMORY_MB,
      cpus: config.HEATFLOW_DOCKER_CPUS,
      keepFailed: config.HEATFLOW_DOCKER_KEEP_FAILED,
      logDriver: config.HEATFLOW_DOCKER_LOG_DRIVER,
      killGraceMs: config.HEATFLOW_DOCKER_KILL_GRACE_MS,
      forwardEnv: config.HEATFLOW_DOCKER_FORWARD_ENV,
      namespace: config.HEATFLOW_REDIS_PREFIX,
      deploymentId: deploymentIdOf(config),
      ...extra,
    });
  }

  /**
   * Checks that the engine answers and the default image (or `image`) exists; call it at worker
   * start to fail fast with a clear message.
   * @throws DockerUnavailableError when the engine does not answer
   * @throws DockerImageMissingError when the image is not on the engine
   */
  async verify(image = this.settings.defaultImage): Promise<void> {
    await this.ping();
    try {
      await this.docker.getImage(image).inspect();
    } catch (err) {
      if ((err as DockerApiError).statusCode === 404) throw this.imageMissing(image, err);
      throw this.wrap('inspect image', err);
    }
  }

  /**
   * Checks that the engine answers (`GET /_ping`).
   * @throws DockerUnavailableError when it does not
   */
  async ping(): Promise<void> {
    await pingEngine(this.docker, (op, fn) => this.call(op, fn), this.endpoint.description);
  }

  /**
   * How XCom files are reached (resolved once): `shared` when configured, or, for `auto`, when the
   * bind-mounted folder is the worker's data folder, when this process runs in a container that
   * mounts the named volume at its data folder (`/proc/self/mountinfo`), or when the named
   * volume's mount point on this host is readable and writable by this process (a worker on the
   * engine's host, as root: it then reads and writes the volume's files there); otherwise `archive`.
   */
  async dataAccess(): Promise<'shared' | 'archive'> {
    return (await this.access()).mode;
  }

  private access(): Promise<ResolvedAccess> {
    if (this.resolvedAccess === undefined) {
      const p = this.detectDataAccess();
      this.resolvedAccess = p;
      p.catch(() => {
        if (this.resolvedAccess === p) this.resolvedAccess = undefined;
      });
    }
    return this.resolvedAccess;
  }

  private async detectDataAccess(): Promise<ResolvedAccess> {
    const shared = { mode: 'shared', dir: this.dataDir } as const;
    const archive = { mode: 'archive', dir: this.dataDir } as const;
    if (this.dataAccessOption === 'shared') return shared;
    if (this.dataAccessOption === 'archive') return archive;
    const volume = this.settings.dataVolume;
    if (path.isAbsolute(volume)) return path.resolve(volume) === this.dataDir ? shared : archive;
    const mountinfo = await readFile('/proc/self/mountinfo', 'utf8').catch(() => '');
    if (mountinfoShowsVolume(mountinfo, this.dataDir, volume)) return shared;
    let mountpoint: string | undefined;
    try {
      mountpoint = ((await this.docker.getVolume(volume).inspect()) as { Mountpoint?: string }).Mountpoint;
    } catch (err) {
      if ((err as DockerApiError).statusCode !== 404) throw this.wrap('inspect volume', err);
      // not created yet: create it now (the engine would at the first container) to learn its mount point
      const created = await this.call('create volume', () =>
        this.docker.createVolume({
          Name: volume,
          Labels: { [DOCKER_LABELS.namespace]: this.settings.namespace },
        }),
      );
      mountpoint = (created as unknown as { Mountpoint?: string }).Mountpoint;
    }
    if (mountpoint === undefined || mountpoint === '') return archive;
    if (path.resolve(mountpoint) === this.dataDir) return shared;
    const usable = await access(mountpoint, fsConstants.R_OK | fsConstants.W_OK).then(
      () => true,
      () => false,
    );
    return usable ? { mode: 'shared', dir: path.resolve(mountpoint) } : archive;
  }

  async execute(req: ExecutionRequest, hooks: ExecutionHooks = {}): Promise<ExecutionResult> {
    const startedAt = Date.now();
    if (req.command.length === 0) {
      throw new HeatflowError(
        'EMPTY_COMMAND',
        `task "${req.taskId}" of DAG "${req.dagId}" has an empty command`,
      );
    }
    const paths = tryPaths(this.settings.dataMount, req);
    const image = req.image ?? this.settings.defaultImage;
    await mkdir(path.dirname(req.logPath), { recursive: true });
    const log = createWriteStream(req.logPath, { flags: 'a' });
    // a log file that cannot be written (disk full) must not crash the worker or lose the result
    log.on('error', () => undefined);
    const note = (line: string) => log.write(`[heatflow] ${line}\n`);
    let container: Dockerode.Container | undefined;
    let outcome: ExecutionOutcome | undefined;
    const sinks: LogSink[] = [];
    try {
      const access = await this.access();
      const upload = access.mode === 'shared' ? undefined : await this.archiveInput(req, paths);
      if (access.mode === 'shared') await this.writeInputShared(req, paths, access.dir);

      const createOptions = containerCreateOptions(this.settings, req, paths);
      container = await this.createContainer(createOptions, req, image);
      const c = container;
      this.active.add(c.id);
      if (upload !== undefined) {
        await this.call('upload XCom input (archive API)', () =>
          c.putArchive(upload, { path: this.settings.dataMount }),
        );
      }

      // attach before start so no output is lost; demultiplex into the log, keep stderr's tail
      const tail = new StderrTail();
      const stream = await this.call('attach to container', () =>
        c.attach({ stream: true, stdout: true, stderr: true }),
      );
      const drained = new Promise<void>((resolve) => {
        stream.once('end', resolve);
        stream.once('close', resolve);
        stream.once('error', () => resolve());
      });
      // stdout and stderr each masked line by line (the try's secrets) on their way to the log
      const toLog = (keepTail: boolean) => {
        const sink = logSink(log, req.masker);
        sinks.push(sink);
        return new Writable({
          write(chunk: Buffer, _enc, cb) {
            if (keepTail) tail.push(chunk);
            sink.stream.write(chunk, () => cb());
          },
        });
      };
      this.docker.modem.demuxStream(stream, toLog(false), toLog(true));

      if (req.signal?.aborted === true) {
        outcome = 'aborted';
        note('try aborted before its container started');
        (stream as unknown as { destroy(): void }).destroy();
        return {
          outcome,
          exitCode: null,
          error: 'try aborted (lease lost or worker stopping)',
          containerId: c.id,
          durationMs: Date.now() - startedAt,
        };
      }
      await this.call('start container', () => c.start());
      hooks.onStarted?.({ containerId: c.id });

      let why: 'timeout' | 'aborted' | undefined;
      const kill = (reason: 'timeout' | 'aborted') => {
        if (why !== undefined) return;
        why = reason;
        const graceS = Math.ceil(this.killGraceMs / 1000);
        note(
          `${reason === 'timeout' ? `execution_timeout of ${req.executionTimeoutMs} ms reached` : 'try aborted'}: ` +
            `stopping container ${createOptions.name} (SIGTERM, SIGKILL after ${graceS} s)`,
        );
        c.stop({ t: graceS }).catch(() => {
          // already stopped, or the engine is gone: wait() reports it
        });
      };
      const timer =
        req.executionTimeoutMs === undefined
          ? undefined
          : setTimeout(() => kill('timeout'), req.executionTimeoutMs);
      const onAbort = () => kill('aborted');
      req.signal?.addEventListener('abort', onAbort, { once: true });
      if (isAborted(req.signal)) onAbort();
      let waited: { StatusCode?: number };
      try {
        waited = await waitForExit(c, (op, fn) => this.call(op, fn), this.endpoint.description);
      } finally {
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
      }
      await Promise.race([drained, sleep(this.logDrainMs)]);
      for (const sink of sinks) sink.stream.end();
      await Promise.race([Promise.all(sinks.map((k) => k.finished)), sleep(this.logDrainMs)]);
      // a clean exit needs no inspect; any other is inspected for the kernel's OOM kill
      const state =
        waited.StatusCode === 0
          ? { ExitCode: 0, OOMKilled: false }
          : (await this.call('inspect container', () => c.inspect())).State;
      const exitCode = state.ExitCode ?? waited.StatusCode ?? null;
      const durationMs = () => Date.now() - startedAt;
      const base = { exitCode, containerId: c.id };

      if (why === 'timeout') {
        outcome = 'timeout';
        return {
          ...base,
          outcome,
          error: `killed after execution_timeout of ${req.executionTimeoutMs} ms`,
          durationMs: durationMs(),
        };
      }
      if (why === 'aborted') {
        outcome = 'aborted';
        return {
          ...base,
          outcome,
          error: 'try aborted (lease lost or worker stopping)',
          durationMs: durationMs(),
        };
      }
      if (state.OOMKilled) {
        outcome = 'failed';
        const limit =
          this.settings.memoryMb > 0
            ? `the ${this.settings.memoryMb} MiB limit (HEATFLOW_DOCKER_MEMORY_MB)`
            : 'the memory available';
        const error = `killed by the kernel for running out of memory (OOM): the container exceeded ${limit}; exit code ${exitCode}${tail.describe()}`;
        note(error);
        return { ...base, outcome, error, durationMs: durationMs() };
      }
      // SIGTERM or SIGKILL not sent by this executor (not OOM either): the engine's own shutdown?
      if ((exitCode === 143 || exitCode === 137) && (await engineGoingDown(() => this.ping()))) {
        throw new DockerUnavailableError(this.endpoint.description, 'wait for container', {
          detail: `the engine's shutdown stopped the container (exit code ${exitCode}; the engine stopped answering within ${ENGINE_SHUTDOWN_WINDOW_MS} ms)`,
        });
      }
      if (exitCode === 0) {
        const rv = await this.readReturn(c, req, paths, access);
        if (rv.error !== undefined) {
          outcome = 'failed';
          note(rv.error);
          return { ...base, outcome, error: rv.error, durationMs: durationMs() };
        }
        outcome = 'success';
        return {
          ...base,
          outcome,
          ...(rv.present ? { returnValue: rv.value } : {}),
          durationMs: durationMs(),
        };
      }
      if (exitCode === SKIP_EXIT_CODE) {
        outcome = 'skipped';
        return { ...base, outcome, durationMs: durationMs() };
      }
      if (exitCode === RESCHEDULE_EXIT_CODE) {
        const rv = await this.readReturn(c, req, paths, access);
        outcome = rv.error === undefined ? 'reschedule' : 'failed';
        if (rv.error !== undefined) return { ...base, outcome, error: rv.error, durationMs: durationMs() };
        return {
          ...base,
          outcome,
          ...(rv.present ? { returnValue: rv.value } : {}),
          durationMs: durationMs(),
        };
      }
      if (exitCode === NO_RETRY_EXIT_CODE) {
        outcome = 'failed_no_retry';
        return {
          ...base,
          outcome,
          error: `container exited with code ${exitCode} (failed, not to be retried)${tail.describe()}`,
          durationMs: durationMs(),
        };
      }
      const refused = explainSnapshotRefusal(
        exitCode,
        tail.text(),
        `the snapshots in image ${image} were not built by its own Node.js: rebuild it (scripts/build-images.sh, whose build stage makes them)`,
      );
      if (refused !== undefined) {
        outcome = 'failed_no_retry';
        note(refused);
        return { ...base, outcome, error: refused, durationMs: durationMs() };
      }
      outcome = 'failed';
      return {
        ...base,
        outcome,
        error: `container exited with code ${exitCode}${tail.describe()}`,
        durationMs: durationMs(),
      };
    } catch (err) {
      const e = await this.asShutdownError(err);
      note(e instanceof Error ? e.message : String(e));
      throw e;
    } finally {
      if (container !== undefined) {
        this.active.delete(container.id);
        await this.dispose(container, outcome, note);
      }
      await new Promise<void>((resolve) => log.end(resolve));
    }
  }

  /** An HTTP 5xx of an engine that then stopped answering, as the DockerUnavailableError it was. */
  private async asShutdownError(err: unknown): Promise<unknown> {
    if (!(err instanceof DockerOperationError) || (err.statusCode ?? 0) < 500) return err;
    if (!(await engineGoingDown(() => this.ping()))) return err;
    return new DockerUnavailableError(this.endpoint.description, err.operation, {
      cause: err,
      detail: `${err.message}, and then the engine stopped answering (it was shutting down)`,
    });
  }

  /** Removes the try's container, or keeps (renames) it when it failed and keeping is on. */
  private async dispose(
    container: Dockerode.Container,
    outcome: ExecutionOutcome | undefined,
    note: (line: string) => void,
  ): Promise<void> {
    const failed = outcome === 'failed' || outcome === 'failed_no_retry' || outcome === 'timeout';
    try {
      if (this.keepFailed && failed) {
        const info = await container.inspect();
        const kept = `${info.Name.replace(/^\//, '')}${KEPT_SUFFIX}`;
        await container.rename({ name: kept });
        note(`container kept for debugging as ${kept} (HEATFLOW_DOCKER_KEEP_FAILED)`);
        return;
      }
      await container.remove({ force: true });
    } catch (err) {
      if ((err as DockerApiError).statusCode === 404) return;
      note(
        `could not remove container ${container.id.slice(0, 12)}: ${(err as Error).message}; the next reapOrphans removes it`,
      );
    }
  }

  /** Shared mode: the run folder and the XCom files, written by the worker directly. */
  private async writeInputShared(req: ExecutionRequest, paths: TryPaths, dir: string): Promise<void> {
    const runDir = path.join(dir, paths.runDirRel);
    const input = path.join(dir, paths.inputRel);
    await mkdir(path.dirname(input), { recursive: true });
    // the task runs as another user (the image's): let it write to the run folder
    await chmodIfOwner(runDir, 0o777);
    await chmodIfOwner(path.dirname(input), 0o777);
    await rm(path.join(dir, paths.returnRel), { force: true });
    await writeFile(input, JSON.stringify(req.xcomInput));
  }

  /**
   * Archive mode: a tar with the run folder, the input file and an empty return file (so a file
   * left by an earlier execution of the same try is never read back), extracted at the mount.
   */
  private async archiveInput(req: ExecutionRequest, paths: TryPaths): Promise<Buffer> {
    const parts = paths.runDirRel.split('/');
    const dirs = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    const xcomDir = path.posix.dirname(paths.inputRel);
    if (xcomDir !== paths.runDirRel) dirs.push(xcomDir);
    return packTar([
      ...dirs.map((name) => ({ type: 'directory' as const, name, mode: 0o777 })),
      { type: 'file', name: paths.inputRel, mode: 0o644, content: JSON.stringify(req.xcomInput) },
      { type: 'file', name: paths.returnRel, mode: 0o666, content: '' },
    ]);
  }

  private async readReturn(
    container: Dockerode.Container,
    req: ExecutionRequest,
    paths: TryPaths,
    access: ResolvedAccess,
  ): Promise<Awaited<ReturnType<typeof readReturnValue>>> {
    if (access.mode === 'shared') {
      return readReturnValue(
        path.join(access.dir, paths.returnRel),
        req.taskId,
        (p) => readFile(p, 'utf8'),
        req.maxReturnFileBytes === undefined
          ? undefined
          : { maxBytes: req.maxReturnFileBytes, sizeOf: async (p) => (await stat(p)).size },
      );
    }
    return readReturnValue(paths.returnPath, req.taskId, async (p) => {
      let stream: NodeJS.ReadableStream;
      try {
        stream = await container.getArchive({ path: p });
      } catch (err) {
        if ((err as DockerApiError).statusCode === 404)
          throw Object.assign(new Error(`${p} not found`), { code: 'ENOENT' });
        throw this.wrap('read XCom return file (archive API)', err);
      }
      // the tar header gives the size: over the limit the entry is not read (16 MiB without one)
      const content = await readFirstFileFromTar(stream, req.maxReturnFileBytes);
      if (content === undefined) throw Object.assign(new Error(`${p} is not a file`), { code: 'ENOENT' });
      return content.toString('utf8');
    });
  }

  /** Creates the container; a stale container of the same try (another lease) is removed first. */
  private async createContainer(
    options: Dockerode.ContainerCreateOptions,
    req: ExecutionRequest,
    image: string,
  ): Promise<Dockerode.Container> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.docker.createContainer(options);
      } catch (err) {
        const e = err as DockerApiError;
        if (e.statusCode === 404 && /no such image/i.test(apiMessage(e))) throw this.imageMissing(image, err);
        if (e.statusCode === 409 && attempt === 0 && options.name !== undefined) {
          const existing = this.docker.getContainer(options.name);
          const info = await this.call('inspect conflicting container', () => existing.inspect());
          if (info.Config.Labels?.[DOCKER_LABELS.leaseToken] === req.leaseToken) {
            throw new HeatflowError(
              'DOCKER_DUPLICATE_TRY',
              `a container of this very try (same lease) already exists: ${options.name}; refusing to run the try twice`,
            );
          }
          await this.call('remove stale container', () => existing.remove({ force: true }));
          continue;
        }
        throw this.wrap('create container', err);
      }
    }
  }

  /**
   * Removes containers of this deployment (namespace and deployment id) whose try is no longer owned by a live worker (per
   * `isLive`), running or exited, and returns their tries so the caller fails them (the scheduler
   * retries). Containers of tries this executor runs now, and kept ones (`*.kept`), are left alone.
   * @throws DockerUnavailableError when the engine does not answer
   */
  async reapOrphans(isLive: (orphan: OrphanTry) => Promise<boolean>): Promise<OrphanTry[]> {
    const list = await this.call('list containers', () =>
      this.docker.listContainers({
        all: true,
        filters: {
          label: [
            `${DOCKER_LABELS.namespace}=${this.settings.namespace}`,
            `${DOCKER_LABELS.deployment}=${this.settings.deploymentId}`,
          ],
        },
      }),
    );
    const reaped: OrphanTry[] = [];
    for (const c of list) {
      if (this.active.has(c.Id)) continue;
      if (c.Names.some((n) => n.endsWith(KEPT_SUFFIX))) continue;
      const orphan = orphanFromLabels(c.Labels, c.Id);
      if (orphan === undefined) continue;
      if (await isLive(orphan)) continue;
      try {
        await this.docker.getContainer(c.Id).remove({ force: true });
      } catch (err) {
        if ((err as DockerApiError).statusCode !== 404) throw this.wrap('remove orphan container', err);
      }
      reaped.push(orphan);
    }
    return reaped;
  }

  /** Nothing to release: dockerode opens a connection per request. Running tries are not killed. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  private imageMissing(image: string, cause: unknown): DockerImageMissingError {
    const command =
      image === this.settings.defaultImage
        ? this.buildCommand
        : `docker pull ${image} (or docker build -t ${image} <folder of its Dockerfile>)`;
    return new DockerImageMissingError(image, command, { cause });
  }

  /** Runs one engine call, turning its errors into heatflow errors. */
  private async call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.wrap(operation, err);
    }
  }

  private wrap(operation: string, err: unknown): HeatflowError {
    if (err instanceof HeatflowError) return err;
    const e = err as DockerApiError;
    if (e.statusCode === undefined && e.code !== undefined && UNREACHABLE_CODES.has(e.code)) {
      return new DockerUnavailableError(this.endpoint.description, operation, {
        cause: err,
        detail: e.message ?? e.code,
      });
    }
    return new DockerOperationError(operation, e.statusCode, apiMessage(e), { cause: err });
  }
}

function apiMessage(e: DockerApiError): string {
  return (e.json?.message ?? e.message ?? 'unknown error').trim();
}

async function chmodIfOwner(p: string, mode: number): Promise<void> {
  try {
    await chmod(p, mode);
  } catch (err) {
    if ((err as { code?: string }).code !== 'EPERM') throw err;
  }
}

/** Read through a call so TypeScript does not narrow it away between awaits. */
function isAborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
