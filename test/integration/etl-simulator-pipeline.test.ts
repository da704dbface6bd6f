import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, WAREHOUSE_TABLES, type WarehouseDatabase } from '../../src/db/warehouse.js';
import type {
  ExtractResult,
  LoadResult,
  TransformResult,
  ValidateResult,
} from '../../src/etl/task-results.js';
import { startTadoSimulator, type TadoSimulator } from '../../src/tado/simulator/tado-simulator.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runTaskProgram, snapshotDanfoSource, type TaskProgramRun } from '../helpers/run-task-program.js';

let tdb: TestDatabase;
let sim: TadoSimulator;
let tmp: string;
let env: Record<string, string>;
let db: Kysely<WarehouseDatabase>;
let runs = 0;
/** shifts the simulator's clock (its zone list carries device timestamps that move with it) */
let clockOffsetMs = 0;

beforeAll(async () => {
  tdb = await createTestDatabase('etl_sim');
  db = tdb.db as unknown as Kysely<WarehouseDatabase>;
  sim = await startTadoSimulator({ seed: 1, now: () => new Date(Date.now() + clockOffsetMs) });
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-etl-sim-'));
  const tokenFile = path.join(tmp, 'tado-token.json');
  await writeFile(tokenFile, JSON.stringify({ refresh_token: sim.issueRefreshToken() }), { mode: 0o600 });
  env = {
    DATABASE_URL: tdb.url,
    TADO_API_URL: sim.apiUrl,
    TADO_AUTH_URL: sim.authUrl,
    TADO_TOKEN_FILE: tokenFile,
    TADO_REQUEST_DELAY_MS: '0',
    TADO_REQUEST_JITTER_MS: '0',
  };
});
afterAll(async () => {
  await sim.close();
  await tdb.drop();
  await rm(tmp, { recursive: true, force: true });
});

interface DayRun {
  readonly extract: ExtractResult;
  readonly validate: ValidateResult;
  readonly transform: TransformResult;
  readonly load: LoadResult;
  readonly runDir: string;
}

function ok(run: TaskProgramRun, task: string): void {
  expect({ task, exitCode: run.exitCode, stderr: run.stderr }).toEqual({ task, exitCode: 0, stderr: '' });
}

/** Runs extract >> validate >> transform >> load for `ds` in a fresh run folder, as the DAG does. */
async function runDay(ds: string): Promise<DayRun> {
  const runDir = path.join(tmp, `run-${ds}-${++runs}`);
  const base = { ds, runDir, env };
  const extract = await runTaskProgram({ ...base, taskId: 'extract', upstream: {} });
  ok(extract, 'extract');
  const validate = await runTaskProgram({
    ...base,
    taskId: 'validate',
    upstream: { extract: extract.returnValue },
  });
  ok(validate, 'validate');
  const transform = await runTaskProgram({
    ...base,
    taskId: 'transform',
    upstream: { validate: validate.returnValue },
  });
  ok(transform, 'transform');
  const load = await runTaskProgram({
    ...base,
    taskId: 'load',
    upstream: { transform: transform.returnValue },
  });
  ok(load, 'load');
  return {
    extract: extract.returnValue as ExtractResult,
    validate: validate.returnValue as ValidateResult,
    transform: transform.returnValue as TransformResult,
    load: load.returnValue as LoadResult,
    runDir,
  };
}

async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of Object.values(WAREHOUSE_TABLES)) {
    const { rows } = await sql<
      Record<string, unknown>
    >`SELECT * FROM ${sql.table(table)} ORDER BY 1, 2, 3`.execute(db);
    out[table] = rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  }
  return out;
}

async function interiorKeys(run: DayRun): Promise<string[]> {
  const rows = JSON.parse(await readFile(path.join(run.runDir, run.transform.files.interior), 'utf8')) as {
    zoneId: number;
    ts: string;
  }[];
  return rows.map((r) => `${r.zoneId}/${r.ts}`);
}

