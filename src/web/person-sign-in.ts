/**
 * Sign-in for people: a username and password checked against the users table
 * (`heatflow users create`) or `HEATFLOW_WEB_USERS` (name:hash pairs), with the failed-attempt
 * limit (login-rate-limit.ts). Every failure, the token's included, is recorded in the event log
 * as `login.failed` with the username tried (never the password).
 */
import { recordEvent } from '../audit/event-log.js';
import { getUser } from '../db/user-repository.js';
import type { Runtime } from '../runtime/runtime.js';
import { LoginRateLimit, type LoginRateLimitOptions } from './login-rate-limit.js';
import { hashPassword, passwordStamp, verifyPassword } from './password-hash.js';

/** The outcome of one sign-in attempt. */
export type SignInOutcome =
  /** signed in; a person's `passwordStamp` goes in the session ({@link passwordStamp}) */
  | { readonly ok: true; readonly passwordStamp?: string }
  /** wrong credentials (401) */
  | { readonly ok: false; readonly status: 401 }
  /** too many failures: wait `retryAfterS` seconds (429) */
  | { readonly ok: false; readonly status: 429; readonly retryAfterS: number };

/** The people of `HEATFLOW_WEB_USERS` (`name:hash,…`), by name. */
export function envUsers(value: string | undefined): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const entry of (value ?? '').split(',')) {
    const colon = entry.indexOf(':');
    if (colon > 0) out.set(entry.slice(0, colon).trim(), entry.slice(colon + 1).trim());
  }
  return out;
}

/** Checks sign-in attempts of people and of the token holder, with the failure limit. */
export class PersonSignIn {
  readonly limit: LoginRateLimit;
  private readonly env: ReadonlyMap<string, string>;
  /** compared against for unknown names, so that they take as long as known ones */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly rt: Runtime,
    options: LoginRateLimitOptions = {},
  ) {
    this.limit = new LoginRateLimit(options);
    this.env = envUsers(rt.config.HEATFLOW_WEB_USERS);
  }

  /**
   * One attempt: a person's (`username` given) or the token's (`check` decides).
   * @param address - the client address (the limit's key and the event log's `remote_addr`)
   */
  async attempt(
    address: string,
    credentials: { readonly username: string; readonly password: string } | { readonly tokenOk: boolean },
  ): Promise<SignInOutcome> {
    const username = 'username' in credentials ? credentials.username : undefined;
    const wait = this.limit.retryAfterS(address, username);
    if (wait > 0) {
      await this.recordFailure(address, username, 'too many failed attempts');
      return { ok: false, status: 429, retryAfterS: wait };
    }
    if ('username' in credentials) {
      const stored = await this.checkPassword(credentials.username, credentials.password);
      if (stored !== undefined) return { ok: true, passwordStamp: passwordStamp(stored) };
    } else if (credentials.tokenOk) return { ok: true };
    this.limit.fail(address, username);
    await this.recordFailure(
      address,
      username,
      username === undefined ? 'wrong token' : 'wrong username or password',
    );
    return { ok: false, status: 401 };
  }

  /**
   * The stamp of `username`'s current password ({@link passwordStamp}), or `undefined` when it is
   * no longer a user (of `heatflow.users` or HEATFLOW_WEB_USERS): a person's session ends when the
   * user is deleted or the password changes, not only when it expires.
   */
  async currentPasswordStamp(username: string): Promise<string | undefined> {
    const stored = await this.storedHash(username);
    return stored === undefined ? undefined : passwordStamp(stored);
  }

  private async storedHash(username: string): Promise<string | undefined> {
    // a NUL cannot be in a user's name (Postgres refuses it in text: the query would fail, a 500)
    if (username.includes('\u0000')) return undefined;
    return (await getUser(this.rt.db, username))?.password_hash ?? this.env.get(username);
  }

  /** @returns the stored hash the password matched, or `undefined` */
  private async checkPassword(username: string, password: string): Promise<string | undefined> {
    const stored = await this.storedHash(username);
    if (stored === undefined) {
      this.dummyHash ??= hashPassword('heatflow-dummy-password');
      await verifyPassword(password, await this.dummyHash);
      return undefined;
    }
    return (await verifyPassword(password, stored)) ? stored : undefined;
  }

  private async recordFailure(address: string, username: string | undefined, reason: string): Promise<void> {
    await recordEvent(
      this.rt.db,
      { owner: 'anonymous', source: 'web', remoteAddr: address },
      // a NUL is recorded as U+FFFD: Postgres refuses it in jsonb, and the failure would go unrecorded
      {
        event: 'login.failed',
        extra: { username: username?.replaceAll('\u0000', '\uFFFD') ?? null, reason },
      },
      this.rt.logger,
    );
  }
}
