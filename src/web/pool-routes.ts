/**
 * `/api/v1/pools`, in the shape of Airflow's stable REST API (`Pool`: name, slots,
 * occupied_slots, running_slots, queued_slots, open_slots, description; `PoolCollection` with
 * `total_entries`). Writes need `Authorization: Bearer <HEATFLOW_WEB_TOKEN>` and are recorded in
 * the event log (`pool.set`, `pool.delete`).
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordEvent } from '../audit/event-log.js';
import {
  DEFAULT_POOL,
  deletePool,
  getPool,
  listPools,
  setPool,
  type PoolWithUsage,
} from '../db/pool-repository.js';
import { limitSchema, offsetSchema } from './api-common.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { requestActor } from './web-auth.js';
import { idSchema, listParam, type WebContext } from './web-context.js';

/** Airflow's `Pool` object. */
export function poolJson(p: PoolWithUsage): Record<string, unknown> {
  return {
    name: p.name,
    slots: p.slots,
    occupied_slots: p.occupiedSlots,
    running_slots: p.runningSlots,
    queued_slots: p.queuedSlots,
    open_slots: p.openSlots,
    // heatflow has no deferred tasks; Airflow's field, always 0 here
    deferred_slots: 0,
    description: p.description,
    include_deferred: false,
  };
}

/** Slots of a pool: an integer from 0 (a closed pool: nothing new is queued) to 1,000,000. */
export const slotsSchema = z.number().int().min(0).max(1_000_000);
const descriptionSchema = z.string().max(10_000).nullable();

/**
 * Checks an API write: a token is configured and the request carries it as a bearer header
 * (never the session cookie: no CSRF through the API).
 * @throws HttpProblem 403 (actions disabled) or 401
 */
export function requireBearer(ctx: WebContext, req: FastifyRequest): void {
  if (!ctx.auth.enabled)
    throw new HttpProblem(403, 'actions are disabled: the server has no HEATFLOW_WEB_TOKEN');
  if (!ctx.auth.hasBearer(req))
    throw new HttpProblem(401, 'this action needs the header "Authorization: Bearer <HEATFLOW_WEB_TOKEN>"');
}

/** Registers `/api/v1/pools` and `/api/v1/pools/{pool_name}`. */
export function registerPoolRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { db } = ctx.rt;
  const nameParams = z.object({ poolName: idSchema });
  const poolOr404 = async (name: string): Promise<PoolWithUsage> => {
    const p = await getPool(db, name);
    if (p === undefined) throw new HttpProblem(404, `pool "${name}" not found`, 'Pool not found');
    return p;
  };

  app.get('/api/v1/pools', async (req) => {
    const q = parseInput(z.object({ limit: limitSchema, offset: offsetSchema }), req.query, 'query');
    const page = await listPools(db, { limit: q.limit, offset: q.offset });
    return { pools: page.pools.map(poolJson), total_entries: page.totalEntries };
  });

  app.get('/api/v1/pools/:poolName', async (req) => {
    const p = parseInput(nameParams, req.params, 'path');
    return poolJson(await poolOr404(p.poolName));
  });

  app.post('/api/v1/pools', async (req) => {
    requireBearer(ctx, req);
    const body = parseInput(
      z.object({ name: idSchema, slots: slotsSchema, description: descriptionSchema.optional() }),
      req.body ?? {},
      'body',
    );
    if ((await getPool(db, body.name)) !== undefined)
      throw new HttpProblem(409, `pool "${body.name}" already exists`, 'Pool already exists');
    await setPool(db, body.name, body.slots, body.description ?? null);
    await recordEvent(
      db,
      requestActor(ctx.auth, req, 'api'),
      { event: 'pool.set', extra: { pool: body.name, slots: body.slots, created: true } },
      ctx.rt.logger,
    );
    return poolJson(await poolOr404(body.name));
  });

  app.patch('/api/v1/pools/:poolName', async (req) => {
    requireBearer(ctx, req);
    const p = parseInput(nameParams, req.params, 'path');
    const q = parseInput(z.object({ update_mask: listParam.optional() }), req.query, 'query');
    const body = parseInput(
      z.object({
        name: idSchema.optional(),
        slots: slotsSchema.optional(),
        description: descriptionSchema.optional(),
      }),
      req.body ?? {},
      'body',
    );
    const mask = q.update_mask ?? ['slots', 'description'];
    const bad = mask.find((f) => f !== 'slots' && f !== 'description');
    if (bad !== undefined)
      throw new HttpProblem(
        400,
        `invalid query parameter "update_mask": "${bad}" cannot be updated (only slots and description; a pool is not renamed)`,
        undefined,
        'update_mask',
      );
    if (body.name !== undefined && body.name !== p.poolName)
      throw new HttpProblem(
        400,
        `invalid body parameter "name": pools are not renamed ("${body.name}" is not "${p.poolName}")`,
        undefined,
        'name',
      );
    const before = await poolOr404(p.poolName);
    const slots = mask.includes('slots') && body.slots !== undefined ? body.slots : before.slots;
    const description = mask.includes('description') ? body.description : undefined;
    await setPool(db, p.poolName, slots, description);
    await recordEvent(
      db,
      requestActor(ctx.auth, req, 'api'),
      {
        event: 'pool.set',
        extra: { pool: p.poolName, slots, previous_slots: before.slots, created: false },
      },
      ctx.rt.logger,
    );
    return poolJson(await poolOr404(p.poolName));
  });

  app.delete('/api/v1/pools/:poolName', async (req, reply) => {
    requireBearer(ctx, req);
    const p = parseInput(nameParams, req.params, 'path');
    if (p.poolName === DEFAULT_POOL)
      throw new HttpProblem(400, `the pool "${DEFAULT_POOL}" cannot be deleted`, 'Default pool');
    if (!(await deletePool(db, p.poolName)))
      throw new HttpProblem(404, `pool "${p.poolName}" not found`, 'Pool not found');
    await recordEvent(
      db,
      requestActor(ctx.auth, req, 'api'),
      { event: 'pool.delete', extra: { pool: p.poolName } },
      ctx.rt.logger,
    );
    return reply.code(204).send();
  });
}
