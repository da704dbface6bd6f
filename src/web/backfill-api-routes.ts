/**
 * The backfill routes of `/api/v1` (Airflow 3's `/backfills`): list, get and create backfills;
 * creating one needs the bearer token and is recorded in the event log.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listBackfillProgress } from '../db/web-queries.js';
import { createBackfill } from '../scheduler/dag-run-service.js';
import { apiGuards, limitSchema, parseDate, serviceProblem } from './api-common.js';
import { backfillJson } from './api-serializers.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { confSchema, idSchema, type WebContext } from './web-context.js';

const backfillBody = z.strictObject({
  dag_id: idSchema,
  from_date: z.string().min(1),
  to_date: z.string().min(1),
  reprocess_behavior: z.enum(['none', 'failed', 'completed']).default('none'),
  run_backwards: z.boolean().default(false),
  max_active_runs: z.number().int().min(1).max(1000).optional(),
  dag_run_conf: confSchema.default({}),
  dry_run: z.boolean().default(false),
});

/** Registers the backfill routes. */
export function registerBackfillApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;
  const { requireBearer, audit } = apiGuards(ctx);

  app.get('/api/v1/backfills', async (req) => {
    const q = parseInput(z.object({ dag_id: idSchema.optional(), limit: limitSchema }), req.query, 'query');
    const rows = await listBackfillProgress(rt.db, {
      ...(q.dag_id === undefined ? {} : { dagId: q.dag_id }),
      limit: q.limit,
    });
    return { backfills: rows.map((b) => backfillJson(b.backfill, b)), total_entries: rows.length };
  });

  app.get('/api/v1/backfills/:backfillId', async (req) => {
    const p = parseInput(
      z.object({ backfillId: z.string().regex(/^\d{1,18}$/, 'a backfill id (digits)') }),
      req.params,
      'path',
    );
    const [b] = await listBackfillProgress(rt.db, { id: p.backfillId });
    if (b === undefined)
      throw new HttpProblem(404, `backfill ${p.backfillId} not found`, 'Backfill not found');
    return backfillJson(b.backfill, b);
  });

  app.post('/api/v1/backfills', async (req, reply) => {
    requireBearer(req);
    const body = parseInput(backfillBody, req.body ?? {}, 'body');
    const dag = await ctx.dag(body.dag_id);
    const from = parseDate('from_date', body.from_date, dag.timezone, false);
    const to = parseDate('to_date', body.to_date, dag.timezone, true);
    try {
      const r = await createBackfill(rt.deps, dag, {
        from,
        to,
        reprocess: body.reprocess_behavior,
        runBackwards: body.run_backwards,
        dryRun: body.dry_run,
        conf: body.dag_run_conf,
        ...(body.max_active_runs === undefined ? {} : { maxActiveRuns: body.max_active_runs }),
      });
      const plan = r.plan.map((i) => ({
        logical_date: i.logicalDate.toISOString(),
        dag_run_id: i.runId,
        action: i.action,
        existing_state: i.existingState ?? null,
      }));
      if (r.backfill === undefined) return { dry_run: true, plan };
      await audit(req, {
        event: 'backfill',
        dagId: dag.dagId,
        extra: {
          backfill_id: r.backfill.id,
          from_date: from.toISOString(),
          to_date: to.toISOString(),
          reprocess_behavior: body.reprocess_behavior,
          runs: plan.filter((i) => i.action !== 'skip').length,
        },
      });
      return reply.code(200).send({ ...backfillJson(r.backfill), plan });
    } catch (err) {
      throw serviceProblem(err, 'dag_run_conf');
    }
  });
}
