/**
 * The event log (audit) over HTTP: `GET /api/v1/eventLogs` and `/api/v1/eventLogs/{event_log_id}`
 * in the shape of Airflow's stable REST API (`EventLogCollection`: `event_logs`, `total_entries`),
 * and the "Event log" page (`/event-log`, Airflow's Browse → Audit Log) with the same filters.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { EVENT_ORDER_COLUMNS, getEvent, listEvents, type EventLogQuery } from '../audit/event-log.js';
import type { EventLogRow } from '../db/database.js';
import { limitSchema, offsetSchema } from './api-common.js';
import { collapseWhitespace } from './html.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { pageContextOf } from './page-context.js';
import { eventLogView, EVENT_LOG_PAGE_SIZE } from './views/event-log-view.js';
import { idSchema, instantSchema, runIdSchema, type WebContext } from './web-context.js';

/** Airflow's `EventLog` object, plus heatflow's `source` and `remote_addr` (from where). */
export function eventLogJson(e: EventLogRow): Record<string, unknown> {
  return {
    event_log_id: Number(e.id),
    when: e.dttm.toISOString(),
    dag_id: e.dag_id,
    task_id: e.task_id,
    run_id: e.run_id,
    map_index: null,
    try_number: e.try_number,
    event: e.event,
    execution_date: e.logical_date?.toISOString() ?? null,
    owner: e.owner,
    // Airflow's `extra` is a string: the details as JSON text
    extra: JSON.stringify(e.extra),
    source: e.source,
    remote_addr: e.remote_addr,
  };
}

const orderColumns = Object.keys(EVENT_ORDER_COLUMNS) as [
  keyof typeof EVENT_ORDER_COLUMNS,
  ...(keyof typeof EVENT_ORDER_COLUMNS)[],
];
const orderBySchema = z
  .string()
  .regex(
    new RegExp(`^-?(${orderColumns.join('|')})$`),
    `one of ${orderColumns.join(', ')}, with "-" first for descending`,
  );

/** The page's `limit`: checked as the API's, {@link EVENT_LOG_PAGE_SIZE} by default. */
const pageLimitSchema = z.coerce.number().int().min(1).max(1000).default(EVENT_LOG_PAGE_SIZE);

/** The filters both the API and the page take (Airflow's names). */
const filterShape = {
  dag_id: idSchema.optional(),
  task_id: idSchema.optional(),
  run_id: runIdSchema.optional(),
  event: z.string().min(1).max(200).optional(),
  owner: z.string().min(1).max(200).optional(),
  after: instantSchema.optional(),
  before: instantSchema.optional(),
};
type Filters = z.output<z.ZodObject<typeof filterShape>>;

function queryOf(f: Filters): EventLogQuery {
  return {
    ...(f.dag_id === undefined ? {} : { dagId: f.dag_id }),
    ...(f.task_id === undefined ? {} : { taskId: f.task_id }),
    ...(f.run_id === undefined ? {} : { runId: f.run_id }),
    ...(f.event === undefined ? {} : { event: f.event }),
    ...(f.owner === undefined ? {} : { owner: f.owner }),
    ...(f.after === undefined ? {} : { after: f.after }),
    ...(f.before === undefined ? {} : { before: f.before }),
  };
}

/** An empty form field is no filter. */
function dropEmpty(input: unknown): unknown {
  if (input === null || typeof input !== 'object') return input;
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== ''));
}

/** Registers the event log API and page. */
export function registerEventLogRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { db } = ctx.rt;

  app.get('/api/v1/eventLogs', async (req) => {
    const q = parseInput(
      z.object({
        ...filterShape,
        limit: limitSchema,
        offset: offsetSchema,
        // Airflow's default: by id, oldest first
        order_by: orderBySchema.default('event_log_id'),
      }),
      req.query,
      'query',
    );
    const column = q.order_by.replace(/^-/, '') as keyof typeof EVENT_ORDER_COLUMNS;
    const page = await listEvents(db, {
      ...queryOf(q),
      limit: q.limit,
      offset: q.offset,
      orderBy: { column, descending: q.order_by.startsWith('-') },
    });
    return { event_logs: page.events.map(eventLogJson), total_entries: page.totalEntries };
  });

  app.get('/api/v1/eventLogs/:eventLogId', async (req) => {
    const p = parseInput(
      z.object({ eventLogId: z.string().regex(/^\d{1,18}$/, 'an event log id (digits)') }),
      req.params,
      'path',
    );
    const e = await getEvent(db, p.eventLogId);
    if (e === undefined)
      throw new HttpProblem(404, `event log ${p.eventLogId} not found`, 'Event log not found');
    return eventLogJson(e);
  });

  app.get('/event-log', async (req, reply) => {
    // `limit` as the API's (a positive integer, at most 1000), 50 a page by default: a bad one is a
    // 400 naming it, never ignored
    const q = parseInput(
      z.object({ ...filterShape, offset: offsetSchema, limit: pageLimitSchema }),
      dropEmpty(req.query),
      'query',
    );
    const page = await listEvents(db, { ...queryOf(q), limit: q.limit, offset: q.offset });
    const pc = pageContextOf(ctx, req, reply);
    const filters: Record<string, string> = {};
    for (const [k, v] of Object.entries(q))
      if (k !== 'offset' && v !== undefined && !(k === 'limit' && v === EVENT_LOG_PAGE_SIZE))
        filters[k] = v instanceof Date ? v.toISOString() : String(v);
    return reply
      .type('text/html; charset=utf-8')
      .send(collapseWhitespace(eventLogView(pc, page.events, page.totalEntries, filters, q.offset, q.limit)));
  });
}
