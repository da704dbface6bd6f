/**
 * A throwaway Docker engine for the fault test that restarts the engine: `dockerd` with its own
 * unix socket, data root, exec root (and so its own managed containerd) and pid file in a
 * temporary folder, no bridge and no iptables rules (containers use `--network host` or `none`).
 * The shared engine that other suites use is never touched. Images come from the shared engine
 * (`docker save | docker load`: no registry needed). Needs root, as dockerd does.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Dockerode from 'dockerode';

const run = promisify(execFile);

/** A running private engine. */
export interface PrivateDockerd {
  /** `unix://<folder>/docker.sock`, for DOCKER_HOST */
  readonly host: string;
  /** a client of this engine */
  readonly docker: Dockerode;
  /** copies an image of the shared engine into this one */
  loadImage(image: string): Promise<void>;
  /**
   * Stops the engine as `systemctl restart docker` does (SIGTERM: the engine stops its running
   * containers and exits), waits for the exit, and starts it again on the same socket and data.
   * @returns how long the engine was down, in ms
   */
  restart(): Promise<number>;
  /** stops the engine as {@link restart} does (SIGTERM, its containers stopped) and waits for its exit */
  stop(): Promise<void>;
  /** starts the stopped engine again on the same socket and data; resolves once it answers a ping */
  start(): Promise<void>;
  /** stops the engine (SIGKILL when it does not exit in 20 s) and deletes its folder */
  destroy(): Promise<void>;
}

async function waitForEngine(docker: Dockerode, proc: ChildProcess, logFile: string): Promise<void> {
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      await docker.ping();
      return;
    } catch (err) {
      if (proc.exitCode !== null || Date.now() > until) {
        const log = await readFile(logFile, 'utf8').catch(() => '');
        throw new Error(`private dockerd did not answer (exit ${proc.exitCode}); log:\n${log.slice(-2000)}`, {
          cause: err,
        });
      }
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Unmounts what the engine left mounted under `dir` (its network namespace, overlay layers). */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(`${dir}/`))
    .sort()
    .reverse();
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
}

/**
 * Starts a private dockerd (`DOCKERD`, default `dockerd` on the PATH).
 * @throws Error when it does not answer within 30 s (its log's tail in the message)
 */
export async function startPrivateDockerd(): Promise<PrivateDockerd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hf-dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const docker = new Dockerode({ socketPath: socket });
  let proc: ChildProcess;
  const start = async () => {
    const out = openSync(logFile, 'a');
    proc = spawn(
      process.env.DOCKERD ?? 'dockerd',
      [
        ...['--host', `unix://${socket}`, '--data-root', path.join(dir, 'data')],
        ...['--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid')],
        ...['--bridge', 'none', '--iptables=false', '--ip6tables=false', '--ip-masq=false'],
      ],
      { stdio: ['ignore', out, out] },
    );
    await waitForEngine(docker, proc, logFile);
  };
  const stop = async (signal: NodeJS.Signals) => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((res) => proc.once('exit', () => res()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  };
  await start();
  return {
    host: `unix://${socket}`,
    docker,
    async loadImage(image) {
      await run('sh', ['-c', `docker save "$1" | docker -H "$2" load`, 'sh', image, `unix://${socket}`], {
        timeout: 5 * 60_000,
        maxBuffer: 1 << 20,
      });
    },
    async restart() {
      const t0 = Date.now();
      await stop('SIGTERM');
      await start();
      return Date.now() - t0;
    },
    async stop() {
      await stop('SIGTERM');
    },
    async start() {
      await start();
    },
    async destroy() {
      await stop('SIGTERM');
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
