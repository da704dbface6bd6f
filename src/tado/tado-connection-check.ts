/**
 * A `tado` connection checked when it is stored (`connections add`, the REST API, the web form),
 * not first when extract runs: what {@link tadoSettingsFromConnection} refuses (a login or
 * password, an unknown extra key, a protocol other than http/https) and each setting it gives
 * checked as `loadTadoConfig` checks it (a `home_id` that is not a number, a negative
 * `rate_reserve`), named by the connection's own part rather than the `TADO_*` variable.
 */
import { ConfigError } from '../core/errors.js';
import { loadTadoConfig } from './tado-config.js';
import { EXTRA_SETTINGS, TADO_CONNECTION_ENV, tadoSettingsFromConnection } from './tado-connection.js';

/** The connection part each `TADO_*` setting comes from. */
const PART_OF: Readonly<Record<string, string>> = {
  TADO_API_URL: 'host, port or path',
  ...Object.fromEntries(Object.entries(EXTRA_SETTINGS).map(([key, name]) => [name, `extra "${key}"`])),
};

/**
 * Checks the URI of a connection of conn_type `tado`.
 * @param uri - the connection as a URI (`connToUri`)
 * @throws ConfigError whose message names the connection part at fault and why
 */
export function checkTadoConnection(uri: string): void {
  let settings: Record<string, string>;
  try {
    settings = tadoSettingsFromConnection(uri);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new ConfigError(err.message.replace(`${TADO_CONNECTION_ENV} (the "tado" connection): `, ''), []);
    throw err;
  }
  try {
    loadTadoConfig(settings);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    let message = err.message.replace(/^invalid tado configuration:\s*/, '');
    for (const [name, part] of Object.entries(PART_OF)) message = message.replaceAll(name, part);
    throw new ConfigError(message, err.variables);
  }
}
