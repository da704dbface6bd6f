/**
 * Validation of an export request (pure): the table by a bare or qualified name, the format, the
 * days and the zone. Every refusal is an {@link ExportRequestError} naming the field at fault and
 * the value, and listing what would have been accepted.
 */
import { describeDayFilter } from './export-catalogue.js';
import {
  EXPORT_FORMATS,
  ExportRequestError,
  qualifiedName,
  type ExportCatalogue,
  type ExportFormat,
  type ExportRequest,
  type ExportTable,
} from './export-types.js';

/** An export request as typed by a user (CLI options, HTTP query). */
export interface ExportInput {
  /** `zone_minute` or `analytics.zone_minute` */
  readonly table: string;
  /** `csv`, `jsonl` or `parquet` */
  readonly format: string;
  /** `YYYY-MM-DD` */
  readonly from?: string | undefined;
  /** `YYYY-MM-DD` */
  readonly to?: string | undefined;
  /** a zone id (digits) */
  readonly zone?: string | number | undefined;
}

/**
 * The table a name stands for: `schema.table`, or a bare table name found in one schema.
 * @throws ExportRequestError (`table`, not_found) naming the table and listing the known ones;
 *   (`table`, invalid) when a bare name is in several schemas
 */
export function resolveTable(catalogue: ExportCatalogue, name: string): ExportTable {
  const wanted = name.trim().toLowerCase();
  const exact = catalogue.tables.get(wanted);
  if (exact !== undefined) return exact;
  const matches = wanted.includes('.') ? [] : [...catalogue.tables.values()].filter((t) => t.name === wanted);
  const [only, ...others] = matches;
  if (only !== undefined && others.length === 0) return only;
  if (only !== undefined)
    throw new ExportRequestError(
      `table "${name}" is in several schemas: name one of ${matches.map(qualifiedName).join(', ')}`,
      'table',
    );
  const known = [...catalogue.tables.keys()].join(', ') || '(none: run "heatflow db migrate")';
  throw new ExportRequestError(`unknown table "${name}" (known tables: ${known})`, 'table', 'not_found');
}

/** Is `s` a real calendar day written `YYYY-MM-DD`? */
export function isCalendarDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (m === null) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const t = new Date(Date.UTC(y, mo - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d;
}

function parseDay(field: 'from' | 'to', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const s = value.trim();
  if (!isCalendarDate(s))
    throw new ExportRequestError(
      `${field} "${value}" is not a date: expected YYYY-MM-DD, a real calendar day (e.g. 2022-01-31)`,
      field,
    );
  return s;
}

function parseFormat(value: string): ExportFormat {
  const f = value.trim().toLowerCase();
  const found = EXPORT_FORMATS.find((x) => x === f);
  if (found === undefined)
    throw new ExportRequestError(`format "${value}" is not one of ${EXPORT_FORMATS.join(', ')}`, 'format');
  return found;
}

function parseZone(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = String(value).trim();
  if (!/^\d{1,9}$/.test(s))
    throw new ExportRequestError(`zone "${String(value)}" is not a zone id (an integer ≥ 0)`, 'zone');
  return Number(s);
}

/**
 * Validates a request against the catalogue.
 * @throws ExportRequestError naming the field: an unknown table or zone (`not_found`, listing the
 *   known ones), a format other than csv/jsonl/parquet, a date that is not a real `YYYY-MM-DD`,
 *   `from` after `to`, days or a zone asked of a table without a day or zone column
 */
export function validateExportRequest(catalogue: ExportCatalogue, input: ExportInput): ExportRequest {
  const table = resolveTable(catalogue, input.table);
  const format = parseFormat(input.format);
  const from = parseDay('from', input.from);
  const to = parseDay('to', input.to);
  const zone = parseZone(input.zone);
  const name = qualifiedName(table);
  if (from !== undefined && to !== undefined && from > to)
    throw new ExportRequestError(`from ${from} is after to ${to}`, 'from');
  if ((from !== undefined || to !== undefined) && table.dayFilter === undefined)
    throw new ExportRequestError(
      `table ${name} has no day column, so it cannot be limited to days: leave out from/to`,
      from !== undefined ? 'from' : 'to',
    );
  if (zone !== undefined) {
    if (table.zoneColumn === undefined)
      throw new ExportRequestError(`table ${name} has no zone column: leave out zone`, 'zone');
    if (!catalogue.zoneIds.includes(zone))
      throw new ExportRequestError(
        `zone ${zone} does not exist (zones in tado.zones: ${catalogue.zoneIds.join(', ') || 'none'})`,
        'zone',
        'not_found',
      );
  }
  return {
    table,
    format,
    ...(from === undefined ? {} : { from }),
    ...(to === undefined ? {} : { to }),
    ...(zone === undefined ? {} : { zone }),
  };
}

/** What `from`/`to` select in a table, for help texts and docs. */
export function dayFilterHelp(table: ExportTable): string {
  return table.dayFilter === undefined ? '(no day column)' : describeDayFilter(table.dayFilter);
}
