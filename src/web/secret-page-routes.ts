/** `GET /variables` and `GET /connections`: the read-only Admin pages (views/secrets-views.ts). */
import type { FastifyInstance } from 'fastify';
import { collapseWhitespace } from './html.js';
import { pageContextOf } from './page-context.js';
import { webStores } from './secret-route-helpers.js';
import { connectionsView, variablesView } from './views/secrets-views.js';
import type { WebContext } from './web-context.js';

/** Registers the Variables and Connections pages. */
export function registerSecretPageRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/variables', async (req, reply) => {
    const { readable, unreadable } = await webStores(ctx).variables.listReadable();
    const pc = pageContextOf(ctx, req, reply);
    return reply
      .type('text/html; charset=utf-8')
      .send(collapseWhitespace(variablesView(pc, readable, unreadable)));
  });
  app.get('/connections', async (req, reply) => {
    const { readable, unreadable } = await webStores(ctx).connections.listReadable();
    const pc = pageContextOf(ctx, req, reply);
    return reply
      .type('text/html; charset=utf-8')
      .send(collapseWhitespace(connectionsView(pc, readable, unreadable)));
  });
}
