/**
 * Pure parts of the Docker executor: the container's name, labels, environment and create
 * options for one try, reading a try back from a container's labels, and recognising the data
 * volume among this process's mounts. No I/O here.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ContainerCreateOptions, MountSettings } from 'dockerode';
import { HeatflowError } from '../core/errors.js';
import type { ExecutionRequest, OrphanTry } from './executor.js';
import { xcomFileNames } from './executor-files.js';

/** Label keys set on every task container (Docker labels, `docker ps --filter label=…`). */
export const DOCKER_LABELS = {
  /** the deployment's namespace (its Redis prefix) */
  namespace: 'heatflow.namespace',
  /**
   * the deployment's id (HEATFLOW_DEPLOYMENT_ID, by default its database and Redis prefix):
   * reaping never touches another deployment's containers, even one with the same prefix
   */
  deployment: 'heatflow.deployment',
  dagId: 'heatflow.dag_id',
  runId: 'heatflow.run_id',
  taskId: 'heatflow.task_id',
  tryNumber: 'heatflow.try_number',
  leaseToken: 'heatflow.lease_token',
  workerId: 'heatflow.worker_id',
} as const;

/** Suffix given (by renaming) to containers kept for debugging; the reaper leaves them alone. */
export const KEPT_SUFFIX = '.kept';

/** What the spec of one try's container depends on besides the request. */
export interface ContainerSettings {
  /** namespace label value (the Redis prefix) */
  readonly namespace: string;
  /** deployment label value (HEATFLOW_DEPLOYMENT_ID or its default) */
  readonly deploymentId: string;
  /** id of the worker starting the container */
  readonly workerId: string;
  /** image when the request names none */
  readonly defaultImage: string;
  /** named volume, or absolute host path for a bind mount */
  readonly dataVolume: string;
  /** mount path of the data volume in the container, absolute */
  readonly dataMount: string;
  /** `host`, `none`, `bridge` or a named network */
  readonly network: string;
  /** `uid[:gid]` or a user name; undefined: the image's user */
  readonly user: string | undefined;
  /** memory limit in MiB, 0: none (swap is disabled along with it) */
  readonly memoryMb: number;
  /** CPU limit in CPUs, 0: none */
  readonly cpus: number;
  /** run docker-init as PID 1 so SIGTERM reaches the task and zombies are reaped */
  readonly init: boolean;
  /** the engine's logging driver for the container (`none`: the worker's attached copy only) */
  readonly logDriver: string;
  /** variables copied from the worker's environment (already selected), overridden by the request's */
  readonly forwardedEnv: Readonly<Record<string, string>>;
}

/**
 * Docker container names allow `[a-zA-Z0-9][a-zA-Z0-9_.-]*`. Run ids hold `:` and `+`, so the
 * readable part is sanitised and a hash of the exact identity keeps names of different tries
 * distinct. The name carries the try number: a retry never conflicts with its predecessor; and
 * the deployment id (in the hash): the same try of two deployments on one engine never conflicts.
 */
export function containerName(
  namespace: string,
  req: Pick<ExecutionRequest, 'dagId' | 'runId' | 'taskId' | 'tryNumber'>,
  deploymentId: string = namespace,
): string {
  const clean = (s: string) => s.replace(/[^a-zA-Z0-9_.-]/g, '_');
  const identity = [namespace, req.dagId, req.runId, req.taskId, req.tryNumber];
  const hash = createHash('sha256')
    .update(JSON.stringify(deploymentId === namespace ? identity : [...identity, deploymentId]))
    .digest('hex')
    .slice(0, 10);
  const readable = `${clean(namespace)}.${clean(req.dagId)}.${clean(req.taskId)}.${clean(req.runId)}`.slice(
    0,
    180,
  );
  const name = `${readable}.try${req.tryNumber}.${hash}`;
  return /^[a-zA-Z0-9]/.test(name) ? name : `hf${name}`;
}

/** The labels of a try's container. */
export function containerLabels(
  settings: Pick<ContainerSettings, 'namespace' | 'deploymentId' | 'workerId'>,
  req: Pick<ExecutionRequest, 'dagId' | 'runId' | 'taskId' | 'tryNumber' | 'leaseToken'>,
): Record<string, string> {
  return {
    [DOCKER_LABELS.namespace]: settings.namespace,
    [DOCKER_LABELS.deployment]: settings.deploymentId,
    [DOCKER_LABELS.dagId]: req.dagId,
    [DOCKER_LABELS.runId]: req.runId,
    [DOCKER_LABELS.taskId]: req.taskId,
    [DOCKER_LABELS.tryNumber]: String(req.tryNumber),
    [DOCKER_LABELS.leaseToken]: req.leaseToken,
    [DOCKER_LABELS.workerId]: settings.workerId,
  };
}

/** Reads a try back from a container's labels; undefined when a label is missing or malformed. */
export function orphanFromLabels(
  labels: Readonly<Record<string, string>> | undefined,
  containerId: string,
): OrphanTry | undefined {
  if (labels === undefined) return undefined;
  const dagId = labels[DOCKER_LABELS.dagId];
  const runId = labels[DOCKER_LABELS.runId];
  const taskId = labels[DOCKER_LABELS.taskId];
  const tryNumber = Number(labels[DOCKER_LABELS.tryNumber]);
  const leaseToken = labels[DOCKER_LABELS.leaseToken];
  if (dagId === undefined || runId === undefined || taskId === undefined || leaseToken === undefined)
    return undefined;
  if (!Number.isInteger(tryNumber) || tryNumber < 1) return undefined;
  return { dagId, runId, taskId, tryNumber, leaseToken, containerId };
}

