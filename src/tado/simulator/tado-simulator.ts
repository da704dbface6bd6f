/**
 * An offline simulator of the tado° cloud API as a real HTTP server (fastify): the OAuth 2.0
 * device flow and refresh grant of `login.tado.com/oauth2`, and the `my.tado.com/api/v2` GETs the
 * ETL uses, with Bearer checks (401), a foreign home (403), a per-account daily quota with the
 * `RateLimit-Policy` / `RateLimit` headers and 429, and fault injection (latency, 5xx).
 * Day reports come from `day-report-generator.ts`. Behaviour follows tado-api.md §8.
 *
 * Addresses: `{url}/oauth2/...` (set `TADO_AUTH_URL` to `authUrl`) and `{url}/api/v2/...`
 * (set `TADO_API_URL` to `apiUrl`). Not part of tado's API: `{url}/sim/ground-truth?year=` (no
 * token), what the simulator generated (`ground-truth-route.ts`).
 */
import { randomBytes } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { generateDayReport, localDateOf } from './day-report-generator.js';
import { registerGroundTruthRoute } from './ground-truth-route.js';
import { prng } from './seeded-random.js';
import { DEFAULT_SIM_HOME, type SimHome, type SimZone } from './sim-home.js';
import { outdoorWeather, weatherState } from './uk-weather.js';

/** Options of {@link startTadoSimulator}. */
export interface TadoSimulatorOptions {
  /** TCP port; `@defaultValue 0` (any free port) */
  port?: number;
  /** Bind address; `@defaultValue '127.0.0.1'` */
  host?: string;
  /** Seed of the simulated weather, habits and events; `@defaultValue 1` */
  seed?: number;
  /** Daily request quota of the account (`q`); `@defaultValue 20000` (enough for a year of 4 zones) */
  quota?: number;
  /** Quota window, in seconds (`w`); the quota refills this long after the window's first request. `@defaultValue 86400` */
  quotaWindowS?: number;
  /** Added delay of every API and login response, in ms; `@defaultValue 0` */
  latencyMs?: number;
  /** Fraction 0..1 of API requests answered with a random 500/502/503/504; `@defaultValue 0` */
  errorRate?: number;
  /** The simulator's clock (token expiry, quota window, "today"); `@defaultValue () => new Date()` */
  now?: () => Date;
  /** Access token lifetime, in s; `@defaultValue 599` */
  accessTokenTtlS?: number;
  /** Refresh token lifetime, in s; `@defaultValue 30 days` */
  refreshTokenTtlS?: number;
  /** Device code lifetime, in s; `@defaultValue 300` */
  deviceCodeTtlS?: number;
  /** Poll interval the device flow asks for, in s; `@defaultValue 5` */
  devicePollIntervalS?: number;
  /** Approve every device code at once (test hook); `@defaultValue false` */
  autoApprove?: boolean;
  /**
   * A refresh token that is always accepted and never revoked, so that demos and CI can run the
   * pipeline without a human sign-in; null disables it. `@defaultValue 'heatflow-simulator'`
   */
  staticRefreshToken?: string | null;
  /** Days older than this get tado's placeholder report; `@defaultValue undefined` (never) */
  placeholderAfterDays?: number;
  /**
   * The time zone `GET /homes/{id}` answers as `dateTimeZone` when it is not the one the day
   * reports are computed in (the home's real `home.timeZone`): a home whose configured time zone
   * is wrong, so every report's window is shifted; `@defaultValue` `home.timeZone`
   */
  advertisedTimeZone?: string;
  /** The simulated account; `@defaultValue` {@link DEFAULT_SIM_HOME} */
  home?: SimHome;
}

/** Counters, for tests and the status line. */
export interface TadoSimulatorStats {
  /** API requests received (all, including refused ones). */
  apiRequests: number;
  /** API requests counted against the quota. */
  countedRequests: number;
  /** Login-server requests received. */
  authRequests: number;
  /** Day reports served with 200. */
  dayReports: number;
  /** Responses by status code. */
  byStatus: Record<string, number>;
}

