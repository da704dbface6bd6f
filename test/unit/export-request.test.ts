/**
 * The pure part of exports: the catalogue's day and zone columns, request validation with errors
 * naming the field and value, the WHERE clause each day filter gives, file names.
 */
import { describe, expect, it } from 'vitest';
import { exportCopySql, exportSelectSql, whereConditions } from '../../src/db/export-queries.js';
import { buildCatalogue, columnKind, type CatalogueColumnRow } from '../../src/export/export-catalogue.js';
import { exportFileName } from '../../src/export/export-naming.js';
import { isCalendarDate, validateExportRequest, type ExportInput } from '../../src/export/export-request.js';
import { ExportRequestError } from '../../src/export/export-types.js';
import { exportHref } from '../../src/web/export-href.js';

const col = (schema: string, table: string, name: string, udt: string): CatalogueColumnRow => ({
  table_schema: schema,
  table_name: table,
  column_name: name,
  data_type: udt.startsWith('_') ? 'ARRAY' : udt,
  udt_name: udt,
});
const ROWS: CatalogueColumnRow[] = [
  col('analytics', 'zone_minute', 'home_id', 'int4'),
  col('analytics', 'zone_minute', 'zone_id', 'int4'),
  col('analytics', 'zone_minute', 'minute_start', 'timestamptz'),
  col('analytics', 'zone_minute', 'inside_c', 'float8'),
  col('analytics', 'zone_minute', 'local_date', 'date'),
  col('analytics', 'zone_minute', 'power_on', 'bool'),
  col('analytics', 'home_day_metrics', 'home_id', 'int4'),
  col('analytics', 'home_day_metrics', 'date', 'date'),
  col('analytics', 'monthly_metrics', 'zone_id', 'int4'),
  col('analytics', 'monthly_metrics', 'year', 'int4'),
  col('analytics', 'monthly_metrics', 'month', 'int4'),
  col('analytics', 'yearly_metrics', 'zone_id', 'int4'),
  col('analytics', 'yearly_metrics', 'year', 'int4'),
  col('analytics', 'weather_dependence', 'zone_id', 'int4'),
  col('analytics', 'weather_dependence', 'period_start', 'date'),
  col('analytics', 'weather_dependence', 'period_end', 'date'),
  col('tado', 'interior', 'zone_id', 'int4'),
  col('tado', 'interior', 'ts', 'timestamptz'),
  col('tado', 'interior', 'report_date', 'date'),
  col('tado', 'zones', 'zone_id', 'int4'),
  col('tado', 'zones', 'device_types', '_text'),
  col('tado', 'zones', 'raw', 'jsonb'),
  // the same bare name in both schemas
  col('tado', 'twin', 'x', 'int4'),
  col('analytics', 'twin', 'x', 'int4'),
];
const catalogue = buildCatalogue(ROWS, [3, 1, 2, 1]);

/** The error a request is refused with. */
function refusal(input: Partial<ExportInput>): ExportRequestError {
  try {
    validateExportRequest(catalogue, { table: 'zone_minute', format: 'csv', ...input });
  } catch (err) {
    if (err instanceof ExportRequestError) return err;
    throw err;
  }
  throw new Error(`accepted: ${JSON.stringify(input)}`);
}

