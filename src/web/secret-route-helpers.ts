/**
 * What the variable and connection routes share: the bearer check of API writes, the event-log
 * actor of a request, the stores, and mapping store errors to HTTP problems.
 */
import type { FastifyRequest } from 'fastify';
import type { EventActor } from '../audit/event-log.js';
import { ConnectionError } from '../connections/connection-service.js';
import { ConnectionUriError } from '../connections/conn-uri.js';
import { NotFoundError } from '../core/errors.js';
import { DecryptError } from '../secrets/secret-cipher.js';
import { secretStores, type SecretStores } from '../secrets/secret-stores.js';
import { VariableError, type Unreadable } from '../variables/variable-service.js';
import { HttpProblem } from './http-problem.js';
import type { WebContext } from './web-context.js';

/**
 * API writes need the bearer token (never the session cookie).
 * @throws HttpProblem 403 without a configured token, 401 without the header
 */
export function requireApiBearer(ctx: WebContext, req: FastifyRequest): void {
  if (!ctx.auth.enabled)
    throw new HttpProblem(403, 'actions are disabled: the server has no HEATFLOW_WEB_TOKEN');
  if (!ctx.auth.hasBearer(req))
    throw new HttpProblem(401, 'this action needs the header "Authorization: Bearer <HEATFLOW_WEB_TOKEN>"');
}

/** The event-log actor of an API request made with the bearer token. */
export function apiActor(req: FastifyRequest): EventActor {
  return { owner: 'token', source: 'api', remoteAddr: req.ip };
}

const storesOf = new WeakMap<WebContext, SecretStores>();

/** The stores of this server (one cipher, from HEATFLOW_FERNET_KEY). */
export function webStores(ctx: WebContext): SecretStores {
  let s = storesOf.get(ctx);
  if (s === undefined) {
    s = secretStores(ctx.rt.db, ctx.rt.config);
    storesOf.set(ctx, s);
  }
  return s;
}

/**
 * Store errors as problems: 404 not found, 409 id taken, 400 invalid field, 409 "Cannot decrypt"
 * when a write needs a stored secret this server's HEATFLOW_FERNET_KEY cannot open (the message
 * names the variable or connection; the server is not at fault, its key and the row disagree).
 */
export function storeProblem(err: unknown): unknown {
  if (err instanceof NotFoundError) return new HttpProblem(404, err.message);
  if (err instanceof ConnectionError && err.code === 'CONNECTION_EXISTS')
    return new HttpProblem(409, err.message);
  if (err instanceof ConnectionError || err instanceof VariableError || err instanceof ConnectionUriError)
    return new HttpProblem(400, err.message);
  if (err instanceof DecryptError) return new HttpProblem(409, err.message, 'Cannot decrypt');
  return err;
}

/** What {@link readOrUnreadable} read: the entry, or why the key cannot open it. */
export type ReadOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly unreadable: Unreadable };

/**
 * Awaits a store read; a DecryptError becomes the {@link Unreadable} the lists show
 * (`listReadable()`), so a single GET answers as the list does.
 * @param id - the variable's key or the connection's id
 * @throws whatever else the read throws (NotFoundError, database errors)
 */
export async function readOrUnreadable<T>(read: Promise<T>, id: string): Promise<ReadOutcome<T>> {
  try {
    return { ok: true, value: await read };
  } catch (err) {
    if (!(err instanceof DecryptError)) throw err;
    return { ok: false, unreadable: { id, error: err.message } };
  }
}
