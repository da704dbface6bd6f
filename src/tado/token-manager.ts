/**
 * Hands out a valid access token: from memory, from the token file (written by another process),
 * or by a refresh that saves the new refresh token before anything else happens. One refresh at a
 * time, across processes (the token file lock). Source of the rules: tado-api.md §2.4–2.5.
 */
import { TadoAuthError } from './errors.js';
import type { OAuthClient } from './oauth-client.js';
import type { TokenResponse } from './schemas.js';
import type { TokenStore } from './token-store.js';

/** Options of {@link TokenManager}. */
export interface TokenManagerOptions {
  /** Refresh this long before the access token expires, in ms; `@defaultValue 30_000` */
  refreshMarginMs?: number;
  /** Clock; `@defaultValue () => new Date()` */
  now?: () => Date;
  /** Called after each refresh (for logs; never gets the tokens). */
  onRefresh?: (info: { expiresAt: Date }) => void;
}

/** See the module comment. */
export class TokenManager {
  readonly #store: TokenStore;
  readonly #oauth: OAuthClient;
  readonly #marginMs: number;
  readonly #now: () => Date;
  readonly #onRefresh: TokenManagerOptions['onRefresh'];
  #accessToken: string | undefined;
  #expiresAt = 0;

  constructor(store: TokenStore, oauth: OAuthClient, options: TokenManagerOptions = {}) {
    this.#store = store;
    this.#oauth = oauth;
    this.#marginMs = options.refreshMarginMs ?? 30_000;
    this.#now = options.now ?? (() => new Date());
    this.#onRefresh = options.onRefresh;
  }

  /**
   * A valid access token.
   * @throws TadoAuthError `not_logged_in` (no token file) or `invalid_grant` (run `heatflow tado login`);
   *   TadoNetworkError / TadoApiError when the login server cannot be reached (not a credentials problem)
   */
  async getAccessToken(): Promise<string> {
    if (this.#accessToken !== undefined && this.#fresh(this.#expiresAt)) return this.#accessToken;
    return this.#refresh(undefined);
  }

  /**
   * A new access token after the API refused `rejected` with 401; reuses a token another process
   * saved meanwhile when it differs from `rejected`.
   */
  async refreshAfterRejection(rejected: string): Promise<string> {
    return this.#refresh(rejected);
  }

  /** Saves the tokens of a fresh sign-in (device flow) and keeps the access token in memory. */
  async saveLogin(token: TokenResponse): Promise<void> {
    await this.#store.withLock(async () => {
      await this.#save(token);
    });
  }

  #fresh(expiresAtMs: number): boolean {
    return expiresAtMs - this.#marginMs > this.#now().getTime();
  }

  async #refresh(rejected: string | undefined): Promise<string> {
    return this.#store.withLock(async () => {
      // a process killed while saving a rotated token left it in a temporary file: take it
      await this.#store.recover();
      const saved = await this.#store.read();
      if (saved === undefined) {
        throw new TadoAuthError(
          `no tado token file at ${this.#store.file}; run \`heatflow tado login\` to sign in`,
          'not_logged_in',
        );
      }
      // another process (or an earlier caller in this one) refreshed meanwhile
      const exp = saved.accessTokenExpiresAt?.getTime() ?? 0;
      if (saved.accessToken !== undefined && saved.accessToken !== rejected && this.#fresh(exp)) {
        this.#accessToken = saved.accessToken;
        this.#expiresAt = exp;
        return saved.accessToken;
      }
      const token = await this.#oauth.refresh(saved.refreshToken);
      // the old refresh token is dead now: save the new one before anything else
      const expiresAt = await this.#save(token);
      this.#onRefresh?.({ expiresAt });
      return token.access_token;
    });
  }

  async #save(token: TokenResponse): Promise<Date> {
    const expiresAt = new Date(this.#now().getTime() + token.expires_in * 1000);
    await this.#store.write({
      refreshToken: token.refresh_token,
      accessToken: token.access_token,
      accessTokenExpiresAt: expiresAt,
      savedAt: this.#now(),
    });
    this.#accessToken = token.access_token;
    this.#expiresAt = expiresAt.getTime();
    return expiresAt;
  }
}
