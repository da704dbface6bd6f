/**
 * What the command says when it is asked for something that is not there, run as users run it (a
 * child process) on the shipped DAG folder with real Postgres and Redis: a database not migrated,
 * a heating report of a year, zone or home with no data, an unknown asset; the heating report's
 * flagged data; and the `dags list` table.
 */
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase } from '../../src/db/connection.js';
import { createTestOrchestrator, type TestOrchestrator } from '../helpers/orchestrator.js';
import { runCli } from '../helpers/run-cli.js';

let h: TestOrchestrator;
const run = (args: string[], env: Record<string, string> = {}) => runCli(args, { ...h.env, ...env });

beforeAll(async () => {
  h = await createTestOrchestrator('climsg', {
    dagsDir: path.resolve('dags'),
    env: { TADO_ETL_TASK_SNAPSHOTS: 'false' },
  });
}, 120_000);
afterAll(async () => h.cleanup());

describe('a DAG folder that does not exist', () => {
  it('is named with its variable, and no DAG is recorded as gone', async () => {
    const before = await run(['dags', 'list', '--json']);
    expect(before.code).toBe(0);
    const r = await run(['dags', 'list'], { HEATFLOW_DAGS_DIR: '/nonexistent-dags' });
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      'heatflow: HEATFLOW_DAGS_DIR: the DAG folder /nonexistent-dags does not exist (or is not a folder)\n',
    );
    const after = await run(['dags', 'list', '--json']);
    const active = (out: string) =>
      (JSON.parse(out) as { dags: { dag_id: string; is_active: boolean }[] }).dags.map((d) => [
        d.dag_id,
        d.is_active,
      ]);
    expect(active(before.out)).toEqual([
      ['heating_analytics', true],
      ['tado_etl', true],
    ]);
    expect(active(after.out)).toEqual(active(before.out));
  });
});

describe('a database that is not migrated', () => {
  it('commands say to run heatflow db migrate', async () => {
    const name = `hf_test_unmigrated_${randomBytes(4).toString('hex')}`;
    const url = new URL(h.database.url);
    url.pathname = `/${name}`;
    await ensureDatabase(url.toString());
    try {
      for (const cmd of [
        ['dags', 'list'],
        ['dags', 'trigger', 'tado_etl'],
        ['assets', 'list'],
        ['heating', 'report'],
      ]) {
        const r = await run(cmd, { DATABASE_URL: url.toString() });
        expect(r.code, cmd.join(' ')).toBe(1);
        expect(r.err, cmd.join(' ')).toContain('run `heatflow db migrate`');
        expect(r.err.trim().split('\n'), cmd.join(' ')).toHaveLength(1);
      }
      url.pathname = `/${name}_missing`;
      const missing = await run(['dags', 'list'], { DATABASE_URL: url.toString() });
      expect(missing.code).toBe(1);
      expect(missing.err).toMatch(
        /database "hf_test_unmigrated_\w+_missing" does not exist; run `heatflow db migrate`/,
      );
    } finally {
      const admin = new pg.Client({ connectionString: h.database.url });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
      await admin.end();
    }
  });
});

describe('heating report of something with no data', () => {
  it('a year, zone (hot water included) or home with nothing analysed exits 1 listing what exists', async () => {
    const db = h.rt.db;
    await sql`INSERT INTO tado.zones (home_id, zone_id, name, zone_type, date_created, raw) VALUES
      (7, 0, 'Hot Water', 'HOT_WATER', '2021-01-01', '{}'),
      (7, 1, 'Living room', 'HEATING', '2021-01-01', '{}'),
      (7, 2, 'Bedroom', 'HEATING', '2021-01-01', '{}')`.execute(db);
    // two zone-days set aside by clean (the report shows them): zone 1 on two days of 2022
    await sql`INSERT INTO analytics.zone_days (home_id, zone_id, date, status, reason, analysed_at) VALUES
      (7, 1, '2022-01-01', 'rejected', 'missing interior', now()),
      (7, 1, '2022-01-02', 'rejected', 'missing interior', now())`.execute(db);
    const ok = await run(['heating', 'report', '--year', '2022', '--zone', '1']);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('heating 2022, home 7: 0 zone-days analysed, 2 set aside');

    const year = await run(['heating', 'report', '--year', '2021']);
    expect(year.code).toBe(1);
    expect(year.err.trim()).toBe('heatflow: --year 2021: nothing analysed in 2021; years with data: 2022');
    const zone = await run(['heating', 'report', '--year', '2022', '--zone', '5']);
    expect(zone.code).toBe(1);
    expect(zone.err.trim()).toBe(
      'heatflow: --zone 5: no such zone; heating zones analysed in 2022: 1 (Living room)',
    );
    const hotWater = await run(['heating', 'report', '--zone', '0']);
    expect(hotWater.code).toBe(1);
    expect(hotWater.err).toContain(
      '--zone 0: zone 0 (Hot Water) is a HOT_WATER zone, not a heating zone (heating_analytics analyses heating zones only); heating zones analysed in 2022: 1 (Living room)',
    );
    const bedroom = await run(['heating', 'report', '--zone', '2']);
    expect(bedroom.code).toBe(1);
    expect(bedroom.err).toContain('--zone 2: zone 2 (Bedroom) has nothing analysed in 2022;');
    const home = await run(['heating', 'report', '--home', '8']);
    expect(home.code).toBe(1);
    expect(home.err.trim()).toBe(
      'heatflow: --home 8: no analysed data for home 8; homes with data (years): 7 (2022)',
    );
  });
});