describe('export catalogue', () => {
  it('derives column kinds, the day filter and the zone column of each table', () => {
    expect(columnKind('ARRAY', '_text')).toBe('array');
    expect(columnKind('USER-DEFINED', 'citext')).toBe('text');
    const t = (name: string) => catalogue.tables.get(name);
    expect(t('analytics.zone_minute')?.dayFilter).toEqual({ kind: 'day', column: 'local_date' });
    expect(t('analytics.zone_minute')?.zoneColumn).toBe('zone_id');
    expect(t('analytics.zone_minute')?.columns.map((c) => c.kind)).toEqual([
      'integer',
      'integer',
      'timestamptz',
      'double',
      'date',
      'boolean',
    ]);
    expect(t('analytics.home_day_metrics')?.dayFilter).toEqual({ kind: 'day', column: 'date' });
    expect(t('analytics.home_day_metrics')?.zoneColumn).toBeUndefined();
    expect(t('analytics.monthly_metrics')?.dayFilter).toEqual({
      kind: 'month',
      year: 'year',
      month: 'month',
    });
    expect(t('analytics.yearly_metrics')?.dayFilter).toEqual({ kind: 'year', year: 'year' });
    expect(t('analytics.weather_dependence')?.dayFilter).toEqual({
      kind: 'period',
      start: 'period_start',
      end: 'period_end',
    });
    expect(t('tado.interior')?.dayFilter).toEqual({ kind: 'day', column: 'report_date' });
    expect(t('tado.zones')?.dayFilter).toBeUndefined();
    expect(catalogue.zoneIds).toEqual([1, 2, 3]);
  });
});

describe('validateExportRequest', () => {
  it('finds a bare name in its schema, and a qualified one, whatever the case', () => {
    const a = validateExportRequest(catalogue, { table: 'interior', format: 'parquet' });
    expect([a.table.schema, a.table.name, a.format]).toEqual(['tado', 'interior', 'parquet']);
    const b = validateExportRequest(catalogue, {
      table: 'Analytics.Zone_Minute',
      format: 'JSONL',
      from: '2022-01-01',
      to: '2022-12-31',
      zone: '2',
    });
    expect(b).toMatchObject({ format: 'jsonl', from: '2022-01-01', to: '2022-12-31', zone: 2 });
    expect(b.table.name).toBe('zone_minute');
  });

  it('refuses an unknown table, naming it and listing the known ones', () => {
    const e = refusal({ table: 'zone_minutes' });
    expect([e.field, e.kind]).toEqual(['table', 'not_found']);
    expect(e.message).toContain('"zone_minutes"');
    expect(e.message).toContain('analytics.zone_minute');
    expect(e.message).toContain('tado.interior');
    expect(refusal({ table: 'tado.zone_minute' }).field).toBe('table');
  });

  it('refuses a bare name found in two schemas, naming both', () => {
    const e = refusal({ table: 'twin' });
    expect([e.field, e.kind]).toEqual(['table', 'invalid']);
    expect(e.message).toContain('analytics.twin, tado.twin');
  });

  it('refuses a bad date, naming the field and the value', () => {
    for (const [field, value] of [
      ['from', '2022-02-30'],
      ['to', '2022-13-01'],
      ['from', '01/02/2022'],
      ['to', '2022-1-1'],
      ['from', 'yesterday'],
    ] as const) {
      const e = refusal({ [field]: value });
      expect(e.field).toBe(field);
      expect(e.message).toContain(`${field} "${value}"`);
      expect(e.message).toContain('YYYY-MM-DD');
    }
    expect(isCalendarDate('2024-02-29')).toBe(true);
    expect(isCalendarDate('2022-02-29')).toBe(false);
  });

  it('refuses from after to', () => {
    const e = refusal({ from: '2022-03-02', to: '2022-03-01' });
    expect(e.field).toBe('from');
    expect(e.message).toBe('from 2022-03-02 is after to 2022-03-01');
  });

  it('refuses a zone that is not an integer, or does not exist, naming it', () => {
    for (const zone of ['one', '1.5', '-1', '']) {
      const e = refusal({ zone });
      expect([e.field, e.kind]).toEqual(['zone', 'invalid']);
      expect(e.message).toContain(`zone "${zone}"`);
    }
    const e = refusal({ zone: '9' });
    expect([e.field, e.kind]).toEqual(['zone', 'not_found']);
    expect(e.message).toBe('zone 9 does not exist (zones in tado.zones: 1, 2, 3)');
  });

  it('refuses days or a zone asked of a table that has no such column, and an unknown format', () => {
    expect(refusal({ table: 'zones', from: '2022-01-01' })).toMatchObject({ field: 'from' });
    expect(refusal({ table: 'zones', to: '2022-01-01' }).message).toContain('tado.zones has no day column');
    expect(refusal({ table: 'home_day_metrics', zone: '1' }).message).toContain(
      'analytics.home_day_metrics has no zone column',
    );
    const f = refusal({ format: 'xlsx' });
    expect(f.field).toBe('format');
    expect(f.message).toBe('format "xlsx" is not one of csv, jsonl, parquet');
  });
});

