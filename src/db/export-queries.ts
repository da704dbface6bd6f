/**
 * The SQL of exports: the catalogue of schemas `tado` and `analytics` from
 * `information_schema.columns`, and the `COPY (SELECT …) TO STDOUT` statement of a validated
 * request in the shape each writer reads:
 *
 * - `csv`: Postgres writes the final CSV itself (header, RFC 4180 quoting); timestamps as UTC
 *   ISO 8601 with milliseconds (`2022-01-01T00:00:00.000Z`, what JavaScript's `toISOString` writes),
 *   booleans `true`/`false`, arrays as JSON text;
 * - `jsonl`: one `row_to_json` object per line, same timestamps, through COPY's CSV mode with a
 *   quote and delimiter (U+0001, U+0002) that JSON text never holds unescaped, so the lines come
 *   out verbatim;
 * - `duckdb`: the CSV the Parquet writer's DuckDB reads with declared column types (no header;
 *   timestamps as Postgres writes them in UTC, `2022-01-01 00:00:00+00`; json and arrays as JSON text).
 *
 * COPY takes no bind parameters, so the request's values are inlined: they are validated first
 * (dates `YYYY-MM-DD`, the zone an integer, the table and columns from the catalogue) and quoted.
 */
import pg from 'pg';
import type { CatalogueColumnRow } from '../export/export-catalogue.js';
import { EXPORT_SCHEMAS, type ExportColumn, type ExportRequest } from '../export/export-types.js';

/** The shape of the COPY output: the final CSV or JSONL, or the CSV the Parquet writer reads. */
export type CopyShape = 'csv' | 'jsonl' | 'duckdb';

/** Settings of the export's read-only transaction (`SET LOCAL`). */
export const EXPORT_SESSION_SQL = [
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  'SET LOCAL extra_float_digits = 1',
  "SET LOCAL IntervalStyle = 'iso_8601'",
];

/** The catalogue's columns: every column of every base table of schemas tado and analytics. */
export async function readCatalogueColumns(client: pg.ClientBase): Promise<CatalogueColumnRow[]> {
  const r = await client.query<CatalogueColumnRow>(
    `SELECT c.table_schema, c.table_name, c.column_name, c.data_type, c.udt_name
       FROM information_schema.columns c
       JOIN information_schema.tables t USING (table_schema, table_name)
      WHERE c.table_schema = ANY($1) AND t.table_type = 'BASE TABLE'
      ORDER BY c.table_schema, c.table_name, c.ordinal_position`,
    [EXPORT_SCHEMAS],
  );
  return r.rows;
}

/** The zone ids of `tado.zones` (every home); empty when the warehouse is not migrated. */
export async function readZoneIds(client: pg.ClientBase): Promise<number[]> {
  const exists = await client.query<{ ok: boolean }>(`SELECT to_regclass('tado.zones') IS NOT NULL AS ok`);
  if (exists.rows[0]?.ok !== true) return [];
  const r = await client.query<{ zone_id: number }>('SELECT DISTINCT zone_id FROM tado.zones ORDER BY 1');
  return r.rows.map((x) => x.zone_id);
}

const id = (name: string): string => pg.escapeIdentifier(name);
const ISO_UTC = `'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'`;

/** The select-list expression of a column for a shape (aliased to the column's name). */
function selectExpression(c: ExportColumn, shape: CopyShape): string {
  const col = id(c.name);
  const as = (expr: string): string => `${expr} AS ${col}`;
  if (shape === 'duckdb') {
    if (c.kind === 'json') return as(`${col}::text`);
    if (c.kind === 'array') return as(`to_json(${col})::text`);
    return col;
  }
  switch (c.kind) {
    case 'timestamptz':
      return as(`to_char(${col} AT TIME ZONE 'UTC', ${ISO_UTC})`);
    case 'timestamp':
      return as(`to_char(${col}, 'YYYY-MM-DD"T"HH24:MI:SS.MS')`);
    case 'boolean':
      return shape === 'csv' ? as(`${col}::text`) : col;
    case 'array':
      return shape === 'csv' ? as(`to_json(${col})::text`) : col;
    default:
      return col;
  }
}

const dateLiteral = (day: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new Error(`not a validated day: ${day}`);
  return `DATE '${day}'`;
};

/** `year * 12 + month` of a `YYYY-MM-DD` day. */
const monthIndex = (day: string): number => Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7));

/** The WHERE conditions of a request (empty when it selects the whole table). */
export function whereConditions(request: ExportRequest): string[] {
  const out: string[] = [];
  const { table, from, to, zone } = request;
  const f = table.dayFilter;
  if (f !== undefined && (from !== undefined || to !== undefined)) {
    if (f.kind === 'day') {
      if (from !== undefined) out.push(`${id(f.column)} >= ${dateLiteral(from)}`);
      if (to !== undefined) out.push(`${id(f.column)} <= ${dateLiteral(to)}`);
    } else if (f.kind === 'period') {
      if (from !== undefined) out.push(`${id(f.end)} >= ${dateLiteral(from)}`);
      if (to !== undefined) out.push(`${id(f.start)} <= ${dateLiteral(to)}`);
    } else if (f.kind === 'month') {
      const m = `(${id(f.year)} * 12 + ${id(f.month)})`;
      if (from !== undefined) out.push(`${m} >= ${monthIndex(from)}`);
      if (to !== undefined) out.push(`${m} <= ${monthIndex(to)}`);
    } else {
      if (from !== undefined) out.push(`${id(f.year)} >= ${Number(from.slice(0, 4))}`);
      if (to !== undefined) out.push(`${id(f.year)} <= ${Number(to.slice(0, 4))}`);
    }
  }
  if (zone !== undefined && table.zoneColumn !== undefined) {
    if (!Number.isSafeInteger(zone) || zone < 0) throw new Error(`not a validated zone: ${zone}`);
    out.push(`${id(table.zoneColumn)} = ${zone}`);
  }
  return out;
}

/** The SELECT of a request in a shape (columns in table order, rows in storage order). */
export function exportSelectSql(request: ExportRequest, shape: CopyShape): string {
  const { table } = request;
  const columns = table.columns.map((c) => selectExpression(c, shape)).join(', ');
  const where = whereConditions(request);
  return `SELECT ${columns} FROM ${id(table.schema)}.${id(table.name)}${
    where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`
  }`;
}

/** The `COPY … TO STDOUT` statement of a request in a shape. */
export function exportCopySql(request: ExportRequest, shape: CopyShape): string {
  const select = exportSelectSql(request, shape);
  switch (shape) {
    case 'csv':
      return `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER true)`;
    case 'jsonl':
      return `COPY (SELECT row_to_json(r) FROM (${select}) r) TO STDOUT WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')`;
    case 'duckdb':
      return `COPY (${select}) TO STDOUT WITH (FORMAT csv, HEADER false)`;
  }
}
