/**
 * `GET /api/v1/config`: every setting in effect, in the shape of Airflow 2's stable REST API
 * (`{sections: [{name, options: [{key, value}]}]}`), secrets masked (passwords in connection
 * strings, tokens) as `heatflow config list` masks them, the tado° and DAG-file settings
 * included; each option also says its `source` (`env`, `default`, or `derived` with
 * `derived_from`). An invalid `TADO_*` setting answers the error naming it, as `config list` exits. Behind the server's read rule, as every other API read.
 */
import type { FastifyInstance } from 'fastify';
import { listSettings, toConfigSections } from '../config/config-listing.js';
import { loadTadoConfig } from '../tado/tado-config.js';
import type { WebContext } from './web-context.js';

/**
 * Registers `GET /api/v1/config`.
 * @param env - the environment the configuration was read from (for `source`); `@defaultValue process.env`
 */
export function registerConfigApiRoutes(
  app: FastifyInstance,
  ctx: WebContext,
  env: NodeJS.ProcessEnv = process.env,
): void {
  app.get('/api/v1/config', () => toConfigSections(listSettings(ctx.rt.config, env, loadTadoConfig(env))));
}