describe('export SQL', () => {
  const req = (input: Partial<ExportInput>) =>
    validateExportRequest(catalogue, { table: 'zone_minute', format: 'csv', ...input });

  it('selects days on each kind of day column, inclusive', () => {
    expect(whereConditions(req({ from: '2022-01-01', to: '2022-01-31', zone: 1 }))).toEqual([
      `"local_date" >= DATE '2022-01-01'`,
      `"local_date" <= DATE '2022-01-31'`,
      `"zone_id" = 1`,
    ]);
    expect(whereConditions(req({ table: 'monthly_metrics', from: '2022-01-15', to: '2022-03-01' }))).toEqual([
      `("year" * 12 + "month") >= ${2022 * 12 + 1}`,
      `("year" * 12 + "month") <= ${2022 * 12 + 3}`,
    ]);
    expect(whereConditions(req({ table: 'yearly_metrics', from: '2021-06-01', to: '2022-01-01' }))).toEqual([
      `"year" >= 2021`,
      `"year" <= 2022`,
    ]);
    expect(
      whereConditions(req({ table: 'weather_dependence', from: '2022-01-01', to: '2022-06-30' })),
    ).toEqual([`"period_end" >= DATE '2022-01-01'`, `"period_start" <= DATE '2022-06-30'`]);
    expect(whereConditions(req({}))).toEqual([]);
  });

  it('writes timestamps as UTC ISO 8601, booleans as words and arrays as JSON in CSV; raw for DuckDB', () => {
    const csv = exportSelectSql(req({}), 'csv');
    expect(csv).toContain(
      `to_char("minute_start" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS "minute_start"`,
    );
    expect(csv).toContain(`"power_on"::text AS "power_on"`);
    expect(exportSelectSql(req({ table: 'zones' }), 'csv')).toContain(`to_json("device_types")::text`);
    const duck = exportSelectSql(req({ table: 'zones' }), 'duckdb');
    expect(duck).toBe(
      `SELECT "zone_id", to_json("device_types")::text AS "device_types", "raw"::text AS "raw" FROM "tado"."zones"`,
    );
    expect(exportCopySql(req({ format: 'jsonl' }), 'jsonl')).toMatch(
      /^COPY \(SELECT row_to_json\(r\) FROM \(SELECT /,
    );
  });

  it('names files after the table, zone and days', () => {
    expect(exportFileName(req({ format: 'parquet', zone: 2, from: '2022-01-01', to: '2022-12-31' }))).toBe(
      'analytics.zone_minute_zone-2_2022-01-01_to_2022-12-31.parquet',
    );
    expect(exportFileName(req({ table: 'zones', format: 'jsonl' }))).toBe('tado.zones.jsonl');
  });

  it('builds download links for pages', () => {
    expect(exportHref('zone_minute', { from: '2022-01-01', to: '2022-01-31', zone: 1 }, 'parquet')).toBe(
      '/api/v1/export/zone_minute.parquet?from=2022-01-01&to=2022-01-31&zone=1',
    );
    expect(exportHref('analytics.zone_day_metrics', {}, 'csv')).toBe(
      '/api/v1/export/analytics.zone_day_metrics.csv',
    );
    expect(exportHref('a b/c', { zone: 0 }, 'jsonl')).toBe('/api/v1/export/a%20b%2Fc.jsonl?zone=0');
  });
});
