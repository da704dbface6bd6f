/**
 * `DELETE /api/v1/dags/{dag_id}` as Airflow 2's stable API (`delete_dag`: 204 No Content, 404 when
 * the DAG is unknown): every metadata row of the DAG and its XComs, over the service `dags delete`
 * uses (scheduler/dag-delete-service.ts). Needs the bearer token; recorded in the event log.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { recordEvent } from '../audit/event-log.js';
import { NotFoundError } from '../core/errors.js';
import { deleteDag } from '../scheduler/dag-delete-service.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { requireApiBearer } from './secret-route-helpers.js';
import { requestActor } from './web-auth.js';
import { idSchema, type WebContext } from './web-context.js';

const params = z.object({ dagId: idSchema });

/** Registers `DELETE /api/v1/dags/:dagId`. */
export function registerDagDeleteRoute(app: FastifyInstance, ctx: WebContext): void {
  app.delete('/api/v1/dags/:dagId', async (req, reply) => {
    requireApiBearer(ctx, req);
    const p = parseInput(params, req.params, 'path');
    let deleted;
    try {
      deleted = await deleteDag(ctx.rt.deps, p.dagId);
    } catch (err) {
      if (err instanceof NotFoundError) throw new HttpProblem(404, err.message, 'DAG not found');
      throw err;
    }
    await recordEvent(ctx.rt.db, requestActor(ctx.auth, req, 'api'), {
      event: 'dag.delete',
      dagId: p.dagId,
      extra: { ...deleted },
    });
    return reply.code(204).send();
  });
}
