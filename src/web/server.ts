/**
 * The web server (fastify): status pages and the REST API. Listens on 127.0.0.1:8080 by default
 * (`HEATFLOW_WEB_HOST`, `HEATFLOW_WEB_PORT`). Read-only pages are open on loopback; actions need
 * `HEATFLOW_WEB_TOKEN` (see web-auth.ts). Only known `Host` names are answered, against DNS
 * rebinding (src/core/host-check.ts). Charts are SVG drawn on the server (src/web/charts/): the
 * pages load no chart library.
 */
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { isConnectionError } from '../db/pool-errors.js';
import { createAnalyticsDb } from '../db/analytics-pool.js';
import { allowedHosts, checkHost } from '../core/host-check.js';
import type { Runtime } from '../runtime/runtime.js';
import { registerApiRoutes } from './api-routes.js';
import { registerAssetApiRoutes } from './asset-api-routes.js';
import { registerConfigApiRoutes } from './config-api-routes.js';
import { registerEventLogRoutes } from './event-log-routes.js';
import { registerExportRoutes } from './export-routes.js';
import { APP_CSS, APP_JS } from './assets.js';
import { registerDagDetailRoutes } from './dag-detail-routes.js';
import { registerDagRunWriteRoutes } from './dag-run-write-routes.js';
import { registerDagDeleteRoute } from './dag-delete-route.js';
import { registerGraphRoutes } from './graph-routes.js';
import { registerHeatingApiRoutes } from './heating/heating-api-routes.js';
import { registerHeatingPageRoutes } from './heating/heating-page-routes.js';
import { HeatingService } from './heating/heating-service.js';
import { HttpProblem } from './http-problem.js';
import { MAX_BODY_DEPTH, nestsDeeperThan } from '../core/json-depth.js';
import { registerJsonBodyParser } from './json-body-parser.js';
import type { LoginRateLimitOptions } from './login-rate-limit.js';
import { registerLogRoutes } from './log-routes.js';
import { registerPageRoutes } from './page-routes.js';
import { registerPoolRoutes } from './pool-routes.js';
import { registerVariableRoutes } from './variable-routes.js';
import { registerSecretPageRoutes } from './secret-page-routes.js';
import { registerSecretFormRoutes } from './secret-form-routes.js';
import { errorView } from './views/misc-views.js';
import { isLoopbackHost, SESSION_COOKIE, WebAuth } from './web-auth.js';
import { WebContext } from './web-context.js';

/** Options of {@link startWebServer}. */
export interface WebServerOptions {
  /** bind address; `@defaultValue` HEATFLOW_WEB_HOST (127.0.0.1) */
  readonly host: string;
  /** port; 0 picks a free one (tests) */
  readonly port: number;
  /**
   * serve pages and API reads without a credential; `@defaultValue` true on a loopback address,
   * false elsewhere when a token is configured
   */
  readonly openReads?: boolean;
  /**
   * host names answered besides IP addresses, `localhost` and {@link host} (`*`: any);
   * `@defaultValue` HEATFLOW_WEB_ALLOWED_HOSTS
   */
  readonly allowedHosts?: readonly string[];
  /** lifetime of a browser session, in ms; `@defaultValue 12 h` */
  readonly sessionTtlMs?: number;
  /** failed sign-ins allowed per address and per username; `@defaultValue 5 per 15 min` */
  readonly loginRateLimit?: LoginRateLimitOptions;
}

