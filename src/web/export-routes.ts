/**
 * The export endpoints: `GET /api/v1/export` (the exportable tables, with the columns that `from`,
 * `to` and `zone` select on, and the zones) and `GET /api/v1/export/{table}.{csv|jsonl|parquet}
 * ?from=&to=&zone=`, the same as `heatflow export` (docs/analytics.md "Exports"), streamed as an
 * attachment. Reads: open or behind the web token like every other read (server.ts). A bad
 * parameter is a problem JSON 400, an unknown table or zone a 404, each naming the parameter.
 */
import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { exportFileName, EXPORT_CONTENT_TYPES } from '../export/export-naming.js';
import { dayFilterHelp } from '../export/export-request.js';
import {
  ExportRequestError,
  EXPORT_FORMATS,
  qualifiedName,
  type ExportRequest,
} from '../export/export-types.js';
import { TableExporter } from '../export/table-exporter.js';
import { HttpProblem, parseInput } from './http-problem.js';
import type { WebContext } from './web-context.js';

const exportQuery = z.object({
  from: z.string().max(40).optional(),
  to: z.string().max(40).optional(),
  zone: z.string().max(40).optional(),
});

/** `{table}.{format}` of the path: the format is what follows the last dot. @throws HttpProblem 400/404 */
export function splitExportFile(file: string): { table: string; format: string } {
  const dot = file.lastIndexOf('.');
  if (dot <= 0)
    throw new HttpProblem(
      400,
      `invalid path parameter "file": "${file}" must be {table}.{format}, format one of ${EXPORT_FORMATS.join(', ')}`,
      undefined,
      'format',
    );
  return { table: file.slice(0, dot), format: file.slice(dot + 1) };
}

/** An ExportRequestError as the problem answered. */
function problemOf(err: ExportRequestError): HttpProblem {
  return new HttpProblem(
    err.kind === 'not_found' ? 404 : 400,
    `${err.kind === 'not_found' ? '' : `invalid parameter "${err.field}": `}${err.message}`,
    err.kind === 'not_found' ? `${err.field === 'table' ? 'Table' : 'Zone'} not found` : undefined,
    err.field,
  );
}

/** Registers the export routes; their connection pool closes with the app. */
export function registerExportRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { rt } = ctx;
  let exporter: TableExporter | undefined;
  const exporterOf = (): TableExporter =>
    (exporter ??= TableExporter.open(rt.config.DATABASE_URL, { applicationName: 'heatflow-web-export' }));
  app.addHook('onClose', async () => {
    await exporter?.close();
  });

  app.get('/api/v1/export', async () => {
    const catalogue = await exporterOf().catalogue();
    return {
      tables: [...catalogue.tables.values()].map((t) => ({
        table: qualifiedName(t),
        days_on: t.dayFilter === undefined ? null : dayFilterHelp(t),
        zone_column: t.zoneColumn ?? null,
        columns: t.columns.map((c) => ({ name: c.name, kind: c.kind })),
      })),
      zones: catalogue.zoneIds,
      formats: EXPORT_FORMATS,
    };
  });

  app.get('/api/v1/export/:file', async (req, reply) => {
    const { file } = parseInput(z.object({ file: z.string().min(1).max(200) }), req.params, 'path');
    const q = parseInput(exportQuery, req.query, 'query');
    const { table, format } = splitExportFile(file);
    let request: ExportRequest;
    try {
      request = await exporterOf().request({ table, format, from: q.from, to: q.to, zone: q.zone });
    } catch (err) {
      if (err instanceof ExportRequestError) throw problemOf(err);
      throw err;
    }
    const body = new PassThrough();
    exporterOf()
      .export(request, body)
      .catch((err: unknown) => {
        // headers are gone: a failure can only cut the download short
        const gone = (err as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
        if (!gone) rt.logger.error({ err, table: qualifiedName(request.table) }, 'export failed mid-stream');
        body.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    return reply
      .type(EXPORT_CONTENT_TYPES[request.format])
      .header('content-disposition', `attachment; filename="${exportFileName(request)}"`)
      .header('cache-control', 'no-store')
      .send(body);
  });
}
