/**
 * The OAuth 2.0 device authorization flow (RFC 8628) as `heatflow tado login` runs it: ask for a
 * code, show the address and code to the human, poll at the given interval until approved,
 * denied or expired, then save the tokens. Source: support.tado.com article 8565472.
 */
import { TadoAuthError } from './errors.js';
import type { OAuthClient } from './oauth-client.js';
import type { DeviceAuthorizeResponse, TokenResponse } from './schemas.js';
import type { TokenManager } from './token-manager.js';

/** What the human must do. */
export interface DeviceLoginPrompt {
  /** Page to open, with the code filled in (`verification_uri_complete`, or built with `user_code` and `client_id`). */
  readonly url: string;
  /** Page without the code (`verification_uri`). */
  readonly verificationUri: string;
  /** Code to type on that page. */
  readonly userCode: string;
  /** When the code expires. */
  readonly expiresAt: Date;
}

/** Options of {@link deviceLogin}. */
export interface DeviceLoginOptions {
  /** Login server client. */
  oauth: OAuthClient;
  /** Saves the tokens (token file). */
  tokens: TokenManager;
  /** OAuth client id, added to a verification URL built by hand. */
  clientId: string;
  /** Shows the prompt to the human (the CLI prints it). */
  onPrompt: (prompt: DeviceLoginPrompt) => void;
  /** Called on each pending poll. */
  onPending?: () => void;
  /** Poll interval when the server gives none, in ms; `@defaultValue 5000` */
  defaultIntervalMs?: number;
  /** Clock; `@defaultValue () => new Date()` */
  now?: () => Date;
  /** Sleep; `@defaultValue` setTimeout */
  sleep?: (ms: number) => Promise<void>;
  /** Stops polling (Ctrl-C). */
  signal?: AbortSignal;
}

/** Builds the page address with the code when the server did not send `verification_uri_complete`. */
export function verificationUrl(res: DeviceAuthorizeResponse, clientId: string): string {
  if (res.verification_uri_complete !== undefined) return res.verification_uri_complete;
  const u = new URL(res.verification_uri);
  u.searchParams.set('user_code', res.user_code);
  u.searchParams.set('client_id', clientId);
  return u.toString();
}

/**
 * Runs the device flow and saves the tokens.
 * @returns the token response (already saved)
 * @throws TadoAuthError `expired_token` (too late), `access_denied` (refused)
 */
export async function deviceLogin(options: DeviceLoginOptions): Promise<TokenResponse> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = await options.oauth.deviceAuthorize();
  const expiresAt = new Date(now().getTime() + start.expires_in * 1000);
  options.onPrompt({
    url: verificationUrl(start, options.clientId),
    verificationUri: start.verification_uri,
    userCode: start.user_code,
    expiresAt,
  });
  let intervalMs = start.interval === undefined ? (options.defaultIntervalMs ?? 5000) : start.interval * 1000;
  for (;;) {
    if (options.signal?.aborted === true) {
      throw new TadoAuthError('sign-in cancelled', 'other', undefined, { cause: options.signal.reason });
    }
    if (now().getTime() >= expiresAt.getTime()) {
      throw new TadoAuthError(
        'the sign-in code expired before it was approved; run `heatflow tado login` again',
        'expired_token',
      );
    }
    await sleep(intervalMs);
    const result = await options.oauth.pollDeviceToken(start.device_code);
    if (result.kind === 'token') {
      await options.tokens.saveLogin(result.token);
      return result.token;
    }
    if (result.kind === 'slow_down') intervalMs += 5000;
    else options.onPending?.();
  }
}
