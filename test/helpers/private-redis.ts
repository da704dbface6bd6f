/**
 * A throwaway Redis server for fault tests that restart Redis: `redis-server` on a free loopback
 * port with its data in a temporary folder (append-only file on), restarted on demand with its
 * data kept (`SHUTDOWN SAVE`, then the same folder) or lost (`SHUTDOWN NOSAVE`, the folder
 * emptied). The shared server (127.0.0.1:6379) that other suites use is never touched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';

/** A running private Redis. */
export interface PrivateRedis {
  /** `redis://127.0.0.1:<port>` */
  readonly url: string;
  /**
   * stops the server (its clients see the connection drop) and starts it again on the same port,
   * `downMs` later (`@defaultValue 0`)
   */
  restart(options: { keepData: boolean; downMs?: number }): Promise<void>;
  /** stops the server and deletes its folder */
  destroy(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a !== null ? a.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function ping(url: string, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      if ((await r.ping()) === 'PONG') return;
    } catch (err) {
      if (Date.now() > until)
        throw new Error(`private redis-server at ${url} did not answer`, { cause: err });
    } finally {
      r.disconnect();
    }
    await new Promise((res) => setTimeout(res, 50));
  }
}

/**
 * Starts a private redis-server (`REDIS_SERVER`, default `redis-server` on the PATH).
 * @throws Error when it does not answer within 10 s
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hf-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let proc: ChildProcess;
  const start = async () => {
    proc = spawn(
      process.env.REDIS_SERVER ?? 'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--save', ''],
      { stdio: 'ignore' },
    );
    await ping(url, 10_000);
  };
  const stop = async (save: boolean) => {
    const exited = new Promise<void>((res) => {
      if (proc.exitCode !== null) res();
      else proc.once('exit', () => res());
    });
    const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      await r.call('SHUTDOWN', save ? 'SAVE' : 'NOSAVE').catch(() => undefined); // the server closes the connection
    } finally {
      r.disconnect();
    }
    await exited;
  };
  await start();
  return {
    url,
    async restart({ keepData, downMs = 0 }) {
      await stop(keepData);
      if (!keepData) {
        await rm(dir, { recursive: true, force: true });
        await mkdir(dir, { recursive: true });
      }
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      await start();
    },
    async destroy() {
      if (proc.exitCode === null) proc.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
