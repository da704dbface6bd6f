/**
 * `GET /api/v1/heating/…`: every figure the `/heating` pages show, as JSON (heating-models.ts).
 * Bad parameters are 400 problem JSON naming the parameter; what is not stored is 404 naming it.
 *
 * - `/heating/years`: the years stored and their homes
 * - `/heating/years/{year}[?home=]`: the home's overview (yearly figures per scope, monthly,
 *   energy signature with its fit and verdict, days for the calendar, unusual days)
 * - `/heating/years/{year}/zones/{zone}[?home=]`: the same for one zone (with the indoor and
 *   setpoint means of each day)
 * - `/heating/years/{year}/unusual-days[?sort=date|zone|reason|-…][&home=]`
 * - `/heating/zones/{zone}/days/{date}[?home=]`: one zone-day (minute series, spans, metrics, runs)
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../http-problem.js';
import { dateParam, homeQuery, sortParam, yearParam, zoneParam } from './heating-params.js';
import type { HeatingService } from './heating-service.js';

/** Registers the heating API. */
export function registerHeatingApiRoutes(app: FastifyInstance, heating: HeatingService): void {
  app.get('/api/v1/heating/years', async () => heating.years());

  app.get('/api/v1/heating/years/:year', async (req) => {
    const p = parseInput(z.object({ year: yearParam }), req.params, 'path');
    const q = parseInput(homeQuery, req.query, 'query');
    return heating.scopeYear(p.year, undefined, q.home);
  });

  app.get('/api/v1/heating/years/:year/zones/:zone', async (req) => {
    const p = parseInput(z.object({ year: yearParam, zone: zoneParam }), req.params, 'path');
    const q = parseInput(homeQuery, req.query, 'query');
    return heating.scopeYear(p.year, p.zone, q.home);
  });

  app.get('/api/v1/heating/years/:year/unusual-days', async (req) => {
    const p = parseInput(z.object({ year: yearParam }), req.params, 'path');
    const q = parseInput(homeQuery.extend({ sort: sortParam.optional() }), req.query, 'query');
    return heating.unusualDays(p.year, q.sort, q.home);
  });

  app.get('/api/v1/heating/zones/:zone/days/:date', async (req) => {
    const p = parseInput(z.object({ zone: zoneParam, date: dateParam }), req.params, 'path');
    const q = parseInput(homeQuery, req.query, 'query');
    return heating.zoneDay(p.zone, p.date, q.home);
  });
}
