/**
 * Errors of the tado° client. Each carries its context as readonly fields; `retryable` says
 * whether the same call may succeed later (network, timeouts, 5xx; a spent quota only after its
 * refill). Source of the behaviours: `docs/tado.md` and the tado API notes it cites.
 */
import { HeatflowError } from '../core/errors.js';

/** One zod issue, flattened: where in the JSON and what was expected there. */
export interface TadoSchemaIssue {
  /** JSON path, e.g. `measuredData.insideTemperature.dataPoints[98].value.celsius` (`(root)` for the top). */
  readonly path: string;
  /** What was expected, as zod words it (e.g. `Invalid input: expected number, received string`). */
  readonly expected: string;
}

/** A tado° response (or fixture file) does not have the shape the schema expects. */
export class TadoSchemaError extends HeatflowError {
  constructor(
    /** The endpoint or file whose body failed, e.g. `GET /homes/1/zones/2/dayReport?date=2022-01-01`. */
    readonly what: string,
    /** Every issue zod found (at least one). */
    readonly issues: readonly TadoSchemaIssue[],
  ) {
    const first = issues[0];
    const more =
      issues.length > 1 ? ` (and ${issues.length - 1} more issue${issues.length > 2 ? 's' : ''})` : '';
    super(
      'TADO_SCHEMA',
      `${what}: unexpected response shape at ${first?.path ?? '(root)'}: ${first?.expected ?? 'invalid'}${more}`,
    );
  }

  /** JSON path of the first issue. */
  get path(): string {
    return this.issues[0]?.path ?? '(root)';
  }
}

/** Why a sign-in or token refresh failed. */
export type TadoAuthReason =
  /** The refresh token is unknown, used or expired (`invalid_grant`): a human must sign in again. */
  | 'invalid_grant'
  /** No token file yet: nobody has signed in. */
  | 'not_logged_in'
  /** The device code expired before the user approved it (`expired_token`). */
  | 'expired_token'
  /** The user refused the sign-in (`access_denied`). */
  | 'access_denied'
  /** The API refused a fresh access token (401 right after a refresh). */
  | 'unauthorized'
  /** Any other OAuth error code from the login server. */
  | 'other';

/**
 * Credentials are missing or dead. Never thrown for 429, 5xx, timeouts or empty bodies: those
 * are not credential problems (the re-login loops of HA #162858 / PyTado #314 burned quota that way).
 */
export class TadoAuthError extends HeatflowError {
  constructor(
    message: string,
    /** What went wrong, see {@link TadoAuthReason}. */
    readonly reason: TadoAuthReason,
    /** The OAuth `error` code from the login server, when there was one. */
    readonly oauthError?: string,
    options?: { cause?: unknown },
  ) {
    super('TADO_AUTH', message, options);
  }
}

/** The daily request quota is spent (429) or down to the configured reserve. */
export class TadoRateLimitError extends HeatflowError {
  constructor(
    message: string,
    /** Daily quota (`RateLimit-Policy` `q`), when known. */
    readonly quota: number | undefined,
    /** Requests left (`RateLimit` `r`), when known. */
    readonly remaining: number | undefined,
    /** When the quota refills (from `t`, or `Retry-After`), when known. */
    readonly refillAt: Date | undefined,
    /** HTTP status that reported it: 429, or undefined when the client stopped at its reserve. */
    readonly status: number | undefined,
    /**
     * When the client will send a request again: `refillAt`, or, without one, an hour after the
     * last answer (to read the headers again). `@defaultValue refillAt`
     */
    retryAt?: Date,
  ) {
    super('TADO_RATE_LIMIT', message, { retryable: true });
    this.retryAt = retryAt ?? refillAt;
  }

  /** When the client will send a request again (see the constructor); undefined when unknown. */
  readonly retryAt: Date | undefined;
}

/** An error body entry of my.tado.com: `{"code": "...", "title": "..."}`. */
export interface TadoApiErrorEntry {
  readonly code: string;
  readonly title?: string | undefined;
}

/** The tado API answered with an error status (4xx other than 401/429, or 5xx after the retries). */
export class TadoApiError extends HeatflowError {
  constructor(
    message: string,
    /** HTTP status. */
    readonly status: number,
    /** `errors[0].code` of the body, e.g. `accessDenied`, when the body had one. */
    readonly apiCode: string | undefined,
    /** `errors[0].title` of the body, when the body had one. */
    readonly title: string | undefined,
    /** The request, e.g. `GET /homes/1/zones`. */
    readonly endpoint: string,
    options?: { cause?: unknown; retryable?: boolean; code?: string },
  ) {
    super(options?.code ?? 'TADO_API', message, options);
  }
}

/**
 * The day asked for is before the zone was created (`beforeZoneCreation`): there is no data and
 * never will be. The ETL records the zone as skipped for that day instead of failing.
 */
export class TadoBeforeZoneCreationError extends TadoApiError {
  constructor(
    status: number,
    title: string | undefined,
    endpoint: string,
    /** The zone id. */
    readonly zoneId: number,
    /** The day asked for (YYYY-MM-DD). */
    readonly date: string,
  ) {
    super(
      `zone ${zoneId} did not exist yet on ${date}: ${title ?? 'beforeZoneCreation'}`,
      status,
      'beforeZoneCreation',
      title,
      endpoint,
      { code: 'TADO_BEFORE_ZONE_CREATION' },
    );
  }
}

/** No answer: connection refused/reset, DNS, or a timeout, after the retries. */
export class TadoNetworkError extends HeatflowError {
  constructor(
    message: string,
    /** The request, e.g. `GET /me`. */
    readonly endpoint: string,
    /** axios/Node error code, e.g. `ECONNREFUSED`, `ECONNABORTED`, `ETIMEDOUT`. */
    readonly networkCode: string | undefined,
    options?: { cause?: unknown },
  ) {
    super('TADO_NETWORK', message, { ...options, retryable: true });
  }
}

/** True when `e` says the day is before the zone's creation (see {@link TadoBeforeZoneCreationError}). */
export function isBeforeZoneCreation(e: unknown): e is TadoBeforeZoneCreationError {
  return e instanceof TadoBeforeZoneCreationError;
}
