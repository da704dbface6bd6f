/**
 * The tado client against the simulator over real HTTP (and, for the schema failure, against a
 * plain HTTP server serving an altered real fixture).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { deviceLogin } from '../../src/tado/device-login.js';
import {
  TadoApiError,
  TadoAuthError,
  TadoBeforeZoneCreationError,
  TadoNetworkError,
  TadoRateLimitError,
  TadoSchemaError,
  isBeforeZoneCreation,
} from '../../src/tado/errors.js';
import {
  startTadoSimulator,
  type TadoSimulator,
  type TadoSimulatorOptions,
} from '../../src/tado/simulator/tado-simulator.js';
import { TadoClient } from '../../src/tado/tado-client.js';
import { loadTadoConfig, type TadoConfig } from '../../src/tado/tado-config.js';
import { TokenManager } from '../../src/tado/token-manager.js';
import { TokenStore } from '../../src/tado/token-store.js';

let dir: string;
let sim: TadoSimulator | undefined;
const servers: Server[] = [];

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'heatflow-tado-'));
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
  rmSync(dir, { recursive: true, force: true });
});

async function startSim(options: TadoSimulatorOptions = {}): Promise<TadoSimulator> {
  sim = await startTadoSimulator({ now: () => new Date('2026-11-29T12:00:00Z'), ...options });
  return sim;
}

function config(s: { apiUrl: string; authUrl: string }, env: Record<string, string> = {}): TadoConfig {
  return loadTadoConfig({
    TADO_API_URL: s.apiUrl,
    TADO_AUTH_URL: s.authUrl,
    TADO_TOKEN_FILE: path.join(dir, 'tado', 'token.json'),
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_RETRIES: '2',
    TADO_RETRY_BASE_DELAY_MS: '10',
    TADO_TIMEOUT_MS: '2000',
    ...env,
  });
}

function readTokenFile(c: TadoConfig): { refresh_token: string; access_token?: string } {
  return JSON.parse(readFileSync(c.TADO_TOKEN_FILE, 'utf8')) as {
    refresh_token: string;
    access_token?: string;
  };
}

async function signedInClient(
  s: TadoSimulator,
  env: Record<string, string> = {},
): Promise<{ client: TadoClient; c: TadoConfig }> {
  const c = config(s, env);
  await new TokenStore(c.TADO_TOKEN_FILE).write({ refreshToken: s.issueRefreshToken() });
  return { client: new TadoClient({ config: c }), c };
}

async function expectRejection<E extends Error>(
  p: Promise<unknown>,
  type: new (...args: never[]) => E,
): Promise<E> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(type);
  return err as E;
}

describe('device sign-in', () => {
  it('runs end to end: prompt, pending polls, approval, token saved with mode 0600, then API calls work', async () => {
    const s = await startSim({ devicePollIntervalS: 1 });
    const c = config(s);
    const oauth = TadoClient.oauthClient(c);
    const tokens = new TokenManager(new TokenStore(c.TADO_TOKEN_FILE), oauth);
    const prompts: string[] = [];
    let pending = 0;
    const token = await deviceLogin({
      oauth,
      tokens,
      clientId: c.TADO_CLIENT_ID,
      onPrompt: (p) => {
        prompts.push(p.url);
        expect(p.userCode).toMatch(/^[A-Z0-9]{6}$/);
      },
      onPending: () => {
        pending += 1;
        s.approveDeviceCode(); // the human clicks "approve" after the first poll
      },
    });
    expect(prompts).toHaveLength(1);
    expect(prompts[0]).toContain(`${s.authUrl}/device?user_code=`);
    expect(prompts[0]).toContain(`client_id=${c.TADO_CLIENT_ID}`);
    expect(pending).toBe(1);
    expect(statSync(c.TADO_TOKEN_FILE).mode & 0o777).toBe(0o600);
    expect(readTokenFile(c).refresh_token).toBe(token.refresh_token);
    expect(s.isRefreshTokenValid(token.refresh_token)).toBe(true);

    // a new process: reads the file and works
    const client = new TadoClient({ config: c });
    const me = await client.getMe();
    expect(me.homes[0]?.id).toBe(s.home.homeId);
  });

  it('a refused sign-in ends with access_denied', async () => {
    const s = await startSim({ devicePollIntervalS: 1 });
    const c = config(s);
    const oauth = TadoClient.oauthClient(c);
    const tokens = new TokenManager(new TokenStore(c.TADO_TOKEN_FILE), oauth);
    const denied = await expectRejection(
      deviceLogin({
        oauth,
        tokens,
        clientId: c.TADO_CLIENT_ID,
        onPrompt: () => undefined,
        onPending: () => s.denyDeviceCode(),
      }),
      TadoAuthError,
    );
    expect(denied.reason).toBe('access_denied');
  });

  it('a code nobody approves expires with a message saying to log in again', async () => {
    const s = await startSim({ devicePollIntervalS: 1, deviceCodeTtlS: 2, now: () => new Date() });
    const c = config(s);
    const oauth = TadoClient.oauthClient(c);
    const tokens = new TokenManager(new TokenStore(c.TADO_TOKEN_FILE), oauth);
    let pending = 0;
    const expired = await expectRejection(
      deviceLogin({
        oauth,
        tokens,
        clientId: c.TADO_CLIENT_ID,
        onPrompt: () => undefined,
        onPending: () => (pending += 1),
      }),
      TadoAuthError,
    );
    expect(pending).toBeGreaterThanOrEqual(1);
    expect(expired.reason).toBe('expired_token');
    expect(expired.message).toContain('heatflow tado login');
  });
});

describe('refresh-token rotation', () => {
  it('saves the new refresh token before anything else; the old one is refused afterwards', async () => {
    const s = await startSim();
    const { client, c } = await signedInClient(s);
    const old = readTokenFile(c).refresh_token;
    await client.getZones(s.home.homeId);
    const saved = readTokenFile(c);
    expect(saved.refresh_token).not.toBe(old);
    expect(s.isRefreshTokenValid(old)).toBe(false);
    expect(s.isRefreshTokenValid(saved.refresh_token)).toBe(true);
    expect(statSync(c.TADO_TOKEN_FILE).mode & 0o777).toBe(0o600);
    // the old token, used again, is refused with an error that says what to do
    const err = await expectRejection(TadoClient.oauthClient(c).refresh(old), TadoAuthError);
    expect(err.reason).toBe('invalid_grant');
    expect(err.message).toContain('heatflow tado login');
  });

  it('on 401 refreshes once, retries once, and succeeds', async () => {
    const s = await startSim();
    const { client, c } = await signedInClient(s);
    await client.getMe();
    const before = readTokenFile(c).refresh_token;
    s.expireAccessTokens();
    const zones = await client.getZones(s.home.homeId);
    expect(zones.map((z) => z.type)).toContain('HOT_WATER');
    expect(readTokenFile(c).refresh_token).not.toBe(before);
  });

  it('two clients sharing the token file refresh only once (lock, then reuse of the saved access token)', async () => {
    const s = await startSim();
    const c = config(s);
    await new TokenStore(c.TADO_TOKEN_FILE).write({ refreshToken: s.issueRefreshToken() });
    const a = new TadoClient({ config: c });
    const b = new TadoClient({ config: c });
    const authBefore = s.stats().authRequests;
    await Promise.all([a.getMe(), b.getMe(), a.getHome(s.home.homeId), b.getZones(s.home.homeId)]);
    expect(s.stats().authRequests - authBefore).toBe(1);
  });

  it('a 5xx from the login server is retried and never taken for a credentials problem', async () => {
    const s = await startSim();
    const { client, c } = await signedInClient(s);
    const before = readTokenFile(c).refresh_token;
    s.failNext(3, 503, 'auth'); // the first try and both retries
    const err = await expectRejection(client.getMe(), TadoApiError);
    expect(err).not.toBeInstanceOf(TadoAuthError);
    expect(err.status).toBe(503);
    expect(err.message).toContain('POST /token');
    // no secret travels in the error or its cause (they end up in logs)
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain(before);
    expect(String((err.cause as Error).message)).not.toContain(before);
    expect(readTokenFile(c).refresh_token).toBe(before);
    expect(s.isRefreshTokenValid(before)).toBe(true);
    s.failNext(1, 502, 'auth');
    await expect(client.getMe()).resolves.toMatchObject({ id: s.home.userId });
  });

  it('a dead refresh token says to run `heatflow tado login`; no token file says so too', async () => {
    const s = await startSim();
    const c = config(s);
    const none = await expectRejection(new TadoClient({ config: c }).getMe(), TadoAuthError);
    expect(none.reason).toBe('not_logged_in');
    await new TokenStore(c.TADO_TOKEN_FILE).write({ refreshToken: 'rt_revoked_long_ago' });
    const err = await expectRejection(new TadoClient({ config: c }).getMe(), TadoAuthError);
    expect(err.reason).toBe('invalid_grant');
    expect(err.message).toMatch(/run `heatflow tado login`/);
  });
});

describe('rate limit', () => {
  it('reads quota and remaining from every response', async () => {
    const s = await startSim({ quota: 500 });
    const { client } = await signedInClient(s);
    await client.getMe();
    expect(client.rateLimit).toMatchObject({ quota: 500, windowS: 86_400, remaining: 499 });
    await client.getHome(s.home.homeId);
    expect(client.rateLimit?.remaining).toBe(498);
  });

  it('a 429 (empty body) becomes a TadoRateLimitError with the refill time, and no further request is sent', async () => {
    const s = await startSim();
    const { client, c } = await signedInClient(s);
    await client.getMe();
    const tokenBefore = readTokenFile(c).refresh_token;
    s.setRemaining(0);
    const err = await expectRejection(client.getZones(s.home.homeId), TadoRateLimitError);
    expect(err.status).toBe(429);
    expect(err.remaining).toBe(0);
    expect(err.quota).toBe(20_000);
    expect(err.refillAt).toBeInstanceOf(Date);
    expect(err.message).toMatch(/refills at \d{4}-\d\d-\d\dT/);
    expect(err).not.toBeInstanceOf(TadoAuthError);
    expect(readTokenFile(c).refresh_token).toBe(tokenBefore); // not taken for a credentials problem
    const sent = s.stats().apiRequests;
    await expectRejection(client.getZones(s.home.homeId), TadoRateLimitError);
    expect(s.stats().apiRequests).toBe(sent);
  });

  it('stops at the configured reserve instead of spending the last requests', async () => {
    const s = await startSim({ quota: 10 });
    const { client } = await signedInClient(s, { TADO_RATE_RESERVE: '3' });
    let done = 0;
    const err = await (async () => {
      for (;;) {
        try {
          await client.getWeather(s.home.homeId);
          done += 1;
        } catch (e) {
          return e;
        }
      }
    })();
    expect(err).toBeInstanceOf(TadoRateLimitError);
    expect(done).toBe(7);
    expect(s.stats().countedRequests).toBe(7);
    expect((err as TadoRateLimitError).remaining).toBe(3);
    expect((err as Error).message).toContain('TADO_RATE_RESERVE');
  });

  it('resumes after the refill time (from t), and rechecks hourly when tado gives none', async () => {
    let clock = Date.parse('2026-11-29T12:00:00Z');
    const now = () => new Date(clock);
    const s = await startSim({ quota: 6, quotaWindowS: 7200, accessTokenTtlS: 86_400, now });
    const c = config(s, { TADO_RATE_RESERVE: '0' });
    await new TokenStore(c.TADO_TOKEN_FILE).write({ refreshToken: s.issueRefreshToken() });
    const client = new TadoClient({ config: c, now });
    for (let i = 0; i < 6; i++) await client.getMe();
    expect(client.rateLimit?.refillAt?.toISOString()).toBe('2026-11-29T14:00:00.000Z');
    await expectRejection(client.getMe(), TadoRateLimitError);
    clock += 7_201_000;
    await expect(client.getMe()).resolves.toMatchObject({ id: s.home.userId });
    expect(client.rateLimit?.remaining).toBe(5);

    // reserve reached while requests are left: no `t`, so one request per hour rechecks
    const reserved = new TadoClient({ config: { ...c, TADO_RATE_RESERVE: 4 }, now });
    await reserved.getMe(); // r=4
    const err = await expectRejection(reserved.getMe(), TadoRateLimitError);
    expect(err.message).toContain('checking again after 2026-11-29T15:00:01.000Z');
    clock += 3_600_000;
    await reserved.getMe(); // r=3
    await expectRejection(reserved.getMe(), TadoRateLimitError);
  });

  it('paces requests by TADO_REQUEST_DELAY_MS', async () => {
    const s = await startSim();
    const { client } = await signedInClient(s, { TADO_REQUEST_DELAY_MS: '150', TADO_REQUEST_JITTER_MS: '0' });
    const t0 = Date.now();
    await client.getMe();
    await client.getHome(s.home.homeId);
    await client.getZones(s.home.homeId);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
  });
});

describe('retries and errors', () => {
  it('retries 5xx with backoff and succeeds', async () => {
    const s = await startSim();
    const { client } = await signedInClient(s);
    await client.getMe();
    const before = s.stats().apiRequests;
    s.failNext(2, 502);
    const zones = await client.getZones(s.home.homeId);
    expect(zones.length).toBeGreaterThan(0);
    expect(s.stats().apiRequests - before).toBe(3);
  });

  it('gives up after the retries with a clear error', async () => {
    const s = await startSim();
    const { client } = await signedInClient(s);
    await client.getMe();
    const before = s.stats().apiRequests;
    s.failNext(10, 503);
    const err = await expectRejection(client.getZones(s.home.homeId), TadoApiError);
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
    expect(err.message).toContain('GET /homes/123456/zones');
    expect(err.message).toContain('after 3 attempts');
    expect(s.stats().apiRequests - before).toBe(3);
  });

  it('does not retry 4xx: a foreign home is a 403 accessDenied after one request', async () => {
    const s = await startSim();
    const { client } = await signedInClient(s);
    await client.getMe();
    const before = s.stats().apiRequests;
    const err = await expectRejection(client.getHome(s.home.foreignHomeId), TadoApiError);
    expect(err).toMatchObject({ status: 403, apiCode: 'accessDenied' });
    expect(err.title).toContain('not allowed to access home');
    expect(s.stats().apiRequests - before).toBe(1);
  });

  it('retries timeouts, then fails with a network error (not an auth error)', async () => {
    const s = await startSim({ latencyMs: 400 });
    const c = config(s, { TADO_TIMEOUT_MS: '100' });
    await new TokenStore(c.TADO_TOKEN_FILE).write({
      refreshToken: 'unused',
      accessToken: 'at_not_checked_before_timeout',
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
    });
    const err = await expectRejection(new TadoClient({ config: c }).getMe(), TadoNetworkError);
    expect(err.message).toMatch(/timed out after 3 attempts/);
  });

  it('a closed port is a network error', async () => {
    const c = config({ apiUrl: 'http://127.0.0.1:9/api/v2', authUrl: 'http://127.0.0.1:9/oauth2' });
    await new TokenStore(c.TADO_TOKEN_FILE).write({ refreshToken: 'rt_x' });
    const err = await expectRejection(new TadoClient({ config: c }).getMe(), TadoNetworkError);
    expect(err.networkCode).toBe('ECONNREFUSED');
  });
});

describe('day reports over HTTP', () => {
  it('parses reports, with 23/25-hour days at the clock changes', async () => {
    const s = await startSim();
    const { client } = await signedInClient(s);
    const homeId = await client.resolveHomeId();
    const home = await client.getHome(homeId);
    expect(home.dateTimeZone).toBe('Europe/London');
    const normal = await client.getDayReport(homeId, 1, '2022-01-17');
    expect(normal.measuredData.insideTemperature.dataPoints).toHaveLength(99);
    const spring = await client.getDayReport(homeId, 2, '2022-03-27');
    expect(spring.hoursInDay).toBe(23);
    expect(spring.measuredData.insideTemperature.dataPoints).toHaveLength(95);
    const autumn = await client.getDayReport(homeId, 3, '2022-10-30');
    expect(autumn.hoursInDay).toBe(25);
    expect(autumn.measuredData.humidity.dataPoints).toHaveLength(103);
  });

  it('beforeZoneCreation is its own error; HOT_WATER is a 422 unsupportedForZoneType', async () => {
    const s = await startSim();
    const { client } = await signedInClient(s);
    const err = await expectRejection(
      client.getDayReport(s.home.homeId, 4, '2022-03-01'),
      TadoBeforeZoneCreationError,
    );
    expect(isBeforeZoneCreation(err)).toBe(true);
    expect(err).toMatchObject({
      status: 422,
      zoneId: 4,
      date: '2022-03-01',
      code: 'TADO_BEFORE_ZONE_CREATION',
    });
    const hw = await expectRejection(client.getDayReport(s.home.homeId, 0, '2022-03-01'), TadoApiError);
    expect(hw).toMatchObject({ status: 422, apiCode: 'unsupportedForZoneType' });
    expect(isBeforeZoneCreation(hw)).toBe(false);
    await expect(client.getDayReport(s.home.homeId, 4, '2022-06-14')).resolves.toMatchObject({
      zoneType: 'HEATING',
    });
  });

  it('a response that does not match fails with the endpoint, the JSON path and what was expected', async () => {
    const fixture = JSON.parse(
      readFileSync(
        new URL('../fixtures/tado/dayreport-2022-12-07-winter-heating-truncated.json', import.meta.url),
        'utf8',
      ),
    ) as { measuredData: { insideTemperature: { dataPoints: { value: { celsius: unknown } }[] } } };
    fixture.measuredData.insideTemperature.dataPoints[98]!.value.celsius = 'warm';
    const server = createServer((_req, res) => {
      res.writeHead(200, {
        'Content-Type': 'application/json',
        'RateLimit-Policy': '"perday";q=100;w=86400',
        RateLimit: '"perday";r=42',
      });
      res.end(JSON.stringify(fixture));
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const c = config({
      apiUrl: `http://127.0.0.1:${port}/api/v2`,
      authUrl: `http://127.0.0.1:${port}/oauth2`,
    });
    await new TokenStore(c.TADO_TOKEN_FILE).write({
      refreshToken: 'rt_unused',
      accessToken: 'at_valid',
      accessTokenExpiresAt: new Date(Date.now() + 3_600_000),
    });
    const client = new TadoClient({ config: c });
    const err = await expectRejection(client.getDayReport(1, 1, '2022-12-07'), TadoSchemaError);
    expect(err.what).toBe('GET /homes/1/zones/1/dayReport?date=2022-12-07');
    expect(err.path).toBe('measuredData.insideTemperature.dataPoints[98].value.celsius');
    expect(err.message).toMatch(/expected number, received string/);
    expect(client.rateLimit).toMatchObject({ quota: 100, remaining: 42 });
  });
});
