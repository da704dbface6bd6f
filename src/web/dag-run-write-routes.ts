/**
 * Writes on one DAG run and the batch run list, in the shape of Airflow 2's stable REST API:
 * `PATCH /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}` (`UpdateDagRunState`: `{"state": "success" |
 * "failed" | "queued"}`, plus `note`), `DELETE /api/v1/dags/{dag_id}/dagRuns/{dag_run_id}` (204)
 * and `POST /api/v1/dags/~/dagRuns/list` (`ListDagRunsForm`). The writes need the bearer token and
 * go through the run-state services, which take the run's lock.
 */
import { recordEvent } from '../audit/event-log.js';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { NotFoundError } from '../core/errors.js';
import { getRunJson, listRunPageJson, RUN_ORDER_COLUMNS } from '../db/web-queries.js';
import { deleteDagRun, setDagRunState } from '../scheduler/dag-run-state-service.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { requestActor } from './web-auth.js';
import { idSchema, instantSchema, runIdSchema, type WebContext } from './web-context.js';

const runParams = z.object({ dagId: idSchema, runId: runIdSchema });

const updateBody = z.strictObject({
  state: z.enum(['success', 'failed', 'queued']),
  note: z.string().max(1000).optional(),
});

/** Airflow's `ListDagRunsForm`; `page_limit` is capped at 1000 (Airflow's `maximum_page_limit`). */
const listForm = z.strictObject({
  order_by: z
    .string()
    .regex(/^-?[a-z_]+$/, 'a field name, optionally prefixed with -')
    .refine((s) => s.replace(/^-/, '') in RUN_ORDER_COLUMNS, {
      message: `one of ${Object.keys(RUN_ORDER_COLUMNS).join(', ')} (prefix - to reverse)`,
    })
    .default('id'),
  page_offset: z.number().int().min(0).default(0),
  page_limit: z
    .number()
    .int()
    .min(1)
    .default(100)
    .transform((n) => Math.min(n, 1000)),
  dag_ids: z.array(idSchema).max(1000).optional(),
  states: z.array(z.enum(['queued', 'running', 'success', 'failed'])).optional(),
  execution_date_gte: instantSchema.optional(),
  execution_date_lte: instantSchema.optional(),
  start_date_gte: instantSchema.optional(),
  start_date_lte: instantSchema.optional(),
  end_date_gte: instantSchema.optional(),
  end_date_lte: instantSchema.optional(),
});

/** Registers PATCH and DELETE of a DAG run and `POST /dags/~/dagRuns/list`. */
export function registerDagRunWriteRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;

  /** Writes need the bearer token (never the session cookie: no CSRF through the API). */
  const requireBearer = (req: FastifyRequest): void => {
    if (!ctx.auth.enabled)
      throw new HttpProblem(403, 'actions are disabled: the server has no HEATFLOW_WEB_TOKEN');
    if (!ctx.auth.hasBearer(req))
      throw new HttpProblem(401, 'this action needs the header "Authorization: Bearer <HEATFLOW_WEB_TOKEN>"');
  };
  const notFound = (err: unknown): unknown =>
    err instanceof NotFoundError ? new HttpProblem(404, err.message, 'DAG run not found') : err;

  app.patch('/api/v1/dags/:dagId/dagRuns/:runId', async (req, reply) => {
    requireBearer(req);
    const p = parseInput(runParams, req.params, 'path');
    const body = parseInput(updateBody, req.body ?? {}, 'body');
    try {
      await setDagRunState(rt.deps, { dagId: p.dagId, runId: p.runId }, body.state, body.note);
    } catch (err) {
      throw notFound(err);
    }
    await recordEvent(rt.db, requestActor(ctx.auth, req, 'api'), {
      event: 'dag_run.set_state',
      dagId: p.dagId,
      runId: p.runId,
      extra: { state: body.state },
    });
    const json = await getRunJson(rt.db, p.dagId, p.runId);
    return reply.type('application/json; charset=utf-8').send(json ?? '{}');
  });

  app.delete('/api/v1/dags/:dagId/dagRuns/:runId', async (req, reply) => {
    requireBearer(req);
    const p = parseInput(runParams, req.params, 'path');
    try {
      await deleteDagRun(rt.deps, { dagId: p.dagId, runId: p.runId });
    } catch (err) {
      throw notFound(err);
    }
    await recordEvent(rt.db, requestActor(ctx.auth, req, 'api'), {
      event: 'dag_run.delete',
      dagId: p.dagId,
      runId: p.runId,
    });
    return reply.code(204).send();
  });

  app.post('/api/v1/dags/~/dagRuns/list', async (req, reply) => {
    const f = parseInput(listForm, req.body ?? {}, 'body');
    const page = await listRunPageJson(
      rt.db,
      Object.fromEntries(
        Object.entries({
          dagIds: f.dag_ids,
          states: f.states,
          logicalDateGte: f.execution_date_gte,
          logicalDateLte: f.execution_date_lte,
          startDateGte: f.start_date_gte,
          startDateLte: f.start_date_lte,
          endDateGte: f.end_date_gte,
          endDateLte: f.end_date_lte,
        }).filter(([, v]) => v !== undefined),
      ),
      {
        limit: f.page_limit,
        offset: f.page_offset,
        orderBy: f.order_by.replace(/^-/, '') as keyof typeof RUN_ORDER_COLUMNS,
        descending: f.order_by.startsWith('-'),
      },
    );
    return reply
      .type('application/json; charset=utf-8')
      .send(`{"dag_runs":${page.json},"total_entries":${page.totalEntries}}`);
  });
}
