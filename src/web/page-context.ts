/**
 * The {@link PageContext} of a page request: whether actions are possible, the session's CSRF
 * token, where actions return to, and the one-time message of the previous action (read from its
 * cookie, which is cleared as it is shown).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PageContext } from './views/layout.js';
import { readCookie } from './web-auth.js';
import type { WebContext } from './web-context.js';

/** Cookie holding the outcome of the last action (`!` first: it failed), at most 500 characters. */
export const FLASH_COOKIE = 'heatflow_flash';

/** The page context of a request; clears the flash cookie when it carries one. */
export function pageContextOf(ctx: WebContext, req: FastifyRequest, reply: FastifyReply): PageContext {
  const who = ctx.auth.sessionIdentity(req);
  const session = who?.session;
  const flashRaw = readCookie(req, FLASH_COOKIE);
  let flash: PageContext['flash'];
  if (flashRaw !== undefined) {
    const bad = flashRaw.startsWith('!');
    flash = { text: (bad ? flashRaw.slice(1) : flashRaw).slice(0, 500), bad };
    void reply.header('set-cookie', `${FLASH_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict`);
  }
  return {
    actionsEnabled: ctx.auth.enabled,
    secretsUnencrypted: (ctx.rt.config.HEATFLOW_FERNET_KEY ?? '') === '',
    here: req.url,
    ...(session === undefined
      ? {}
      : { csrf: ctx.auth.csrfToken(session), signedInAs: who?.kind === 'user' ? who.username : 'token' }),
    ...(flash === undefined ? {} : { flash }),
  };
}
