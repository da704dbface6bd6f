/**
 * The address of an export download, for links on the web pages (e.g. the heating pages' "CSV" and
 * "Parquet" of what a page shows): `GET /api/v1/export/{table}.{format}?from=&to=&zone=`
 * (`export-routes.ts`). Pure; no check that the table exists (the endpoint answers 404 naming it).
 */
import type { ExportFormat } from '../export/export-types.js';

/** What a download covers: local days `from..to` (inclusive, `YYYY-MM-DD`) and one zone. */
export interface ExportSelection {
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly zone?: number | undefined;
}

/**
 * The path (with query) of an export download, e.g.
 * `exportHref('zone_minute', { from: '2022-01-01', to: '2022-01-31', zone: 1 }, 'parquet')` →
 * `/api/v1/export/zone_minute.parquet?from=2022-01-01&to=2022-01-31&zone=1`.
 * @param table a bare (`zone_minute`) or qualified (`analytics.zone_minute`) table name
 */
export function exportHref(table: string, selection: ExportSelection, format: ExportFormat): string {
  const q = new URLSearchParams();
  if (selection.from !== undefined) q.set('from', selection.from);
  if (selection.to !== undefined) q.set('to', selection.to);
  if (selection.zone !== undefined) q.set('zone', String(selection.zone));
  const query = q.toString();
  return `/api/v1/export/${encodeURIComponent(table)}.${format}${query === '' ? '' : `?${query}`}`;
}
