/** The simulator's HTTP surface, spoken to with plain fetch (no client code in between). */
import { afterEach, describe, expect, it } from 'vitest';
import {
  dayReportSchema,
  deviceAuthorizeResponseSchema,
  homeSchema,
  meSchema,
  parseWithPath,
  tokenResponseSchema,
  weatherSchema,
  zonesSchema,
} from '../../src/tado/schemas.js';
import { generateDayReport } from '../../src/tado/simulator/day-report-generator.js';
import { groundTruth, type SimGroundTruth } from '../../src/tado/simulator/ground-truth.js';
import {
  startTadoSimulator,
  type TadoSimulator,
  type TadoSimulatorOptions,
} from '../../src/tado/simulator/tado-simulator.js';
import { TADO_PUBLIC_CLIENT_ID } from '../../src/tado/tado-config.js';

let sim: TadoSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

let clock = Date.parse('2026-11-29T12:00:00Z');
async function start(options: TadoSimulatorOptions = {}): Promise<TadoSimulator> {
  clock = Date.parse('2026-11-29T12:00:00Z');
  sim = await startTadoSimulator({ now: () => new Date(clock), ...options });
  return sim;
}

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields).toString(),
});

async function tokens(s: TadoSimulator, refreshToken = s.issueRefreshToken()) {
  const res = await fetch(
    `${s.authUrl}/token`,
    form({ client_id: TADO_PUBLIC_CLIENT_ID, grant_type: 'refresh_token', refresh_token: refreshToken }),
  );
  expect(res.status).toBe(200);
  return tokenResponseSchema.parse(await res.json());
}

async function api(s: TadoSimulator, accessToken: string | undefined, p: string) {
  return fetch(
    `${s.apiUrl}${p}`,
    accessToken === undefined ? {} : { headers: { Authorization: `Bearer ${accessToken}` } },
  );
}

