/**
 * The built heating_analytics programs (dist/, `npm run build`) on the two real tado day reports:
 * each report is loaded into a scratch warehouse as tado_etl's load stores it, then clean →
 * resample → merge → daily_metrics → weather_dependence → unusual_days → quality_check run as
 * child processes under the task container contract (as the process executor runs them), and the
 * stored `analytics.zone_day_metrics` row must equal the figures computed by hand from the raw
 * JSON (test/helpers/hand-metrics.ts) exactly. Also: a truncated run-folder file names itself.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { heatingAnalytics } from '../../dags/heating_analytics.js';
import { Warehouse, type WarehouseDatabase } from '../../src/db/warehouse.js';
import { flattenDayReport, zoneRow } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo } from '../../src/etl/join-interior.js';
import { buildWarehouseBatch } from '../../src/etl/warehouse-batch.js';
import { zonesSchema } from '../../src/tado/schemas.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { byHand, type RawReport } from '../helpers/hand-metrics.js';
import { runTaskProgram, type TaskProgramRun } from '../helpers/run-task-program.js';
import { loadFixture, readFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

const HOME = 123456;
const ORDER = [
  'clean',
  'resample',
  'merge',
  'daily_metrics',
  'weather_dependence',
  'unusual_days',
  'quality_check',
];
let tdb: TestDatabase;
let tmp: string;

beforeAll(async () => {
  tdb = await createTestDatabase('analytics_tasks');
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-analytics-tasks-'));
  const zones = zonesSchema.parse([
    {
      id: 1,
      name: 'Living room',
      type: 'HEATING',
      dateCreated: '2021-11-15T12:27:24.825Z',
      deviceTypes: ['VA02'],
    },
  ]);
  const join = danfoInteriorJoin(await importDanfo());
  const warehouse = new Warehouse(tdb.db as unknown as Kysely<WarehouseDatabase>);
  for (const [file, date] of [
    [WINTER, '2022-12-07'],
    [SUMMER, '2022-08-15'],
  ] as const) {
    const report = loadFixture(file);
    const rows = flattenDayReport(report, { homeId: HOME, zoneId: 1, date, timeZone: 'Europe/London' }, join);
    await warehouse.load(
      buildWarehouseBatch(
        zones.map((z) => zoneRow(HOME, z)),
        [{ rows, report }],
      ),
    );
  }
}, 60_000);
afterAll(async () => {
  await tdb?.drop();
  await rm(tmp, { recursive: true, force: true });
});

/** Runs the DAG's programs in order for `dates`, each with its upstream's return values. */
async function runAll(name: string, dates: string): Promise<Record<string, TaskProgramRun>> {
  const runDir = path.join(tmp, name);
  const out: Record<string, TaskProgramRun> = {};
  for (const taskId of ORDER) {
    const task = heatingAnalytics.tasks.get(taskId);
    if (task === undefined) throw new Error(`no task ${taskId}`);
    const upstream = Object.fromEntries(task.upstream.map((u) => [u, out[u]?.returnValue]));
    out[taskId] = await runTaskProgram({
      dag: heatingAnalytics,
      taskId,
      ds: dates.slice(0, 10),
      runDir,
      upstream,
      params: { dates },
      env: { DATABASE_URL: tdb.url },
    });
  }
  return out;
}

