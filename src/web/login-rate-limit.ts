/**
 * The limit on failed sign-in attempts: at most `maxFailures` failures per client address and,
 * separately, per username within a sliding window; past it, sign-in answers 429 with
 * `Retry-After` until the oldest failure leaves the window. Counts failures only (a person who
 * signs in correctly is never slowed down), in memory (one web server process; a restart forgets).
 * @fastify/rate-limit counts every request to a route under one key per limiter, not failures
 * per address and per username, so this is kept here in a few lines.
 */

/** Options of {@link LoginRateLimit}. */
export interface LoginRateLimitOptions {
  /** failures allowed per address and per username in the window; `@defaultValue 5` */
  readonly maxFailures?: number;
  /** the window, in ms; `@defaultValue 15 min` */
  readonly windowMs?: number;
}

/** Failed sign-ins by address and by username. */
export class LoginRateLimit {
  readonly maxFailures: number;
  readonly windowMs: number;
  private readonly failures = new Map<string, number[]>();

  constructor(o: LoginRateLimitOptions = {}) {
    this.maxFailures = o.maxFailures ?? 5;
    this.windowMs = o.windowMs ?? 15 * 60_000;
  }

  private recent(key: string, nowMs: number): number[] {
    const kept = (this.failures.get(key) ?? []).filter((t) => t > nowMs - this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else this.failures.set(key, kept);
    return kept;
  }

  /**
   * Seconds to wait before the next attempt from `address` for `username`, or 0 when it may try.
   */
  retryAfterS(address: string, username: string | undefined, nowMs: number = Date.now()): number {
    let wait = 0;
    for (const key of keysOf(address, username)) {
      const r = this.recent(key, nowMs);
      if (r.length >= this.maxFailures) wait = Math.max(wait, (r[0] ?? nowMs) + this.windowMs - nowMs);
    }
    return Math.ceil(wait / 1000);
  }

  /** Records a failed attempt. */
  fail(address: string, username: string | undefined, nowMs: number = Date.now()): void {
    if (this.failures.size > 100_000) this.failures.clear();
    for (const key of keysOf(address, username)) this.failures.set(key, [...this.recent(key, nowMs), nowMs]);
  }
}

const keysOf = (address: string, username: string | undefined): string[] => [
  `ip:${address}`,
  ...(username === undefined || username === '' ? [] : [`user:${username.toLowerCase()}`]),
];
