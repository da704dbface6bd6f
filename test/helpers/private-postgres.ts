/**
 * A throwaway Postgres cluster for fault tests that restart the server: `initdb` into a temporary
 * folder, `pg_ctl start` on a free loopback port, restart on demand, stop and delete at the end.
 * The shared server (127.0.0.1:5432) that other suites use is never touched. Needs the server
 * binaries (`PG_BIN`, default the newest /usr/lib/postgresql/<version>/bin, as Debian installs
 * them alongside the shared server); initdb refuses to run as root, so as
 * root the cluster runs as the `postgres` user (runuser).
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The server binaries' folder. @throws Error naming PG_BIN when none is found */
function pgBin(): string {
  if (process.env.PG_BIN !== undefined) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(path.join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const newest = versions[0];
  if (newest === undefined)
    throw new Error(`no Postgres server binaries (initdb) under ${root}/<version>/bin: set PG_BIN`);
  return path.join(root, newest, 'bin');
}

/** A running private cluster. */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication) */
  readonly serverUrl: string;
  readonly port: number;
  /** `pg_ctl restart -m fast`: every session is cut, the server is back when this resolves */
  restart(): Promise<void>;
  /** stops the server (immediate) and deletes its folder */
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

/** Runs a server binary, as `postgres` when we are root. */
async function pg(
  binary: string,
  args: string[],
  asUser: { uid: number; gid: number } | undefined,
): Promise<string> {
  const file = path.join(pgBin(), binary);
  const { stdout } =
    asUser === undefined
      ? await run(file, args)
      : await run(file, args, {
          uid: asUser.uid,
          gid: asUser.gid,
          env: { ...process.env, HOME: os.tmpdir() },
        });
  return stdout;
}

/** The `postgres` user's ids when running as root, else undefined. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout } = await run('id', ['-u', 'postgres']);
  const { stdout: g } = await run('id', ['-g', 'postgres']);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

/**
 * Creates and starts a private cluster (about 2 s), on `options.port` or a free port.
 * @throws Error from initdb/pg_ctl (missing binaries, no `postgres` user when root)
 */
export async function startPrivatePostgres(options: { port?: number } = {}): Promise<PrivatePostgres> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hf-pg-'));
  const user = await serverUser();
  if (user !== undefined) await chown(dir, user.uid, user.gid);
  const data = path.join(dir, 'data');
  const port = options.port ?? (await freePort());
  await pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'], user);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const ctl = (...args: string[]) =>
    pg('pg_ctl', ['-D', data, '-l', path.join(dir, 'server.log'), ...args], user);
  await ctl('-o', opts, '-w', 'start');
  return {
    serverUrl: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async restart() {
      await ctl('-o', opts, '-m', 'fast', '-w', 'restart');
    },
    async destroy() {
      await ctl('-m', 'immediate', '-w', 'stop').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
