import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import {
  describeRateLimit,
  parseRateLimitHeaders,
  parseStructuredParams,
} from '../../src/tado/rate-limit.js';
import { TADO_PUBLIC_CLIENT_ID, loadTadoConfig } from '../../src/tado/tado-config.js';

describe('loadTadoConfig', () => {
  it('defaults to the real tado addresses and the public client id', () => {
    const c = loadTadoConfig({ HOME: '/home/x' }, '/work');
    expect(c.TADO_API_URL).toBe('https://my.tado.com/api/v2');
    expect(c.TADO_AUTH_URL).toBe('https://login.tado.com/oauth2');
    expect(c.TADO_CLIENT_ID).toBe(TADO_PUBLIC_CLIENT_ID);
    expect(c.TADO_HOME_ID).toBeUndefined();
    expect(c.TADO_RATE_RESERVE).toBe(5);
    expect(c.TADO_TOKEN_FILE.endsWith('tado-token.json')).toBe(true);
  });

  it('reads overrides, trims trailing slashes, resolves a relative token file', () => {
    const c = loadTadoConfig(
      {
        TADO_API_URL: 'http://127.0.0.1:8081/api/v2/',
        TADO_HOME_ID: '42',
        TADO_TOKEN_FILE: 'secrets/t.json',
        TADO_RETRIES: '0',
      },
      '/srv',
    );
    expect(c.TADO_API_URL).toBe('http://127.0.0.1:8081/api/v2');
    expect(c.TADO_HOME_ID).toBe(42);
    expect(c.TADO_TOKEN_FILE).toBe('/srv/secrets/t.json');
    expect(c.TADO_RETRIES).toBe(0);
  });

  it('names every invalid variable', () => {
    let err: unknown;
    try {
      loadTadoConfig({ TADO_API_URL: 'ftp://x', TADO_RATE_RESERVE: '-1', TADO_TIMEOUT_MS: 'soon' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variables).toEqual(['TADO_API_URL', 'TADO_RATE_RESERVE', 'TADO_TIMEOUT_MS']);
    expect((err as Error).message).toContain('TADO_API_URL="ftp://x"');
    expect((err as Error).message).toContain('TADO_TIMEOUT_MS="soon"');
  });
});

describe('rate-limit headers', () => {
  const now = new Date('2026-01-10T12:00:00Z');

  it('parses the documented formats', () => {
    expect(parseStructuredParams('"perday";q=20000;w=86400')).toEqual({ q: 20000, w: 86400 });
    expect(parseStructuredParams('"perday";r=0;t=1301')).toEqual({ r: 0, t: 1301 });
    expect(parseStructuredParams(undefined)).toEqual({});
    const info = parseRateLimitHeaders(
      { 'ratelimit-policy': '"perday";q=100;w=86400', ratelimit: '"perday";r=15' },
      now,
    );
    expect(info).toEqual({ quota: 100, windowS: 86400, remaining: 15, refillAt: undefined, observedAt: now });
  });

  it('header names are case-insensitive; t gives the refill time', () => {
    const info = parseRateLimitHeaders(
      { 'RateLimit-Policy': '"perday";q=100;w=86400', RATELIMIT: '"perday";r=0;t=1301' },
      now,
    );
    expect(info?.remaining).toBe(0);
    expect(info?.refillAt?.toISOString()).toBe('2026-01-10T12:21:41.000Z');
    expect(describeRateLimit(info, now)).toBe(
      '0 of 100 requests left per 24 h, refills at 2026-01-10T12:21:41.000Z (in 22 min)',
    );
  });

  it('Retry-After is used when t is missing; responses without headers change nothing', () => {
    const info = parseRateLimitHeaders({ 'retry-after': '60' }, now);
    expect(info?.refillAt?.toISOString()).toBe('2026-01-10T12:01:00.000Z');
    expect(parseRateLimitHeaders({ 'content-type': 'application/json' }, now)).toBeUndefined();
  });

  it('keeps the quota from an earlier response when only RateLimit is sent', () => {
    const first = parseRateLimitHeaders(
      { 'ratelimit-policy': '"perday";q=1000;w=86400', ratelimit: '"perday";r=9' },
      now,
    );
    const second = parseRateLimitHeaders({ ratelimit: '"perday";r=8' }, now, first);
    expect(second).toMatchObject({ quota: 1000, remaining: 8 });
    expect(describeRateLimit(undefined, now)).toMatch(/not known/);
    expect(describeRateLimit({ ...second!, remaining: 0 }, now)).toMatch(/rolling 24 h/);
  });
});