/** A running simulator. */
export interface TadoSimulator {
  /** Base address, e.g. `http://127.0.0.1:8081`. */
  readonly url: string;
  /** Value for `TADO_API_URL`: `{url}/api/v2`. */
  readonly apiUrl: string;
  /** Value for `TADO_AUTH_URL`: `{url}/oauth2`. */
  readonly authUrl: string;
  readonly port: number;
  /** The simulated account. */
  readonly home: SimHome;
  /** Approves a pending device sign-in by user code or device code; all pending ones when omitted. */
  approveDeviceCode(code?: string): void;
  /** Refuses a pending device sign-in (the next poll gets `access_denied`); all pending ones when omitted. */
  denyDeviceCode(code?: string): void;
  /** Mints a valid single-use refresh token without the device flow (test hook). */
  issueRefreshToken(): string;
  /** Whether a refresh token is currently valid. */
  isRefreshTokenValid(token: string): boolean;
  /** Invalidates every access token (the next API call gets 401). */
  expireAccessTokens(): void;
  /**
   * Answers the next `count` requests with `status` (default 503) before anything else; `target`
   * picks the API (default) or the login server.
   */
  failNext(count: number, status?: number, target?: 'api' | 'auth'): void;
  /**
   * Answers the next `count` API requests with a spurious 429 (empty body, `Retry-After:
   * retryAfterS`, no `RateLimit` headers), as a burst limiter in front of the service would, before
   * anything else; the daily quota is not touched.
   */
  throttleNext(count: number, retryAfterS: number): void;
  /**
   * Test-only fault injection on the day reports of one local day (`YYYY-MM-DD`), inert until
   * called: each `GET …/dayReport?date=<date>` (of `zoneId` only, when given) takes the next fault
   * of the list, in order, and is answered normally once the list is spent; a fault with
   * `times: 'always'` stays at the head of the list for good. See {@link DayReportFault}.
   */
  injectDayReportFaults(date: string, faults: readonly DayReportFault[], zoneId?: number): void;
  /** Day report requests received for `date` (all zones, or `zoneId`), faulted ones included. */
  dayReportRequests(date: string, zoneId?: number): number;
  /** Sets the requests left in the current window (0 makes the next request a 429). */
  setRemaining(remaining: number): void;
  /** Starts a fresh quota window. */
  resetQuota(): void;
  /** Counters so far. */
  stats(): TadoSimulatorStats;
  /** Stops the server. */
  close(): Promise<void>;
}

/**
 * One injected day report fault ({@link TadoSimulator.injectDayReportFaults}); each is answered
 * once (`times`, default 1; `'always'` for every request from then on):
 * - `status`: that HTTP status with tado's error body (502/504: a proxy's HTML page), as `failNext`;
 * - `throttle`: a spurious 429 with `Retry-After: retryAfterS`, empty body, as `throttleNext`;
 * - `hang`: no answer at all until the client gives up (closes the connection; at most 120 s);
 * - `malformed`: a 200 with the real report, `measuredData.insideTemperature.dataPoints[10].value.celsius`
 *   turned into a string (a field of the wrong type);
 * - `truncated`: a 200 whose JSON body stops half-way (a transfer cut short behind a proxy).
 */
export type DayReportFault = (
  | { kind: 'status'; status: number }
  | { kind: 'throttle'; retryAfterS: number }
  | { kind: 'hang' }
  | { kind: 'malformed' }
  | { kind: 'truncated' }
) & { times?: number | 'always' };

interface DeviceCode {
  readonly deviceCode: string;
  readonly userCode: string;
  readonly expiresAtMs: number;
  status: 'pending' | 'approved' | 'denied' | 'used';
  lastPollMs: number | undefined;
}

type Fields = Record<string, string | undefined>;

const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ23456789';

/**
 * Starts the simulator and resolves once it listens.
 * @throws when the port is taken
 */
