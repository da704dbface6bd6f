/**
 * Calls to tado's OAuth 2.0 login server (RFC 8628 device authorization grant, refresh grant).
 * Fields are sent as an `application/x-www-form-urlencoded` body (PyTado, libtado).
 * Source: support.tado.com article 8565472; tado-api.md §2.
 */
import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import { TadoAuthError, TadoApiError } from './errors.js';
import { createTadoHttp, errorCodeOf, jsonBody, toTadoError, attemptsOf } from './tado-http.js';
import {
  deviceAuthorizeResponseSchema,
  parseWithPath,
  tokenResponseSchema,
  type DeviceAuthorizeResponse,
  type TokenResponse,
} from './schemas.js';

/** Options of {@link OAuthClient}. */
export interface OAuthClientOptions {
  /** Base of the login server, e.g. `https://login.tado.com/oauth2`. */
  authUrl: string;
  /** OAuth client id (tado's public id by default in the config). */
  clientId: string;
  /** Timeout of one request, in ms. */
  timeoutMs: number;
  /** Retries on connection failures before the request was sent, and on 502/503/504. */
  retries: number;
  /** First retry delay, in ms. */
  retryBaseDelayMs: number;
}

/** One poll of the token endpoint during the device flow. */
export type DevicePollResult =
  /** Approved: the tokens. */
  | { readonly kind: 'token'; readonly token: TokenResponse }
  /** Not approved yet (`authorization_pending`). */
  | { readonly kind: 'pending' }
  /** Polling too fast (`slow_down`): add 5 s to the interval (RFC 8628 §3.5). */
  | { readonly kind: 'slow_down' };

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/**
 * A refresh may have rotated the token even when its answer got lost, so only failures that
 * certainly did not reach the server (refused, DNS) and gateway errors are retried.
 */
function isSafeAuthRetry(error: AxiosError): boolean {
  const status = error.response?.status;
  if (status === undefined)
    return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH'].includes(error.code ?? '');
  return status === 502 || status === 503 || status === 504;
}

/** The login server client; see the module comment. */
export class OAuthClient {
  readonly #http: AxiosInstance;
  readonly #clientId: string;

  constructor(options: OAuthClientOptions) {
    this.#clientId = options.clientId;
    this.#http = createTadoHttp({
      baseURL: options.authUrl,
      timeoutMs: options.timeoutMs,
      retries: options.retries,
      retryBaseDelayMs: options.retryBaseDelayMs,
      retryCondition: isSafeAuthRetry,
    });
  }

  /**
   * Starts the device flow (`POST /device_authorize`).
   * @throws TadoApiError, TadoNetworkError, TadoSchemaError
   */
  async deviceAuthorize(): Promise<DeviceAuthorizeResponse> {
    const res = await this.#post('/device_authorize', { client_id: this.#clientId, scope: 'offline_access' });
    if (res.status !== 200) throw this.#unexpected('POST /device_authorize', res);
    return parseWithPath(deviceAuthorizeResponseSchema, jsonBody(res.data), 'POST /device_authorize');
  }

  /**
   * Polls once for the device code's tokens.
   * @throws TadoAuthError `expired_token` or `access_denied` (the user must start again); TadoApiError otherwise
   */
  async pollDeviceToken(deviceCode: string): Promise<DevicePollResult> {
    const res = await this.#post('/token', {
      client_id: this.#clientId,
      device_code: deviceCode,
      grant_type: DEVICE_GRANT,
    });
    if (res.status === 200) {
      return { kind: 'token', token: parseWithPath(tokenResponseSchema, jsonBody(res.data), 'POST /token') };
    }
    const { code, title } = errorCodeOf(jsonBody(res.data));
    if (res.status === 400 || res.status === 401) {
      if (code === 'authorization_pending') return { kind: 'pending' };
      if (code === 'slow_down') return { kind: 'slow_down' };
      if (code === 'expired_token') {
        throw new TadoAuthError(
          'the sign-in code expired before it was approved; run `heatflow tado login` again',
          'expired_token',
          code,
        );
      }
      if (code === 'access_denied') {
        throw new TadoAuthError('the sign-in was refused in the browser', 'access_denied', code);
      }
      if (code === 'invalid_grant') {
        throw new TadoAuthError(
          `the sign-in code is no longer valid (${title ?? code}); run \`heatflow tado login\` again`,
          'invalid_grant',
          code,
        );
      }
    }
    throw this.#unexpected('POST /token (device_code)', res);
  }

  /**
   * Exchanges a refresh token for new tokens. The old refresh token is dead afterwards: the
   * caller must save the new one before any other call.
   * @throws TadoAuthError `invalid_grant` when the token is unknown, used or expired;
   *   TadoApiError / TadoNetworkError for anything else (never an auth error for 429, 5xx or timeouts)
   */
  async refresh(refreshToken: string): Promise<TokenResponse> {
    const res = await this.#post('/token', {
      client_id: this.#clientId,
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
    });
    if (res.status === 200) {
      return parseWithPath(tokenResponseSchema, jsonBody(res.data), 'POST /token (refresh_token)');
    }
    const { code, title } = errorCodeOf(jsonBody(res.data));
    if ((res.status === 400 || res.status === 401) && code === 'invalid_grant') {
      throw new TadoAuthError(
        `the saved tado refresh token was refused (${title ?? code}); run \`heatflow tado login\` to sign in again`,
        'invalid_grant',
        code,
      );
    }
    throw this.#unexpected('POST /token (refresh_token)', res);
  }

  async #post(url: string, fields: Record<string, string>): Promise<AxiosResponse<unknown>> {
    try {
      return await this.#http.post<unknown>(url, new URLSearchParams(fields).toString(), {
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      });
    } catch (e) {
      throw toTadoError(e, `POST ${url}`, attemptsOf(e));
    }
  }

  #unexpected(endpoint: string, res: AxiosResponse<unknown>): TadoApiError {
    const { code, title } = errorCodeOf(jsonBody(res.data));
    return new TadoApiError(
      `${endpoint}: HTTP ${res.status}${code === undefined ? '' : ` ${code}`}${title === undefined ? '' : ` (${title})`}`,
      res.status,
      code,
      title,
      endpoint,
      { retryable: res.status === 429 },
    );
  }
}
