/**
 * `/api/v1/variables` and `/api/v1/connections`, in the shapes of Airflow's stable REST API
 * (`Variable`, `VariableCollection`, `Connection`, `ConnectionCollection`). A sensitive variable's
 * value is returned as `***`; a connection's password is never returned, and the sensitive fields
 * of its extra are masked. An entry this server's HEATFLOW_FERNET_KEY cannot decrypt is shown, in
 * the lists and by the single GET alike, with `decrypt_error` instead of its secrets (200); a
 * write that needs its secret answers 409 "Cannot decrypt". Writes need
 * `Authorization: Bearer <HEATFLOW_WEB_TOKEN>` and are recorded in the event log.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CONN_ID_PATTERN, type Connection } from '../connections/connection-service.js';
import { MASK, SecretMasker } from '../secrets/secret-masker.js';
import type { Unreadable, Variable } from '../variables/variable-service.js';
import { limitSchema, offsetSchema } from './api-common.js';
import { HttpProblem, parseInput } from './http-problem.js';
import {
  apiActor,
  readOrUnreadable,
  requireApiBearer,
  storeProblem,
  webStores,
} from './secret-route-helpers.js';
import type { WebContext } from './web-context.js';

/** Airflow's `Variable`: the value masked when the key is sensitive. */
export function variableJson(v: Variable): Record<string, unknown> {
  return { key: v.key, value: v.isSensitive ? MASK : v.value, description: v.description };
}

/** Airflow's `Connection`, without the password; sensitive extra fields masked. */
export function connectionJson(c: Connection, withExtra = true): Record<string, unknown> {
  return {
    connection_id: c.connId,
    conn_type: c.connType,
    description: c.description,
    host: c.host,
    login: c.login,
    schema: c.schema,
    port: c.port,
    ...(withExtra
      ? { extra: c.extra === null ? null : JSON.stringify(new SecretMasker().maskJson(c.extra)) }
      : {}),
  };
}

/**
 * A variable this server's HEATFLOW_FERNET_KEY cannot decrypt, as the list and the single GET
 * show it: `value` null and `decrypt_error` naming the variable and the key setting.
 */
export function unreadableVariableJson(u: Unreadable): Record<string, unknown> {
  return { key: u.id, value: null, description: null, decrypt_error: u.error };
}

/** A connection this server's HEATFLOW_FERNET_KEY cannot decrypt (list and single GET). */
export function unreadableConnectionJson(u: Unreadable): Record<string, unknown> {
  return { connection_id: u.id, conn_type: null, decrypt_error: u.error };
}

/** A variable key: 1..250 characters, none a control character (NUL would reach Postgres). */
const variableKey = z
  .string()
  .min(1)
  .max(250)
  .refine((k) => !/\p{Cc}/u.test(k), 'a variable key has no control characters (NUL, newline, …)');
/** A connection id as the store takes it ({@link CONN_ID_PATTERN}). */
const connectionId = z.string().regex(CONN_ID_PATTERN, 'a connection id: 1..250 of A-Z a-z 0-9 _ . -');
const keyParams = z.object({ key: variableKey });
const connParams = z.object({ connectionId });
const page = z.object({ limit: limitSchema, offset: offsetSchema });
const variableBody = z.object({
  key: variableKey,
  value: z.string(),
  description: z.string().max(5000).nullable().optional(),
});
const connectionBody = z.object({
  connection_id: connectionId,
  conn_type: z.string().min(1).max(100),
  description: z.string().max(5000).nullable().optional(),
  host: z.string().nullable().optional(),
  login: z.string().nullable().optional(),
  schema: z.string().nullable().optional(),
  port: z.number().int().min(0).max(65_535).nullable().optional(),
  password: z.string().nullable().optional(),
  /** a JSON object, as text (Airflow's shape) or as an object */
  extra: z
    .union([z.string(), z.record(z.string(), z.unknown())])
    .nullable()
    .optional(),
});