describe('heating_analytics task programs on the real reports', () => {
  it.each([
    { file: WINTER, date: '2022-12-07', startIso: '2022-12-07T00:00:00.000Z' },
    { file: SUMMER, date: '2022-08-15', startIso: '2022-08-14T23:00:00.000Z' },
  ])('store the hand-computed metrics of $date exactly', async ({ file, date, startIso }) => {
    const runs = await runAll(`real-${date}`, date);
    for (const taskId of ORDER)
      expect([taskId, runs[taskId]?.exitCode, runs[taskId]?.stderr]).toEqual([taskId, 0, '']);
    const hand = byHand(readFixture(file) as RawReport, startIso);
    const [m] = (
      await sql<Record<string, number | null>>`
        SELECT minutes, heating_minutes, inside_mean_c, inside_min_c, inside_max_c, inside_mean_heating_c,
          setpoint_mean_heating_c, outside_mean_c, hdd, coverage_fraction
        FROM analytics.zone_day_metrics WHERE home_id = ${HOME} AND zone_id = 1 AND date = ${date}`.execute(
        tdb.db,
      )
    ).rows;
    expect(m).toEqual({
      minutes: 1440,
      heating_minutes: hand.heating,
      inside_mean_c: hand.insideMean,
      inside_min_c: hand.min,
      inside_max_c: hand.max,
      inside_mean_heating_c: hand.insideMeanHeating,
      setpoint_mean_heating_c: hand.setpointMeanHeating,
      outside_mean_c: hand.outsideMean,
      hdd: hand.hdd,
      coverage_fraction: 1,
    });
    const [minutes] = (
      await sql<{ n: number; heating: number }>`
        SELECT count(*)::int AS n, count(*) FILTER (WHERE demand_level >= 1)::int AS heating
        FROM analytics.zone_minute WHERE zone_id = 1 AND local_date = ${date}`.execute(tdb.db)
    ).rows;
    expect(minutes).toEqual({ n: 1440, heating: hand.heating });
    // a day or two of 2022 fitted (the cases share the database): stored, and flagged as far from
    // CalTRACK's 90 % of the year
    const fits = (
      await sql<{
        days_in_period: number;
        days_with_data: number;
        data_sufficient: boolean;
        sufficiency: string;
      }>`
        SELECT days_in_period, days_with_data, data_sufficient, sufficiency
        FROM analytics.weather_dependence WHERE home_id = ${HOME} AND zone_id = 1 AND year = 2022`.execute(
        tdb.db,
      )
    ).rows;
    expect(fits).toHaveLength(1);
    expect(fits[0]).toMatchObject({ days_in_period: 365, data_sufficient: false });
    expect([1, 2]).toContain(fits[0]?.days_with_data);
    expect(fits[0]?.sufficiency).toMatch(
      /^[12] of the 365 days of 2022 have data \(0\.[25] %\): insufficient/,
    );
  });

  it('fails clean without retries (exit 98) on a malformed date set, naming the item', async () => {
    const r = await runTaskProgram({
      dag: heatingAnalytics,
      taskId: 'clean',
      ds: '2022-12-07',
      runDir: path.join(tmp, 'bad-dates'),
      upstream: {},
      // set directly: the DAG's own rendering refuses such a `dates` param before (dag unit test)
      env: { DATABASE_URL: tdb.url, HEATING_ANALYTICS_DATES: '2022-12-01..2022-11-30' },
    });
    expect(r.exitCode).toBe(98);
    expect(r.stderr).toBe(
      'FailTask [TASK_FAILED_NO_RETRY]: HEATING_ANALYTICS_DATES: range "2022-12-01..2022-11-30" ends before it starts: caused by: range "2022-12-01..2022-11-30" ends before it starts\n',
    );
  });

  it('names the run-folder file a task could not read', async () => {
    const runDir = path.join(tmp, 'truncated');
    const runs = await runAll('truncated', '2022-12-07');
    expect(runs.resample?.exitCode).toBe(0);
    // the series file cut in the middle of a line, as a full disk would leave it
    const file = path.join(runDir, 'resample', 'zone-minutes.ndjson');
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(file, 'utf8');
    await writeFile(file, text.slice(0, Math.floor(text.length / 2)));
    const r = await runTaskProgram({
      dag: heatingAnalytics,
      taskId: 'daily_metrics',
      ds: '2022-12-07',
      runDir,
      upstream: { resample: runs.resample?.returnValue },
      env: { DATABASE_URL: tdb.url },
      tryNumber: 2,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/resample\/zone-minutes\.ndjson: line 1 is not JSON, or the file is truncated/);
  });
});
