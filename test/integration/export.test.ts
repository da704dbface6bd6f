/**
 * Exports against real Postgres: `heatflow export` (the built CLI, as a child process) and
 * `GET /api/v1/export/…` (a real server on a random port) in each format, read back (CSV split,
 * JSON Lines parsed, Parquet read with DuckDB) and compared with the table's rows as node-postgres
 * reads them; the errors naming an unknown table or zone, a bad date. Data: simulated tado days
 * loaded through the ETL path, and minute series written by the analytics repository
 * (test/helpers/analytics-store-fixture.ts). Needs `npm run build` first.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createLogger } from '../../src/logging/logger.js';
import { openRuntime, type Runtime } from '../../src/runtime/runtime.js';
import { exportHref } from '../../src/web/export-href.js';
import { startWebServer, type WebServer } from '../../src/web/server.js';
import {
  analysed,
  CTX,
  openAnalyticsFixture,
  ref,
  type AnalyticsFixture,
} from '../helpers/analytics-store-fixture.js';

const CLI = path.resolve('dist/src/cli/main.js');
/** zone_minute's columns and the Parquet types they must have */
const MINUTE_TYPES: Record<string, string> = {
  home_id: 'INTEGER',
  zone_id: 'INTEGER',
  minute_start: 'TIMESTAMP WITH TIME ZONE',
  inside_c: 'DOUBLE',
  humidity_fraction: 'DOUBLE',
  setpoint_c: 'DOUBLE',
  outside_c: 'DOUBLE',
  local_date: 'DATE',
  demand_level: 'SMALLINT',
  power_on: 'BOOLEAN',
  connected: 'BOOLEAN',
  cleaned: 'BOOLEAN',
  weather_state: 'VARCHAR',
};

let fx: AnalyticsFixture;
let rt: Runtime;
let web: WebServer;
let tmp: string;
let pgClient: pg.Client;
let duck: DuckDBConnection;
let duckInstance: DuckDBInstance;

const run = (args: string[]) =>
  new Promise<{ code: number | null; out: Buffer; err: string }>((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...process.env, DATABASE_URL: fx.tdb.url, HEATFLOW_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out), err }));
  });

/** Rows as node-postgres reads them (dates kept as `YYYY-MM-DD` text), ordered by `orderBy`. */
async function pgRows(sqlText: string): Promise<Record<string, unknown>[]> {
  return (await pgClient.query<Record<string, unknown>>(sqlText)).rows;
}

/** A value in the form the exports write it as text: ISO instants, JSON for objects and arrays. */
function asText(v: unknown): string {
  if (v === null) return '';
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Compares exported rows (objects) with the table's, ignoring row order (sorted by `key`). */
function expectSameRows(
  got: Record<string, unknown>[],
  want: Record<string, unknown>[],
  key: (r: Record<string, unknown>) => string,
  cell: (column: string, v: unknown) => unknown = (_c, v) => v,
): void {
  expect(got.length).toBe(want.length);
  const sortBy = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));
  const g = sortBy(got);
  const w = sortBy(want);
  for (let i = 0; i < w.length; i++) {
    const wr = w[i] ?? {};
    const gr = g[i] ?? {};
    expect(Object.keys(gr)).toEqual(Object.keys(wr));
    for (const [c, v] of Object.entries(wr))
      expect(cell(c, gr[c]), `row ${key(wr)} column ${c}`).toEqual(cell(c, v));
  }
}

const minuteKey = (r: Record<string, unknown>) => `${asText(r.zone_id)}|${asText(r.minute_start)}`;