/** A running web server. */
export interface WebServer {
  /** `http://host:port` */
  readonly url: string;
  /** stops accepting connections and closes the open ones */
  close(): Promise<void>;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** Paths any visitor may read even when reads need a credential. */
const PUBLIC_PATHS = [/^\/static\//, /^\/login(\?|$)/, /^\/api\/v1\/(health|version)(\?|$)/];

const isApi = (req: FastifyRequest): boolean => req.url.startsWith('/api/');

/**
 * Builds the fastify app (not listening): routes, static assets, error handling. Exposed for
 * tests that use `app.inject`.
 */
export async function buildWebApp(rt: Runtime, options: WebServerOptions): Promise<FastifyInstance> {
  const auth = new WebAuth(
    rt.config.HEATFLOW_WEB_TOKEN,
    options.sessionTtlMs === undefined ? {} : { sessionTtlMs: options.sessionTtlMs },
  );
  const openReads = options.openReads ?? (isLoopbackHost(options.host) || !auth.enabled);
  if (!isLoopbackHost(options.host) && !auth.enabled) {
    rt.logger.warn(
      { host: options.host },
      'web server listens beyond loopback without HEATFLOW_WEB_TOKEN: pages are readable by anyone who can reach it',
    );
  }
  const hosts = allowedHosts(options.host, options.allowedHosts ?? rt.config.HEATFLOW_WEB_ALLOWED_HOSTS);
  const ctx = new WebContext(rt, auth, openReads, options.loginRateLimit);
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 5000 },
    bodyLimit: 1024 * 1024,
    // Errors found before routing (malformed percent-encoding such as `/dags/%E0%A4%A`, a path
    // parameter past maxParamLength) get the same answers as the others: problem JSON for the API,
    // an HTML page for a browser; fastify's default is its own JSON.
    frameworkErrors: (err, req, reply) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) void reply.header(k, v);
      const detail =
        err.code === 'FST_ERR_BAD_URL'
          ? `the address is not valid percent-encoding: ${req.url.split('?')[0] ?? ''}`
          : err.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? 'a part of the address is too long'
            : err.message;
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 ? err.statusCode : 400;
      void sendProblem(req, reply, new HttpProblem(status, detail), ctx);
    },
  });

  registerJsonBodyParser(app);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    const out: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(body as string)) out[k] = v;
    done(null, out);
  });

  app.addHook('onRequest', async (req, reply) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) void reply.header(k, v);
    // before anything else, public paths included: a DNS-rebinding page must read nothing
    const host = checkHost(req.headers.host, hosts);
    if (!host.ok) throw new HttpProblem(403, host.reason);
    rejectNulInQuery(req.query);
    // a person's session is an HMAC: it ends when the user is deleted or the password changes,
    // checked here on every request
    const who = auth.sessionIdentity(req);
    if (who?.kind === 'user') {
      const stamp = await ctx.signIn.currentPasswordStamp(who.username);
      if (stamp !== who.passwordStamp) {
        void reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
        throw new HttpProblem(
          401,
          stamp === undefined
            ? `user "${who.username}" no longer exists: sign in again`
            : `the password of user "${who.username}" changed: sign in again`,
        );
      }
    }
    if (ctx.openReads || PUBLIC_PATHS.some((re) => re.test(req.url))) return;
    if (auth.hasBearer(req) || auth.session(req) !== undefined) return;
    if (isApi(req) || req.method !== 'GET')
      throw new HttpProblem(
        401,
        'this server needs the web token: send "Authorization: Bearer <HEATFLOW_WEB_TOKEN>"',
      );
    return reply.code(303).redirect(`/login?next=${encodeURIComponent(req.url)}`);
  });

  // before any route's checks: JSON nested thousands of levels deep overflows recursive code
  app.addHook('preValidation', (req, _reply, done) => {
    if (nestsDeeperThan(req.body))
      done(new HttpProblem(400, `the request body nests deeper than ${MAX_BODY_DEPTH} levels`));
    else done();
  });

  app.addHook('onResponse', async (req, reply) => {
    if (reply.statusCode >= 500)
      rt.logger.error({ method: req.method, url: req.url, status: reply.statusCode }, 'web request failed');
  });

  app.setErrorHandler(async (err: FastifyError | Error, req, reply) => {
    let problem: HttpProblem;
    if (err instanceof HttpProblem) problem = err;
    else if (
      'statusCode' in err &&
      typeof err.statusCode === 'number' &&
      err.statusCode >= 400 &&
      err.statusCode < 500
    ) {
      problem = new HttpProblem(err.statusCode, err.message);
    } else if (isConnectionError(err)) {
      // the database connection was cut under this request (server restart, pg_terminate_backend):
      // the next request gets a fresh one
      rt.logger.warn(
        { err: err.message, method: req.method, url: req.url },
        'web request lost its database connection',
      );
      problem = new HttpProblem(503, 'the database connection was lost; try again');
    } else {
      rt.logger.error({ err, method: req.method, url: req.url }, 'web handler error');
      problem = new HttpProblem(500, 'internal error; see the server log');
    }
    return sendProblem(req, reply, problem, ctx);
  });

  app.setNotFoundHandler(async (req, reply) =>
    sendProblem(
      req,
      reply,
      new HttpProblem(404, `no route ${req.method} ${req.url.split('?')[0] ?? ''}`, 'Not Found'),
      ctx,
    ),
  );

  app.get('/static/heatflow.css', async (_req, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=300').send(APP_CSS),
  );
  app.get('/static/heatflow.js', async (_req, reply) =>
    reply.type('text/javascript; charset=utf-8').header('cache-control', 'public, max-age=300').send(APP_JS),
  );

  // the heating dashboard reads schema `analytics` through its own small pool (dates as text)
  const analyticsDb = createAnalyticsDb(rt.config.DATABASE_URL, { max: 4, applicationName: 'heatflow-web' });
  app.addHook('onClose', async () => analyticsDb.destroy());
  const heating = new HeatingService(analyticsDb);

  registerApiRoutes(app, ctx);
  registerAssetApiRoutes(app, ctx);
  registerConfigApiRoutes(app, ctx);
  registerDagDetailRoutes(app, ctx);
  registerDagRunWriteRoutes(app, ctx);
  registerDagDeleteRoute(app, ctx);
  registerExportRoutes(app, ctx);
  registerHeatingApiRoutes(app, heating);
  registerHeatingPageRoutes(app, ctx, heating);
  registerGraphRoutes(app, ctx);
  registerLogRoutes(app, ctx);
  registerPageRoutes(app, ctx);
  registerPoolRoutes(app, ctx);
  registerEventLogRoutes(app, ctx);
  registerVariableRoutes(app, ctx);
  registerSecretPageRoutes(app, ctx);
  registerSecretFormRoutes(app, ctx);
  return app;
}

