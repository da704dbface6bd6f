/**
 * The tado° client settings from an Airflow-style connection (`heatflow connections add tado
 * --conn-uri …`), handed to a task as the URI in `HEATFLOW_CONN_TADO` (Airflow's
 * `AIRFLOW_CONN_<ID>` convention) and laid over the `TADO_*` environment by `loadTadoConfig`: a
 * field the connection gives wins; the rest comes from the environment, then the defaults.
 *
 * | connection part                                   | setting                              |
 * | ------------------------------------------------- | ------------------------------------ |
 * | host, port, schema (path), extra `protocol`       | `TADO_API_URL` = `<protocol, https>://host[:port]/<schema, api/v2>` |
 * | extra `api_url`, `auth_url`, `client_id`, `token_file`, `home_id`, `rate_reserve`, `request_delay_ms`, `request_jitter_ms`, `timeout_ms`, `retries`, `retry_base_delay_ms`, `token_refresh_margin_ms` | the `TADO_*` variable of that name (upper-cased), e.g. `home_id` → `TADO_HOME_ID` |
 *
 * tado has no password sign-in any more (docs/tado-api.md: the device flow and a refresh token in
 * `TADO_TOKEN_FILE`), so a login or password in the connection is refused rather than ignored.
 */
import { parseConnUri } from '../connections/conn-uri.js';
import { ConfigError } from '../core/errors.js';

/** The environment variable a task receives the `tado` connection's URI in. */
export const TADO_CONNECTION_ENV = 'HEATFLOW_CONN_TADO';

/** Extra keys of a `tado` connection and the `TADO_*` setting each sets. */
export const EXTRA_SETTINGS: Readonly<Record<string, string>> = {
  api_url: 'TADO_API_URL',
  auth_url: 'TADO_AUTH_URL',
  client_id: 'TADO_CLIENT_ID',
  token_file: 'TADO_TOKEN_FILE',
  home_id: 'TADO_HOME_ID',
  rate_reserve: 'TADO_RATE_RESERVE',
  request_delay_ms: 'TADO_REQUEST_DELAY_MS',
  request_jitter_ms: 'TADO_REQUEST_JITTER_MS',
  timeout_ms: 'TADO_TIMEOUT_MS',
  retries: 'TADO_RETRIES',
  retry_base_delay_ms: 'TADO_RETRY_BASE_DELAY_MS',
  token_refresh_margin_ms: 'TADO_TOKEN_REFRESH_MARGIN_MS',
};

/**
 * The `TADO_*` settings a `tado` connection URI gives (only those it gives).
 * @throws ConfigError naming HEATFLOW_CONN_TADO and the part at fault: not a tado:// URI, a login
 *   or password, an unknown extra key, a `protocol` other than http/https
 */
export function tadoSettingsFromConnection(uri: string): Record<string, string> {
  const fail = (why: string): never => {
    throw new ConfigError(`${TADO_CONNECTION_ENV} (the "tado" connection): ${why}`, [TADO_CONNECTION_ENV]);
  };
  let c;
  try {
    c = parseConnUri(uri);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (c.connType !== 'tado') fail(`conn_type must be tado, got "${c.connType}"`);
  if ((c.login ?? '') !== '' || (c.password ?? '') !== '')
    fail(
      'tado signs in with the device flow and a refresh token (heatflow tado login), not a login and password: leave them out and set token_file',
    );
  const out: Record<string, string> = {};
  const extra = { ...(c.extra ?? {}) };
  const rawProtocol = extra.protocol ?? 'https';
  delete extra.protocol;
  const protocol = rawProtocol === 'http' ? 'http' : 'https';
  if (rawProtocol !== 'http' && rawProtocol !== 'https')
    fail(`extra protocol must be http or https, got ${JSON.stringify(rawProtocol)}`);
  if ((c.host ?? '') !== '') {
    const port = c.port === null || c.port === undefined ? '' : `:${c.port}`;
    const path = (c.schema ?? 'api/v2').replace(/^\/+/, '');
    out.TADO_API_URL = `${protocol}://${c.host ?? ''}${port}/${path}`;
  }
  for (const [key, value] of Object.entries(extra)) {
    const name = EXTRA_SETTINGS[key];
    if (name === undefined)
      fail(`unknown extra "${key}" (known: protocol, ${Object.keys(EXTRA_SETTINGS).join(', ')})`);
    else if (typeof value === 'string' || typeof value === 'number') {
      if (value !== '') out[name] = String(value);
    } else if (value !== null && value !== undefined)
      fail(`extra "${key}" must be a string or a number, got ${JSON.stringify(value)}`);
  }
  return out;
}
