/**
 * The tado° REST client the ETL uses: typed GETs of `/me`, `/homes/{id}`, zones, day reports and
 * weather, with Bearer auth (401 → one refresh and one replay), the daily rate limit read from
 * every response (stop at a reserve, 429 → {@link TadoRateLimitError} with the refill time),
 * pacing with jitter between requests, retries with backoff on network errors, timeouts and 5xx
 * (axios-retry, see `tado-http.ts`), and zod validation naming the JSON path of any mismatch.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { Logger } from '../logging/logger.js';
import { TadoApiError, TadoAuthError, TadoBeforeZoneCreationError, TadoRateLimitError } from './errors.js';
import { OAuthClient } from './oauth-client.js';
import { describeRateLimit, parseRateLimitHeaders, type RateLimitInfo } from './rate-limit.js';
import { quotaFileOf, RateLimitStore } from './rate-limit-store.js';
import {
  dayReportSchema,
  homeSchema,
  meSchema,
  parseWithPath,
  weatherSchema,
  zonesSchema,
  type DayReport,
  type Home,
  type Me,
  type Weather,
  type Zone,
} from './schemas.js';
import type { TadoConfig } from './tado-config.js';
import { attemptsOf, createTadoHttp, errorCodeOf, jsonBody, toTadoError } from './tado-http.js';
import { TokenManager } from './token-manager.js';
import { TokenStore } from './token-store.js';
import type { z } from 'zod';

/** Options of {@link TadoClient}. */
export interface TadoClientOptions {
  /** Settings (see `tado-config.ts`). */
  config: TadoConfig;
  /** Access tokens; `@defaultValue` one built on `config.TADO_TOKEN_FILE` */
  tokens?: TokenManager;
  /** Logger (requests at debug, retries at warn); tokens are never logged. */
  logger?: Logger;
  /** Clock; `@defaultValue () => new Date()` */
  now?: () => Date;
  /** Sleep used for pacing; `@defaultValue` setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Random source 0..1 for the pacing jitter; `@defaultValue Math.random` */
  random?: () => number;
  /**
   * Where the quota state is kept across processes; null keeps it in memory only.
   * `@defaultValue` the quota file next to `config.TADO_TOKEN_FILE` (`rate-limit-store.ts`)
   */
  quotaStore?: RateLimitStore | null;
}

/** Without a refill time, how long after the last answer one request may check the quota again. */
const RECHECK_WITHOUT_REFILL_MS = 3_600_000;

/** A `YYYY-MM-DD` calendar day. */
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** See the module comment. */
export class TadoClient {
  readonly config: TadoConfig;
  readonly tokens: TokenManager;
  readonly #http: AxiosInstance;
  readonly #logger: Logger | undefined;
  readonly #now: () => Date;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  #rateLimit: RateLimitInfo | undefined;
  #lastRequestAtMs: number | undefined;
  #pacing: Promise<void> = Promise.resolve();
  #requestCount = 0;
  readonly #quotaStore: RateLimitStore | null;
  #quotaLoaded: Promise<void> | undefined;