/** Paths of a try's files as seen inside the container (and, relative, on the volume). */
export interface TryPaths {
  /** the run folder relative to the volume root, normalised, e.g. `runs/etl/manual__x` */
  readonly runDirRel: string;
  /** XCom input file relative to the volume root */
  readonly inputRel: string;
  /** XCom return file relative to the volume root */
  readonly returnRel: string;
  /** `HEATFLOW_RUN_DIR` in the container */
  readonly runDir: string;
  /** `HEATFLOW_XCOM_INPUT_PATH` in the container */
  readonly inputPath: string;
  /** `HEATFLOW_XCOM_RETURN_PATH` in the container */
  readonly returnPath: string;
}

/**
 * Where a try's run folder and XCom files are, relative to the volume and inside the container.
 * The file names are the ones every executor uses ({@link xcomFileNames}).
 * @throws HeatflowError `INVALID_RUN_DIR` when `runDir` is absolute or leaves the data root
 */
export function tryPaths(
  dataMount: string,
  req: Pick<ExecutionRequest, 'runDir' | 'taskId' | 'tryNumber'>,
): TryPaths {
  const runDirRel = path.posix.normalize(req.runDir).replace(/\/+$/, '');
  if (
    path.posix.isAbsolute(runDirRel) ||
    runDirRel === '.' ||
    runDirRel === '..' ||
    runDirRel.startsWith('../')
  ) {
    throw new HeatflowError(
      'INVALID_RUN_DIR',
      `runDir must be a folder inside the data root, got ${JSON.stringify(req.runDir)}`,
    );
  }
  const files = xcomFileNames(req);
  const inputRel = path.posix.join(runDirRel, files.input);
  const returnRel = path.posix.join(runDirRel, files.return);
  return {
    runDirRel,
    inputRel,
    returnRel,
    runDir: path.posix.join(dataMount, runDirRel),
    inputPath: path.posix.join(dataMount, inputRel),
    returnPath: path.posix.join(dataMount, returnRel),
  };
}

/**
 * Picks the worker variables to forward: `names` is a comma-separated list of exact names and
 * `PREFIX_*` patterns.
 */
export function selectForwardedEnv(names: string, env: NodeJS.ProcessEnv): Record<string, string> {
  const patterns = names
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined) continue;
    if (patterns.some((p) => (p.endsWith('*') ? key.startsWith(p.slice(0, -1)) : key === p)))
      out[key] = value;
  }
  return out;
}

/** The data volume's mount: a bind mount when `dataVolume` is an absolute path, else a named volume. */
export function dataVolumeMount(dataVolume: string, dataMount: string): MountSettings {
  return path.isAbsolute(dataVolume)
    ? { Type: 'bind', Source: dataVolume, Target: dataMount, ReadOnly: false }
    : { Type: 'volume', Source: dataVolume, Target: dataMount, ReadOnly: false };
}

/** The `POST /containers/create` body of one try. */
export function containerCreateOptions(
  settings: ContainerSettings,
  req: ExecutionRequest,
  paths: TryPaths,
): ContainerCreateOptions {
  const env: Record<string, string> = {
    ...settings.forwardedEnv,
    ...req.env,
    HEATFLOW_DATA_DIR: settings.dataMount,
    HEATFLOW_RUN_DIR: paths.runDir,
    HEATFLOW_XCOM_INPUT_PATH: paths.inputPath,
    HEATFLOW_XCOM_RETURN_PATH: paths.returnPath,
  };
  const memoryBytes = settings.memoryMb > 0 ? Math.round(settings.memoryMb * 1024 * 1024) : undefined;
  return {
    name: containerName(settings.namespace, req, settings.deploymentId),
    Image: req.image ?? settings.defaultImage,
    Cmd: [...req.command],
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Labels: containerLabels(settings, req),
    ...(settings.user === undefined ? {} : { User: settings.user }),
    Tty: false,
    OpenStdin: false,
    AttachStdin: false,
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: {
      Mounts: [dataVolumeMount(settings.dataVolume, settings.dataMount)],
      NetworkMode: settings.network,
      Init: settings.init,
      AutoRemove: false,
      LogConfig: { Type: settings.logDriver, Config: {} },
      ...(memoryBytes === undefined ? {} : { Memory: memoryBytes, MemorySwap: memoryBytes }),
      ...(settings.cpus > 0 ? { NanoCpus: Math.round(settings.cpus * 1e9) } : {}),
    },
  };
}

/**
 * Whether `dataDir` (the worker's HEATFLOW_DATA_DIR) is the named volume `volume`, judged from
 * `/proc/self/mountinfo`: inside a container that mounts the volume, the mount's root is
 * `<docker root>/volumes/<volume>/_data`. Field layout: proc(5), "/proc/[pid]/mountinfo".
 */
export function mountinfoShowsVolume(mountinfo: string, dataDir: string, volume: string): boolean {
  const unescape = (s: string) =>
    s.replace(/\\([0-7]{3})/g, (_m, oct: string) => String.fromCharCode(parseInt(oct, 8)));
  const target = path.resolve(dataDir);
  for (const line of mountinfo.split('\n')) {
    const fields = line.split(' ');
    const root = fields[3];
    const mountPoint = fields[4];
    if (root === undefined || mountPoint === undefined) continue;
    if (unescape(mountPoint) !== target) continue;
    if (unescape(root).endsWith(`/volumes/${volume}/_data`)) return true;
  }
  return false;
}
