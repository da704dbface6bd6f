/**
 * Settings of the tado° client, read from `TADO_*` environment variables and validated with zod.
 * They are separate from the orchestrator's configuration because task containers read them.
 * A bad value fails with the variable's name and what was expected.
 */
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { parseEnv } from '../config/parse-env.js';
import { TADO_CONNECTION_ENV, tadoSettingsFromConnection } from './tado-connection.js';

/** tado's public client id for third-party apps (device flow, no secret). Source: support.tado.com 8565472. */
export const TADO_PUBLIC_CLIENT_ID = '1bb50063-6b0c-4d11-bd99-387f4a91cc46';

const int = (min: number) => z.coerce.number().int().min(min);
const httpUrl = z
  .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
  .transform((u) => u.replace(/\/+$/, ''));

/** Each variable, its schema and default. */
const schema = z.object({
  /** Base of the REST API. */
  TADO_API_URL: httpUrl.default('https://my.tado.com/api/v2'),
  /** Base of the OAuth 2.0 login server (`/device_authorize`, `/token` below it). */
  TADO_AUTH_URL: httpUrl.default('https://login.tado.com/oauth2'),
  /** OAuth client id. */
  TADO_CLIENT_ID: z.string().min(1).default(TADO_PUBLIC_CLIENT_ID),
  /**
   * File holding the refresh token (JSON, mode 0600). The default is computed when the settings are
   * read, not when this module loads (a task program's startup snapshot loads it at build time).
   */
  TADO_TOKEN_FILE: z
    .string()
    .min(1)
    .default(() => path.join(os.homedir(), '.heatflow', 'tado-token.json')),
  /** Home to read; default: the first home of `/me`. */
  TADO_HOME_ID: int(1).optional(),
  /** Requests left untouched at the end of the daily quota: the client stops when `remaining <= reserve`. */
  TADO_RATE_RESERVE: int(0).default(5),
  /** Pause between two requests of one client, in ms (tado asks clients to pace and jitter). */
  TADO_REQUEST_DELAY_MS: int(0).default(1000),
  /** Random extra pause added to each delay, 0..this, in ms. */
  TADO_REQUEST_JITTER_MS: int(0).default(500),
  /** Timeout of one HTTP request, in ms. */
  TADO_TIMEOUT_MS: int(1).default(30_000),
  /** Retries of a request after a network error, a timeout or a 5xx. */
  TADO_RETRIES: int(0).max(20).default(3),
  /** First retry delay, in ms; doubles per retry (plus up to 20 % jitter). */
  TADO_RETRY_BASE_DELAY_MS: int(0).default(1000),
  /** Refresh the access token this long before it expires, in ms. */
  TADO_TOKEN_REFRESH_MARGIN_MS: int(0).default(30_000),
});

/** The validated tado° client settings (the token file path is absolute). */
export type TadoConfig = z.output<typeof schema>;

/** Names of the variables {@link loadTadoConfig} reads. */
export const TADO_CONFIG_VARIABLES = Object.keys(schema.shape) as (keyof TadoConfig)[];

/**
 * Reads and validates the tado° settings. Empty strings count as unset. A `tado` connection's URI
 * in `HEATFLOW_CONN_TADO` (tado-connection.ts) is laid over the `TADO_*` variables: what it gives
 * wins.
 * @param env - variables to read; `@defaultValue process.env`
 * @param cwd - base of a relative `TADO_TOKEN_FILE`; `@defaultValue process.cwd()`
 * @throws ConfigError naming every invalid variable and what it expects, or the connection's part at fault
 */
export function loadTadoConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): TadoConfig {
  const conn = env[TADO_CONNECTION_ENV]?.trim();
  const merged = conn === undefined || conn === '' ? env : { ...env, ...tadoSettingsFromConnection(conn) };
  const c = parseEnv(schema, merged, 'invalid tado configuration');
  return { ...c, TADO_TOKEN_FILE: path.resolve(cwd, c.TADO_TOKEN_FILE) };
}
