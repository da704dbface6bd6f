/**
 * The checks every page form action (POST from a page) passes before it acts, and the one-time
 * message it redirects back with: the same rules for the DAG pages' trigger / pause / clear forms
 * (page-routes.ts) and the Variables / Connections forms (secret-form-routes.ts).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpProblem } from './http-problem.js';
import { FLASH_COOKIE } from './page-context.js';
import { isSameOrigin } from './web-auth.js';
import type { WebContext } from './web-context.js';

/** What a server without HEATFLOW_WEB_TOKEN answers to an action (403). */
export const ACTIONS_DISABLED = 'actions are disabled: the server has no HEATFLOW_WEB_TOKEN';

/**
 * Checks a form action: actions enabled, same origin, signed in, the session's CSRF token in the
 * form's `_csrf` field.
 * @throws HttpProblem 403 without HEATFLOW_WEB_TOKEN, for a cross-site request or a missing or
 *   wrong CSRF token; 401 without a signed-in session
 */
export function guardFormAction(ctx: WebContext, req: FastifyRequest): void {
  if (!ctx.auth.enabled) throw new HttpProblem(403, ACTIONS_DISABLED, 'Actions disabled');
  if (!isSameOrigin(req)) throw new HttpProblem(403, 'cross-site request refused', 'Forbidden');
  const session = ctx.auth.session(req);
  if (session === undefined)
    throw new HttpProblem(401, 'sign in with the web token first (/login)', 'Not signed in');
  const csrf = (req.body as Record<string, unknown> | undefined)?._csrf;
  if (!ctx.auth.checkCsrf(session, csrf))
    throw new HttpProblem(403, 'missing or wrong CSRF token: reload the page and try again', 'Forbidden');
}

/**
 * Checks that the request may see a form page (GET): actions enabled and signed in. A reader who
 * may not act gets the same refusal as the action itself.
 * @throws HttpProblem 403 without HEATFLOW_WEB_TOKEN; 401 without a signed-in session
 */
export function guardFormPage(ctx: WebContext, req: FastifyRequest): void {
  if (!ctx.auth.enabled) throw new HttpProblem(403, ACTIONS_DISABLED, 'Actions disabled');
  if (ctx.auth.session(req) === undefined)
    throw new HttpProblem(401, 'sign in with the web token first (/login)', 'Not signed in');
}

/**
 * Sets the one-time message the next page shows (`!` first: it failed), cut to 500 characters.
 * @param text - shown as text (escaped) by the layout
 */
export function setFlash(reply: FastifyReply, text: string): void {
  void reply.header(
    'set-cookie',
    `${FLASH_COOKIE}=${encodeURIComponent(text.slice(0, 500))}; Path=/; HttpOnly; SameSite=Strict; Max-Age=60`,
  );
}
