/**
 * The REST API under `/api/v1`, in the shape of Airflow's stable REST API (paths, field names,
 * `limit`/`offset` paging with `total_entries`, problem JSON errors). Source: Airflow 2's
 * "Stable REST API" reference. Writes need `Authorization: Bearer <HEATFLOW_WEB_TOKEN>`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordEvent, type EventLogEntry } from '../audit/event-log.js';
import { HeatflowError, NotFoundError } from '../core/errors.js';
import { RunConfError } from '../core/run-conf.js';
import { HEATFLOW_VERSION } from '../core/version.js';
import { parseDagDate } from '../core/timetable.js';
import { resolveTriggerDate } from '../core/trigger-date.js';
import { listImportErrors, setDagPaused } from '../db/dag-repository.js';
import { getRun } from '../db/dag-run-repository.js';
import {
  getTiWithTry,
  getTry,
  listBackfillProgress,
  listDagSummaries,
  getRunJson,
  listRunPageJson,
  listTisOfRuns,
  listTriesOf,
  pingDatabase,
  RUN_ORDER_COLUMNS,
} from '../db/web-queries.js';
import {
  clearTaskInstances,
  createBackfill,
  markTaskInstance,
  triggerDagRun,
} from '../scheduler/dag-run-service.js';
import {
  backfillJson,
  dagJson,
  dagSummaryJson,
  taskInstanceJson,
  taskTryJson,
  xcomJson,
} from './api-serializers.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { requestActor } from './web-auth.js';
import { storedSecretsMasker } from '../secrets/stored-secrets-masker.js';
import { webStores } from './secret-route-helpers.js';
import { decodeLogToken, encodeLogToken, logFileOf, readLogSlice } from './log-reader.js';
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

const MAX_LIMIT = 1000;
/** `limit`: a page size, 100 by default, capped at 1000 (Airflow's `maximum_page_limit`). */
export const limitSchema = z.coerce
  .number()
  .int()
  .min(1)
  .default(100)
  .transform((n) => Math.min(n, MAX_LIMIT));
/** `offset`: items to skip. */
export const offsetSchema = z.coerce.number().int().min(0).default(0);
const TI_STATES = [
  'none',
  'scheduled',
  'queued',
  'running',
  'success',
  'failed',
  'up_for_retry',
  'up_for_reschedule',
  'upstream_failed',
  'skipped',
  'removed',
] as const;
const RUN_STATES = ['queued', 'running', 'success', 'failed'] as const;
/** Log bytes returned per call unless `full_content=true`. */
const LOG_CHUNK_BYTES = 256 * 1024;

const dagParams = z.object({ dagId: idSchema });
const runParams = z.object({ dagId: idSchema, runId: runIdSchema });
const tiParams = runParams.extend({ taskId: idSchema });

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

const clearBody = z.strictObject({
  dry_run: z.boolean().default(true),
  task_ids: z.array(idSchema).optional(),
  start_date: instantSchema.optional(),
  end_date: instantSchema.optional(),
  only_failed: z.boolean().default(true),
  only_running: z.boolean().default(false),
  include_downstream: z.boolean().default(false),
  include_upstream: z.boolean().default(false),
  include_future: z.boolean().default(false),
  include_past: z.boolean().default(false),
  include_subdags: z.boolean().optional(),
  include_parentdag: z.boolean().optional(),
  reset_dag_runs: z.boolean().optional(),
  dag_run_id: runIdSchema.optional(),
});

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

/**
 * Maps a service error to an HTTP problem.
 * @param confParameter - the body parameter a run conf came in (`conf`, `dag_run_conf`), named by
 *   the 400 of a conf the DAG refuses
 */
export function serviceProblem(err: unknown, confParameter = 'conf'): unknown {
  if (err instanceof HttpProblem) return err;
  if (err instanceof RunConfError)
    return new HttpProblem(
      400,
      `invalid body parameter "${confParameter}": ${err.message}`,
      'Invalid conf',
      confParameter,
    );
  if (err instanceof NotFoundError) return new HttpProblem(404, err.message);
  if (err instanceof HeatflowError) {
    if (err.code === 'RUN_EXISTS') return new HttpProblem(409, err.message, 'DAG run already exists');
    if (
      [
        'BACKFILL_EMPTY',
        'BACKFILL_RANGE',
        'BACKFILL_ASSET_SCHEDULED',
        'TIMETABLE',
        'INVALID_DATE',
        'INVALID_ID',
      ].includes(err.code) ||
      err.name === 'TimetableError'
    ) {
      return new HttpProblem(400, err.message);
    }
  }
  return err;
}

