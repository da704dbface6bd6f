/**
 * Keeps a lost Postgres connection from killing the process. node-postgres emits `'error'` on the
 * pool when an idle pooled client's connection drops, and on the client itself when a connection
 * drops while checked out (mid-statement, or between the statement's error and its release): the
 * pool's own idle listener is detached from checked-out clients. An `'error'` event without a
 * listener is thrown by Node's EventEmitter and ends the process ("Unhandled 'error' event …
 * terminating connection due to administrator command", issue 14). The statement running on that
 * connection still fails with the error, which is how callers learn of it and retry; the pool
 * discards the broken client and opens a fresh one for the next statement.
 * Source: node-postgres docs, "Pool › events › error" and "Client › events › error".
 */
import type pg from 'pg';

/**
 * Attaches the `'error'` listeners a pool needs: on the pool (idle clients) and on every client it
 * connects (checked-out clients).
 * @param onError - told of each lost connection (log it); `@defaultValue` ignore
 */
export function guardPool(pool: pg.Pool, onError: (err: Error) => void = () => undefined): pg.Pool {
  pool.on('error', (err) => onError(err));
  pool.on('connect', (client) => {
    client.on('error', (err) => onError(err));
  });
  return pool;
}

/**
 * Attaches an `'error'` listener to a lone client (one not in a pool), for the same reason.
 * @param onError - told of a lost connection; `@defaultValue` ignore
 */
export function guardClient(client: pg.Client, onError: (err: Error) => void = () => undefined): pg.Client {
  client.on('error', (err) => onError(err));
  return client;
}

/** SQLSTATE classes and codes of a lost or refused connection (Postgres appendix A). */
const CONNECTION_SQLSTATES = /^(08...|57P01|57P02|57P03)$/;
/** Node socket error codes of a lost or refused connection. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Whether an error says the connection to Postgres was lost or refused (server restart,
 * `pg_terminate_backend`, network), as opposed to an error of the statement itself.
 */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (CONNECTION_SQLSTATES.test(code) || SOCKET_CODES.has(code))) return true;
  return /Connection terminated|connection timeout|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(
    err.message,
  );
}

/** Options of {@link retryOnConnectionError}. */
export interface ConnectionRetryOptions {
  /** attempts in all; `@defaultValue 8` */
  readonly attempts?: number;
  /** first wait, in ms, doubled each time; `@defaultValue 250` */
  readonly baseDelayMs?: number;
  /** longest wait, in ms; `@defaultValue 5000` */
  readonly maxDelayMs?: number;
  /** told of each failed attempt that will be retried */
  readonly onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn`, again after a growing wait while it fails because the connection was lost (other
 * errors are thrown at once). Only for statements safe to repeat: idempotent or fenced writes.
 * @throws the last error when every attempt failed, or the first error that is not a connection error
 */
export async function retryOnConnectionError<T>(
  fn: () => Promise<T>,
  options: ConnectionRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? 8;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= attempts || !isConnectionError(err)) throw err;
      const delayMs = Math.min((options.baseDelayMs ?? 250) * 2 ** (attempt - 1), options.maxDelayMs ?? 5000);
      options.onRetry?.(err, attempt, delayMs);
      await new Promise((r) => setTimeout(r, delayMs));
    }
  }
}
