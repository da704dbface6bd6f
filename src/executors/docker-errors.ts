/**
 * Errors of the Docker executor. Both mean "the try could not be attempted": `execute` rejects
 * with them, and `retryable` tells the worker whether trying again may help.
 */
import { HeatflowError } from '../core/errors.js';
import { ExecutorUnavailableError } from './executor-unavailable-error.js';

/**
 * The Docker daemon did not answer (socket missing, connection refused or reset, permission
 * denied), or its own shutdown stopped the try's container. Retryable: the try is put back, not
 * lost, and costs no retry. `endpoint` names the socket or DOCKER_HOST.
 */
export class DockerUnavailableError extends ExecutorUnavailableError {
  constructor(
    /** what was tried, e.g. `unix socket /var/run/docker.sock (DOCKER_HOST not set)` */
    endpoint: string,
    /** the operation that failed, e.g. `create container` */
    readonly operation: string,
    options: { cause?: unknown; detail?: string },
  ) {
    super(
      'DOCKER_UNAVAILABLE',
      endpoint,
      `Docker daemon unreachable at ${endpoint} during ${operation}` +
        `${options.detail === undefined ? '' : `: ${options.detail}`}; ` +
        'start dockerd (or Docker Desktop), or point DOCKER_HOST at a running engine',
      { cause: options.cause },
    );
  }
}

/** The task's image is not present on the Docker engine. Not retryable until someone builds it. */
export class DockerImageMissingError extends HeatflowError {
  constructor(
    /** the image reference, e.g. `heatflow:latest` */
    readonly image: string,
    /** the command that builds (or fetches) it */
    readonly buildCommand: string,
    options: { cause?: unknown } = {},
  ) {
    super(
      'DOCKER_IMAGE_MISSING',
      `Docker image "${image}" not found on the engine; build it with: ${buildCommand}`,
      {
        cause: options.cause,
        retryable: false,
      },
    );
  }
}

/** The engine answered but refused or failed an operation (HTTP 4xx/5xx other than the above). */
export class DockerOperationError extends HeatflowError {
  constructor(
    /** the operation that failed, e.g. `create container` */
    readonly operation: string,
    /** HTTP status from the engine, when known */
    readonly statusCode: number | undefined,
    message: string,
    options: { cause?: unknown; retryable?: boolean } = {},
  ) {
    super(
      'DOCKER_OPERATION_FAILED',
      `Docker ${operation} failed${statusCode === undefined ? '' : ` (HTTP ${statusCode})`}: ${message}`,
      {
        cause: options.cause,
        retryable: options.retryable ?? (statusCode === undefined || statusCode >= 500),
      },
    );
  }
}
