/**
 * Durable token rotation (issue 14 item 6). The simulator, like tado (PyTado #155), revokes a
 * refresh token the moment it is used. A child process refreshes once and is SIGKILLed at each
 * step of the rotation; afterwards a fresh token manager on the same file must hold a usable
 * refresh token: the old one while the login server has not been asked, the new one from the
 * moment the new one reached the disk (a temporary file left by the kill is recovered).
 *
 * The one window no client can close: between the login server revoking the old token and the
 * new one's first write (`received`), the new token exists only in the dying process's memory.
 * That step is asserted as what it is (the file still holds the revoked token); the test measures
 * how long that window lasts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TadoAuthError } from '../../src/tado/errors.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { TadoClient } from '../../src/tado/tado-client.js';
import { loadTadoConfig } from '../../src/tado/tado-config.js';
import { TokenManager } from '../../src/tado/token-manager.js';
import { TokenStore } from '../../src/tado/token-store.js';

const CHILD = path.resolve('test/fixtures/task-scripts/token-rotation-child.ts');

let sim: TadoSimulator;
let dir: string;
let tokenFile: string;
beforeAll(async () => {
  sim = await startTadoSimulator({ seed: 1, staticRefreshToken: null });
});
afterAll(async () => {
  await sim.close();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'hf-rotation-'));
  tokenFile = path.join(dir, 'tado', 'token.json');
  return () => rmSync(dir, { recursive: true, force: true });
});

function runChild(
  step: string,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, sim.authUrl, sim.apiUrl, tokenFile, step],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** A fresh process's view: a token manager on the same file (a short stale-lock time: the killed child holds it). */
function freshClient(): TadoClient {
  const config = loadTadoConfig({
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: tokenFile,
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
  });
  const tokens = new TokenManager(
    new TokenStore(tokenFile, { staleLockMs: 300 }),
    TadoClient.oauthClient(config),
  );
  return new TadoClient({ config, tokens, quotaStore: null });
}

const storedRefreshToken = async () =>
  (JSON.parse(await readFile(tokenFile, 'utf8')) as { refresh_token: string }).refresh_token;

describe('token rotation killed at every step', () => {
  it.each([
    ['before-request', 'old'],
    ['temp-written', 'new'],
    ['temp-synced', 'new'],
    ['renamed', 'new'],
    ['dir-synced', 'new'],
  ] as const)(
    'SIGKILL at %s leaves a usable refresh token (%s)',
    async (step, which) => {
      const old = sim.issueRefreshToken();
      await new TokenStore(tokenFile).write({ refreshToken: old });
      const r = await runChild(step);
      expect({ signal: r.signal, stderr: r.stderr }).toEqual({ signal: 'SIGKILL', stderr: '' });
      // the server rotated from the moment the request went out
      expect(sim.isRefreshTokenValid(old)).toBe(which === 'old');
      const client = freshClient();
      await expect(client.getMe()).resolves.toMatchObject({ id: sim.home.userId });
      // the fresh process used the token it found (a valid one), so the file now holds the next one
      const now = await storedRefreshToken();
      expect(now).not.toBe(old);
      expect(sim.isRefreshTokenValid(now)).toBe(true);
      // no temporary file is left behind
      expect(readdirSync(path.dirname(tokenFile)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    },
    60_000,
  );

  it('SIGKILL between the answer and the first write loses the rotation (the residual window), and says so', async () => {
    const old = sim.issueRefreshToken();
    await new TokenStore(tokenFile).write({ refreshToken: old });
    const r = await runChild('received');
    expect(r.signal).toBe('SIGKILL');
    expect(await storedRefreshToken()).toBe(old);
    expect(sim.isRefreshTokenValid(old)).toBe(false);
    const err = await freshClient()
      .getMe()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TadoAuthError);
    expect((err as TadoAuthError).reason).toBe('invalid_grant');
    expect((err as Error).message).toContain('run `heatflow tado login`');
  }, 60_000);

  it('measures the window from the login server answer to the first write and to the durable save', async () => {
    const runs: { firstWriteMs: number; durableMs: number }[] = [];
    for (let i = 0; i < 5; i++) {
      await new TokenStore(tokenFile).write({ refreshToken: sim.issueRefreshToken() });
      const r = await runChild('none');
      expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
      runs.push(JSON.parse(r.stdout) as { firstWriteMs: number; durableMs: number });
    }
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(
      `token rotation: answer -> first write ${fmt(runs.map((r) => r.firstWriteMs))} ms; ` +
        `-> durable save ${fmt(runs.map((r) => r.durableMs))} ms`,
    );
    for (const r of runs) expect(0 < r.firstWriteMs && r.firstWriteMs <= r.durableMs).toBe(true);
  }, 60_000);
});
