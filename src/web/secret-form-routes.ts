/**
 * The forms of the Variables and Connections pages (Airflow's Admin → Variables / Connections):
 * add (`GET …/new`, `POST /variables|/connections`), edit (`GET|POST …/{id}/edit`) and delete
 * (`GET …/{id}/delete` confirms, `POST …/{id}/delete` deletes). Each POST is a page action
 * (form-guard.ts: signed in, CSRF token, same origin) that calls the stores the CLI and the REST
 * API use, is recorded in the event log under the person signed in, and redirects (303) to the
 * list with a one-time message. A refused submission re-shows the form with the message naming
 * the field (400), or saying the stored secret cannot be decrypted and a new one is needed (409,
 * as the REST API's PATCH), and stores nothing.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Connection } from '../connections/connection-service.js';
import type { ChangeContext } from '../variables/variable-service.js';
import { guardFormAction, guardFormPage, setFlash } from './form-guard.js';
import { collapseWhitespace, type SafeHtml } from './html.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { pageContextOf } from './page-context.js';
import {
  connectionFormValues,
  maskedExtraText,
  parseConnectionForm,
  parseVariableForm,
  textField,
  unmaskExtra,
  type ConnectionFormValues,
  type FormBody,
} from './secret-form-input.js';
import { readOrUnreadable, storeProblem, webStores } from './secret-route-helpers.js';
import {
  connectionFormView,
  deleteConfirmView,
  variableFormView,
  type ConnectionFormState,
  type VariableFormState,
} from './views/secret-form-views.js';
import { isSensitiveName } from '../secrets/sensitive.js';
import { requestActor } from './web-auth.js';
import type { WebContext } from './web-context.js';

/** A key or id in a path, as the REST API takes it (stored ones may predate the stricter pattern). */
const idParam = z
  .string()
  .min(1)
  .max(250)
  .refine((k) => !/\p{Cc}/u.test(k), 'no control characters');
const keyParams = z.object({ key: idParam });
const connParams = z.object({ connId: idParam });

/** A store error as the problem it answers (404 not found, …). */
const rethrow = (err: unknown): never => {
  throw storeProblem(err);
};

const needsNewSecret = (what: string, needs: string): string =>
  `${what} cannot be decrypted with this server's HEATFLOW_FERNET_KEY, so its stored ${needs} cannot be kept: type a new ${needs} to replace it, or delete it`;

const formValuesOf = (c: Connection): ConnectionFormValues => ({
  conn_id: c.connId,
  conn_type: c.connType,
  description: c.description ?? '',
  host: c.host ?? '',
  schema: c.schema ?? '',
  login: c.login ?? '',
  port: c.port === null ? '' : String(c.port),
  extra: maskedExtraText(c.extra),
});

const emptyValues = (connId: string): ConnectionFormValues => ({
  conn_id: connId,
  conn_type: '',
  description: '',
  host: '',
  schema: '',
  login: '',
  port: '',
  extra: '',
});

