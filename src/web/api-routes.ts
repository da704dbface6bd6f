/**
 * The REST API under `/api/v1`, in the shape of Airflow's stable REST API (paths, field names,
 * `limit`/`offset` paging with `total_entries`, problem JSON errors). Source: Airflow 2's
 * "Stable REST API" reference. Writes need `Authorization: Bearer <HEATFLOW_WEB_TOKEN>`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { HEATFLOW_VERSION } from '../core/version.js';
import { resolveTriggerDate } from '../core/trigger-date.js';
import { listImportErrors, setDagPaused } from '../db/dag-repository.js';
import {
  listDagSummaries,
  getRunJson,
  listRunPageJson,
  pingDatabase,
  RUN_ORDER_COLUMNS,
} from '../db/web-queries.js';
import { triggerDagRun } from '../scheduler/dag-run-service.js';
import { dagJson, dagSummaryJson } from './api-serializers.js';
import {
  apiGuards,
  dagParams,
  defined,
  limitSchema,
  offsetSchema,
  runParams,
  serviceProblem,
} from './api-common.js';
import { registerBackfillApiRoutes } from './backfill-api-routes.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { registerTaskInstanceApiRoutes } from './task-instance-api-routes.js';
import {
  confSchema,
  idSchema,
  instantSchema,
  listParam,
  queryBool,
  runIdSchema,
  triggerDateSchema,
  type WebContext,
} from './web-context.js';

const RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;

const orderBySchema = z
  .string()
  .regex(/^-?[a-z_]+$/, 'a field name, optionally prefixed with -')
  .refine((s) => s.replace(/^-/, '') in RUN_ORDER_COLUMNS, {
    message: `one of ${Object.keys(RUN_ORDER_COLUMNS).join(', ')} (prefix - to reverse)`,
  })
  .default('id');

const runListQuery = z.object({
  limit: limitSchema,
  offset: offsetSchema,
  execution_date_gte: instantSchema.optional(),
  execution_date_lte: instantSchema.optional(),
  logical_date_gte: instantSchema.optional(),
  logical_date_lte: instantSchema.optional(),
  start_date_gte: instantSchema.optional(),
  start_date_lte: instantSchema.optional(),
  end_date_gte: instantSchema.optional(),
  end_date_lte: instantSchema.optional(),
  updated_at_gte: instantSchema.optional(),
  updated_at_lte: instantSchema.optional(),
  state: listParam.pipe(z.array(z.enum(RUN_STATES))).optional(),
  run_type: listParam
    .pipe(z.array(z.enum(['scheduled', 'manual', 'backfill', 'asset_triggered', 'dataset_triggered'])))
    .transform((types) => types.map((t) => (t === 'dataset_triggered' ? 'asset_triggered' : t)))
    .optional(),
  order_by: orderBySchema,
});

const triggerBody = z.strictObject({
  dag_run_id: runIdSchema.optional(),
  logical_date: triggerDateSchema.optional(),
  execution_date: triggerDateSchema.optional(),
  conf: confSchema.optional(),
  note: z.string().max(1000).optional(),
});

/** Registers the `/api/v1` routes of health, DAGs and DAG runs, then the task-instance and backfill routes. */
export function registerApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;
  registerTaskInstanceApiRoutes(app, ctx);
  registerBackfillApiRoutes(app, ctx);

  const { requireBearer, audit } = apiGuards(ctx);

  app.get('/api/v1/health', async (_req, reply) => {
    let metadatabase: Record<string, unknown>;
    try {
      await pingDatabase(rt.db);
      metadatabase = { status: 'healthy' };
    } catch (err) {
      metadatabase = { status: 'unhealthy', error: (err as Error).message };
    }
    let scheduler: Record<string, unknown>;
    try {
      const beat = await rt.redis.get(`${rt.config.HEATFLOW_REDIS_PREFIX}:scheduler-heartbeat`);
      const at = beat === null ? null : new Date(Number(beat));
      scheduler = {
        status: at !== null && Date.now() - at.getTime() < 30_000 ? 'healthy' : 'unhealthy',
        latest_scheduler_heartbeat: at?.toISOString() ?? null,
      };
    } catch (err) {
      scheduler = { status: 'unhealthy', latest_scheduler_heartbeat: null, error: (err as Error).message };
    }
    const ok = metadatabase.status === 'healthy';
    return reply.code(ok ? 200 : 503).send({ metadatabase, scheduler });
  });

  app.get('/api/v1/version', (_req, reply) => reply.send({ version: HEATFLOW_VERSION, git_version: null }));

  app.get('/api/v1/importErrors', async () => {
    const rows = await listImportErrors(rt.db);
    return {
      import_errors: rows.map((r, i) => ({
        import_error_id: i + 1,
        timestamp: r.created_at.toISOString(),
        filename: r.filename,
        stack_trace: r.error,
      })),
      total_entries: rows.length,
    };
  });

  app.get('/api/v1/dags', async (req) => {
    const q = parseInput(
      z.object({
        limit: limitSchema,
        offset: offsetSchema,
        paused: queryBool.optional(),
        only_active: queryBool.default(true),
        dag_id_pattern: z.string().max(250).optional(),
        tags: listParam.optional(),
      }),
      req.query,
      'query',
    );
    const [summaries, errors] = await Promise.all([
      listDagSummaries(rt.db, {
        onlyActive: q.only_active,
        ...(q.paused === undefined ? {} : { paused: q.paused }),
      }),
      listImportErrors(rt.db),
    ]);
    const pattern = q.dag_id_pattern?.toLowerCase();
    const matching = summaries.filter(
      (s) =>
        (pattern === undefined || s.dag.dag_id.toLowerCase().includes(pattern)) &&
        (q.tags === undefined || q.tags.some((t) => s.dag.tags.includes(t))),
    );
    const errorFiles = new Set(errors.map((e) => e.filename));
    const page = matching.slice(q.offset, q.offset + q.limit);
    const nextRuns = await Promise.all(page.map((s) => ctx.nextRun(s.dag)));
    return {
      dags: page.map((s, i) =>
        dagSummaryJson(s, {
          hasImportErrors: s.dag.fileloc !== null && errorFiles.has(s.dag.fileloc),
          nextRun: nextRuns[i] ?? null,
        }),
      ),
      total_entries: matching.length,
    };
  });

  app.get('/api/v1/dags/:dagId', async (req) => {
    const p = parseInput(dagParams, req.params, 'path');
    const row = await ctx.dagRow(p.dagId);
    return dagJson(row, { nextRun: await ctx.nextRun(row) });
  });

  app.patch('/api/v1/dags/:dagId', async (req) => {
    requireBearer(req);
    const p = parseInput(dagParams, req.params, 'path');
    const q = parseInput(z.object({ update_mask: listParam.optional() }), req.query, 'query');
    if (q.update_mask !== undefined && q.update_mask.some((f) => f !== 'is_paused')) {
      throw new HttpProblem(
        400,
        'invalid query parameter "update_mask": only is_paused can be updated',
        undefined,
        'update_mask',
      );
    }
    const body = parseInput(z.object({ is_paused: z.boolean() }), req.body ?? {}, 'body');
    await ctx.dagRow(p.dagId);
    await setDagPaused(rt.db, p.dagId, body.is_paused);
    await audit(req, { event: body.is_paused ? 'pause' : 'unpause', dagId: p.dagId });
    const row = await ctx.dagRow(p.dagId);
    return dagJson(row, { nextRun: await ctx.nextRun(row) });
  });

  app.get('/api/v1/dags/:dagId/dagRuns', async (req, reply) => {
    const p = parseInput(z.object({ dagId: z.union([z.literal('~'), idSchema]) }), req.params, 'path');
    const q = parseInput(runListQuery, req.query, 'query');
    const descending = q.order_by.startsWith('-');
    const page = await listRunPageJson(
      rt.db,
      {
        ...(p.dagId === '~' ? {} : { dagId: p.dagId }),
        ...defined({
          logicalDateGte: later(q.execution_date_gte, q.logical_date_gte),
          logicalDateLte: earlier(q.execution_date_lte, q.logical_date_lte),
          startDateGte: q.start_date_gte,
          startDateLte: q.start_date_lte,
          endDateGte: q.end_date_gte,
          endDateLte: q.end_date_lte,
          updatedAtGte: q.updated_at_gte,
          updatedAtLte: q.updated_at_lte,
          states: q.state,
          runTypes: q.run_type,
        }),
      },
      {
        limit: q.limit,
        offset: q.offset,
        orderBy: q.order_by.replace(/^-/, '') as keyof typeof RUN_ORDER_COLUMNS,
        descending,
      },
    );
    // runs exist only for known DAGs (DAG rows are never deleted): check the DAG only when none matched
    if (page.totalEntries === 0 && p.dagId !== '~') await ctx.dagRow(p.dagId);
    return sendJson(reply, `{"dag_runs":${page.json},"total_entries":${page.totalEntries}}`);
  });

  app.post('/api/v1/dags/:dagId/dagRuns', async (req, reply) => {
    requireBearer(req);
    const p = parseInput(dagParams, req.params, 'path');
    const body = parseInput(triggerBody, req.body ?? {}, 'body');
    const dag = await ctx.dag(p.dagId);
    // a bare date is that local day's scheduled logical date, as `dags trigger --logical-date`
    const logical =
      body.logical_date === undefined
        ? undefined
        : resolveTriggerDate(dag, body.logical_date.replace(' ', 'T'));
    const execution =
      body.execution_date === undefined
        ? undefined
        : resolveTriggerDate(dag, body.execution_date.replace(' ', 'T'));
    if (
      logical !== undefined &&
      execution !== undefined &&
      logical.logicalDate.getTime() !== execution.logicalDate.getTime()
    ) {
      throw new HttpProblem(
        400,
        'invalid body parameter "execution_date": give logical_date or execution_date, not two different dates',
        undefined,
        'execution_date',
      );
    }
    const when = logical ?? execution;
    try {
      const run = await triggerDagRun(rt.deps, dag, {
        ...(when === undefined ? {} : { logicalDate: when.logicalDate }),
        ...(when?.dataInterval === undefined ? {} : { dataInterval: when.dataInterval }),
        ...(body.conf === undefined ? {} : { conf: body.conf }),
        ...(body.dag_run_id === undefined ? {} : { runId: body.dag_run_id }),
      });
      await audit(req, {
        event: 'trigger',
        dagId: dag.dagId,
        runId: run.run_id,
        logicalDate: run.logical_date,
      });
      return sendJson(reply, (await getRunJson(rt.db, dag.dagId, run.run_id)) ?? '{}');
    } catch (err) {
      throw serviceProblem(err);
    }
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId', async (req, reply) => {
    const p = parseInput(runParams, req.params, 'path');
    const json = await getRunJson(rt.db, p.dagId, p.runId);
    if (json === undefined) throw runNotFound(p.dagId, p.runId);
    return sendJson(reply, json);
  });
}

/** Sends JSON text built elsewhere (by Postgres). */
function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

function runNotFound(dagId: string, runId: string): HttpProblem {
  return new HttpProblem(404, `DAG run "${runId}" of DAG "${dagId}" not found`, 'DAG run not found');
}

function later(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a > b ? a : b;
}

function earlier(a: Date | undefined, b: Date | undefined): Date | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
