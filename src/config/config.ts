/**
 * Orchestrator configuration, read from the environment in one place and validated with zod.
 * A bad value fails at start with the variable's name and what was expected. The tado° client
 * has its own settings in `src/tado/tado-config.ts` (they are read inside task containers).
 */
import path from 'node:path';
import { z } from 'zod';
import { parseAllowedHostList } from '../core/host-check.js';
import { SecretCipher } from '../secrets/secret-cipher.js';
import { parseEnv } from './parse-env.js';

const int = (min: number) => z.coerce.number().int().min(min);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Each variable, its schema and default. Documented in README's configuration table. */
const schema = z.object({
  /** Postgres connection string of the metadata and warehouse database. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@127.0.0.1:5432/heatflow'),
  /** Redis connection string (BullMQ transport and XCom store). */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Prefix of every Redis key heatflow writes (queues and XComs). */
  HEATFLOW_REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . -')
    .default('heatflow'),
  /**
   * Id of this deployment, set as a label on its task containers: a worker reaps only containers
   * of its own deployment. Default: `<database name>.<Redis prefix>` ({@link deploymentIdOf});
   * set it when two deployments with the same database name and prefix share a Docker engine.
   */
  HEATFLOW_DEPLOYMENT_ID: z
    .string()
    .regex(/^[A-Za-z0-9_.@:/-]{1,200}$/, 'letters, digits, _ . @ : / - (at most 200)')
    .optional(),
  /** Folder of DAG files (`.ts`, `.js`, `.mjs`). */
  HEATFLOW_DAGS_DIR: z.string().min(1).default('dags'),
  /** Shared data folder; each DAG run gets `<dir>/runs/<dag_id>/<run_id>/`. */
  HEATFLOW_DATA_DIR: z.string().min(1).default('.heatflow/data'),
  /** Folder of task logs: `<dir>/dag_id=<d>/run_id=<r>/task_id=<t>/attempt=<n>.log`. */
  HEATFLOW_LOG_DIR: z.string().min(1).default('.heatflow/logs'),
  /** How tasks run: `process` (child processes) or `docker` (one container per try). */
  HEATFLOW_EXECUTOR: z.enum(['process', 'docker']).default('process'),
  /** Task tries one worker runs at once. */
  HEATFLOW_WORKER_CONCURRENCY: int(1).default(4),
  /** Cap on one XCom value, in bytes (JSON). */
  HEATFLOW_XCOM_MAX_BYTES: int(1).default(48 * 1024),
  /** How long XComs live in Redis, in seconds. */
  HEATFLOW_XCOM_TTL_S: int(1).default(30 * 24 * 3600),
  /** Period of the scheduler's reconciling pass, in ms (completions wake it at once). */
  HEATFLOW_SCHEDULER_INTERVAL_MS: int(10).default(1000),
  /** Period of a running try's heartbeat, in ms. */
  HEATFLOW_HEARTBEAT_MS: int(100).default(5000),
  /** A running try whose heartbeat is older than this is a zombie: failed, then retried. In ms. */
  HEATFLOW_ZOMBIE_THRESHOLD_MS: int(500).default(60_000),
  /** A TI `queued` longer than this with no BullMQ job is re-enqueued. In ms. */
  HEATFLOW_QUEUED_TIMEOUT_MS: int(500).default(120_000),
  /** pino level. */
  HEATFLOW_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `json` lines, or `pretty` for a terminal; default: pretty on a TTY. */
  HEATFLOW_LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  /** Web server bind address. */
  HEATFLOW_WEB_HOST: z.string().min(1).default('127.0.0.1'),
  /** Web server port. */
  HEATFLOW_WEB_PORT: int(0).max(65535).default(8080),
  /**
   * Host names the web server answers besides IP addresses, `localhost` and its bind address
   * (comma-separated, no port; `*`: any, which turns the DNS-rebinding check off). docs/web.md.
   */
  HEATFLOW_WEB_ALLOWED_HOSTS: z
    .string()
    .default('')
    .transform((v, ctx) => {
      try {
        return parseAllowedHostList(v);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
        return z.NEVER;
      }
    }),
  /**
   * Key(s) encrypting variables and connection secrets at rest, as Airflow's `fernet_key`: url-safe
   * base64 of 32 bytes, comma-separated for rotation (the first encrypts). Unset: stored in plain
   * text, with a loud warning (src/secrets/secret-cipher.ts). A malformed key fails at start.
   */
  HEATFLOW_FERNET_KEY: z
    .string()
    .optional()
    .superRefine((v, issue) => {
      try {
        new SecretCipher(v);
      } catch (err) {
        // the cipher's own words (which key, what is wrong), never the key itself
        issue.addIssue({
          code: 'custom',
          message: (err as Error).message.replace(/^HEATFLOW_FERNET_KEY: /, ''),
        });
      }
    }),
  /** Bearer token that authorises actions in the web UI and API; unset: actions disabled. */
  HEATFLOW_WEB_TOKEN: z.string().min(8, 'at least 8 characters').optional(),
  /**
   * People who may sign in to the web page besides those of the users table:
   * `name:scrypt$…,other:scrypt$…` (hashes from `heatflow users hash`, never a plain password).
   */
  HEATFLOW_WEB_USERS: z
    .string()
    .optional()
    .superRefine((v, ctx) => {
      for (const entry of (v ?? '').split(',').filter((e) => e.trim() !== '')) {
        const colon = entry.indexOf(':');
        if (
          colon < 1 ||
          !entry
            .slice(colon + 1)
            .trim()
            .startsWith('scrypt$')
        )
          ctx.addIssue({
            code: 'custom',
            message: `each entry is name:hash with a hash from \`heatflow users hash\` (scrypt$…), got ${JSON.stringify(entry.slice(0, colon < 1 ? 20 : colon))}…`,
          });
      }
    }),
  /** Docker image of task containers. */
  HEATFLOW_TASK_IMAGE: z.string().min(1).default('heatflow:latest'),
  /** Network of task containers: `host`, `none`, `bridge` or a named network. */
  HEATFLOW_DOCKER_NETWORK: z.string().min(1).default('host'),
  /** Named volume (or absolute host path, for a bind mount) mounted at the data folder in task containers. */
  HEATFLOW_DOCKER_DATA_VOLUME: z.string().min(1).default('heatflow-data'),
  /** Where the data volume is mounted inside task containers. */
  HEATFLOW_DOCKER_DATA_MOUNT: z.string().startsWith('/').default('/data'),
  /** Memory limit of a task container, in MiB (0: none). */
  HEATFLOW_DOCKER_MEMORY_MB: int(0).default(1024),
  /** CPU limit of a task container, in CPUs (0: none). */
  HEATFLOW_DOCKER_CPUS: z.coerce.number().min(0).default(1),
  /** User task containers run as (`uid[:gid]`); default: the image's user. */
  HEATFLOW_DOCKER_USER: z.string().optional(),
  /** Keep containers of failed tries for debugging. */
  HEATFLOW_DOCKER_KEEP_FAILED: bool.default(false),
  /**
   * Docker logging driver of task containers. The worker keeps each try's log itself (it attaches
   * to the container's output), so `none` keeps no second copy in the engine, which costs the
   * engine about an eighth of its CPU per container; `json-file` or `local` make `docker logs`
   * work on kept containers (docs/docker-executor.md).
   */
  HEATFLOW_DOCKER_LOG_DRIVER: z.string().min(1).default('none'),
  /**
   * How the worker reaches a try's XCom files on the data volume: `shared` (the worker's
   * HEATFLOW_DATA_DIR is the same storage: plain file I/O), `archive` (through the Docker archive
   * API, ~100 ms more per try), `auto` (shared when detected, see docs/docker-executor.md).
   */
  HEATFLOW_DOCKER_DATA_ACCESS: z.enum(['auto', 'shared', 'archive']).default('auto'),
  /**
   * Worker variables copied into every task container (comma-separated names, `PREFIX_*` allowed).
   * Secrets belong in the task's own `env` (by reference), given only to the tasks that need them.
   */
  HEATFLOW_DOCKER_FORWARD_ENV: z.string().default('TZ'),
  /** Wait between SIGTERM and SIGKILL when a task container is killed, in ms. */
  HEATFLOW_DOCKER_KILL_GRACE_MS: int(0).default(5000),
});

