/**
 * The tado quota state kept across processes (issue 14 item 2, "keep the rate reserve"): a client
 * that starts after another met a spent quota stops without sending a request, and sends again
 * after the refill. Real simulator over HTTP, real files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TadoRateLimitError } from '../../src/tado/errors.js';
import { quotaFileOf, RateLimitFileError, RateLimitStore } from '../../src/tado/rate-limit-store.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { TadoClient } from '../../src/tado/tado-client.js';
import { loadTadoConfig, type TadoConfig } from '../../src/tado/tado-config.js';
import { TokenStore } from '../../src/tado/token-store.js';

let dir: string;
let sim: TadoSimulator | undefined;
let clock = Date.parse('2026-11-29T12:00:00Z');
const now = () => new Date(clock);

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hf-quota-store-'));
  clock = Date.parse('2026-11-29T12:00:00Z');
});
afterEach(async () => {
  await sim?.close();
  sim = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function setUp(): Promise<{ s: TadoSimulator; c: TadoConfig }> {
  sim = await startTadoSimulator({ now, quota: 50, quotaWindowS: 3600, accessTokenTtlS: 86_400 });
  const c = loadTadoConfig({
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: path.join(dir, 'tado', 'token.json'),
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
    TADO_RETRIES: '0',
  });
  await new TokenStore(c.TADO_TOKEN_FILE).write({ refreshToken: sim.issueRefreshToken() });
  return { s: sim, c };
}

describe('the quota state across processes', () => {
  it('a new client that knows the quota is spent stops without a request, until the refill', async () => {
    const { s, c } = await setUp();
    const first = new TadoClient({ config: c, now });
    await first.getMe();
    s.setRemaining(0);
    const met = await first.getZones(s.home.homeId).catch((e: unknown) => e);
    expect(met).toBeInstanceOf(TadoRateLimitError);
    expect((met as TadoRateLimitError).status).toBe(429);
    const stored = JSON.parse(await readFile(quotaFileOf(c.TADO_TOKEN_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(stored).toEqual({
      quota: 50,
      window_s: 3600,
      remaining: 0,
      refill_at: '2026-11-29T13:00:00.000Z',
      observed_at: '2026-11-29T12:00:00.000Z',
    });

    // the next try is a new process: it reads the file and sends nothing
    const sent = s.stats().apiRequests;
    const second = new TadoClient({ config: c, now });
    const err = await second.getMe().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TadoRateLimitError);
    expect((err as TadoRateLimitError).status).toBeUndefined(); // stopped by the client, not a 429
    expect((err as TadoRateLimitError).retryAt?.toISOString()).toBe('2026-11-29T13:00:00.000Z');
    expect((err as Error).message).toMatch(
      /quota spent: 0 of 50 requests left.*refills at 2026-11-29T13:00:00\.000Z/,
    );
    expect(s.stats().apiRequests).toBe(sent);

    // after the refill a new client sends again, and stores what it learnt
    clock += 3_600_000;
    const third = new TadoClient({ config: c, now });
    await expect(third.getMe()).resolves.toMatchObject({ id: s.home.userId });
    expect(s.stats().apiRequests).toBe(sent + 1);
    expect(await new RateLimitStore(quotaFileOf(c.TADO_TOKEN_FILE)).load()).toMatchObject({ remaining: 49 });
  });

  it('a client with quotaStore null keeps the state in memory only', async () => {
    const { s, c } = await setUp();
    await new TadoClient({ config: c, now, quotaStore: null }).getMe();
    await expect(readFile(quotaFileOf(c.TADO_TOKEN_FILE), 'utf8')).rejects.toThrow(/ENOENT/);
    expect(s.stats().apiRequests).toBe(1);
  });

  it('a damaged quota file is named by the store, and costs the client only a request to relearn', async () => {
    const { s, c } = await setUp();
    const file = quotaFileOf(c.TADO_TOKEN_FILE);
    await writeFile(
      file,
      JSON.stringify({ quota: 50, remaining: 'many', observed_at: '2026-11-29T11:00:00Z' }),
    );
    const err = await new RateLimitStore(file).load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitFileError);
    expect((err as Error).message).toBe(
      `tado quota file ${file}: window_s: Invalid input: expected number, received undefined`,
    );
    await expect(new TadoClient({ config: c, now }).getMe()).resolves.toMatchObject({ id: s.home.userId });
    expect(await new RateLimitStore(file).load()).toMatchObject({ remaining: 49 });
  });

  it('keeps the newest observation when two processes write', async () => {
    const store = new RateLimitStore(path.join(dir, 'q.json'));
    const info = (remaining: number, at: string) => ({
      quota: 100,
      windowS: 86_400,
      remaining,
      refillAt: undefined,
      observedAt: new Date(at),
    });
    await store.save(info(40, '2026-11-29T12:00:05Z'));
    await store.save(info(41, '2026-11-29T12:00:04Z')); // older: ignored
    expect((await store.load())?.remaining).toBe(40);
    await store.save(info(39, '2026-11-29T12:00:06Z'));
    expect((await store.load())?.remaining).toBe(39);
  });
});
