/**
 * `GET /dags/{dag_id}/runs/{run_id}/tasks/{task_id}/log-lines?try=&token=`: what the task
 * instance page's live log appends, as readable lines rendered on the server (the same
 * {@link logLinesHtml} as the page) and as raw text, with the API's continuation token. Only whole
 * lines are sent while the try runs (a line half written stays for the next read).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { getTry } from '../db/web-queries.js';
import { collapseWhitespace } from './html.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { logLinesHtml } from './log-format.js';
import { decodeLogToken, encodeLogToken, logFileOf, readLogSlice } from './log-reader.js';
import { idSchema, runIdSchema, type WebContext } from './web-context.js';

/** Bytes read per request. */
const CHUNK_BYTES = 256 * 1024;

/** The reply of the log-lines endpoint. */
export interface LogLinesReply {
  /** the new lines as HTML (escaped) */
  readonly html: string;
  /** the same bytes as written */
  readonly raw: string;
  readonly continuation_token: string;
  /** the try finished and everything was read */
  readonly end_of_log: boolean;
}

/**
 * A chunk of a growing log cut after its last line break, so that a half-written line is read
 * whole next time. A chunk without a line break is kept whole only when it fills `maxBytes` (a
 * line longer than a read).
 * @param nextOffset the byte offset just after the chunk
 * @returns the whole lines and the offset just after them
 */
export function wholeLines(
  content: string,
  nextOffset: number,
  maxBytes: number,
): { content: string; nextOffset: number } {
  const cut = content.lastIndexOf('\n') + 1;
  if (cut === content.length) return { content, nextOffset };
  if (cut === 0 && Buffer.byteLength(content) >= maxBytes) return { content, nextOffset };
  return {
    content: content.slice(0, cut),
    nextOffset: nextOffset - Buffer.byteLength(content.slice(cut)),
  };
}

/** Registers the log-lines endpoint of the task instance page. */
export function registerLogRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;
  app.get('/dags/:dagId/runs/:runId/tasks/:taskId/log-lines', async (req): Promise<LogLinesReply> => {
    const p = parseInput(
      z.object({ dagId: idSchema, runId: runIdSchema, taskId: idSchema }),
      req.params,
      'path',
    );
    const q = parseInput(
      z.object({ try: z.coerce.number().int().min(1), token: z.string().max(200).optional() }),
      req.query,
      'query',
    );
    const dag = await ctx.dagRow(p.dagId);
    const tryRow = await getTry(rt.db, p.dagId, p.runId, p.taskId, q.try);
    if (tryRow === undefined)
      throw new HttpProblem(
        404,
        `try ${q.try} of task instance "${p.taskId}" of run "${p.runId}" of DAG "${p.dagId}" not found`,
        'Try not found',
      );
    const file = logFileOf(rt.config.HEATFLOW_LOG_DIR, tryRow.log_path, {
      dagId: p.dagId,
      runId: p.runId,
      taskId: p.taskId,
      tryNumber: q.try,
    });
    const offset = q.token === undefined ? 0 : decodeLogToken(q.token);
    const slice = file === undefined ? undefined : await readLogSlice(file, offset, CHUNK_BYTES);
    const running = tryRow.state === 'running' || tryRow.state === 'queued';
    const whole = running
      ? wholeLines(slice?.content ?? '', slice?.nextOffset ?? offset, CHUNK_BYTES)
      : { content: slice?.content ?? '', nextOffset: slice?.nextOffset ?? offset };
    const raw = whole.content;
    const next = whole.nextOffset;
    const endOfLog = !running && (slice === undefined || slice.missing || next >= slice.sizeBytes);
    return {
      html: collapseWhitespace(logLinesHtml(raw, dag.timezone)),
      raw,
      continuation_token: encodeLogToken(next),
      end_of_log: endOfLog,
    };
  });
}