/**
 * No query parameter may hold a NUL character: Postgres refuses it in text ("invalid byte sequence
 * for encoding UTF8: 0x00"), which would surface as a 500 (issue 14).
 * @throws HttpProblem 400 naming the parameter
 */
function rejectNulInQuery(query: unknown): void {
  if (query === null || typeof query !== 'object') return;
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    const values: unknown[] = Array.isArray(value) ? value : [value];
    if (name.includes('\u0000') || values.some((v) => typeof v === 'string' && v.includes('\u0000')))
      throw new HttpProblem(
        400,
        `invalid query parameter ${JSON.stringify(name)}: holds a NUL character (%00)`,
        undefined,
        name,
      );
  }
}

async function sendProblem(
  req: FastifyRequest,
  reply: FastifyReply,
  problem: HttpProblem,
  ctx: WebContext,
): Promise<FastifyReply> {
  reply.code(problem.status);
  if (problem.status === 401 && isApi(req)) void reply.header('www-authenticate', 'Bearer realm="heatflow"');
  const body = problem.toBody();
  if (isApi(req) || !(req.headers.accept ?? '').includes('text/html')) {
    return reply.type('application/problem+json').send(body);
  }
  const page = errorView(
    { actionsEnabled: ctx.auth.enabled, here: req.url },
    body.status,
    body.title,
    body.detail,
  );
  return reply.type('text/html; charset=utf-8').send(page.value);
}

/**
 * Starts the web server.
 * @returns its URL and a `close()`
 * @throws Error when the address is in use or cannot be bound
 */
export async function startWebServer(rt: Runtime, options: WebServerOptions): Promise<WebServer> {
  const app = await buildWebApp(rt, options);
  await app.listen({ host: options.host, port: options.port });
  // keep the parsed DAGs fresh for the next-run column and the actions (a no-op while the
  // scheduler of a standalone process keeps them fresh itself)
  const refresher = setInterval(() => {
    rt.registry
      .refreshIfStale()
      .catch((err: unknown) => rt.logger.warn({ err }, 'web: re-parsing the DAG folder failed'));
  }, 30_000);
  refresher.unref();
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    async close() {
      clearInterval(refresher);
      await app.close();
    },
  };
}
