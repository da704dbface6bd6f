/**
 * The credential that authorises actions (trigger, clear, mark, pause, backfill; the variable and
 * connection forms), and the defences against cross-site requests.
 *
 * - API clients send `Authorization: Bearer <HEATFLOW_WEB_TOKEN>`. A browser never attaches that
 *   header to a cross-site request on its own, so the API needs no CSRF token; API writes never
 *   accept the session cookie.
 * - Browser users sign in once on `/login` with the token, or as a person with a username and
 *   password (person-sign-in.ts). The session cookie is
 *   `<expiry ms>.<HMAC-SHA256(token, "session:" + expiry)>` (a person's:
 *   `<expiry>.<username>.<password stamp>.<HMAC(token, "session:" + expiry + ":" + username + ":" + stamp)>`;
 *   HttpOnly, SameSite=Strict): it expires, holds no copy of the token, and changing the token
 *   invalidates every session; a person's also ends when the user's password changes (the stamp,
 *   a digest of the stored hash, no longer matches) or the user is deleted.
 * - Every form that acts carries a CSRF token `HMAC-SHA256(token, "csrf:" + session)` and must come
 *   from the same origin (`Origin` / `Sec-Fetch-Site` checked when the browser sends them).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { EventActor, EventSource } from '../audit/event-log.js';

/** Name of the session cookie. */
export const SESSION_COOKIE = 'heatflow_session';

/** The parts of a request the checks read. */
export interface RequestLike {
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

const header = (req: RequestLike, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

function safeEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** Reads one cookie from a request. */
export function readCookie(req: RequestLike, name: string): string | undefined {
  const cookie = header(req, 'cookie');
  if (cookie === undefined) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Who a browser session belongs to. */
export type WebIdentity =
  /** signed in with HEATFLOW_WEB_TOKEN */
  | { readonly kind: 'token'; readonly session: string }
  /** a person signed in with username and password */
  | {
      readonly kind: 'user';
      readonly username: string;
      readonly session: string;
      /** the stamp of the password hash the person signed in with ({@link passwordStamp}) */
      readonly passwordStamp: string;
    };

/** Checks credentials; stateless (no session store). */
export class WebAuth {
  /** how long a browser session lasts, in ms; `@defaultValue 12 h` */
  readonly sessionTtlMs: number;

  constructor(
    private readonly token: string | undefined,
    options: { sessionTtlMs?: number } = {},
  ) {
    this.sessionTtlMs = options.sessionTtlMs ?? 12 * 3600_000;
  }

  /** Whether actions are possible at all (a token is configured). */
  get enabled(): boolean {
    return this.token !== undefined;
  }

  private mac(purpose: string): string {
    return createHmac('sha256', this.token ?? '')
      .update(purpose)
      .digest('base64url');
  }

  /** Is this the configured token? (constant time) */
  checkToken(candidate: string): boolean {
    if (this.token === undefined) return false;
    return safeEqual(this.mac(`token:${candidate}`), this.mac(`token:${this.token}`));
  }

  /** Does the request carry `Authorization: Bearer <token>`? */
  hasBearer(req: RequestLike): boolean {
    const h = header(req, 'authorization');
    const m = h === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m?.[1] !== undefined && this.checkToken(m[1]);
  }

  /** A new session cookie value, valid for {@link sessionTtlMs}. */
  issueSession(nowMs: number = Date.now()): string {
    const expiry = nowMs + this.sessionTtlMs;
    return `${expiry}.${this.mac(`session:${expiry}`)}`;
  }

  /** The request's session, when it has a valid unexpired one (the token's or a person's). */
  session(req: RequestLike, nowMs: number = Date.now()): string | undefined {
    return this.sessionIdentity(req, nowMs)?.session;
  }

  /**
   * A session cookie value for a person who signed in with username and password:
   * `<expiry ms>.<username base64url>.<stamp>.<HMAC-SHA256(token, "session:" + expiry + ":" + username + ":" + stamp)>`.
   * @param stamp - {@link passwordStamp} of the password hash checked at sign-in
   */
  issueUserSession(username: string, stamp: string, nowMs: number = Date.now()): string {
    const expiry = nowMs + this.sessionTtlMs;
    const name = Buffer.from(username, 'utf8').toString('base64url');
    return `${expiry}.${name}.${stamp}.${this.mac(`session:${expiry}:${username}:${stamp}`)}`;
  }

  /**
   * Who the request's session belongs to: the token's holder or a person (for the event log's
   * actor), with the session value; undefined without a valid unexpired session.
   */
  sessionIdentity(req: RequestLike, nowMs: number = Date.now()): WebIdentity | undefined {
    if (this.token === undefined) return undefined;
    const value = readCookie(req, SESSION_COOKIE);
    if (value === undefined) return undefined;
    const parts = value.split('.');
    const expiry = Number(parts[0]);
    if (parts.length < 2 || parts.length > 4 || !/^\d+$/.test(parts[0] ?? '') || expiry < nowMs)
      return undefined;
    if (parts.length === 2)
      return safeEqual(parts[1] ?? '', this.mac(`session:${expiry}`))
        ? { kind: 'token', session: value }
        : undefined;
    if (parts.length !== 4) return undefined;
    const username = Buffer.from(parts[1] ?? '', 'base64url').toString('utf8');
    const stamp = parts[2] ?? '';
    return safeEqual(parts[3] ?? '', this.mac(`session:${expiry}:${username}:${stamp}`))
      ? { kind: 'user', username, session: value, passwordStamp: stamp }
      : undefined;
  }

  /** The CSRF token forms of this session carry. */
  csrfToken(session: string): string {
    return this.mac(`csrf:${session}`);
  }

  /** Does the form's CSRF token belong to the session? */
  checkCsrf(session: string, candidate: unknown): boolean {
    return typeof candidate === 'string' && safeEqual(candidate, this.csrfToken(session));
  }
}

/** The parts of a request {@link requestActor} reads (a fastify request fits). */
export interface ActorRequest extends RequestLike {
  /** the client address (fastify's `request.ip`) */
  readonly ip: string;
}

/**
 * Who made a web or API request, for the event log: `token` when it carries the bearer token or a
 * session signed in with it, otherwise `anonymous`; `remoteAddr` is the client address. The one
 * place the actor of a request is decided: user sign-in extends this function.
 */
export function requestActor(
  auth: WebAuth,
  req: ActorRequest,
  source: Extract<EventSource, 'web' | 'api'>,
): EventActor {
  if (auth.hasBearer(req)) return { owner: 'token', source, remoteAddr: req.ip };
  const who = auth.sessionIdentity(req);
  const owner = who === undefined ? 'anonymous' : who.kind === 'user' ? who.username : 'token';
  return { owner, source, remoteAddr: req.ip };
}

/**
 * Is the request from a page of this server? False when the browser says it is cross-site
 * (`Sec-Fetch-Site`) or sends an `Origin` whose host is not the request's `Host`.
 */
export function isSameOrigin(req: RequestLike): boolean {
  const site = header(req, 'sec-fetch-site');
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return false;
  const origin = header(req, 'origin');
  if (origin === undefined) return true;
  const host = header(req, 'host');
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

/** Is the address a loopback one (127.0.0.0/8, ::1, localhost)? */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.') || host === '[::1]';
}