export async function startTadoSimulator(options: TadoSimulatorOptions = {}): Promise<TadoSimulator> {
  const home = options.home ?? DEFAULT_SIM_HOME;
  const seed = options.seed ?? 1;
  const now = options.now ?? (() => new Date());
  const quota = options.quota ?? 20_000;
  const windowMs = (options.quotaWindowS ?? 86_400) * 1000;
  const accessTtlS = options.accessTokenTtlS ?? 599;
  const refreshTtlMs = (options.refreshTokenTtlS ?? 30 * 86_400) * 1000;
  const deviceTtlS = options.deviceCodeTtlS ?? 300;
  const pollIntervalS = options.devicePollIntervalS ?? 5;
  const staticRefresh =
    options.staticRefreshToken === undefined ? 'heatflow-simulator' : options.staticRefreshToken;
  const latencyMs = options.latencyMs ?? 0;
  const errorRate = options.errorRate ?? 0;
  const faultRandom = prng(seed ^ 0x5eed);

  const deviceCodes = new Map<string, DeviceCode>();
  const refreshTokens = new Map<string, number>();
  const accessTokens = new Map<string, number>();
  const failQueue: number[] = [];
  /** Retry-After seconds of the spurious 429s still to answer (throttleNext). */
  const throttleQueue: number[] = [];
  const authFailQueue: number[] = [];
  /** injectDayReportFaults: key `date` or `date/zoneId` → faults still to answer. */
  const dayFaults = new Map<string, { fault: DayReportFault; left: number }[]>();
  const dayRequests = new Map<string, number>();
  /** Requests held by a `hang` fault; close() lets them go. */
  const hangs = new Set<() => void>();
  let hangsSeen = false;
  const takeDayFault = (date: string, zoneId: number): DayReportFault | undefined => {
    for (const key of [`${date}/${zoneId}`, date]) {
      const list = dayFaults.get(key);
      const head = list?.[0];
      if (list === undefined || head === undefined) continue;
      head.left -= 1;
      if (head.left <= 0) list.shift();
      return head.fault;
    }
    return undefined;
  };
  let windowStartMs: number | undefined;
  let remaining = quota;
  const stats: TadoSimulatorStats = {
    apiRequests: 0,
    countedRequests: 0,
    authRequests: 0,
    dayReports: 0,
    byStatus: {},
  };

  const token = (prefix: string): string => `${prefix}_${randomBytes(24).toString('base64url')}`;
  const issueTokens = (): Record<string, unknown> => {
    const access = token('at');
    const refresh = token('rt');
    const t = now().getTime();
    accessTokens.set(access, t + accessTtlS * 1000);
    refreshTokens.set(refresh, t + refreshTtlMs);
    return {
      access_token: access,
      token_type: 'bearer',
      expires_in: accessTtlS,
      refresh_token: refresh,
      scope: 'offline_access',
      userId: home.userId,
    };
  };

  const app: FastifyInstance = Fastify({ logger: false });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(
      null,
      Object.fromEntries(new URLSearchParams(typeof body === 'string' ? body : body.toString('utf8'))),
    );
  });
  app.addHook('onSend', async (_req, reply, payload) => {
    const key = String(reply.statusCode);
    stats.byStatus[key] = (stats.byStatus[key] ?? 0) + 1;
    return payload;
  });
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const fields = (req: FastifyRequest): Fields => {
    const q = (req.query ?? {}) as Fields;
    const b = req.body !== null && typeof req.body === 'object' ? (req.body as Fields) : {};
    return { ...q, ...b };
  };
  const oauthError = (
    reply: FastifyReply,
    status: number,
    error: string,
    description: string,
    reason?: string,
  ) =>
    reply.code(status).send({
      error,
      error_description: description,
      ...(reason === undefined ? {} : { error_reason: reason }),
    });

  // ------------------------------------------------------------------ login server
  await app.register(
    (auth, _opts, done) => {
      auth.addHook('onRequest', async (_req, reply) => {
        stats.authRequests += 1;
        if (latencyMs > 0) await sleep(latencyMs);
        const forced = authFailQueue.shift();
        if (forced !== undefined)
          return reply.code(forced).type('text/html').send(`<html><body>${forced}</body></html>`);
      });

      auth.post('/device_authorize', async (req, reply) => {
        const f = fields(req);
        if (f.client_id === undefined || f.client_id === '') {
          return oauthError(
            reply,
            400,
            'invalid_request',
            'Request is missing required parameter: client_id',
            'missing_client_id',
          );
        }
        const deviceCode = `dc_${randomBytes(16).toString('hex')}`;
        let userCode = '';
        const bytes = randomBytes(6);
        for (const b of bytes) userCode += USER_CODE_ALPHABET[b % USER_CODE_ALPHABET.length];
        deviceCodes.set(deviceCode, {
          deviceCode,
          userCode,
          expiresAtMs: now().getTime() + deviceTtlS * 1000,
          status: options.autoApprove === true ? 'approved' : 'pending',
          lastPollMs: undefined,
        });
        const base = `${baseUrl()}/oauth2/device`;
        return {
          device_code: deviceCode,
          user_code: userCode,
          verification_uri: base,
          verification_uri_complete: `${base}?user_code=${userCode}&client_id=${encodeURIComponent(f.client_id)}`,
          expires_in: deviceTtlS,
          interval: pollIntervalS,
        };
      });

      // the page the human opens: approve or refuse
      auth.get('/device', async (req, reply) => {
        const f = fields(req);
        if (f.client_id === undefined || f.client_id === '') {
          return oauthError(
            reply,
            400,
            'invalid_request',
            'Request is missing required parameter: client_id',
            'missing_client_id',
          );
        }
        const code = (f.user_code ?? '').toUpperCase().replace(/[^A-Z0-9]/g, '');
        void reply.type('text/html; charset=utf-8');
        return `<!doctype html><html><head><title>tado simulator sign-in</title></head><body>
<h1>tado° simulator</h1><p>Sign in the device with code <b>${code || '(none)'}</b> as ${home.email}?</p>
<form method="post" action="./device"><input type="hidden" name="user_code" value="${code}">
<button name="action" value="approve">Approve</button> <button name="action" value="deny">Deny</button></form></body></html>`;
      });
      auth.post('/device', async (req, reply) => {
        const f = fields(req);
        const entry = findDeviceCode(f.user_code ?? '');
        void reply.type('text/html; charset=utf-8');
        if (entry === undefined || entry.status !== 'pending') {
          return reply.code(400).send('<p>Unknown or already used code.</p>');
        }
        entry.status = f.action === 'deny' ? 'denied' : 'approved';
        return `<p>${entry.status === 'approved' ? 'Device signed in. You can close this page.' : 'Sign-in refused.'}</p>`;
      });

      auth.post('/token', async (req, reply) => {
        const f = fields(req);
        if (f.client_id === undefined || f.client_id === '') {
          return oauthError(
            reply,
            400,
            'invalid_request',
            'Request is missing required parameter: client_id',
            'missing_client_id',
          );
        }
        const t = now().getTime();
        if (f.grant_type === 'urn:ietf:params:oauth:grant-type:device_code') {
          const entry = deviceCodes.get(f.device_code ?? '');
          if (entry === undefined || entry.status === 'used') {
            return oauthError(
              reply,
              400,
              'invalid_grant',
              'device code not found or already used',
              'device_code_not_found',
            );
          }
          if (t >= entry.expiresAtMs) {
            deviceCodes.delete(entry.deviceCode);
            return oauthError(reply, 400, 'expired_token', 'the device code has expired');
          }
          const real = Date.now();
          const tooSoon =
            entry.lastPollMs !== undefined && real - entry.lastPollMs < pollIntervalS * 1000 * 0.8;
          entry.lastPollMs = real;
          if (entry.status === 'denied') {
            deviceCodes.delete(entry.deviceCode);
            return oauthError(reply, 400, 'access_denied', 'the user denied the request');
          }
          if (entry.status === 'pending') {
            if (tooSoon) return oauthError(reply, 400, 'slow_down', 'polling too fast');
            return oauthError(
              reply,
              400,
              'authorization_pending',
              'the user has not approved the device yet',
            );
          }
          entry.status = 'used';
          return issueTokens();
        }
        if (f.grant_type === 'refresh_token') {
          const rt = f.refresh_token ?? '';
          if (staticRefresh !== null && rt === staticRefresh) return issueTokens();
          const exp = refreshTokens.get(rt);
          if (exp === undefined || exp <= t) {
            refreshTokens.delete(rt);
            return oauthError(
              reply,
              400,
              'invalid_grant',
              'the refresh token is invalid or expired',
              'refresh_token_not_found',
            );
          }
          refreshTokens.delete(rt); // single use: revoked at once
          return issueTokens();
        }
        return oauthError(
          reply,
          400,
          'unsupported_grant_type',
          `grant_type ${f.grant_type ?? '(missing)'} is not supported`,
        );
      });
      done();
    },
    { prefix: '/oauth2' },
  );

  // ------------------------------------------------------------------ API
  const apiError = (
    reply: FastifyReply,
    status: number,
    code: string,
    title: string,
    extra: Record<string, unknown> = {},
  ) => reply.code(status).send({ errors: [{ code, title, ...extra }] });

  await app.register(
    (api, _opts, done) => {
      api.addHook('onRequest', async (req, reply) => {
        stats.apiRequests += 1;
        if (latencyMs > 0) await sleep(latencyMs);
        // injected faults come first: a hiccup in front of the service
        const throttle = throttleQueue.shift();
        if (throttle !== undefined) return reply.code(429).header('Retry-After', String(throttle)).send('');
        const forced = failQueue.shift();
        const status =
          forced ??
          (errorRate > 0 && faultRandom() < errorRate
            ? [500, 502, 503, 504][Math.floor(faultRandom() * 4)]
            : undefined);
        if (status !== undefined) {
          if (status === 502 || status === 504)
            return reply
              .code(status)
              .type('text/html')
              .send(`<html><body>${status} Bad Gateway</body></html>`);
          return apiError(reply, status, 'internalServerError', 'simulated server failure');
        }
        const header = req.headers.authorization ?? '';
        const m = /^Bearer\s+(\S+)$/i.exec(header);
        const exp = m?.[1] === undefined ? undefined : accessTokens.get(m[1]);
        const t = now().getTime();
        if (exp === undefined || exp <= t) {
          return apiError(
            reply,
            401,
            'unauthorized',
            m === null ? 'missing access token' : 'access token invalid or expired',
          );
        }
        if (windowStartMs === undefined || t >= windowStartMs + windowMs) {
          windowStartMs = t;
          remaining = quota;
        }
        void reply.header('RateLimit-Policy', `"perday";q=${quota};w=${Math.round(windowMs / 1000)}`);
        if (remaining <= 0) {
          const refillS = Math.max(1, Math.ceil((windowStartMs + windowMs - t) / 1000));
          void reply.header('RateLimit', `"perday";r=0;t=${refillS}`);
          return reply.code(429).send('');
        }
        remaining -= 1;
        stats.countedRequests += 1;
        const refill =
          remaining === 0 ? `;t=${Math.max(1, Math.ceil((windowStartMs + windowMs - t) / 1000))}` : '';
        void reply.header('RateLimit', `"perday";r=${remaining}${refill}`);
      });

      const homeOf = (req: FastifyRequest, reply: FastifyReply): boolean => {
        const id = Number((req.params as { homeId: string }).homeId);
        if (id === home.homeId) return true;
        if (!Number.isInteger(id)) {
          void apiError(
            reply,
            404,
            'notFound',
            `home ${(req.params as { homeId: string }).homeId} not found`,
          );
          return false;
        }
        void apiError(
          reply,
          403,
          'accessDenied',
          `current user is not allowed to access home ${id} (user is not a resident)`,
        );
        return false;
      };
      const zoneOf = (req: FastifyRequest, reply: FastifyReply): SimZone | undefined => {
        const zid = Number((req.params as { zoneId: string }).zoneId);
        const zone = home.zones.find((z) => z.id === zid);
        if (zone === undefined) void apiError(reply, 404, 'notFound', `zone ${zid} not found`);
        return zone;
      };

      api.get('/me', (_req, reply) =>
        reply.send({
          id: home.userId,
          name: home.userName,
          email: home.email,
          username: home.email,
          locale: 'en_GB',
          homes: [{ id: home.homeId, name: home.homeName }],
          mobileDevices: [],
        }),
      );

      api.get('/homes/:homeId', async (req, reply) => {
        if (!homeOf(req, reply)) return reply;
        return {
          id: home.homeId,
          name: home.homeName,
          dateTimeZone: options.advertisedTimeZone ?? home.timeZone,
          dateCreated: home.dateCreated,
          temperatureUnit: 'CELSIUS',
          generation: 'PRE_LINE_X',
          zonesCount: home.zones.length,
          skills: ['AUTO_ASSIST'],
          geolocation: { latitude: 51.5, longitude: -0.12 },
          address: { city: 'London', country: 'GBR' },
        };
      });

      api.get('/homes/:homeId/zones', async (req, reply) => {
        if (!homeOf(req, reply)) return reply;
        return home.zones.map((z) => zoneJson(z, now()));
      });

      api.get('/homes/:homeId/weather', async (req, reply) => {
        if (!homeOf(req, reply)) return reply;
        const t = now().getTime();
        const w = outdoorWeather(seed, t);
        const ts = new Date(t - (t % 600_000)).toISOString();
        const c = Math.round(w.temperatureC * 100) / 100;
        return {
          solarIntensity: {
            type: 'PERCENTAGE',
            percentage: Math.round(w.solarFraction * (1 - 0.8 * w.cloudFraction) * 1000) / 10,
            timestamp: ts,
          },
          outsideTemperature: {
            celsius: c,
            fahrenheit: Math.round((c * 1.8 + 32) * 100) / 100,
            timestamp: ts,
            type: 'TEMPERATURE',
            precision: { celsius: 0.01, fahrenheit: 0.01 },
          },
          weatherState: { type: 'WEATHER_STATE', value: weatherState(seed, t, w), timestamp: ts },
        };
      });

      const zoneState = (zone: SimZone): Record<string, unknown> => {
        const t = now();
        if (zone.type !== 'HEATING') {
          return {
            tadoMode: 'HOME',
            setting: { type: zone.type, power: 'OFF' },
            overlayType: null,
            overlay: null,
            link: { state: 'ONLINE' },
            activityDataPoints: {},
            sensorDataPoints: {},
          };
        }
        const out = generateDayReport({
          seed,
          home,
          zone,
          date: localDateOf(t.getTime(), home.timeZone),
          nowMs: t.getTime(),
        });
        const r = out.ok ? (out.report as unknown as LiveReport) : undefined;
        const lastOf = <V>(xs: readonly V[] | undefined): V | undefined => xs?.[xs.length - 1];
        const temp = lastOf(r?.measuredData.insideTemperature.dataPoints);
        const hum = lastOf(r?.measuredData.humidity.dataPoints);
        const setting = lastOf(r?.settings.dataIntervals)?.value ?? {
          type: 'HEATING',
          power: 'OFF',
          temperature: null,
        };
        const cfh = lastOf(r?.callForHeat.dataIntervals)?.value ?? 'NONE';
        const connected = lastOf(r?.measuredData.measuringDeviceConnected.dataIntervals)?.value ?? false;
        const ts = t.toISOString();
        return {
          tadoMode: 'HOME',
          geolocationOverride: false,
          geolocationOverrideDisableTime: null,
          preparation: null,
          setting,
          overlayType: null,
          overlay: null,
          openWindow: null,
          link: connected
            ? { state: 'ONLINE' }
            : {
                state: 'OFFLINE',
                reason: { code: 'disconnectedDevice', title: 'There is a disconnected device.' },
              },
          activityDataPoints: {
            heatingPower: {
              type: 'PERCENTAGE',
              percentage: { NONE: 0, LOW: 30, MEDIUM: 60, HIGH: 100 }[cfh] ?? 0,
              timestamp: ts,
            },
          },
          sensorDataPoints:
            temp === undefined || hum === undefined
              ? {}
              : {
                  insideTemperature: {
                    ...temp.value,
                    timestamp: temp.timestamp,
                    type: 'TEMPERATURE',
                    precision: { celsius: 0.1, fahrenheit: 0.1 },
                  },
                  humidity: {
                    type: 'PERCENTAGE',
                    percentage: Math.round(hum.value * 1000) / 10,
                    timestamp: hum.timestamp,
                  },
                },
        };
      };

      api.get('/homes/:homeId/zones/:zoneId/state', async (req, reply) => {
        if (!homeOf(req, reply)) return reply;
        const zone = zoneOf(req, reply);
        return zone === undefined ? reply : zoneState(zone);
      });

      api.get('/homes/:homeId/zoneStates', async (req, reply) => {
        if (!homeOf(req, reply)) return reply;
        return { zoneStates: Object.fromEntries(home.zones.map((z) => [String(z.id), zoneState(z)])) };
      });

      api.get('/homes/:homeId/zones/:zoneId/dayReport', async (req, reply) => {
        if (!homeOf(req, reply)) return reply;
        const zone = zoneOf(req, reply);
        if (zone === undefined) return reply;
        const t = now().getTime();
        const date = (req.query as { date?: string }).date ?? localDateOf(t, home.timeZone);
        if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !Number.isFinite(Date.parse(date))) {
          return apiError(reply, 400, 'invalidParameter', `date must be YYYY-MM-DD, got ${date}`);
        }
        const out = generateDayReport({
          seed,
          home,
          zone,
          date,
          nowMs: t,
          placeholderAfterDays: options.placeholderAfterDays,
        });
        for (const key of [date, `${date}/${zone.id}`]) dayRequests.set(key, (dayRequests.get(key) ?? 0) + 1);
        const fault = takeDayFault(date, zone.id);
        if (fault?.kind === 'status') {
          if (fault.status === 502 || fault.status === 504)
            return reply
              .code(fault.status)
              .type('text/html')
              .send(`<html><body>${fault.status} Bad Gateway</body></html>`);
          return apiError(reply, fault.status, 'internalServerError', 'simulated server failure');
        }
        if (fault?.kind === 'throttle')
          return reply.code(429).header('Retry-After', String(fault.retryAfterS)).send('');
        if (fault?.kind === 'hang') {
          // no answer: wait for the client to give up and close the connection (or 120 s, or close())
          await new Promise<void>((resolve) => {
            const done = () => {
              clearTimeout(timer);
              hangs.delete(done);
              resolve();
            };
            const timer = setTimeout(done, 120_000);
            hangs.add(done);
            hangsSeen = true;
            reply.raw.once('close', done);
            req.raw.socket.once('close', done);
          });
          // never an answer: drop the connection (the client has given up already, or we are closing)
          void reply.hijack();
          req.raw.socket.destroy();
          return reply;
        }
        if (!out.ok) return reply.code(out.status).send(out.body);
        stats.dayReports += 1;
        if (fault?.kind === 'malformed') {
          const bad = structuredClone(out.report) as unknown as LiveReport;
          const point = bad.measuredData.insideTemperature.dataPoints[10];
          if (point !== undefined)
            (point.value as unknown as { celsius: string }).celsius = String(point.value.celsius);
          return bad;
        }
        if (fault?.kind === 'truncated') {
          const text = JSON.stringify(out.report);
          return reply.type('application/json').send(text.slice(0, Math.floor(text.length / 2)));
        }
        return out.report;
      });
      done();
    },
    { prefix: '/api/v2' },
  );

  // ------------------------------------------------------------------ what the simulator generated
  registerGroundTruthRoute(app, { seed, home, now });

  function findDeviceCode(code: string): DeviceCode | undefined {
    const norm = code.toUpperCase().replace(/[^A-Z0-9]/g, '');
    for (const e of deviceCodes.values()) if (e.deviceCode === code || e.userCode === norm) return e;
    return undefined;
  }
  const setStatus = (code: string | undefined, status: 'approved' | 'denied') => {
    if (code === undefined) {
      for (const e of deviceCodes.values()) if (e.status === 'pending') e.status = status;
      return;
    }
    const e = findDeviceCode(code);
    if (e === undefined) throw new Error(`no device code ${code}`);
    if (e.status === 'pending') e.status = status;
  };

  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  const host = options.host ?? '127.0.0.1';
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const url = `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`;
  function baseUrl(): string {
    return url;
  }

  return {
    url,
    apiUrl: `${url}/api/v2`,
    authUrl: `${url}/oauth2`,
    port,
    home,
    approveDeviceCode: (code) => setStatus(code, 'approved'),
    denyDeviceCode: (code) => setStatus(code, 'denied'),
    issueRefreshToken: () => {
      const rt = token('rt');
      refreshTokens.set(rt, now().getTime() + refreshTtlMs);
      return rt;
    },
    isRefreshTokenValid: (rt) => (refreshTokens.get(rt) ?? 0) > now().getTime(),
    expireAccessTokens: () => accessTokens.clear(),
    failNext: (count, status = 503, target = 'api') => {
      for (let i = 0; i < count; i++) (target === 'auth' ? authFailQueue : failQueue).push(status);
    },
    throttleNext: (count, retryAfterS) => {
      for (let i = 0; i < count; i++) throttleQueue.push(retryAfterS);
    },
    injectDayReportFaults: (date, faults, zoneId) => {
      const key = zoneId === undefined ? date : `${date}/${zoneId}`;
      const list = dayFaults.get(key) ?? [];
      for (const fault of faults)
        list.push({ fault, left: fault.times === 'always' ? Infinity : (fault.times ?? 1) });
      dayFaults.set(key, list);
    },
    dayReportRequests: (date, zoneId) =>
      dayRequests.get(zoneId === undefined ? date : `${date}/${zoneId}`) ?? 0,
    setRemaining: (n) => {
      if (windowStartMs === undefined) windowStartMs = now().getTime();
      remaining = n;
    },
    resetQuota: () => {
      windowStartMs = undefined;
      remaining = quota;
    },
    stats: () => structuredClone(stats),
    close: async () => {
      for (const release of [...hangs]) release();
      const closing = app.close();
      // connections a hang fault left behind are not idle to the server: drop them too
      if (hangsSeen) app.server.closeAllConnections();
      await closing;
    },
  };
}