describe('heating report: flagged data', () => {
  it("says, as the demo's summary does, how many zone-days are placeholder and readings inside offline spans, for its year and zone", async () => {
    const db = h.rt.db;
    await sql`INSERT INTO tado.zones (home_id, zone_id, name, zone_type, date_created, raw) VALUES
      (7, 1, 'Living room', 'HEATING', '2021-01-01', '{}'),
      (7, 2, 'Bedroom', 'HEATING', '2021-01-01', '{}') ON CONFLICT DO NOTHING`.execute(db);
    await sql`INSERT INTO analytics.zone_days (home_id, zone_id, date, status, reason, analysed_at) VALUES
      (7, 1, '2022-01-01', 'rejected', 'missing interior', now()) ON CONFLICT DO NOTHING`.execute(db);
    // zone 1: a placeholder day and a day with the device offline in 2022, a placeholder day in
    // 2021 (not the report's year); zone 2: a placeholder day in 2022
    await sql`INSERT INTO tado.days (home_id, zone_id, date, zone_type, time_zone, interval_from, interval_to,
        hours_in_day, placeholder, device_offline_ms, report) VALUES
      (7, 1, '2022-01-01', 'HEATING', 'Europe/London', '2021-12-31T23:45Z', '2022-01-02T00:15Z', 24, true, 0, '{}'),
      (7, 1, '2022-01-02', 'HEATING', 'Europe/London', '2022-01-01T23:45Z', '2022-01-03T00:15Z', 24, false, 1800000, '{}'),
      (7, 1, '2021-12-31', 'HEATING', 'Europe/London', '2021-12-30T23:45Z', '2022-01-01T00:15Z', 24, true, 0, '{}'),
      (7, 2, '2022-01-01', 'HEATING', 'Europe/London', '2021-12-31T23:45Z', '2022-01-02T00:15Z', 24, true, 0, '{}')`.execute(
      db,
    );
    await sql`INSERT INTO tado.interior (home_id, zone_id, ts, report_date, in_report_day, flag)
      SELECT 7, 1, '2022-01-01T00:00Z'::timestamptz + n * interval '15 min', '2022-01-01'::date, true, 'placeholder' FROM generate_series(0, 2) n
      UNION ALL SELECT 7, 1, '2022-01-02T10:00Z'::timestamptz + n * interval '15 min', '2022-01-02'::date, true,
        CASE WHEN n < 2 THEN 'device_offline' END::text FROM generate_series(0, 2) n
      UNION ALL SELECT 7, 1, '2021-12-31T00:00Z'::timestamptz + n * interval '15 min', '2021-12-31'::date, true, 'placeholder' FROM generate_series(0, 3) n
      UNION ALL SELECT 7, 2, '2022-01-01T00:00Z'::timestamptz + n * interval '15 min', '2022-01-01'::date, true, 'placeholder' FROM generate_series(0, 4) n`.execute(
      db,
    );
    const zone = await run(['heating', 'report', '--year', '2022', '--zone', '1']);
    expect(zone.code, zone.err).toBe(0);
    expect(zone.out.trimEnd().split('\n').at(-1)).toBe(
      'flagged, not measurements in 2022, zone 1: 1 placeholder zone-day (3 readings), 2 readings inside device-offline spans (values null; docs/pipeline.md)',
    );
    const year = await run(['heating', 'report', '--year', '2022', '--home', '7']);
    expect(year.code, year.err).toBe(0);
    expect(year.out).toContain(
      'flagged, not measurements in 2022, home 7: 2 placeholder zone-days (8 readings), 2 readings inside device-offline spans (values null; docs/pipeline.md)',
    );
    const json = await run(['heating', 'report', '--year', '2022', '--json']);
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      year: 2022,
      flagged: { placeholder_zone_days: 2, placeholder_readings: 8, device_offline_readings: 2 },
    });
  });
});

describe('dags list', () => {
  it('fits its columns to the content and shows the asset schedule, as text and JSON', async () => {
    const r = await run(['dags', 'list']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.trim().split('\n');
    const header = lines[0] ?? '';
    const analytics = lines.find((l) => l.startsWith('heating_analytics')) ?? '';
    const etl = lines.find((l) => l.startsWith('tado_etl')) ?? '';
    // every column starts where its header does, and no cell runs into the next column
    for (const column of ['schedule', 'state', 'file']) {
      const at = header.indexOf(column);
      for (const line of [analytics, etl]) {
        expect(line[at - 1], `${column} of ${line}`).toBe(' ');
        expect(line[at], `${column} of ${line}`).not.toBe(' ');
      }
    }
    expect(analytics.slice(header.indexOf('schedule'), header.indexOf('state')).trim()).toBe(
      'on asset tado://warehouse',
    );
    expect(etl.slice(header.indexOf('schedule'), header.indexOf('state')).trim()).toBe('0 1 * * *');
    const json = await run(['dags', 'list', '--json']);
    const dags = (JSON.parse(json.out) as { dags: { dag_id: string; schedule: string | null }[] }).dags;
    expect(Object.fromEntries(dags.map((d) => [d.dag_id, d.schedule]))).toEqual({
      heating_analytics: 'on asset tado://warehouse',
      tado_etl: '0 1 * * *',
    });
  });
});
