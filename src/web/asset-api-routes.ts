/**
 * The asset endpoints of `/api/v1`, in the shape of Airflow 2's stable REST API, where assets are
 * called datasets: `GET /datasets`, `GET /datasets/{uri}` (the URI percent-encoded),
 * `GET /datasets/events` and `GET /dags/{dag_id}/dagRuns/{dag_run_id}/upstreamDatasetEvents`.
 * Source: the Dataset section of Airflow 2's "Stable REST API" reference.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { MAX_ASSET_URI_LENGTH, assetUriProblem, normaliseAssetUri } from '../core/asset.js';
import { getRun } from '../db/dag-run-repository.js';
import {
  ASSET_EVENT_ORDER_COLUMNS,
  ASSET_ORDER_COLUMNS,
  getAssetWithRefs,
  listAssetEventPage,
  listAssetsWithRefs,
} from '../db/asset-queries.js';
import { limitSchema, offsetSchema } from './api-common.js';
import { datasetEventJson, datasetJson } from './api-serializers.js';
import { HttpProblem, parseInput } from './http-problem.js';
import { idSchema, runIdSchema, type WebContext } from './web-context.js';

/** `order_by`: one of `columns`' names, `-` first to reverse. */
const orderBy = <K extends string>(columns: Readonly<Record<K, string>>, fallback: K) =>
  z
    .string()
    .regex(/^-?[a-z_]+$/, 'a field name, optionally prefixed with -')
    .refine((s) => s.replace(/^-/, '') in columns, {
      message: `one of ${Object.keys(columns).join(', ')} (prefix - to reverse)`,
    })
    .default(fallback)
    .transform((s) => ({ column: s.replace(/^-/, '') as K, descending: s.startsWith('-') }));

const datasetsQuery = z.object({
  limit: limitSchema,
  offset: offsetSchema,
  order_by: orderBy(ASSET_ORDER_COLUMNS, 'id'),
  uri_pattern: z.string().min(1).max(MAX_ASSET_URI_LENGTH).optional(),
});

const eventsQuery = z.object({
  limit: limitSchema,
  offset: offsetSchema,
  order_by: orderBy(ASSET_EVENT_ORDER_COLUMNS, 'timestamp'),
  dataset_id: z
    .string()
    .regex(/^\d{1,18}$/, 'a dataset id (digits)')
    .optional(),
  source_dag_id: idSchema.optional(),
  source_task_id: idSchema.optional(),
  source_run_id: runIdSchema.optional(),
  source_map_index: z.coerce.number().int().min(-1).optional(),
});

/** An asset URI from the path: valid, with its scheme lower-cased. @throws HttpProblem 400 naming `uri` */
function uriParam(params: unknown): string {
  const p = parseInput(z.object({ uri: z.string().min(1).max(MAX_ASSET_URI_LENGTH) }), params, 'path');
  const problem = assetUriProblem(p.uri);
  if (problem !== undefined)
    throw new HttpProblem(
      400,
      `invalid path parameter "uri": ${problem} (percent-encode the URI: tado%3A%2F%2Fwarehouse)`,
      undefined,
      'uri',
    );
  return normaliseAssetUri(p.uri);
}

/** Registers the dataset (asset) routes of `/api/v1`. */
export function registerAssetApiRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;

  app.get('/api/v1/datasets', async (req) => {
    const q = parseInput(datasetsQuery, req.query, 'query');
    const page = await listAssetsWithRefs(
      rt.db,
      q.uri_pattern === undefined ? {} : { uriPattern: q.uri_pattern },
      { limit: q.limit, offset: q.offset, orderBy: q.order_by.column, descending: q.order_by.descending },
    );
    return { datasets: page.assets.map(datasetJson), total_entries: page.totalEntries };
  });

  // registered before /datasets/:uri; an encoded URI never reads "events" (it has "%3A%2F%2F")
  app.get('/api/v1/datasets/events', async (req) => {
    const q = parseInput(eventsQuery, req.query, 'query');
    if (q.source_map_index !== undefined && q.source_map_index !== -1)
      return { dataset_events: [], total_entries: 0 }; // heatflow has no mapped tasks
    const page = await listAssetEventPage(
      rt.db,
      {
        ...(q.dataset_id === undefined ? {} : { assetId: q.dataset_id }),
        ...(q.source_dag_id === undefined ? {} : { sourceDagId: q.source_dag_id }),
        ...(q.source_task_id === undefined ? {} : { sourceTaskId: q.source_task_id }),
        ...(q.source_run_id === undefined ? {} : { sourceRunId: q.source_run_id }),
      },
      { limit: q.limit, offset: q.offset, orderBy: q.order_by.column, descending: q.order_by.descending },
    );
    return { dataset_events: page.events.map(datasetEventJson), total_entries: page.totalEntries };
  });

  app.get('/api/v1/datasets/:uri', async (req) => {
    const uri = uriParam(req.params);
    const found = await getAssetWithRefs(rt.db, uri);
    if (found === undefined)
      throw new HttpProblem(
        404,
        `dataset "${uri}" not found (no DAG names it as an outlet or in its schedule)`,
        'Dataset not found',
      );
    return datasetJson(found);
  });

  app.get('/api/v1/dags/:dagId/dagRuns/:runId/upstreamDatasetEvents', async (req) => {
    const p = parseInput(z.object({ dagId: idSchema, runId: runIdSchema }), req.params, 'path');
    if ((await getRun(rt.db, p.dagId, p.runId)) === undefined)
      throw new HttpProblem(404, `DAG run "${p.runId}" of DAG "${p.dagId}" not found`, 'DAG run not found');
    const page = await listAssetEventPage(
      rt.db,
      { consumedBy: { dagId: p.dagId, runId: p.runId } },
      { limit: 10_000, offset: 0, orderBy: 'timestamp', descending: false },
    );
    return { dataset_events: page.events.map(datasetEventJson), total_entries: page.totalEntries };
  });
}