  constructor(options: TadoClientOptions) {
    const c = options.config;
    this.config = c;
    this.#logger = options.logger;
    this.#now = options.now ?? (() => new Date());
    this.#sleep = options.sleep ?? ((ms) => new Promise<void>((r) => setTimeout(r, ms)));
    this.#random = options.random ?? Math.random;
    this.#quotaStore =
      options.quotaStore === undefined
        ? new RateLimitStore(quotaFileOf(c.TADO_TOKEN_FILE))
        : options.quotaStore;
    this.tokens =
      options.tokens ??
      new TokenManager(new TokenStore(c.TADO_TOKEN_FILE), TadoClient.oauthClient(c), {
        refreshMarginMs: c.TADO_TOKEN_REFRESH_MARGIN_MS,
        now: this.#now,
        onRefresh: ({ expiresAt }) =>
          this.#logger?.info({ expiresAt: expiresAt.toISOString() }, 'tado access token refreshed'),
      });
    this.#http = createTadoHttp({
      baseURL: c.TADO_API_URL,
      timeoutMs: c.TADO_TIMEOUT_MS,
      retries: c.TADO_RETRIES,
      retryBaseDelayMs: c.TADO_RETRY_BASE_DELAY_MS,
      onRetry: (n, err) => {
        this.#requestCount += 1;
        this.#logger?.warn(
          { attempt: n + 1, status: err.response?.status, code: err.code, url: err.config?.url },
          'tado request failed, retrying',
        );
      },
    });
  }

  /** The login server client for these settings. */
  static oauthClient(c: TadoConfig): OAuthClient {
    return new OAuthClient({
      authUrl: c.TADO_AUTH_URL,
      clientId: c.TADO_CLIENT_ID,
      timeoutMs: c.TADO_TIMEOUT_MS,
      retries: c.TADO_RETRIES,
      retryBaseDelayMs: c.TADO_RETRY_BASE_DELAY_MS,
    });
  }

  /** What the last response said about the quota; undefined before the first response. */
  get rateLimit(): RateLimitInfo | undefined {
    return this.#rateLimit;
  }

  /** API requests this client has sent (each retry and replay counts). */
  get requestCount(): number {
    return this.#requestCount;
  }

  /** `GET /me`: the user and their homes. */
  async getMe(): Promise<Me> {
    return this.#get('/me', meSchema);
  }

  /** `GET /homes/{homeId}`: home metadata; `dateTimeZone` defines what a day is. */
  async getHome(homeId: number): Promise<Home> {
    return this.#get(`/homes/${homeId}`, homeSchema);
  }

  /** `GET /homes/{homeId}/zones`. */
  async getZones(homeId: number): Promise<Zone[]> {
    return this.#get(`/homes/${homeId}/zones`, zonesSchema);
  }

  /** `GET /homes/{homeId}/weather`: current outdoor weather. */
  async getWeather(homeId: number): Promise<Weather> {
    return this.#get(`/homes/${homeId}/weather`, weatherSchema);
  }

  /**
   * `GET /homes/{homeId}/zones/{zoneId}/dayReport?date=`: one zone's history for a local day.
   * @param date - `YYYY-MM-DD` in the home's time zone
   * @throws TadoBeforeZoneCreationError when the zone did not exist yet that day (record it as skipped)
   * @throws TadoApiError e.g. 422 `unsupportedForZoneType` for a HOT_WATER zone
   */
  async getDayReport(homeId: number, zoneId: number, date: string): Promise<DayReport> {
    if (!DAY.test(date)) throw new TypeError(`date must be YYYY-MM-DD, got ${JSON.stringify(date)}`);
    try {
      return await this.#get(`/homes/${homeId}/zones/${zoneId}/dayReport?date=${date}`, dayReportSchema);
    } catch (e) {
      if (e instanceof TadoApiError && e.apiCode === 'beforeZoneCreation') {
        throw new TadoBeforeZoneCreationError(e.status, e.title, e.endpoint, zoneId, date);
      }
      throw e;
    }
  }

  /**
   * The home to read: `TADO_HOME_ID`, else the first home of `/me`.
   * @throws TadoApiError when the account has no home
   */
  async resolveHomeId(): Promise<number> {
    if (this.config.TADO_HOME_ID !== undefined) return this.config.TADO_HOME_ID;
    const me = await this.getMe();
    const first = me.homes[0];
    if (first === undefined)
      throw new TadoApiError('the tado account has no home', 200, undefined, undefined, 'GET /me');
    return first.id;
  }

  /**
   * Throws when the quota is known to be down to the reserve (or spent and not yet refilled),
   * so that no request is wasted. Without a refill time from tado, one request is let through an
   * hour after the last answer, to read the headers again (the window is a rolling 24 h).
   * @throws TadoRateLimitError
   */
  assertBudget(): void {
    const info = this.#rateLimit;
    if (info?.remaining === undefined) return;
    const reserve = this.config.TADO_RATE_RESERVE;
    if (info.remaining > reserve) return;
    const now = this.#now();
    const recheckAt = info.refillAt ?? new Date(info.observedAt.getTime() + RECHECK_WITHOUT_REFILL_MS);
    if (recheckAt.getTime() <= now.getTime()) return;
    throw new TadoRateLimitError(
      `tado daily request quota ${info.remaining === 0 ? 'spent' : `down to the reserve of ${reserve} (TADO_RATE_RESERVE)`}: ` +
        `${describeRateLimit(info, now)}` +
        (info.refillAt === undefined ? `; checking again after ${recheckAt.toISOString()}` : '') +
        '; stopping instead of hammering the API',
      info.quota,
      info.remaining,
      info.refillAt,
      undefined,
      recheckAt,
    );
  }

  async #get<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
    const endpoint = `GET ${path}`;
    await this.#loadQuota();
    this.assertBudget(); // before a token refresh, too
    let token = await this.tokens.getAccessToken();
    let res = await this.#send(path, endpoint, token);
    if (res.status === 401) {
      this.#logger?.info({ endpoint }, 'tado API refused the access token; refreshing once');
      token = await this.tokens.refreshAfterRejection(token);
      res = await this.#send(path, endpoint, token);
      if (res.status === 401) {
        const { code, title } = errorCodeOf(jsonBody(res.data));
        throw new TadoAuthError(
          `${endpoint}: HTTP 401 ${code ?? ''} ${title ?? ''} even with a fresh access token; run \`heatflow tado login\``.replace(
            /\s+/g,
            ' ',
          ),
          'unauthorized',
          code,
        );
      }
    }
    if (res.status === 429) {
      const info = this.#rateLimit;
      throw new TadoRateLimitError(
        `${endpoint}: HTTP 429, the tado daily request quota is spent: ${describeRateLimit(info, this.#now())}`,
        info?.quota,
        info?.remaining ?? 0,
        info?.refillAt,
        429,
        info?.refillAt ?? new Date((info?.observedAt ?? this.#now()).getTime() + RECHECK_WITHOUT_REFILL_MS),
      );
    }
    const body = jsonBody(res.data);
    if (res.status !== 200) {
      const { code, title } = errorCodeOf(body);
      throw new TadoApiError(
        `${endpoint}: HTTP ${res.status}${code === undefined ? '' : ` ${code}`}${title === undefined ? '' : ` (${title})`}`,
        res.status,
        code,
        title,
        endpoint,
      );
    }
    if (body === undefined) {
      throw new TadoApiError(
        `${endpoint}: HTTP 200 with an empty or non-JSON body`,
        200,
        undefined,
        undefined,
        endpoint,
        {
          retryable: true,
        },
      );
    }
    return parseWithPath(schema, body, endpoint);
  }

  /** Budget check, pacing, one request (with axios-retry's retries), rate-limit bookkeeping. */
  async #send(path: string, endpoint: string, token: string): Promise<AxiosResponse<unknown>> {
    this.assertBudget();
    await this.#pace();
    this.#requestCount += 1;
    const started = Date.now();
    try {
      const res = await this.#http.get<unknown>(path, {
        headers: { Authorization: `Bearer ${token}` },
      });
      await this.#noteRateLimit(res.headers);
      this.#logger?.debug(
        { endpoint, status: res.status, ms: Date.now() - started, remaining: this.#rateLimit?.remaining },
        'tado request',
      );
      return res;
    } catch (e) {
      if (axios.isAxiosError(e) && e.response !== undefined) {
        await this.#noteRateLimit(e.response.headers);
      }
      throw toTadoError(e, endpoint, attemptsOf(e));
    }
  }

  /** Reads the quota state another process left, once, before this client's first request. */
  async #loadQuota(): Promise<void> {
    this.#quotaLoaded ??= (async () => {
      const store = this.#quotaStore;
      if (store === null || this.#rateLimit !== undefined) return;
      try {
        const stored = await store.load();
        if (stored !== undefined && this.#rateLimit === undefined) {
          this.#rateLimit = stored;
          this.#logger?.debug({ file: store.file, remaining: stored.remaining }, 'tado quota state read');
        }
      } catch (err) {
        // a cache: a damaged file costs at most one request to learn the quota again
        this.#logger?.warn({ err, file: store.file }, 'tado quota file unreadable; ignoring it');
      }
    })();
    await this.#quotaLoaded;
  }

  async #noteRateLimit(headers: Record<string, unknown>): Promise<void> {
    const info = parseRateLimitHeaders(headers, this.#now(), this.#rateLimit);
    if (info === undefined) return;
    this.#rateLimit = info;
    try {
      await this.#quotaStore?.save(info);
    } catch (err) {
      this.#logger?.warn({ err, file: this.#quotaStore?.file }, 'could not store the tado quota state');
    }
  }

  /** Waits so that request starts of this client are at least `delay + 0..jitter` ms apart. */
  async #pace(): Promise<void> {
    const delay = this.config.TADO_REQUEST_DELAY_MS;
    const jitter = this.config.TADO_REQUEST_JITTER_MS;
    if (delay === 0 && jitter === 0) return;
    const turn = this.#pacing.then(async () => {
      if (this.#lastRequestAtMs !== undefined) {
        const gap = delay + Math.round(this.#random() * jitter);
        const wait = this.#lastRequestAtMs + gap - Date.now();
        if (wait > 0) await this.#sleep(wait);
      }
      this.#lastRequestAtMs = Date.now();
    });
    this.#pacing = turn.then(
      () => undefined,
      () => undefined,
    );
    await turn;
  }
}
