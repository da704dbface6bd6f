/**
 * The task-instance routes of `/api/v1` (Airflow 2's stable REST API): list, get and mark task
 * instances, their tries, logs (paged by continuation token) and XCom entries, and
 * `clearTaskInstances`. Writes need the bearer token.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getRun } from '../db/dag-run-repository.js';
import { getTry, listTisOfRuns, listTriesOf } from '../db/web-queries.js';
import { clearTaskInstances, markTaskInstance } from '../scheduler/dag-run-service.js';
import { storedSecretsMasker } from '../secrets/stored-secrets-masker.js';
import {
  apiGuards,
  dagParams,
  defined,
  limitSchema,
  offsetSchema,
  runParams,
  serviceProblem,
  TI_STATES,
  tiParams,
} from './api-common.js';
import { taskInstanceJson, taskTryJson, xcomJson } from './api-serializers.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { decodeLogToken, encodeLogToken, logFileOf, readLogSlice } from './log-reader.js';
import { webStores } from './secret-route-helpers.js';
import {
  idSchema,
  instantSchema,
  listParam,
  queryBool,
  runIdSchema,
  type WebContext,
} from './web-context.js';

/** Log bytes returned per call unless `full_content=true`. */
const LOG_CHUNK_BYTES = 256 * 1024;

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

/** Registers the task-instance routes. */
export function registerTaskInstanceApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;
  const { requireBearer, audit, tiOr404, runOr404 } = apiGuards(ctx);

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
}

function acceptsTextOnly(req: FastifyRequest): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes('text/plain') && !accept.includes('application/json');
}
