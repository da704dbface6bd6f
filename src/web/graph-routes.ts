/**
 * The Graph view of a DAG (`/dags/{dag_id}/graph?run_id=`) and its JSON twin, Airflow's
 * `GET /api/v1/dags/{dag_id}/tasks` (the tasks with their `downstream_task_ids`).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Dag } from '../core/types.js';
import { listAssetsWithRefs } from '../db/asset-queries.js';
import { getRun } from '../db/dag-run-repository.js';
import { listGridCells, listGridRuns, type GridRun } from '../db/web-queries.js';
import { taskJson } from './dag-detail-serializers.js';
import { buildDagGraph, type GraphAssetRefs, type GraphTaskInput } from './graph/dag-graph-model.js';
import { collapseWhitespace } from './html.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { pageContextOf } from './page-context.js';
import { graphView } from './views/graph-view.js';
import { idSchema, runIdSchema, type WebContext } from './web-context.js';

/** Runs offered by the Graph view's run selector (the latest, by logical date). */
const RUN_CHOICES = 50;

/** The tasks of a parsed DAG as the graph model takes them. */
const graphTasksOf = (dag: Dag): GraphTaskInput[] =>
  dag.taskIds.flatMap((id) => {
    const t = dag.tasks.get(id);
    return t === undefined ? [] : [{ taskId: id, upstream: t.upstream, outlets: t.outlets }];
  });

/** Registers the Graph page and `GET /api/v1/dags/{dag_id}/tasks`. */
export function registerGraphRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;

  app.get('/dags/:dagId/graph', async (req, reply) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    const q = parseInput(z.object({ run_id: runIdSchema.optional() }), req.query, 'query');
    const row = await ctx.dagRow(p.dagId);
    const [parsed, latest] = await Promise.all([
      rt.registry.get(p.dagId),
      listGridRuns(rt.db, p.dagId, { limit: RUN_CHOICES, offset: 0 }),
    ]);
    let run: GridRun | undefined = latest.runs[0];
    if (q.run_id !== undefined) {
      const found = await getRun(rt.db, p.dagId, q.run_id);
      if (found === undefined)
        throw new HttpProblem(
          404,
          `DAG run "${q.run_id}" of DAG "${p.dagId}" not found`,
          'DAG run not found',
        );
      run = found;
    }
    const cells = run === undefined ? [] : await listGridCells(rt.db, p.dagId, [run.run_id]);
    const tasks: GraphTaskInput[] =
      parsed === undefined
        ? row.task_ids.map((taskId) => ({ taskId, upstream: [], outlets: [] }))
        : graphTasksOf(parsed);
    const uris = new Set([...tasks.flatMap((t) => t.outlets), ...row.schedule_assets]);
    let refs: GraphAssetRefs[] = [];
    if (uris.size > 0) {
      const page = await listAssetsWithRefs(
        rt.db,
        {},
        { limit: 10_000, offset: 0, orderBy: 'uri', descending: false },
      );
      refs = page.assets
        .filter((a) => uris.has(a.uri))
        .map((a) => ({
          uri: a.uri,
          producerDagIds: [...new Set(a.producers.filter((r) => r.is_active).map((r) => r.dag_id))],
          consumerDagIds: a.consumers.filter((r) => r.is_active).map((r) => r.dag_id),
        }));
    }
    const model = buildDagGraph(
      p.dagId,
      tasks,
      row.schedule_assets,
      new Map(cells.map((c) => [c.task_id, c.state])),
      refs,
    );
    const page = graphView(
      pageContextOf(ctx, req, reply),
      row,
      run,
      latest.runs,
      model,
      parsed !== undefined,
    );
    return reply.type('text/html; charset=utf-8').send(collapseWhitespace(page));
  });

  app.get('/api/v1/dags/:dagId/tasks', async (req) => {
    const p = parseInput(z.object({ dagId: idSchema }), req.params, 'path');
    const dag = await ctx.dag(p.dagId);
    const tasks = dag.taskIds.flatMap((id) => {
      const t = dag.tasks.get(id);
      return t === undefined ? [] : [taskJson(dag, t)];
    });
    return { tasks, total_entries: tasks.length };
  });
}
