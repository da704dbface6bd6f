/**
 * The daily request quota of the tado° API, read from response headers (pure code).
 *
 * Source: support.tado.com article 12165739 and the formats PyTado, libtado and node-tado-client test:
 * ```
 * RateLimit-Policy: "perday";q=20000;w=86400     q = daily quota, w = window in seconds
 * RateLimit: "perday";r=15211                     r = requests left
 * RateLimit: "perday";r=0;t=1301                  t = seconds until refill (usually only once r=0)
 * ```
 */

/** What the client knows about its quota after the last response. */
export interface RateLimitInfo {
  /** Daily quota (`q`), when the policy header was seen. */
  readonly quota: number | undefined;
  /** Window of the quota in seconds (`w`), when seen. */
  readonly windowS: number | undefined;
  /** Requests left (`r`), when seen. */
  readonly remaining: number | undefined;
  /** When the quota refills: `t` seconds after `observedAt` (or `Retry-After`), when given. */
  readonly refillAt: Date | undefined;
  /** When the headers were read. */
  readonly observedAt: Date;
}

/** Parses `"name";k=v;k=v` into its number-valued parameters (keys lower-cased); `{}` when unparsable. */
export function parseStructuredParams(value: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  if (value === undefined) return out;
  // Several policies may be comma-separated; the first one is used.
  const first = value.split(',')[0] ?? '';
  for (const part of first.split(';').slice(1)) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const key = part.slice(0, eq).trim().toLowerCase();
    const num = Number(
      part
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, ''),
    );
    if (key !== '' && Number.isFinite(num)) out[key] = num;
  }
  return out;
}

/** Reads a header case-insensitively from a plain header record (axios lower-cases names). */
function header(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === lower) {
      if (typeof v === 'string') return v;
      if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
      if (typeof v === 'number') return String(v);
    }
  }
  return undefined;
}

/**
 * Reads `RateLimit-Policy`, `RateLimit` and `Retry-After` from response headers.
 * @param previous - the last known info: fields missing from these headers are carried over
 * @returns undefined when the response carries none of the headers
 */
export function parseRateLimitHeaders(
  headers: Readonly<Record<string, unknown>>,
  now: Date,
  previous?: RateLimitInfo,
): RateLimitInfo | undefined {
  const policyRaw = header(headers, 'RateLimit-Policy');
  const limitRaw = header(headers, 'RateLimit');
  const retryAfterRaw = header(headers, 'Retry-After');
  if (policyRaw === undefined && limitRaw === undefined && retryAfterRaw === undefined) return undefined;
  const policy = parseStructuredParams(policyRaw);
  const limit = parseStructuredParams(limitRaw);
  let refillAt: Date | undefined;
  if (limit.t !== undefined) refillAt = new Date(now.getTime() + limit.t * 1000);
  else if (retryAfterRaw !== undefined) {
    const s = Number(retryAfterRaw);
    const at = Number.isFinite(s) ? now.getTime() + s * 1000 : Date.parse(retryAfterRaw);
    if (Number.isFinite(at)) refillAt = new Date(at);
  }
  const remaining = limit.r ?? (limitRaw === undefined ? previous?.remaining : undefined);
  return {
    quota: policy.q ?? previous?.quota,
    windowS: policy.w ?? previous?.windowS,
    remaining,
    refillAt: refillAt ?? (remaining === 0 ? previous?.refillAt : undefined),
    observedAt: now,
  };
}

/** Human text for an error or a status line, e.g. `0 of 100 requests left, refills at 2026-…Z (in 21 min)`. */
export function describeRateLimit(info: RateLimitInfo | undefined, now: Date): string {
  if (info === undefined) return 'rate limit not known yet (no response seen)';
  const parts: string[] = [];
  parts.push(
    `${info.remaining ?? '?'} of ${info.quota ?? '?'} requests left` +
      (info.windowS !== undefined ? ` per ${Math.round(info.windowS / 3600)} h` : ''),
  );
  if (info.refillAt !== undefined) {
    const mins = Math.max(0, Math.round((info.refillAt.getTime() - now.getTime()) / 60_000));
    parts.push(`refills at ${info.refillAt.toISOString()} (in ${mins} min)`);
  } else if (info.remaining === 0) {
    parts.push('refill time not given: try again in a few hours (the window is a rolling 24 h)');
  }
  return parts.join(', ');
}
