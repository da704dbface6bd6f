/**
 * The read endpoints of a DAG's definition, in the shape of Airflow 2's stable REST API:
 * `GET /api/v1/dags/{dag_id}/tasks/{task_id}` (`Task`), `GET /api/v1/dags/{dag_id}/details`
 * (`DAGDetail`), `GET /api/v1/dagStats` (`DagStatsCollectionSchema`) and
 * `GET /api/v1/dagSources/{file_token}` (the DAG file's text). The task list itself,
 * `GET /api/v1/dags/{dag_id}/tasks`, lives beside the Graph view (graph-routes.ts), with the same
 * {@link taskJson}.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { listDagRows, listImportErrors } from '../db/dag-repository.js';
import { listDagSummaries } from '../db/web-queries.js';
import { dagDetailJson, dagStatsJson, taskJson } from './dag-detail-serializers.js';
import { filelocOfToken } from './file-token.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { idSchema, listParam, type WebContext } from './web-context.js';

/** Registers the DAG detail, task, DAG stats and DAG source endpoints. */
export function registerDagDetailRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;

  app.get('/api/v1/dags/:dagId/tasks/:taskId', async (req) => {
    const p = parseInput(z.object({ dagId: idSchema, taskId: idSchema }), req.params, 'path');
    const dag = await ctx.dag(p.dagId);
    const task = dag.tasks.get(p.taskId);
    if (task === undefined)
      throw new HttpProblem(404, `DAG "${p.dagId}" has no task "${p.taskId}"`, 'Task not found');
    return taskJson(dag, task);
  });

  app.get('/api/v1/dags/:dagId/details', async (req) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    const row = await ctx.dagRow(p.dagId);
    const [dag, errors] = await Promise.all([ctx.dag(p.dagId), listImportErrors(rt.db)]);
    return dagDetailJson(row, dag, {
      nextRun: await ctx.nextRun(row),
      hasImportErrors: row.fileloc !== null && errors.some((e) => e.filename === row.fileloc),
    });
  });

  app.get('/api/v1/dagStats', async (req) => {
    const q = parseInput(
      z.object({ dag_ids: listParam.pipe(z.array(idSchema)).optional() }),
      req.query,
      'query',
    );
    const summaries = await listDagSummaries(rt.db, q.dag_ids === undefined ? {} : { dagIds: q.dag_ids });
    const dags = summaries.map((s) => dagStatsJson(s.dag.dag_id, s.runCounts));
    return { dags, total_entries: dags.length };
  });

  app.get('/api/v1/dagSources/:fileToken', async (req, reply) => {
    const p = parseInput(z.object({ fileToken: z.string().min(1).max(2000) }), req.params, 'path');
    const fileloc = await filelocOf(ctx, p.fileToken);
    let content: string;
    try {
      content = await readFile(fileloc, 'utf8');
    } catch {
      throw new HttpProblem(
        404,
        `the DAG file ${fileloc} cannot be read (moved or deleted?)`,
        'DAG source not found',
      );
    }
    const accept = req.headers.accept ?? '';
    if (accept.includes('text/plain') && !accept.includes('application/json'))
      return reply.type('text/plain; charset=utf-8').send(content);
    return { content };
  });
}

/**
 * The DAG file a `/dagSources` key names: a DAG id (heatflow's convenience) or a `file_token`.
 * Only paths recorded as some DAG's `fileloc` under the DAG folder are served.
 * @throws HttpProblem 404 naming the key
 */
async function filelocOf(ctx: WebContext, key: string): Promise<string> {
  const rows = await listDagRows(ctx.rt.db);
  const byId = rows.find((r) => r.dag_id === key);
  const wanted = byId?.fileloc ?? filelocOfToken(key);
  const row = wanted === undefined ? undefined : rows.find((r) => r.fileloc === wanted);
  const dir = path.resolve(ctx.rt.config.HEATFLOW_DAGS_DIR);
  if (row?.fileloc == null || !path.resolve(row.fileloc).startsWith(dir + path.sep))
    throw new HttpProblem(
      404,
      `no DAG file with the file token or DAG id ${JSON.stringify(key.slice(0, 100))}`,
      'DAG source not found',
    );
  return row.fileloc;
}
