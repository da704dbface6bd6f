/**
 * The heating pages (HTML): `/heating?year=` (home overview), `/heating/zones/{zone}?year=`,
 * `/heating/zones/{zone}/days/{date}`, `/heating/unusual-days?year=&sort=`. Thin: parse, ask
 * {@link HeatingService}, render a view. A bad URL (unknown zone, impossible date such as
 * 2022-02-30, a year with no data, a malformed parameter) always gets an HTML page with the
 * problem's message and its status, never problem JSON, whatever the client's `Accept`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { collapseWhitespace, type SafeHtml } from '../html.js';
import { HttpProblem, parseInput } from '../http-problem.js';
import { pageContextOf } from '../page-context.js';
import { dayView } from '../views/heating/day-view.js';
import { overviewView } from '../views/heating/overview-view.js';
import { unusualDaysView } from '../views/heating/unusual-days-view.js';
import { zoneView } from '../views/heating/zone-view.js';
import type { PageContext } from '../views/layout.js';
import { errorView } from '../views/misc-views.js';
import type { WebContext } from '../web-context.js';
import { dateParam, homeQuery, sortParam, yearQuery, zoneParam } from './heating-params.js';
import type { HeatingService } from './heating-service.js';

type Render = (page: PageContext) => Promise<SafeHtml>;

/** Registers the heating pages. */
export function registerHeatingPageRoutes(
  app: FastifyInstance,
  ctx: WebContext,
  heating: HeatingService,
): void {
  const page =
    (handler: (req: FastifyRequest) => Render) => async (req: FastifyRequest, reply: FastifyReply) => {
      const pc = pageContextOf(ctx, req, reply);
      let out: SafeHtml;
      try {
        out = await handler(req)(pc);
      } catch (err) {
        if (!(err instanceof HttpProblem)) throw err;
        const b = err.toBody();
        reply.code(b.status);
        out = errorView(pc, b.status, b.title, b.detail);
      }
      return reply.type('text/html; charset=utf-8').send(collapseWhitespace(out));
    };

  app.get(
    '/heating',
    page((req) => async (pc) => {
      const q = parseInput(yearQuery, req.query, 'query');
      return overviewView(pc, await heating.scopeYear(q.year, undefined, q.home));
    }),
  );

  app.get(
    '/heating/zones/:zone',
    page((req) => async (pc) => {
      const p = parseInput(z.object({ zone: zoneParam }), req.params, 'path');
      const q = parseInput(yearQuery, req.query, 'query');
      return zoneView(pc, await heating.scopeYear(q.year, p.zone, q.home));
    }),
  );

  app.get(
    '/heating/zones/:zone/days/:date',
    page((req) => async (pc) => {
      const p = parseInput(z.object({ zone: zoneParam, date: dateParam }), req.params, 'path');
      const q = parseInput(homeQuery, req.query, 'query');
      const day = await heating.zoneDay(p.zone, p.date, q.home);
      // the tabs list every zone; "same day in" only the zones the analysis saw that day
      return dayView(pc, day, await heating.zones(day.homeId), await heating.zonesOnDay(day.homeId, p.date));
    }),
  );

  app.get(
    '/heating/unusual-days',
    page((req) => async (pc) => {
      const q = parseInput(yearQuery.extend({ sort: sortParam.optional() }), req.query, 'query');
      const sort = q.sort ?? { key: 'date' as const, descending: false };
      const m = await heating.unusualDays(q.year, sort, q.home);
      return unusualDaysView(
        pc,
        m,
        await heating.zones(m.homeId),
        `${sort.descending ? '-' : ''}${sort.key}`,
      );
    }),
  );
}