/** Registers the Variables and Connections form pages and actions. */
export function registerSecretFormRoutes(app: FastifyInstance, ctx: WebContext): void {
  const stores = () => webStores(ctx);
  const send = (reply: FastifyReply, status: number, page: SafeHtml) =>
    reply.code(status).type('text/html; charset=utf-8').send(collapseWhitespace(page));
  const change = (req: FastifyRequest): ChangeContext => ({
    actor: requestActor(ctx.auth, req, 'web'),
    log: ctx.rt.logger,
  });
  const done = (reply: FastifyReply, text: string, list: '/variables' | '/connections') => {
    setFlash(reply, text);
    return reply.code(303).redirect(list);
  };
  /** A store error as a problem; a 400 or 409 re-shows the form, anything else is thrown. */
  const refusal = (err: unknown): HttpProblem => {
    const p = storeProblem(err);
    if (p instanceof HttpProblem && (p.status === 400 || p.status === 409)) return p;
    throw p;
  };
  const bodyOf = (req: FastifyRequest): FormBody => (req.body ?? {}) as FormBody;

  // --- variables --------------------------------------------------------------------------

  const variableForm = (req: FastifyRequest, reply: FastifyReply, status: number, s: VariableFormState) =>
    send(reply, status, variableFormView(pageContextOf(ctx, req, reply), s));

  app.get('/variables/new', async (req, reply) => {
    guardFormPage(ctx, req);
    return variableForm(req, reply, 200, { mode: 'add', key: '', description: '', sensitive: false });
  });

  app.post('/variables', async (req, reply) => {
    guardFormAction(ctx, req);
    const body = bodyOf(req);
    const parsed = parseVariableForm(body);
    const typed = { key: textField(body, 'key'), description: textField(body, 'description') };
    const sensitive = isSensitiveName(typed.key);
    // a sensitive value typed is not written back into the page
    const again = (status: number, error: string) =>
      variableForm(req, reply, status, {
        mode: 'add',
        ...typed,
        sensitive,
        ...(sensitive ? {} : { value: textField(body, 'value') }),
        error,
      });
    if (!parsed.ok) return again(400, parsed.error.message);
    const v = parsed.value;
    const existing = await readOrUnreadable(stores().variables.get(v.key), v.key);
    if (!existing.ok || existing.value !== undefined)
      return again(409, `key: variable "${v.key}" already exists; edit it from the list instead`);
    try {
      await stores().variables.set(v.key, v.value, v.description, change(req));
    } catch (err) {
      const p = refusal(err);
      return again(p.status, p.detail);
    }
    return done(reply, `Variable ${v.key} added.`, '/variables');
  });

  app.get('/variables/:key/edit', async (req, reply) => {
    const { key } = parseInput(keyParams, req.params, 'path');
    guardFormPage(ctx, req);
    const r = await readOrUnreadable(stores().variables.require(key), key).catch(rethrow);
    return variableForm(
      req,
      reply,
      200,
      r.ok
        ? {
            mode: 'edit',
            key,
            description: r.value.description ?? '',
            sensitive: r.value.isSensitive,
            ...(r.value.isSensitive ? {} : { value: r.value.value }),
          }
        : {
            mode: 'edit',
            key,
            description: '',
            sensitive: isSensitiveName(key),
            unreadable: r.unreadable.error,
          },
    );
  });

  app.post('/variables/:key/edit', async (req, reply) => {
    guardFormAction(ctx, req);
    const { key } = parseInput(keyParams, req.params, 'path');
    const body = bodyOf(req);
    const r = await readOrUnreadable(stores().variables.require(key), key).catch(rethrow);
    const sensitive = isSensitiveName(key);
    const again = (status: number, error: string) =>
      variableForm(req, reply, status, {
        mode: 'edit',
        key,
        description: textField(body, 'description'),
        sensitive,
        ...(sensitive || !r.ok ? {} : { value: textField(body, 'value') }),
        ...(r.ok ? {} : { unreadable: r.unreadable.error }),
        error,
      });
    const parsed = parseVariableForm(body, key);
    if (!parsed.ok) return again(400, parsed.error.message);
    let value = parsed.value.value;
    if (value === '' && !r.ok) return again(409, needsNewSecret(`variable "${key}"`, 'value'));
    if (value === '' && r.ok && r.value.isSensitive) value = r.value.value;
    // an unreadable one's description cannot be shown: left empty, the stored one is kept
    const description = !r.ok && parsed.value.description === null ? undefined : parsed.value.description;
    try {
      await stores().variables.set(key, value, description, change(req));
    } catch (err) {
      const p = refusal(err);
      return again(p.status, p.detail);
    }
    return done(reply, `Variable ${key} saved.`, '/variables');
  });

  app.get('/variables/:key/delete', async (req, reply) => {
    const { key } = parseInput(keyParams, req.params, 'path');
    guardFormPage(ctx, req);
    await readOrUnreadable(stores().variables.require(key), key).catch(rethrow);
    return send(reply, 200, deleteConfirmView(pageContextOf(ctx, req, reply), 'variable', key));
  });

  app.post('/variables/:key/delete', async (req, reply) => {
    guardFormAction(ctx, req);
    const { key } = parseInput(keyParams, req.params, 'path');
    await stores().variables.delete(key, change(req)).catch(rethrow);
    return done(reply, `Variable ${key} deleted.`, '/variables');
  });

  // --- connections ------------------------------------------------------------------------

  const connectionForm = (req: FastifyRequest, reply: FastifyReply, status: number, s: ConnectionFormState) =>
    send(reply, status, connectionFormView(pageContextOf(ctx, req, reply), s));

  app.get('/connections/new', async (req, reply) => {
    guardFormPage(ctx, req);
    return connectionForm(req, reply, 200, { mode: 'add', values: emptyValues(''), hasPassword: false });
  });

  app.post('/connections', async (req, reply) => {
    guardFormAction(ctx, req);
    const body = bodyOf(req);
    const again = (status: number, error: string) =>
      connectionForm(req, reply, status, {
        mode: 'add',
        values: connectionFormValues(body),
        hasPassword: false,
        error,
      });
    const parsed = parseConnectionForm(body);
    if (!parsed.ok) return again(400, parsed.error.message);
    const { connId, password, ...fields } = parsed.value;
    try {
      await stores().connections.add(connId, { ...fields, password: password ?? null }, change(req));
    } catch (err) {
      const p = refusal(err);
      return again(
        p.status,
        p.status === 409 ? `conn id: ${p.detail}; edit it from the list instead` : p.detail,
      );
    }
    return done(reply, `Connection ${connId} added.`, '/connections');
  });

  app.get('/connections/:connId/edit', async (req, reply) => {
    const { connId } = parseInput(connParams, req.params, 'path');
    guardFormPage(ctx, req);
    const r = await readOrUnreadable(stores().connections.require(connId), connId).catch(rethrow);
    return connectionForm(
      req,
      reply,
      200,
      r.ok
        ? { mode: 'edit', values: formValuesOf(r.value), hasPassword: (r.value.password ?? '') !== '' }
        : { mode: 'edit', values: emptyValues(connId), hasPassword: false, unreadable: r.unreadable.error },
    );
  });

  app.post('/connections/:connId/edit', async (req, reply) => {
    guardFormAction(ctx, req);
    const { connId } = parseInput(connParams, req.params, 'path');
    const body = bodyOf(req);
    const r = await readOrUnreadable(stores().connections.require(connId), connId).catch(rethrow);
    const again = (status: number, error: string) =>
      connectionForm(req, reply, status, {
        mode: 'edit',
        values: connectionFormValues(body, connId),
        hasPassword: r.ok && (r.value.password ?? '') !== '',
        ...(r.ok ? {} : { unreadable: r.unreadable.error }),
        error,
      });
    const parsed = parseConnectionForm(body, connId);
    if (!parsed.ok) return again(400, parsed.error.message);
    const { password, extra, ...fields } = parsed.value;
    // an empty password keeps the stored one, which must then be readable (409 as the API's PATCH)
    if (password === undefined && !r.ok)
      return again(409, needsNewSecret(`connection "${connId}"`, 'password'));
    const stored = r.ok ? r.value : undefined;
    try {
      await stores().connections.replace(
        connId,
        {
          ...fields,
          password: password ?? stored?.password ?? null,
          extra: (stored === undefined ? extra : unmaskExtra(extra, stored.extra)) as Connection['extra'],
        },
        change(req),
      );
    } catch (err) {
      const p = refusal(err);
      return again(p.status, p.detail);
    }
    return done(reply, `Connection ${connId} saved.`, '/connections');
  });

  app.get('/connections/:connId/delete', async (req, reply) => {
    const { connId } = parseInput(connParams, req.params, 'path');
    guardFormPage(ctx, req);
    await readOrUnreadable(stores().connections.require(connId), connId).catch(rethrow);
    return send(reply, 200, deleteConfirmView(pageContextOf(ctx, req, reply), 'connection', connId));
  });

  app.post('/connections/:connId/delete', async (req, reply) => {
    guardFormAction(ctx, req);
    const { connId } = parseInput(connParams, req.params, 'path');
    await stores().connections.delete(connId, change(req)).catch(rethrow);
    return done(reply, `Connection ${connId} deleted.`, '/connections');
  });
}