/** Registers the `/api/v1` routes. */
export function registerApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;

  /** Writes need the bearer token (never the session cookie: no CSRF through the API). */
  const requireBearer = (req: FastifyRequest): void => {
    if (!ctx.auth.enabled)
      throw new HttpProblem(403, 'actions are disabled: the server has no HEATFLOW_WEB_TOKEN');
    if (!ctx.auth.hasBearer(req))
      throw new HttpProblem(401, 'this action needs the header "Authorization: Bearer <HEATFLOW_WEB_TOKEN>"');
  };

  /** Records an API action in the event log (after it succeeded). */
  const audit = (req: FastifyRequest, entry: EventLogEntry) =>
    recordEvent(rt.db, requestActor(ctx.auth, req, 'api'), entry, rt.logger);

  const tiOr404 = async (dagId: string, runId: string, taskId: string) => {
    const ti = await getTiWithTry(rt.db, dagId, runId, taskId);
    if (ti === undefined)
      throw new HttpProblem(
        404,
        `task instance "${taskId}" of DAG run "${runId}" of DAG "${dagId}" not found`,
        'Task instance not found',
      );
    return ti;
  };
  const runOr404 = async (dagId: string, runId: string) => {
    const run = await getRun(rt.db, dagId, runId);
    if (run === undefined)
      throw new HttpProblem(404, `DAG run "${runId}" of DAG "${dagId}" not found`, 'DAG run not found');
    return run;
  };

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

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances', async (req) => {
    const p = parseInput(runParams, req.params, 'path');
    const q = parseInput(
      z.object({
        limit: limitSchema,
        offset: offsetSchema,
        state: listParam.pipe(z.array(z.enum(TI_STATES))).optional(),
      }),
      req.query,
      'query',
    );
    await runOr404(p.dagId, p.runId);
    const all = await listTisOfRuns(
      rt.db,
      p.dagId,
      [p.runId],
      q.state === undefined ? {} : { states: q.state },
    );
    return {
      task_instances: all.slice(q.offset, q.offset + q.limit).map((t) => taskInstanceJson(t)),
      total_entries: all.length,
    };
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances/:taskId', async (req) => {
    const p = parseInput(tiParams, req.params, 'path');
    return taskInstanceJson(await tiOr404(p.dagId, p.runId, p.taskId));
  });

  app.patch('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances/:taskId', async (req) => {
    requireBearer(req);
    const p = parseInput(tiParams, req.params, 'path');
    const body = parseInput(
      z.strictObject({
        dry_run: z.boolean().default(false),
        new_state: z.enum(['success', 'failed', 'skipped']),
      }),
      req.body ?? {},
      'body',
    );
    const ti = await tiOr404(p.dagId, p.runId, p.taskId);
    if (!body.dry_run) {
      try {
        await markTaskInstance(rt.deps, { dagId: p.dagId, runId: p.runId, taskId: p.taskId }, body.new_state);
      } catch (err) {
        throw serviceProblem(err);
      }
      await audit(req, {
        event: 'mark',
        dagId: p.dagId,
        runId: p.runId,
        taskId: p.taskId,
        logicalDate: ti.logical_date,
        extra: { state: body.new_state },
      });
    }
    return {
      task_id: ti.task_id,
      dag_id: ti.dag_id,
      dag_run_id: ti.run_id,
      execution_date: ti.logical_date.toISOString(),
    };
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/tries', async (req) => {
    const p = parseInput(tiParams, req.params, 'path');
    await tiOr404(p.dagId, p.runId, p.taskId);
    const tries = await listTriesOf(rt.db, p.dagId, p.runId, p.taskId);
    return { task_instances: tries.map(taskTryJson), total_entries: tries.length };
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/logs/:tryNumber', async (req, reply) => {
    const p = parseInput(tiParams.extend({ tryNumber: z.coerce.number().int().min(1) }), req.params, 'path');
    const q = parseInput(
      z.object({ full_content: queryBool.default(false), token: z.string().max(200).optional() }),
      req.query,
      'query',
    );
    const ti = await tiOr404(p.dagId, p.runId, p.taskId);
    const tryRow = await getTry(rt.db, p.dagId, p.runId, p.taskId, p.tryNumber);
    if (tryRow === undefined)
      throw new HttpProblem(
        404,
        `try ${p.tryNumber} of task instance "${p.taskId}" of run "${p.runId}" not found (latest try: ${ti.try_number})`,
        'Try not found',
      );
    const file = logFileOf(rt.config.HEATFLOW_LOG_DIR, tryRow.log_path, {
      dagId: p.dagId,
      runId: p.runId,
      taskId: p.taskId,
      tryNumber: p.tryNumber,
    });
    const offset = q.token === undefined ? 0 : decodeLogToken(q.token);
    const slice =
      file === undefined
        ? undefined
        : await readLogSlice(file, offset, q.full_content ? Number.MAX_SAFE_INTEGER : LOG_CHUNK_BYTES);
    const tryRunning = tryRow.state === 'running' || tryRow.state === 'queued';
    const content = slice?.content ?? '';
    const nextOffset = slice?.nextOffset ?? offset;
    const endOfLog = !tryRunning && (slice === undefined || slice.missing || nextOffset >= slice.sizeBytes);
    if (acceptsTextOnly(req)) {
      return reply
        .type('text/plain; charset=utf-8')
        .header('x-continuation-token', encodeLogToken(nextOffset))
        .send(content);
    }
    return {
      continuation_token: encodeLogToken(nextOffset),
      content,
      end_of_log: endOfLog,
      missing: slice?.missing ?? true,
    };
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/xcomEntries', async (req) => {
    const p = parseInput(tiParams, req.params, 'path');
    const q = parseInput(z.object({ limit: limitSchema, offset: offsetSchema }), req.query, 'query');
    const ti = await tiOr404(p.dagId, p.runId, p.taskId);
    const entries = await rt.xcom.list({ dagId: p.dagId, runId: p.runId, taskId: p.taskId });
    return {
      xcom_entries: entries.slice(q.offset, q.offset + q.limit).map((e) => xcomJson(ti, e.key)),
      total_entries: entries.length,
    };
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/taskInstances/:taskId/xcomEntries/:key', async (req) => {
    const p = parseInput(tiParams.extend({ key: z.string().min(1).max(250) }), req.params, 'path');
    const q = parseInput(z.object({ deserialize: queryBool.default(false) }), req.query, 'query');
    const ti = await tiOr404(p.dagId, p.runId, p.taskId);
    const raw = await rt.xcom.pull({ dagId: p.dagId, runId: p.runId, taskId: p.taskId }, p.key);
    // secrets of the variable and connection stores are shown as *** (as Airflow masks XComs)
    const value = raw === undefined ? undefined : (await storedSecretsMasker(webStores(ctx))).maskJson(raw);
    if (value === undefined)
      throw new HttpProblem(
        404,
        `XCom entry "${p.key}" of task instance "${p.taskId}" of run "${p.runId}" not found`,
        'XCom entry not found',
      );
    const out = xcomJson(ti, p.key, { value });
    return q.deserialize ? { ...out, value } : out;
  });

  app.post('/api/v1/dags/:dagId/clearTaskInstances', async (req) => {
    requireBearer(req);
    const p = parseInput(dagParams, req.params, 'path');
    const body = parseInput(clearBody, req.body ?? {}, 'body');
    for (const f of ['include_upstream', 'include_future', 'include_past', 'only_running'] as const) {
      if (body[f])
        throw new HttpProblem(400, `invalid body parameter "${f}": not supported by heatflow`, undefined, f);
    }
    const dag = await ctx.dag(p.dagId);
    if (body.dag_run_id !== undefined) await runOr404(p.dagId, body.dag_run_id);
    const unknown = body.task_ids?.find((t) => !dag.tasks.has(t));
    if (unknown !== undefined)
      throw new HttpProblem(
        400,
        `invalid body parameter "task_ids": DAG "${dag.dagId}" has no task "${unknown}"`,
        undefined,
        'task_ids',
      );
    const cleared = await clearTaskInstances(rt.deps, dag, {
      ...defined({ start: body.start_date, end: body.end_date, taskIds: body.task_ids }),
      ...(body.dag_run_id === undefined ? {} : { runIds: [body.dag_run_id] }),
      onlyFailed: body.only_failed,
      downstream: body.include_downstream,
      dryRun: body.dry_run,
    });
    if (!body.dry_run)
      await audit(req, {
        event: 'clear',
        dagId: dag.dagId,
        runId: body.dag_run_id ?? null,
        taskId: body.task_ids?.length === 1 ? body.task_ids[0] : null,
        extra: {
          cleared: cleared.length,
          task_ids: body.task_ids ?? null,
          only_failed: body.only_failed,
          include_downstream: body.include_downstream,
        },
      });
    const runs = new Map<string, Date>();
    for (const c of cleared) {
      if (!runs.has(c.runId))
        runs.set(c.runId, (await getRun(rt.db, dag.dagId, c.runId))?.logical_date ?? new Date(0));
    }
    return {
      task_instances: cleared.map((c) => ({
        task_id: c.taskId,
        dag_id: dag.dagId,
        dag_run_id: c.runId,
        execution_date: runs.get(c.runId)?.toISOString() ?? null,
        previous_state: c.previousState,
      })),
    };
  });

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

/** Parses a date given to an action (`YYYY-MM-DD` in the DAG's zone, or ISO date-time). @throws HttpProblem 400 naming it */
export function parseDate(name: string, value: string, timezone: string, endOfDay: boolean): Date {
  try {
    return parseDagDate(value, timezone, endOfDay);
  } catch (err) {
    throw new HttpProblem(400, `invalid parameter "${name}": ${(err as Error).message}`, undefined, name);
  }
}

/** Sends JSON text built elsewhere (by Postgres). */
function sendJson(reply: FastifyReply, json: string): FastifyReply {
  return reply.type('application/json; charset=utf-8').send(json);
}

function runNotFound(dagId: string, runId: string): HttpProblem {
  return new HttpProblem(404, `DAG run "${runId}" of DAG "${dagId}" not found`, 'DAG run not found');
}

function acceptsTextOnly(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/plain') && !accept.includes('application/json');
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

/** The entries of an object whose value is defined (for `exactOptionalPropertyTypes`-style options). */
function defined<T extends Record<string, unknown>>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>;
  };
}
