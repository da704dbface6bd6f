/**
 * The axios instances of the tado° client and the one place that decides retryability:
 * network errors, timeouts and 5xx are retried with exponential backoff and jitter (axios-retry);
 * 4xx never (401 and 429 are handled by the caller: refresh once, or stop with a rate-limit error).
 */
import axios, { type AxiosError, type AxiosInstance } from 'axios';
import axiosRetry, { exponentialDelay } from 'axios-retry';
import { TadoApiError, TadoNetworkError } from './errors.js';
import { apiErrorBodySchema, oauthErrorBodySchema } from './schemas.js';

/** Options of {@link createTadoHttp}. */
export interface TadoHttpOptions {
  /** Base URL, e.g. `https://my.tado.com/api/v2`. */
  baseURL: string;
  /** Timeout of one attempt, in ms. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  /** First retry delay in ms, doubled per retry, plus 0–20 % jitter (axios-retry `exponentialDelay`). */
  retryBaseDelayMs: number;
  /** Longest single retry delay, in ms; `@defaultValue 60_000` */
  maxRetryDelayMs?: number;
  /**
   * Which failures to retry; `@defaultValue` {@link isRetryableTadoFailure}. The login client passes
   * a narrower rule, since a refresh request that reached the server may have rotated the token.
   */
  retryCondition?: (error: AxiosError) => boolean;
  /** Called before each retry (for logs). */
  onRetry?: (retryCount: number, error: AxiosError) => void;
}

/** Node/axios codes of a request that got no answer. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_NETWORK',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/**
 * The retry rule: no response (network error or timeout, not a cancellation) or a 5xx.
 * 4xx (including 401 and 429) is never retried here.
 */
export function isRetryableTadoFailure(error: AxiosError): boolean {
  if (error.code === 'ERR_CANCELED') return false;
  const status = error.response?.status;
  if (status === undefined) return error.code === undefined || NETWORK_CODES.has(error.code);
  return status >= 500 && status <= 599;
}

/** Creates an axios instance with the retry policy. Responses of any status resolve (callers map them). */
export function createTadoHttp(options: TadoHttpOptions): AxiosInstance {
  const http = axios.create({
    baseURL: options.baseURL,
    timeout: options.timeoutMs,
    headers: { 'User-Agent': 'heatflow/0.1 (tado ETL)', Accept: 'application/json' },
    // keep the raw body: a 429 or a proxy error may be empty or HTML
    transformResponse: [(data: unknown) => data],
    responseType: 'text',
    validateStatus: (s) => s < 500,
  });
  const maxDelay = options.maxRetryDelayMs ?? 60_000;
  axiosRetry(http, {
    retries: options.retries,
    shouldResetTimeout: true,
    retryCondition: options.retryCondition ?? isRetryableTadoFailure,
    retryDelay: (n, err) => Math.min(maxDelay, exponentialDelay(n - 1, err, options.retryBaseDelayMs)),
    ...(options.onRetry === undefined ? {} : { onRetry: (n, err) => options.onRetry?.(n, err) }),
  });
  return http;
}

/** Parses a text body as JSON; undefined when empty or not JSON. */
export function jsonBody(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  if (data.trim() === '') return undefined;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return undefined;
  }
}

/** `{errors:[{code,title}]}` or OAuth `{error, error_description}` of a body, when it has one. */
export function errorCodeOf(body: unknown): { code: string | undefined; title: string | undefined } {
  const api = apiErrorBodySchema.safeParse(body);
  if (api.success && api.data.errors[0] !== undefined) {
    return { code: api.data.errors[0].code, title: api.data.errors[0].title };
  }
  const oauth = oauthErrorBodySchema.safeParse(body);
  if (oauth.success) return { code: oauth.data.error, title: oauth.data.error_description };
  return { code: undefined, title: undefined };
}

/**
 * A plain copy of an axios error for `cause`: message and code only. The axios error itself holds
 * the request config, whose body and headers carry tokens, and causes end up in logs.
 */
function scrubbed(error: AxiosError): Error {
  const copy = new Error(`${error.code ?? 'ERR'}: ${error.message}`);
  copy.name = 'HttpError';
  return copy;
}

/** Turns an axios failure (after the retries) into {@link TadoNetworkError} or {@link TadoApiError}. */
export function toTadoError(error: unknown, endpoint: string, attempts: number): Error {
  if (!axios.isAxiosError(error)) return error instanceof Error ? error : new Error(String(error));
  const cause = scrubbed(error);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  if (error.response === undefined) {
    const timeout = error.code === 'ECONNABORTED' || error.code === 'ETIMEDOUT';
    return new TadoNetworkError(
      `${endpoint}: ${timeout ? 'timed out' : `no answer (${error.code ?? error.message})`}${tries}`,
      endpoint,
      error.code,
      { cause },
    );
  }
  const status = error.response.status;
  const { code, title } = errorCodeOf(jsonBody(error.response.data));
  return new TadoApiError(
    `${endpoint}: HTTP ${status}${code === undefined ? '' : ` ${code}`}${title === undefined ? '' : ` (${title})`}${tries}` +
      (status >= 500 ? ': the tado server failed; try again later' : ''),
    status,
    code,
    title,
    endpoint,
    { cause, retryable: status >= 500 },
  );
}

/** How many attempts axios-retry made for this failed request (1 when none was retried). */
export function attemptsOf(error: unknown): number {
  if (!axios.isAxiosError(error)) return 1;
  return (error.config?.['axios-retry']?.retryCount ?? 0) + 1;
}
