/**
 * How the Docker executor tells a dying or absent engine from a failing task: a ping with a
 * timeout, the engine's shutdown recognised by its going silent, and a container wait that a dying
 * engine cannot leave unanswered for good. See docs/docker-executor.md, "When the engine is down".
 */
import type Dockerode from 'dockerode';
import { DockerUnavailableError } from './docker-errors.js';

/**
 * How long after a container's SIGTERM/SIGKILL exit (or an HTTP 5xx) the engine may still answer
 * while it shuts down, in ms (it stops its containers, then exits: the fault tests' private engine
 * exited 1.1-1.5 s after its SIGTERM).
 */
export const ENGINE_SHUTDOWN_WINDOW_MS = 3000;
/** period of the pings in that window, in ms */
const ENGINE_SHUTDOWN_PING_MS = 100;
/** a ping unanswered for this long means the engine is unreachable, in ms */
export const PING_TIMEOUT_MS = 3000;
/** period of the checks on a running container while its wait is unanswered, in ms */
const WAIT_CHECK_MS = 2000;

/** Runs one engine call, its errors turned into heatflow errors (`DockerExecutor.call`). */
export type EngineCall = <T>(operation: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Pings the engine (`GET /_ping`), giving up after {@link PING_TIMEOUT_MS}.
 * @param endpoint - the socket or DOCKER_HOST, for the error
 * @throws DockerUnavailableError when the engine does not answer, or not in time
 */
export async function pingEngine(docker: Dockerode, call: EngineCall, endpoint: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new DockerUnavailableError(endpoint, 'ping', { detail: `no answer within ${PING_TIMEOUT_MS} ms` }),
        ),
      PING_TIMEOUT_MS,
    );
  });
  try {
    await Promise.race([call('ping', () => docker.ping()), silent]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether the engine is shutting down (`systemctl stop/restart docker` without live-restore stops
 * every container, refuses new ones with HTTP 500, then exits): it stops answering within
 * {@link ENGINE_SHUTDOWN_WINDOW_MS}. Asked after a container exited by SIGTERM or SIGKILL that the
 * executor did not send, and after an HTTP 5xx; pings until the window ends, so a container
 * stopped by someone else (`docker stop`) or a 5xx of a running engine costs that wait.
 * @param ping - {@link pingEngine} bound to the engine
 */
export async function engineGoingDown(ping: () => Promise<void>): Promise<boolean> {
  const until = Date.now() + ENGINE_SHUTDOWN_WINDOW_MS;
  while (Date.now() < until) {
    try {
      await ping();
    } catch (err) {
      if (err instanceof DockerUnavailableError) return true;
    }
    await sleep(ENGINE_SHUTDOWN_PING_MS);
  }
  return false;
}

/**
 * Waits for the container's exit (`POST /wait`). The engine dying under that request can leave it
 * unanswered for good (seen with the engine stopped for 20 s: the try stayed `running` after the
 * engine was back), so the container is inspected every {@link WAIT_CHECK_MS}: an engine that does
 * not answer, or a container that has exited with the wait still unanswered one period later,
 * ends the wait.
 * @returns the wait's answer
 * @throws DockerUnavailableError when the engine does not answer, or lost the wait
 */
export async function waitForExit(
  c: Dockerode.Container,
  call: EngineCall,
  endpoint: string,
): Promise<{ StatusCode?: number }> {
  const waited = call('wait for container', () => c.wait() as Promise<{ StatusCode?: number }>);
  waited.catch(() => undefined); // read below, or abandoned once the engine is known gone
  const within = async (ms: number) =>
    Promise.race([waited.then((v) => ({ v })), sleep(ms).then(() => undefined)]);
  for (;;) {
    const r = await within(WAIT_CHECK_MS);
    if (r !== undefined) return r.v;
    const info = await call('inspect container (waiting for its exit)', () => c.inspect());
    if (info.State.Running) continue;
    const late = await within(WAIT_CHECK_MS);
    if (late !== undefined) return late.v;
    throw new DockerUnavailableError(endpoint, 'wait for container', {
      detail: `the engine never answered the wait (connection lost); the container has exited with code ${info.State.ExitCode}`,
    });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
