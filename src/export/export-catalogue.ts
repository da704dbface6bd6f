/**
 * The catalogue of exportable tables, derived from `information_schema.columns` (pure: the rows
 * come from `src/db/export-queries.ts`): each column's kind, which column(s) select days for
 * `from`/`to`, and which one is the zone.
 */
import {
  qualifiedName,
  type ColumnKind,
  type DayFilter,
  type ExportCatalogue,
  type ExportColumn,
  type ExportTable,
} from './export-types.js';

/** One row of `information_schema.columns`, as read for the catalogue. */
export interface CatalogueColumnRow {
  readonly table_schema: string;
  readonly table_name: string;
  readonly column_name: string;
  /** e.g. `integer`, `ARRAY`, `USER-DEFINED` */
  readonly data_type: string;
  /** e.g. `int4`, `_text`, `timestamptz` */
  readonly udt_name: string;
}

const KIND_OF_UDT: Readonly<Record<string, ColumnKind>> = {
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double',
  numeric: 'numeric',
  bool: 'boolean',
  date: 'date',
  timestamptz: 'timestamptz',
  timestamp: 'timestamp',
  json: 'json',
  jsonb: 'json',
};

/** The kind of a column from its `information_schema` types. */
export function columnKind(dataType: string, udtName: string): ColumnKind {
  if (dataType === 'ARRAY' || udtName.startsWith('_')) return 'array';
  return KIND_OF_UDT[udtName] ?? 'text';
}

/** Date columns that stand for a row's (local) day, in order of preference. */
const DAY_COLUMNS = ['date', 'local_date', 'report_date'];
const INTEGER_KINDS: ReadonlySet<ColumnKind> = new Set(['smallint', 'integer', 'bigint']);

/**
 * How `from`/`to` select rows of a table with these columns: a day column (`date`, `local_date`,
 * `report_date`, of type date), else a `period_start`/`period_end` pair of dates, else integer
 * `year` and `month`, else an integer `year`; undefined when none is there.
 */
export function dayFilterOf(columns: readonly ExportColumn[]): DayFilter | undefined {
  const kindOf = (name: string): ColumnKind | undefined => columns.find((c) => c.name === name)?.kind;
  for (const name of DAY_COLUMNS) if (kindOf(name) === 'date') return { kind: 'day', column: name };
  if (kindOf('period_start') === 'date' && kindOf('period_end') === 'date')
    return { kind: 'period', start: 'period_start', end: 'period_end' };
  const year = kindOf('year');
  if (year !== undefined && INTEGER_KINDS.has(year)) {
    const month = kindOf('month');
    return month !== undefined && INTEGER_KINDS.has(month)
      ? { kind: 'month', year: 'year', month: 'month' }
      : { kind: 'year', year: 'year' };
  }
  return undefined;
}

/** The zone column of a table: an integer `zone_id`. */
export function zoneColumnOf(columns: readonly ExportColumn[]): string | undefined {
  const zone = columns.find((c) => c.name === 'zone_id');
  return zone !== undefined && INTEGER_KINDS.has(zone.kind) ? zone.name : undefined;
}

/**
 * The catalogue from `information_schema.columns` rows (in `ordinal_position` order per table)
 * and the zone ids of `tado.zones`.
 */
export function buildCatalogue(
  rows: readonly CatalogueColumnRow[],
  zoneIds: readonly number[],
): ExportCatalogue {
  const columnsByTable = new Map<string, { schema: string; name: string; columns: ExportColumn[] }>();
  for (const r of rows) {
    const key = `${r.table_schema}.${r.table_name}`;
    let entry = columnsByTable.get(key);
    if (entry === undefined) {
      entry = { schema: r.table_schema, name: r.table_name, columns: [] };
      columnsByTable.set(key, entry);
    }
    entry.columns.push({
      name: r.column_name,
      kind: columnKind(r.data_type, r.udt_name),
      pgType: r.udt_name,
    });
  }
  const tables = new Map<string, ExportTable>();
  for (const { schema, name, columns } of columnsByTable.values()) {
    const dayFilter = dayFilterOf(columns);
    const zoneColumn = zoneColumnOf(columns);
    const table: ExportTable = {
      schema,
      name,
      columns,
      ...(dayFilter === undefined ? {} : { dayFilter }),
      ...(zoneColumn === undefined ? {} : { zoneColumn }),
    };
    tables.set(qualifiedName(table), table);
  }
  const sorted = new Map([...tables.entries()].sort(([a], [b]) => a.localeCompare(b)));
  return { tables: sorted, zoneIds: [...new Set(zoneIds)].sort((a, b) => a - b) };
}

/** The columns `from`/`to` read, for messages and docs (`local_date`, `period_start..period_end`). */
export function describeDayFilter(filter: DayFilter): string {
  switch (filter.kind) {
    case 'day':
      return filter.column;
    case 'period':
      return `${filter.start}..${filter.end}`;
    case 'month':
      return `${filter.year}, ${filter.month}`;
    case 'year':
      return filter.year;
  }
}
