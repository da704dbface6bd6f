/**
 * What an export is about: the formats, the tables of schemas `tado` and `analytics` as the
 * catalogue describes them (which column selects days, which one the zone), a validated request,
 * and the error that names the request field at fault. Pure types; no I/O.
 */
import { HeatflowError } from '../core/errors.js';

/** The file formats of an export. */
export const EXPORT_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
/**
 * - `csv`: RFC 4180 with a header line, timestamps as UTC ISO 8601 (`2022-01-01T00:00:00.000Z`);
 * - `jsonl`: one JSON object per line (JSON Lines), same timestamps;
 * - `parquet`: typed columns (TIMESTAMP WITH TIME ZONE in UTC, DATE, INT, DOUBLE, BOOLEAN).
 */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The schemas whose tables can be exported. */
export const EXPORT_SCHEMAS = ['tado', 'analytics'] as const;

/** How a column is written, from its Postgres type. */
export type ColumnKind =
  /** smallint (int2) */
  | 'smallint'
  /** integer (int4) */
  | 'integer'
  /** bigint (int8) */
  | 'bigint'
  /** real (float4) */
  | 'real'
  /** double precision (float8) */
  | 'double'
  /** numeric: exact decimal, written as text in CSV/JSONL, DOUBLE in Parquet */
  | 'numeric'
  /** boolean */
  | 'boolean'
  /** date */
  | 'date'
  /** timestamp with time zone: an instant, written in UTC */
  | 'timestamptz'
  /** timestamp without time zone */
  | 'timestamp'
  /** json / jsonb: JSON text in CSV and Parquet, a JSON value in JSONL */
  | 'json'
  /** an array: JSON text in CSV and Parquet, a JSON array in JSONL */
  | 'array'
  /** text, varchar and any other type, written as its text */
  | 'text';

/** One column of an exportable table. */
export interface ExportColumn {
  readonly name: string;
  readonly kind: ColumnKind;
  /** `information_schema.columns.udt_name`, e.g. `int4`, `timestamptz`, `_text` */
  readonly pgType: string;
}

/**
 * Which column(s) `from` / `to` (local days, inclusive) select on:
 * - `day`: a `date` column, rows whose day is within `from..to`;
 * - `period`: `start`/`end` date columns, rows whose period overlaps `from..to`;
 * - `month`: integer `year` and `month`, rows whose month overlaps `from..to`;
 * - `year`: integer `year`, rows whose year overlaps `from..to`.
 */
export type DayFilter =
  | { readonly kind: 'day'; readonly column: string }
  | { readonly kind: 'period'; readonly start: string; readonly end: string }
  | { readonly kind: 'month'; readonly year: string; readonly month: string }
  | { readonly kind: 'year'; readonly year: string };

/** An exportable table with what the catalogue found out about it. */
export interface ExportTable {
  readonly schema: string;
  readonly name: string;
  /** in table order */
  readonly columns: readonly ExportColumn[];
  /** how `from`/`to` select rows; absent when the table has no day (e.g. `tado.zones`) */
  readonly dayFilter?: DayFilter;
  /** the zone column (`zone_id`); absent when the table is about homes only */
  readonly zoneColumn?: string;
}

/** The tables that can be exported, by qualified name (`schema.table`). */
export interface ExportCatalogue {
  readonly tables: ReadonlyMap<string, ExportTable>;
  /** the zone ids of `tado.zones` (every home), ascending */
  readonly zoneIds: readonly number[];
}

/** A validated export request. */
export interface ExportRequest {
  readonly table: ExportTable;
  readonly format: ExportFormat;
  /** first local day, `YYYY-MM-DD`, inclusive */
  readonly from?: string;
  /** last local day, `YYYY-MM-DD`, inclusive */
  readonly to?: string;
  /** one zone only */
  readonly zone?: number;
}

/** The request fields, as the HTTP query names them (the CLI adds `--`). */
export type ExportField = 'table' | 'format' | 'from' | 'to' | 'zone';

/** Why a request was refused: `not_found` (unknown table or zone) or `invalid` (anything else). */
export type ExportProblemKind = 'not_found' | 'invalid';

/** An export request refused, naming the field at fault. */
export class ExportRequestError extends HeatflowError {
  constructor(
    message: string,
    /** the field at fault */
    readonly field: ExportField,
    /** unknown table or zone (HTTP 404), or an invalid value (HTTP 400) */
    readonly kind: ExportProblemKind = 'invalid',
  ) {
    super(kind === 'not_found' ? 'EXPORT_NOT_FOUND' : 'EXPORT_INVALID', message);
  }
}

/** What an export wrote. */
export interface ExportResult {
  /** rows exported */
  readonly rows: number;
  /** bytes written to the output */
  readonly bytes: number;
}

/** `schema.table` of a table. */
export const qualifiedName = (t: Pick<ExportTable, 'schema' | 'name'>): string => `${t.schema}.${t.name}`;