/** The rows of a Parquet file as DuckDB reads them, and its column types. */
async function readParquet(
  file: string,
): Promise<{ rows: Record<string, unknown>[]; types: Record<string, string> }> {
  const described = await duck.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`);
  const types = Object.fromEntries(
    described.getRowObjectsJson().map((r) => [r.column_name as string, r.column_type as string]),
  );
  const read = await duck.runAndReadAll(`SELECT * FROM read_parquet('${file}')`);
  return { rows: read.getRowObjectsJS(), types };
}

/** DuckDB's JS values as node-postgres's: DATE → `YYYY-MM-DD`, TIMESTAMPTZ → Date. */
function duckCell(types: Record<string, string>) {
  return (column: string, v: unknown): unknown => {
    if (v === null || v === undefined) return null;
    if (types[column] === 'DATE' && v instanceof Date) return v.toISOString().slice(0, 10);
    if (v instanceof Date) return v.toISOString();
    return v;
  };
}

beforeAll(async () => {
  fx = await openAnalyticsFixture('export');
  // minute series of zones 1 and 2 on 2022-03-26 and 2022-03-27 (the clock change: 1,380 minutes)
  await fx.repo.replaceZoneMinutes(
    [
      analysed(ref(1, '2022-03-26'), 1),
      analysed(ref(2, '2022-03-26'), 2),
      analysed(ref(1, '2022-03-27'), 3),
      analysed(ref(2, '2022-03-27'), 4),
    ],
    [],
    CTX,
  );
  // dates as their YYYY-MM-DD text, as the exports write them (node-postgres makes local midnights)
  const types = new pg.TypeOverrides();
  types.setTypeParser(pg.types.builtins.DATE, (s: string) => s);
  pgClient = new pg.Client({ connectionString: fx.tdb.url, types });
  await pgClient.connect();
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: fx.tdb.url,
    HEATFLOW_REDIS_PREFIX: `hftest-export-${randomBytes(4).toString('hex')}`,
    HEATFLOW_LOG_LEVEL: 'warn',
  });
  rt = await openRuntime(config, createLogger({ level: 'warn', format: 'json' }));
  web = await startWebServer(rt, { host: '127.0.0.1', port: 0 });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'hf-export-test-'));
  duckInstance = await DuckDBInstance.create(':memory:');
  duck = await duckInstance.connect();
}, 180_000);

afterAll(async () => {
  duckInstance?.closeSync();
  await web?.close();
  await rt?.close();
  await pgClient?.end();
  await fx?.close();
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

const ZONE1_DAY = `SELECT * FROM analytics.zone_minute WHERE zone_id = 1 AND local_date = '2022-03-27'`;

describe('heatflow export (CLI)', () => {
  it('writes CSV with a header, UTC ISO 8601 instants and the values of the table', async () => {
    const file = path.join(tmp, 'zm.csv');
    const r = await run([
      'export',
      'zone_minute',
      '--from',
      '2022-03-27',
      '--to',
      '2022-03-27',
      '--zone',
      '1',
      '--format',
      'csv',
      '-o',
      file,
    ]);
    expect(r.err).toMatch(/^exported 1380 rows of analytics\.zone_minute as csv/);
    expect(r.code).toBe(0);
    const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    expect(header?.split(',')).toEqual(Object.keys(MINUTE_TYPES));
    const columns = Object.keys(MINUTE_TYPES);
    const got = lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [columns[i] ?? '?', v])));
    expect(lines[0]).toMatch(/^\d+,1,2022-03-2[67]T\d{2}:\d{2}:00\.000Z,/);
    const want = await pgRows(ZONE1_DAY);
    // numbers compared as numbers (both sides print the shortest round-trip form), the rest as text
    expectSameRows(got, want, minuteKey, (_c, v) =>
      typeof v === 'number'
        ? v
        : typeof v === 'string' && /^-?\d+(\.\d+)?(e-?\d+)?$/.test(v)
          ? Number(v)
          : asText(v),
    );
  });

  it('writes JSON Lines to stdout with JSON numbers, booleans and nulls', async () => {
    const r = await run([
      'export',
      'analytics.zone_minute',
      '--from',
      '2022-03-27',
      '--to',
      '2022-03-27',
      '--zone',
      '1',
      '--format',
      'jsonl',
    ]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('as a file: analytics.zone_minute_zone-1_2022-03-27_to_2022-03-27.jsonl');
    const got = r.out
      .toString('utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const want = await pgRows(ZONE1_DAY);
    expectSameRows(got, want, minuteKey, (_c, v) => (v instanceof Date ? v.toISOString() : v));
    expect(got.some((g) => g.inside_c === null) && got.some((g) => typeof g.power_on === 'boolean')).toBe(
      true,
    );
  });

  it('writes Parquet with typed columns (UTC timestamps, doubles, smallint, booleans) equal to the table', async () => {
    const file = path.join(tmp, 'zm.parquet');
    const r = await run(['export', 'zone_minute', '--from', '2022-03-26', '-o', file]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^exported 5640 rows of analytics\.zone_minute as parquet/);
    const { rows, types } = await readParquet(file);
    expect(types).toEqual(MINUTE_TYPES);
    const schema = await duck.runAndReadAll(
      `SELECT logical_type FROM parquet_schema('${file}') WHERE name = 'minute_start'`,
    );
    expect(schema.getRowsJson()[0]?.[0]).toMatch(/isAdjustedToUTC=(1|true)/);
    const want = await pgRows(`SELECT * FROM analytics.zone_minute WHERE local_date >= '2022-03-26'`);
    expect(want.length).toBe(1440 * 2 + 1380 * 2);
    expectSameRows(rows, want, minuteKey, duckCell(types));
  });

  it('exports the raw tado tables: jsonb as JSON text and arrays in Parquet, objects in JSON Lines', async () => {
    const file = path.join(tmp, 'days.parquet');
    expect((await run(['export', 'days', '--zone', '4', '-o', file])).code).toBe(0);
    const { rows, types } = await readParquet(file);
    expect(types.report).toBe('VARCHAR');
    expect(types.interval_from).toBe('TIMESTAMP WITH TIME ZONE');
    const want = await pgRows(`SELECT * FROM tado.days WHERE zone_id = 4`);
    expect(want.length).toBe(1);
    expectSameRows(
      rows,
      want,
      (r) => asText(r.date),
      (c, v) => (c === 'report' && typeof v === 'string' ? JSON.parse(v) : duckCell(types)(c, v)),
    );
    const zones = await run(['export', 'zones', '--format', 'jsonl']);
    const got = zones.out
      .toString()
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expectSameRows(
      got,
      await pgRows('SELECT * FROM tado.zones'),
      (r) => asText(r.zone_id),
      (_c, v) => asText(v),
    );
  });

  it('names an unknown table, zone or a bad date, exits 1 and leaves no file', async () => {
    const file = path.join(tmp, 'never.csv');
    const unknown = await run(['export', 'zone_minutes', '-o', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(
      /^heatflow: TABLE: unknown table "zone_minutes" \(known tables: analytics\.home_day_metrics, .*tado\.zones\)/,
    );
    const zone = await run(['export', 'interior', '--zone', '9', '-o', file]);
    expect(zone.code).toBe(1);
    const zoneIds = (await pgRows('SELECT DISTINCT zone_id FROM tado.zones ORDER BY 1')).map(
      (z) => z.zone_id,
    );
    // the simulated home's zones: four heating, one air-conditioning (5), hot water
    expect(zoneIds).toEqual([0, 1, 2, 3, 4, 5]);
    expect(zone.err).toBe(
      `heatflow: --zone: zone 9 does not exist (zones in tado.zones: ${zoneIds.join(', ')})\n`,
    );
    const date = await run(['export', 'interior', '--from', '2022-02-30', '-o', file]);
    expect(date.code).toBe(1);
    expect(date.err).toContain('--from: from "2022-02-30" is not a date');
    const noFormat = await run(['export', 'interior']);
    expect(noFormat.err).toContain('--format is required');
    const missing = path.join(tmp, 'no-such-folder', 'x.parquet');
    const folder = await run(['export', 'interior', '--format', 'parquet', '-o', missing]);
    expect(folder.code).toBe(1);
    expect(folder.err).toBe(
      `heatflow: -o: cannot write ${missing}: the folder ${path.dirname(missing)} does not exist\n`,
    );
    expect((await readdir(tmp)).filter((f) => f.startsWith('never') || f.startsWith('no-such'))).toEqual([]);
  });
});

describe('GET /api/v1/export/{table}.{format}', () => {
  const get = (href: string) => fetch(`${web.url}${href}`);

  it('streams each format as an attachment, the same bytes as the CLI', async () => {
    const sel = { from: '2022-03-27', to: '2022-03-27', zone: 1 };
    const csv = await get(exportHref('zone_minute', sel, 'csv'));
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toBe(
      'attachment; filename="analytics.zone_minute_zone-1_2022-03-27_to_2022-03-27.csv"',
    );
    expect(await csv.text()).toBe(await readFile(path.join(tmp, 'zm.csv'), 'utf8'));

    const jsonl = await get(exportHref('analytics.zone_minute', sel, 'jsonl'));
    expect(jsonl.headers.get('content-type')).toBe('application/jsonl; charset=utf-8');
    expect((await jsonl.text()).trimEnd().split('\n')).toHaveLength(1380);

    const parquet = await get(exportHref('zone_minute', sel, 'parquet'));
    expect(parquet.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    const file = path.join(tmp, 'http.parquet');
    await writeFile(file, Buffer.from(await parquet.arrayBuffer()));
    const { rows, types } = await readParquet(file);
    expect(types).toEqual(MINUTE_TYPES);
    expectSameRows(rows, await pgRows(ZONE1_DAY), minuteKey, duckCell(types));
  });

  it('answers problem JSON naming the parameter: 404 unknown table or zone, 400 bad date or format', async () => {
    const cases: [string, number, string, RegExp][] = [
      ['/api/v1/export/nope.csv', 404, 'table', /unknown table "nope" \(known tables: analytics\./],
      [exportHref('interior', { zone: 9 }, 'csv'), 404, 'zone', /zone 9 does not exist/],
      [
        exportHref('interior', { from: '2022-13-01' }, 'csv'),
        400,
        'from',
        /invalid parameter "from": from "2022-13-01" is not a date/,
      ],
      [
        exportHref('interior', { from: '2022-03-02', to: '2022-03-01' }, 'csv'),
        400,
        'from',
        /from 2022-03-02 is after to 2022-03-01/,
      ],
      ['/api/v1/export/interior.xlsx', 400, 'format', /format "xlsx" is not one of csv, jsonl, parquet/],
      ['/api/v1/export/interior.csv?zone=x', 400, 'zone', /zone "x" is not a zone id/],
      // COPY takes no parameters: values are validated, then inlined; nothing else gets through
      [
        `/api/v1/export/interior.csv?from=${encodeURIComponent("2022-01-01' OR '1'='1")}`,
        400,
        'from',
        /is not a date/,
      ],
      [
        `/api/v1/export/${encodeURIComponent('interior; DROP TABLE tado.zones; --')}.csv`,
        404,
        'table',
        /unknown table/,
      ],
      ['/api/v1/export/interior.csv?zone=1%20OR%201%3D1', 400, 'zone', /is not a zone id/],
    ];
    for (const [href, status, parameter, detail] of cases) {
      const r = await get(href);
      expect(r.status, href).toBe(status);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
      const body = (await r.json()) as { parameter?: string; detail?: string };
      expect(body.parameter, href).toBe(parameter);
      expect(body.detail, href).toMatch(detail);
    }
    expect((await pgRows('SELECT count(*)::int AS n FROM tado.zones'))[0]?.n).toBe(6);
  });

  it('lists the exportable tables with their day and zone columns', async () => {
    const r = await get('/api/v1/export');
    const body = (await r.json()) as {
      tables: { table: string; days_on: string | null; zone_column: string | null }[];
      zones: number[];
    };
    const zoneIds = (await pgRows('SELECT DISTINCT zone_id FROM tado.zones ORDER BY 1')).map(
      (z) => z.zone_id,
    );
    expect(body.zones).toEqual(zoneIds);
    const byName = new Map(body.tables.map((t) => [t.table, t]));
    expect(byName.get('analytics.zone_minute')).toMatchObject({
      days_on: 'local_date',
      zone_column: 'zone_id',
    });
    expect(byName.get('tado.interior')).toMatchObject({ days_on: 'report_date', zone_column: 'zone_id' });
    expect(byName.get('tado.zones')).toMatchObject({ days_on: null });
    // the AC zones' unit activity (issue 15) is exportable like every interval table
    expect(byName.get('tado.ac_activity')).toMatchObject({ days_on: 'report_date', zone_column: 'zone_id' });
    expect(byName.size).toBe(16);
  });

  it('stops the COPY and frees its connection when the client goes away mid-download', async () => {
    // a larger table: 260,640 synthetic minutes of zone 3 in 2023 (about 20 MB of CSV)
    await pgClient.query(`
      INSERT INTO analytics.zone_minute (home_id, zone_id, minute_start, inside_c, local_date, cleaned)
      SELECT 1, 3, m, 19.5, (m AT TIME ZONE 'UTC')::date, false
        FROM generate_series(timestamptz '2023-01-01 00:00+00', timestamptz '2023-06-30 23:59+00', interval '1 minute') m`);
    const active = async () =>
      (
        await pgRows(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE application_name = 'heatflow-web-export' AND state <> 'idle' AND pid <> pg_backend_pid()`,
        )
      )[0]?.n;
    for (const format of ['csv', 'parquet'] as const) {
      const abort = new AbortController();
      const r = await fetch(
        `${web.url}${exportHref('zone_minute', { from: '2023-01-01', zone: 3 }, format)}`,
        {
          signal: abort.signal,
        },
      );
      expect(r.status).toBe(200);
      const reader = r.body?.getReader();
      const first = await reader?.read();
      expect(first?.done).toBe(false);
      abort.abort();
      await reader?.cancel().catch(() => undefined);
      // the server notices, the pipeline fails, the connection is discarded and the COPY ends
      const deadline = Date.now() + 10_000;
      while ((await active()) !== 0 && Date.now() < deadline)
        await new Promise((res) => setTimeout(res, 100));
      expect(await active(), format).toBe(0);
    }
    // and the next export works, complete
    const again = await fetch(
      `${web.url}${exportHref('zone_minute', { from: '2023-01-01', zone: 3 }, 'csv')}`,
    );
    expect((await again.text()).trimEnd().split('\n')).toHaveLength(1 + 181 * 1440);
  });

  it('serves several Parquet downloads at once, each complete (two run, the others wait their turn)', async () => {
    const hrefs = [1, 2, 1, 2].map((zone) =>
      exportHref('zone_minute', { to: '2022-12-31', zone }, 'parquet'),
    );
    const bodies = await Promise.all(hrefs.map(async (h) => Buffer.from(await (await get(h)).arrayBuffer())));
    for (const [i, body] of bodies.entries()) {
      const file = path.join(tmp, `concurrent-${i}.parquet`);
      await writeFile(file, body);
      const zone = i % 2 === 0 ? 1 : 2;
      const { rows, types } = await readParquet(file);
      const want = await pgRows(
        `SELECT * FROM analytics.zone_minute WHERE zone_id = ${zone} AND local_date <= '2022-12-31'`,
      );
      expect(want.length).toBe(1440 + 1380);
      expectSameRows(rows, want, minuteKey, duckCell(types));
    }
  });
});
