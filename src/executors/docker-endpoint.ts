/**
 * Where the Docker engine is: `DOCKER_HOST` (as the docker CLI reads it) or the default unix
 * socket, turned into dockerode options plus a description for error messages.
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DockerOptions } from 'dockerode';

/** A resolved Docker endpoint. */
export interface DockerEndpoint {
  /** options for `new Dockerode(...)`; undefined: let docker-modem read the environment itself */
  readonly options: DockerOptions | undefined;
  /** human description naming the socket or DOCKER_HOST, used in {@link DockerUnavailableError} */
  readonly description: string;
}

/**
 * Resolves the engine endpoint the way the docker CLI and docker-modem do: `DOCKER_HOST` when
 * set (`unix://`, `tcp://`, `http(s)://`, `ssh://`), otherwise `~/.docker/run/docker.sock` when
 * it exists (Docker Desktop), otherwise `/var/run/docker.sock`.
 * @param dockerHost - `DOCKER_HOST` value; `@defaultValue process.env.DOCKER_HOST`
 */
export function resolveDockerEndpoint(
  dockerHost: string | undefined = process.env.DOCKER_HOST,
): DockerEndpoint {
  if (dockerHost === undefined || dockerHost === '') {
    const userSocket = path.join(os.homedir(), '.docker', 'run', 'docker.sock');
    const socketPath = existsSync(userSocket) ? userSocket : '/var/run/docker.sock';
    return { options: { socketPath }, description: `unix socket ${socketPath} (DOCKER_HOST is not set)` };
  }
  const description = `DOCKER_HOST=${dockerHost}`;
  if (dockerHost.startsWith('unix://')) {
    return {
      options: { socketPath: dockerHost.slice('unix://'.length) || '/var/run/docker.sock' },
      description,
    };
  }
  const withScheme = dockerHost.includes('://') ? dockerHost : `tcp://${dockerHost}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return { options: undefined, description };
  }
  if (
    (url.protocol === 'tcp:' || url.protocol === 'http:') &&
    url.port !== '2376' &&
    process.env.DOCKER_TLS_VERIFY !== '1'
  ) {
    return {
      options: { host: url.hostname, port: url.port === '' ? 2375 : Number(url.port), protocol: 'http' },
      description,
    };
  }
  // TLS (certificates from DOCKER_CERT_PATH) and ssh: docker-modem reads them from the environment.
  return { options: undefined, description };
}