describe('login server', () => {
  it('device flow with fields in the query string or the form body, the approval page, single-use codes', async () => {
    const s = await start({ devicePollIntervalS: 0 });
    const startRes = await fetch(
      `${s.authUrl}/device_authorize?client_id=${TADO_PUBLIC_CLIENT_ID}&scope=offline_access`,
      {
        method: 'POST',
      },
    );
    expect(startRes.status).toBe(200);
    const dev = deviceAuthorizeResponseSchema.parse(await startRes.json());
    expect(dev.verification_uri_complete).toBe(
      `${s.authUrl}/device?user_code=${dev.user_code}&client_id=${TADO_PUBLIC_CLIENT_ID}`,
    );
    const poll = () =>
      fetch(
        `${s.authUrl}/token`,
        form({
          client_id: TADO_PUBLIC_CLIENT_ID,
          device_code: dev.device_code,
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        }),
      );
    const pending = await poll();
    expect(pending.status).toBe(400);
    expect(await pending.json()).toMatchObject({ error: 'authorization_pending' });
    // the page the human opens, then the approve button
    const page = await fetch(dev.verification_uri_complete!);
    expect(await page.text()).toContain(dev.user_code);
    const approve = await fetch(`${s.authUrl}/device`, form({ user_code: dev.user_code, action: 'approve' }));
    expect(approve.status).toBe(200);
    const ok = await poll();
    expect(ok.status).toBe(200);
    const tok = tokenResponseSchema.parse(await ok.json());
    expect(tok.expires_in).toBe(599);
    expect(tok.userId).toBe(s.home.userId);
    const again = await poll();
    expect(again.status).toBe(400);
    expect(await again.json()).toMatchObject({ error: 'invalid_grant' });
  });

  it('asks for slow_down when polled faster than the interval', async () => {
    const s = await start({ devicePollIntervalS: 5 });
    const dev = deviceAuthorizeResponseSchema.parse(
      await (
        await fetch(`${s.authUrl}/device_authorize`, form({ client_id: 'x', scope: 'offline_access' }))
      ).json(),
    );
    const poll = async () =>
      (await fetch(
        `${s.authUrl}/token`,
        form({
          client_id: 'x',
          device_code: dev.device_code,
          grant_type: 'urn:ietf:params:oauth:grant-type:device_code',
        }),
      ).then((r) => r.json())) as { error: string };
    expect((await poll()).error).toBe('authorization_pending');
    expect((await poll()).error).toBe('slow_down');
  });

  it('refuses a missing client_id like tado (error_reason missing_client_id)', async () => {
    const s = await start();
    const res = await fetch(`${s.authUrl}/device_authorize`, form({ scope: 'offline_access' }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', error_reason: 'missing_client_id' });
    expect((await fetch(`${s.authUrl}/device?user_code=ABC`)).status).toBe(400);
  });

  it('refresh tokens are single use and expire; the static demo token is reusable unless disabled', async () => {
    const s = await start({ refreshTokenTtlS: 60 });
    const first = await tokens(s);
    const reuse = await fetch(
      `${s.authUrl}/token`,
      form({ client_id: 'x', grant_type: 'refresh_token', refresh_token: s.issueRefreshToken() }),
    );
    expect(reuse.status).toBe(200);
    const old = await fetch(
      `${s.authUrl}/token`,
      form({ client_id: 'x', grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    );
    expect(old.status).toBe(200); // first use of the rotated one
    const dead = await fetch(
      `${s.authUrl}/token`,
      form({ client_id: 'x', grant_type: 'refresh_token', refresh_token: first.refresh_token }),
    );
    expect(dead.status).toBe(400);
    expect(await dead.json()).toMatchObject({
      error: 'invalid_grant',
      error_reason: 'refresh_token_not_found',
    });
    const soon = s.issueRefreshToken();
    clock += 61_000;
    expect(s.isRefreshTokenValid(soon)).toBe(false);
    await tokens(s, 'heatflow-simulator');
    await tokens(s, 'heatflow-simulator');
    await s.close();
    const strict = await start({ staticRefreshToken: null });
    const refused = await fetch(
      `${strict.authUrl}/token`,
      form({ client_id: 'x', grant_type: 'refresh_token', refresh_token: 'heatflow-simulator' }),
    );
    expect(refused.status).toBe(400);
  });
});

describe('API', () => {
  it('serves the ETL endpoints in the schemas shapes', async () => {
    const s = await start();
    const { access_token: at } = await tokens(s);
    const me = parseWithPath(meSchema, await (await api(s, at, '/me')).json(), 'me');
    const homeId = me.homes[0]!.id;
    const home = parseWithPath(homeSchema, await (await api(s, at, `/homes/${homeId}`)).json(), 'home');
    expect(home.dateTimeZone).toBe('Europe/London');
    const zones = parseWithPath(
      zonesSchema,
      await (await api(s, at, `/homes/${homeId}/zones`)).json(),
      'zones',
    );
    expect(zones.filter((z) => z.type === 'HEATING')).toHaveLength(4);
    expect(zones.find((z) => z.type === 'HOT_WATER')?.id).toBe(0);
    expect(zones.find((z) => z.id === 4)?.dateCreated.startsWith('2022-06')).toBe(true);
    parseWithPath(weatherSchema, await (await api(s, at, `/homes/${homeId}/weather`)).json(), 'weather');
    const report = parseWithPath(
      dayReportSchema,
      await (await api(s, at, `/homes/${homeId}/zones/1/dayReport?date=2022-02-01&ngsw-bypass=true`)).json(),
      'dayReport',
    );
    expect(report.measuredData.insideTemperature.dataPoints).toHaveLength(99);
    // without date: today, cut at the simulator's clock
    const today = parseWithPath(
      dayReportSchema,
      await (await api(s, at, `/homes/${homeId}/zones/1/dayReport`)).json(),
      'today',
    );
    expect(today.interval.to).toBe('2026-11-29T12:00:00.000Z');
    const states = (await (await api(s, at, `/homes/${homeId}/zoneStates`)).json()) as {
      zoneStates: Record<string, unknown>;
    };
    // zone 5 is the simulated home's air-conditioning zone (issue 15)
    expect(zones.find((z) => z.id === 5)?.type).toBe('AIR_CONDITIONING');
    expect(Object.keys(states.zoneStates).sort()).toEqual(['0', '1', '2', '3', '4', '5']);
    const state = (await (await api(s, at, `/homes/${homeId}/zones/1/state`)).json()) as {
      sensorDataPoints: { humidity: { percentage: number } };
    };
    expect(state.sensorDataPoints.humidity.percentage).toBeGreaterThan(1); // percent here, a fraction in day reports
    expect((await api(s, at, `/homes/${homeId}/zones/9/dayReport?date=2022-02-01`)).status).toBe(404);
    expect((await api(s, at, `/homes/${homeId}/zones/1/dayReport?date=yesterday`)).status).toBe(400);
  });

  it('serves exactly the generated reports that test/unit/tado-sim-vs-real.test.ts compares with the real ones', async () => {
    const s = await start({ seed: 1 });
    const { access_token: at } = await tokens(s);
    for (const [zoneId, date] of [
      [1, '2022-08-15'],
      [2, '2022-12-07'],
    ] as const) {
      const served = await (
        await api(s, at, `/homes/${s.home.homeId}/zones/${zoneId}/dayReport?date=${date}`)
      ).json();
      const zone = s.home.zones.find((z) => z.id === zoneId)!;
      const generated = generateDayReport({ seed: 1, home: s.home, zone, date, nowMs: clock });
      expect(generated.ok && generated.report).toEqual(served);
    }
  });

  it('checks the bearer token (401, no quota spent) and the home (403)', async () => {
    const s = await start({ accessTokenTtlS: 600 });
    const none = await api(s, undefined, '/me');
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ errors: [{ code: 'unauthorized' }] });
    expect(none.headers.get('ratelimit')).toBeNull();
    const { access_token: at } = await tokens(s);
    expect((await api(s, at, '/me')).status).toBe(200);
    const foreign = await api(s, at, `/homes/${s.home.foreignHomeId}/zones`);
    expect(foreign.status).toBe(403);
    expect(await foreign.json()).toMatchObject({ errors: [{ code: 'accessDenied' }] });
    clock += 601_000; // the access token has expired
    expect((await api(s, at, '/me')).status).toBe(401);
    expect(s.stats().countedRequests).toBe(2);
  });

  it('sends the rate-limit headers, t= once spent, then 429 with an empty body; the window refills', async () => {
    const s = await start({ quota: 3, quotaWindowS: 3600, accessTokenTtlS: 86_400 });
    const { access_token: at } = await tokens(s);
    const seen: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await api(s, at, '/me');
      expect(res.headers.get('ratelimit-policy')).toBe('"perday";q=3;w=3600');
      seen.push(res.headers.get('ratelimit') ?? '');
    }
    expect(seen).toEqual(['"perday";r=2', '"perday";r=1', '"perday";r=0;t=3600']);
    clock += 600_000;
    const spent = await api(s, at, '/me');
    expect(spent.status).toBe(429);
    expect(await spent.text()).toBe('');
    expect(spent.headers.get('ratelimit')).toBe('"perday";r=0;t=3000');
    clock += 3_000_000;
    const refilled = await api(s, at, '/me');
    expect(refilled.status).toBe(200);
    expect(refilled.headers.get('ratelimit')).toBe('"perday";r=2');
  });

  it('injects faults: a 5xx rate (seeded), forced failures and latency', async () => {
    const s = await start({ errorRate: 0.5, seed: 3, latencyMs: 20 });
    const { access_token: at } = await tokens(s);
    const statuses: number[] = [];
    const t0 = Date.now();
    for (let i = 0; i < 40; i++) statuses.push((await api(s, at, '/me')).status);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(40 * 20);
    const failed = statuses.filter((x) => x >= 500);
    expect(failed.length).toBeGreaterThan(8);
    expect(failed.length).toBeLessThan(32);
    expect(new Set(failed).size).toBeGreaterThan(1);
    expect(statuses.filter((x) => x === 200).length + failed.length).toBe(40);
    await s.close();
    const f = await start();
    const t2 = await tokens(f);
    f.failNext(2, 500);
    expect((await api(f, t2.access_token, '/me')).status).toBe(500);
    expect((await api(f, t2.access_token, '/me')).status).toBe(500);
    expect((await api(f, t2.access_token, '/me')).status).toBe(200);
    f.failNext(1, 503, 'auth');
    expect(
      (
        await fetch(
          `${f.authUrl}/token`,
          form({ client_id: 'x', grant_type: 'refresh_token', refresh_token: 'y' }),
        )
      ).status,
    ).toBe(503);
  });
});

describe('injectDayReportFaults (test-only, inert unless called)', () => {
  it("answers one day's reports with the faults in order, then normally; other days untouched", async () => {
    const s = await start();
    const { access_token: at } = await tokens(s);
    const homeId = s.home.homeId;
    const day = (date: string, zone = 1) =>
      api(s, at, `/homes/${homeId}/zones/${zone}/dayReport?date=${date}`);
    s.injectDayReportFaults(
      '2022-02-01',
      [
        { kind: 'status', status: 503, times: 2 },
        { kind: 'status', status: 502 },
        { kind: 'throttle', retryAfterS: 7 },
        { kind: 'malformed' },
        { kind: 'truncated' },
      ],
      1,
    );
    expect((await day('2022-02-01')).status).toBe(503);
    expect((await day('2022-02-01', 2)).status).toBe(200); // zone 2 untouched
    expect((await day('2022-02-01')).status).toBe(503);
    const gw = await day('2022-02-01');
    expect([gw.status, await gw.text()]).toEqual([502, '<html><body>502 Bad Gateway</body></html>']);
    const throttled = await day('2022-02-01');
    expect([throttled.status, throttled.headers.get('retry-after')]).toEqual([429, '7']);
    const bad = await day('2022-02-01');
    expect(bad.status).toBe(200);
    const parsed = dayReportSchema.safeParse(await bad.json());
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual([
      'measuredData',
      'insideTemperature',
      'dataPoints',
      10,
      'value',
      'celsius',
    ]);
    const cut = await day('2022-02-01');
    expect(cut.status).toBe(200);
    const text = await cut.text();
    expect(text.startsWith('{')).toBe(true);
    expect(() => JSON.parse(text) as unknown).toThrow();
    const ok = await day('2022-02-01');
    expect(dayReportSchema.safeParse(await ok.json()).success).toBe(true);
    expect((await day('2022-02-02')).status).toBe(200);
    expect(s.dayReportRequests('2022-02-01', 1)).toBe(7);
    expect(s.dayReportRequests('2022-02-01')).toBe(8);
    // a hang never answers: the client's own timeout ends it; 'always' repeats for good
    s.injectDayReportFaults('2022-02-03', [{ kind: 'hang', times: 'always' }]);
    const t0 = Date.now();
    await expect(
      fetch(`${s.apiUrl}/homes/${homeId}/zones/1/dayReport?date=2022-02-03`, {
        headers: { Authorization: `Bearer ${at}` },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await expect(
      fetch(`${s.apiUrl}/homes/${homeId}/zones/1/dayReport?date=2022-02-03`, {
        headers: { Authorization: `Bearer ${at}` },
        signal: AbortSignal.timeout(300),
      }),
    ).rejects.toThrow();
  });
});

describe('ground truth (not a tado path)', () => {
  it('GET /sim/ground-truth?year=2022 answers without a token, off the quota, with what the generator holds', async () => {
    const s = await start({ seed: 1, errorRate: 1 });
    const res = await fetch(`${s.url}/sim/ground-truth?year=2022`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as SimGroundTruth;
    expect(body).toEqual(JSON.parse(JSON.stringify(groundTruth(1, s.home, 2022))));
    expect(body.zones.map((z) => z.zoneId)).toEqual([1, 2, 3, 4]);
    expect(body.home.zoneId).toBeNull();
    expect(new Set(body.days.map((d) => d.kind))).toContain('undetected_open_window');
    // with errorRate 1 every API request fails with a 5xx; the ground truth is not behind those faults
    const { access_token: at } = await tokens(s);
    // the holiday's zone-days (the home's one is flagged no_heating_cold_day, its zones' are not)
    const holiday = body.days.find((d) => d.kind === 'holiday' && d.zoneId !== null)!;
    expect(holiday.reasons).not.toContain('no_heating_cold_day');
    expect(
      body.days.some(
        (d) => d.kind === 'holiday' && d.zoneId === null && d.reasons.includes('no_heating_cold_day'),
      ),
    ).toBe(true);
    expect((await api(s, at, '/me')).status).toBeGreaterThanOrEqual(500);
    await s.close();
    // a listed day is in the served reports as the truth says: the holiday day is AWAY
    const t = await start({ seed: 1 });
    const tk = await tokens(t);
    const report = parseWithPath(
      dayReportSchema,
      await (
        await api(
          t,
          tk.access_token,
          `/homes/${t.home.homeId}/zones/${holiday.zoneId}/dayReport?date=${holiday.date}`,
        )
      ).json(),
      'holiday report',
    );
    expect(report.stripes.dataIntervals.map((i) => i.value.stripeType)).toContain('AWAY');
    expect(t.stats().countedRequests).toBe(1);
    expect((await fetch(`${t.url}/sim/ground-truth?year=20x2`)).status).toBe(400);
    expect((await fetch(`${t.url}/sim/ground-truth?year=1999`)).status).toBe(404);
    expect(t.stats().countedRequests).toBe(1);
  });
});