/** Names of every orchestrator setting, in the schema's order (`config list`, `GET /api/v1/config`). */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

/** The validated configuration; paths are absolute. */
export type HeatflowConfig = z.output<typeof schema>;

/**
 * Reads and validates the configuration.
 * @param env - variables to read; `@defaultValue process.env`
 * @param cwd - base of relative paths; `@defaultValue process.cwd()`
 * @throws ConfigError naming every invalid variable and what it expects
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): HeatflowConfig {
  const c = parseEnv(schema, env, 'invalid configuration');
  return {
    ...c,
    HEATFLOW_DAGS_DIR: path.resolve(cwd, c.HEATFLOW_DAGS_DIR),
    HEATFLOW_DATA_DIR: path.resolve(cwd, c.HEATFLOW_DATA_DIR),
    HEATFLOW_LOG_DIR: path.resolve(cwd, c.HEATFLOW_LOG_DIR),
  };
}

/**
 * The deployment id task containers are labelled with: HEATFLOW_DEPLOYMENT_ID, else
 * `<database name>.<Redis prefix>` (e.g. `heatflow.heatflow`), so two deployments with their own
 * databases or prefixes never reap each other's containers on a shared engine.
 */
export function deploymentIdOf(
  config: Pick<HeatflowConfig, 'HEATFLOW_DEPLOYMENT_ID' | 'DATABASE_URL' | 'HEATFLOW_REDIS_PREFIX'>,
): string {
  if (config.HEATFLOW_DEPLOYMENT_ID !== undefined) return config.HEATFLOW_DEPLOYMENT_ID;
  const database = decodeURIComponent(new URL(config.DATABASE_URL).pathname.slice(1)) || 'postgres';
  return `${database}.${config.HEATFLOW_REDIS_PREFIX}`;
}
