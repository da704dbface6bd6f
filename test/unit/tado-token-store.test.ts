import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenFileError, TokenStore } from '../../src/tado/token-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'heatflow-token-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('TokenStore', () => {
  it('writes atomically with mode 0600 in a 0700 folder, in PyTado-compatible JSON', async () => {
    const file = path.join(dir, 'nested', 'token.json');
    const store = new TokenStore(file);
    expect(await store.read()).toBeUndefined();
    const exp = new Date('2026-01-01T00:10:00.000Z');
    await store.write({ refreshToken: 'rt_1', accessToken: 'at_1', accessTokenExpiresAt: exp });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({
      refresh_token: 'rt_1',
      access_token: 'at_1',
    });
    expect(await store.read()).toMatchObject({
      refreshToken: 'rt_1',
      accessToken: 'at_1',
      accessTokenExpiresAt: exp,
    });
    await store.write({ refreshToken: 'rt_2' });
    expect((await store.read())?.refreshToken).toBe('rt_2');
    expect(readdirSync(path.dirname(file))).toEqual(['token.json']); // no temporary files left
  });

  it('reads a plain {"refresh_token"} file and rejects a broken one naming the file', async () => {
    const file = path.join(dir, 't.json');
    writeFileSync(file, '{"refresh_token":"abc"}');
    expect((await new TokenStore(file).read())?.refreshToken).toBe('abc');
    writeFileSync(file, '{"token":1}');
    await expect(new TokenStore(file).read()).rejects.toThrow(TokenFileError);
    await expect(new TokenStore(file).read()).rejects.toThrow(file);
  });

  it('withLock runs one holder at a time, across store instances (the lock file)', async () => {
    const file = path.join(dir, 't.json');
    const a = new TokenStore(file);
    const b = new TokenStore(file);
    const events: string[] = [];
    const hold = (store: TokenStore, name: string) =>
      store.withLock(async () => {
        events.push(`${name}+`);
        await new Promise((r) => setTimeout(r, 30));
        events.push(`${name}-`);
      });
    await Promise.all([hold(a, 'a1'), hold(b, 'b1'), hold(a, 'a2'), hold(b, 'b2')]);
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i]!.slice(0, -1)).toBe(events[i + 1]!.slice(0, -1));
    }
    expect(readdirSync(dir)).toEqual([]); // lock released
  });

  it('takes over a stale lock left by a dead process', async () => {
    const file = path.join(dir, 't.json');
    writeFileSync(`${file}.lock`, '99999\n');
    const store = new TokenStore(file, { staleLockMs: 0 });
    await expect(store.withLock(() => Promise.resolve('ok'))).resolves.toBe('ok');
  });

  it('gives up waiting for a live lock with a clear error', async () => {
    const file = path.join(dir, 't.json');
    writeFileSync(`${file}.lock`, '1\n');
    const store = new TokenStore(file, { lockTimeoutMs: 100 });
    await expect(store.withLock(() => Promise.resolve('never'))).rejects.toThrow(
      /timed out waiting for the tado token lock/,
    );
  });
});

describe('TokenStore lock heartbeat', () => {
  it('a slow holder keeps its lock: a second store waits instead of taking it over', async () => {
    const file = path.join(dir, 't.json');
    const a = new TokenStore(file, { staleLockMs: 500 });
    const b = new TokenStore(file, { staleLockMs: 500 });
    const events: string[] = [];
    const slow = a.withLock(async () => {
      events.push('a+');
      await new Promise((r) => setTimeout(r, 1500)); // three stale periods long
      events.push('a-');
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = b.withLock(() => {
      events.push('b');
      return Promise.resolve();
    });
    await Promise.all([slow, second]);
    expect(events).toEqual(['a+', 'a-', 'b']);
  });
});