/** The parts of a generated report {@link startTadoSimulator} reads for zone states. */
interface LiveReport {
  measuredData: {
    insideTemperature: {
      dataPoints: { timestamp: string; value: { celsius: number; fahrenheit: number } }[];
    };
    humidity: { dataPoints: { timestamp: string; value: number }[] };
    measuringDeviceConnected: { dataIntervals: { value: boolean }[] };
  };
  settings: { dataIntervals: { value: Record<string, unknown> }[] };
  callForHeat: { dataIntervals: { value: 'NONE' | 'LOW' | 'MEDIUM' | 'HIGH' }[] };
}

/** A zone as `GET /homes/{id}/zones` lists it (tado-api.md §6). */
function zoneJson(z: SimZone, now: Date): Record<string, unknown> {
  const ts = new Date(now.getTime() - (now.getTime() % 60_000) - 118_000).toISOString();
  const device: Record<string, unknown> = {
    deviceType: z.deviceType,
    serialNo: z.serialNo,
    shortSerialNo: z.serialNo,
    currentFwVersion: z.type === 'HOT_WATER' ? '81.1' : '215.1',
    connectionState: { value: true, timestamp: ts },
    characteristics: {
      capabilities: z.type === 'HOT_WATER' ? [] : ['INSIDE_TEMPERATURE_MEASUREMENT', 'IDENTIFY'],
    },
    ...(z.deviceType.startsWith('VA')
      ? {
          mountingState: { value: 'CALIBRATED', timestamp: z.dateCreated },
          batteryState: 'NORMAL',
          childLockEnabled: false,
          orientation: 'HORIZONTAL',
        }
      : {}),
    duties: ['ZONE_UI', 'ZONE_DRIVER', 'ZONE_LEADER'],
  };
  return {
    id: z.id,
    name: z.name,
    type: z.type,
    dateCreated: z.dateCreated,
    deviceTypes: [z.deviceType],
    devices: [device],
    reportAvailable: false,
    showScheduleSetup: false,
    supportsDazzle: z.type === 'HEATING',
    dazzleEnabled: z.type === 'HEATING',
    dazzleMode: { supported: z.type === 'HEATING', enabled: z.type === 'HEATING' },
    openWindowDetection:
      z.type === 'HEATING' ? { supported: true, enabled: true, timeoutInSeconds: 900 } : { supported: false },
  };
}
