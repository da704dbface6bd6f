/**
 * File names and media types of exports (pure), shared by the CLI's default output name, the
 * HTTP `Content-Disposition` and the heating pages' download links.
 */
import type { ExportFormat, ExportRequest } from './export-types.js';

/** The media type of each format (Parquet's is registered with IANA as `application/vnd.apache.parquet`). */
export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/jsonl; charset=utf-8',
  parquet: 'application/vnd.apache.parquet',
};

/**
 * The file name of an export: `schema.table[_zone-N][_FROM][_to_TO].ext`, e.g.
 * `analytics.zone_minute_zone-1_2022-01-01_to_2022-12-31.parquet`. Only `[a-z0-9._-]`.
 */
export function exportFileName(
  request: Pick<ExportRequest, 'table' | 'format' | 'from' | 'to' | 'zone'>,
): string {
  const parts = [`${request.table.schema}.${request.table.name}`];
  if (request.zone !== undefined) parts.push(`zone-${request.zone}`);
  if (request.from !== undefined) parts.push(request.from);
  if (request.to !== undefined) parts.push(`to_${request.to}`);
  return `${parts.join('_').replace(/[^a-zA-Z0-9._-]/g, '_')}.${request.format}`;
}