function extraOf(extra: string | Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (extra === null || extra === undefined || extra === '') return null;
  if (typeof extra !== 'string') return extra;
  let parsed: unknown;
  try {
    parsed = JSON.parse(extra);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HttpProblem(
      400,
      'invalid body parameter "extra": must be a JSON object (as text or as an object)',
      undefined,
      'extra',
    );
  return parsed as Record<string, unknown>;
}

const rethrow = (err: unknown): never => {
  throw storeProblem(err);
};

/** Registers the variable and connection routes. */
export function registerVariableRoutes(app: FastifyInstance, ctx: WebContext): void {
  const stores = () => webStores(ctx);

  app.get('/api/v1/variables', async (req) => {
    const q = parseInput(page, req.query, 'query');
    // one that cannot be decrypted is listed with value null and why, not a 500 for the list
    const { readable, unreadable } = await stores().variables.listReadable();
    const all = [...readable.map(variableJson), ...unreadable.map(unreadableVariableJson)].sort((a, b) =>
      String(a.key) < String(b.key) ? -1 : 1,
    );
    return { variables: all.slice(q.offset, q.offset + q.limit), total_entries: all.length };
  });

  app.get('/api/v1/variables/:key', async (req) => {
    const p = parseInput(keyParams, req.params, 'path');
    // one that cannot be decrypted answers as in the list (200, value null, decrypt_error), not 500
    const r = await readOrUnreadable(stores().variables.require(p.key), p.key).catch(rethrow);
    return r.ok ? variableJson(r.value) : unreadableVariableJson(r.unreadable);
  });

  app.post('/api/v1/variables', async (req) => {
    requireApiBearer(ctx, req);
    const b = parseInput(variableBody, req.body ?? {}, 'body');
    const s = stores();
    await s.variables
      .set(b.key, b.value, b.description, { actor: apiActor(req), log: ctx.rt.logger })
      .catch(rethrow);
    return variableJson(await s.variables.require(b.key).catch(rethrow));
  });

  app.patch('/api/v1/variables/:key', async (req) => {
    requireApiBearer(ctx, req);
    const p = parseInput(keyParams, req.params, 'path');
    const b = parseInput(variableBody, req.body ?? {}, 'body');
    if (b.key !== p.key)
      throw new HttpProblem(
        400,
        `invalid body parameter "key": "${b.key}" is not the path's "${p.key}"`,
        undefined,
        'key',
      );
    const s = stores();
    // it must exist (404 otherwise); one the key cannot decrypt may be overwritten (a repair)
    await readOrUnreadable(s.variables.require(p.key), p.key).catch(rethrow);
    await s.variables
      .set(p.key, b.value, b.description, { actor: apiActor(req), log: ctx.rt.logger })
      .catch(rethrow);
    return variableJson(await s.variables.require(p.key).catch(rethrow));
  });

  app.delete('/api/v1/variables/:key', async (req, reply) => {
    requireApiBearer(ctx, req);
    const p = parseInput(keyParams, req.params, 'path');
    await stores()
      .variables.delete(p.key, { actor: apiActor(req), log: ctx.rt.logger })
      .catch(rethrow);
    return reply.code(204).send();
  });

  app.get('/api/v1/connections', async (req) => {
    const q = parseInput(page, req.query, 'query');
    const { readable, unreadable } = await stores().connections.listReadable();
    const all = [
      ...readable.map((c) => connectionJson(c, false)),
      ...unreadable.map(unreadableConnectionJson),
    ].sort((a, b) => (String(a.connection_id) < String(b.connection_id) ? -1 : 1));
    return { connections: all.slice(q.offset, q.offset + q.limit), total_entries: all.length };
  });

  app.get('/api/v1/connections/:connectionId', async (req) => {
    const p = parseInput(connParams, req.params, 'path');
    const r = await readOrUnreadable(stores().connections.require(p.connectionId), p.connectionId).catch(
      rethrow,
    );
    return r.ok ? connectionJson(r.value) : unreadableConnectionJson(r.unreadable);
  });

  const fieldsOf = (b: z.output<typeof connectionBody>) => ({
    connType: b.conn_type,
    description: b.description ?? null,
    host: b.host ?? null,
    login: b.login ?? null,
    schema: b.schema ?? null,
    port: b.port ?? null,
    password: b.password ?? null,
    extra: extraOf(b.extra),
  });

  app.post('/api/v1/connections', async (req) => {
    requireApiBearer(ctx, req);
    const b = parseInput(connectionBody, req.body ?? {}, 'body');
    const s = stores();
    await s.connections
      .add(b.connection_id, fieldsOf(b), { actor: apiActor(req), log: ctx.rt.logger })
      .catch(rethrow);
    return connectionJson(await s.connections.require(b.connection_id).catch(rethrow));
  });

  app.patch('/api/v1/connections/:connectionId', async (req) => {
    requireApiBearer(ctx, req);
    const p = parseInput(connParams, req.params, 'path');
    const b = parseInput(connectionBody, req.body ?? {}, 'body');
    if (b.connection_id !== p.connectionId)
      throw new HttpProblem(
        400,
        `invalid body parameter "connection_id": "${b.connection_id}" is not the path's "${p.connectionId}"`,
        undefined,
        'connection_id',
      );
    const s = stores();
    // a PATCH without a password keeps the stored one (the API never returns it to send back), so
    // only then is the stored one read (409 when the key cannot decrypt it); with a password the
    // PATCH replaces every secret, which repairs a connection stored under another key
    const password =
      b.password === undefined
        ? (await s.connections.require(p.connectionId).catch(rethrow)).password
        : b.password;
    const fields = { ...fieldsOf(b), password };
    await s.connections
      .replace(p.connectionId, fields, { actor: apiActor(req), log: ctx.rt.logger })
      .catch(rethrow);
    return connectionJson(await s.connections.require(p.connectionId).catch(rethrow));
  });

  app.delete('/api/v1/connections/:connectionId', async (req, reply) => {
    requireApiBearer(ctx, req);
    const p = parseInput(connParams, req.params, 'path');
    await stores()
      .connections.delete(p.connectionId, { actor: apiActor(req), log: ctx.rt.logger })
      .catch(rethrow);
    return reply.code(204).send();
  });
}