describe('the four compiled task programs against the tado simulator', () => {
  it('skips a zone not created yet that day and the hot-water zone, and loads the others', async () => {
    const run = await runDay('2022-06-13');
    expect(run.extract.timeZone).toBe('Europe/London');
    // three heating zones and the air-conditioning zone (5, Loft office)
    expect(run.extract.reports.map((r) => r.zoneId)).toEqual([1, 2, 3, 5]);
    expect(run.extract.skipped.map((s) => [s.zoneName, s.reason])).toEqual(
      expect.arrayContaining([
        ['Study', 'before_zone_creation'],
        ['Hot Water', 'not_heating'],
      ]),
    );
    expect(run.load.upserted.days).toBe(4);
    expect(run.load.upserted.zones).toBe(6);
    // the AC zone's unit activity has a table of its own; the heating zones have none
    expect(run.load.upserted.acActivity).toBeGreaterThan(0);
    const ac = await db
      .selectFrom('tado.ac_activity')
      .select(['zone_id', sql<string>`report_date::text`.as('day')])
      .distinct()
      .execute();
    expect(ac).toEqual([{ zone_id: 5, day: '2022-06-13' }]);
    expect(run.transform.danfoSource).toBe(snapshotDanfoSource());
  });

  it('loads the 23-hour clock-change day and the next day, storing each overlapping point once', async () => {
    const spring = await runDay('2022-03-27');
    const next = await runDay('2022-03-28');
    // extract computes the day's window once; validate passes it on to transform
    const springWindow = {
      date: '2022-03-27',
      timeZone: 'Europe/London',
      dayStart: '2022-03-27T00:00:00.000Z',
      dayEnd: '2022-03-27T23:00:00.000Z',
      hoursInDay: 23,
      windowStart: '2022-03-26T23:45:00.000Z',
      windowEnd: '2022-03-27T23:15:00.000Z',
    };
    expect(spring.extract.window).toEqual(springWindow);
    expect(spring.validate.window).toEqual(springWindow);
    // three heating zones and the AC zone
    expect(spring.transform.rows.days).toBe(4);
    expect(spring.transform.rows.interior).toBe(4 * 95); // 23 h × 4 + 3 points per zone
    expect(next.transform.rows.interior).toBe(4 * 99);
    const distinct = new Set([...(await interiorKeys(spring)), ...(await interiorKeys(next))]);
    expect(distinct.size).toBe(4 * 95 + 4 * 99 - 4 * 3); // 3 shared timestamps per zone
    const { n } = await db
      .selectFrom('tado.interior')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('report_date', 'in', [sql<Date>`'2022-03-27'::date`, sql<Date>`'2022-03-28'::date`])
      .executeTakeFirstOrThrow();
    expect(n).toBe(distinct.size);
  });

  it('re-running a day leaves every table with the same rows', async () => {
    await runDay('2022-01-05');
    await runDay('2022-01-06');
    const before = await snapshot();
    const counts = await new Warehouse(db).countRows();
    clockOffsetMs += 5 * 60_000; // the re-run happens later: the live zone list has moved on
    const again = await runDay('2022-01-05');
    expect(again.load.deleted).toEqual({
      zones: 0,
      days: 0,
      interior: 0,
      weather: 0,
      callForHeat: 0,
      settings: 0,
      deviceConnected: 0,
      acActivity: 0,
    });
    expect(await snapshot()).toEqual(before);
    expect(await new Warehouse(db).countRows()).toEqual(counts);
  });

  it('fails extract on a report cut short (fetched before its window closed) and succeeds on the retry', async () => {
    let nowMs = Date.parse('2022-03-10T00:05:00.000Z'); // 10 min before the window of 2022-03-09 closes
    const early = await startTadoSimulator({ seed: 1, now: () => new Date(nowMs) });
    try {
      const tokenFile = path.join(tmp, 'early-token.json');
      await writeFile(tokenFile, JSON.stringify({ refresh_token: early.issueRefreshToken() }), {
        mode: 0o600,
      });
      const base = {
        ds: '2022-03-09',
        runDir: path.join(tmp, 'run-cut-short'),
        env: { ...env, TADO_API_URL: early.apiUrl, TADO_AUTH_URL: early.authUrl, TADO_TOKEN_FILE: tokenFile },
        upstream: {},
        taskId: 'extract',
      };
      const first = await runTaskProgram(base);
      expect(first.exitCode).toBe(1);
      expect(first.stderr).toContain('interval.to: report cut short');
      expect(first.stderr).toContain('fetch it again');
      expect(first.stderr).toContain('expected 2022-03-10T00:15:00.000Z');
      nowMs = Date.parse('2022-03-10T01:00:00.000Z'); // the run's data interval has ended
      const retry = await runTaskProgram({ ...base, tryNumber: 2 });
      ok(retry, 'extract');
      const validate = await runTaskProgram({
        ...base,
        taskId: 'validate',
        upstream: { extract: retry.returnValue },
      });
      ok(validate, 'validate');
    } finally {
      await early.close();
    }
  });
});
