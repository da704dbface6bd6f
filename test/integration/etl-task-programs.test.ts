import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, type WarehouseDatabase } from '../../src/db/warehouse.js';
import type { ExtractResult, TransformResult } from '../../src/etl/task-results.js';
import type { Kysely } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runTaskProgram, snapshotDanfoSource } from '../helpers/run-task-program.js';
import { FIXTURES_DIR, SUMMER, WINTER } from '../helpers/tado-fixtures.js';
import { fileURLToPath } from 'node:url';

let tdb: TestDatabase;
let tmp: string;

beforeAll(async () => {
  tdb = await createTestDatabase('etl_tasks');
  tmp = await mkdtemp(path.join(tmpdir(), 'hf-etl-tasks-'));
});
afterAll(async () => {
  await tdb.drop();
  await rm(tmp, { recursive: true, force: true });
});

/** A run folder as extract leaves it, holding one real fixture for zone 1. */
async function extractedRun(
  name: string,
  fixture: string,
  date: string,
): Promise<{ runDir: string; extract: ExtractResult }> {
  const runDir = path.join(tmp, name);
  await mkdir(path.join(runDir, 'extract'), { recursive: true });
  const file = `extract/dayreport-zone-1-${date}.json`;
  await copyFile(fileURLToPath(new URL(fixture, FIXTURES_DIR)), path.join(runDir, file));
  const zones = [
    {
      id: 1,
      name: 'Living room',
      type: 'HEATING',
      dateCreated: '2021-11-15T12:27:24.825Z',
      deviceTypes: ['VA02'],
    },
    {
      id: 0,
      name: 'Hot Water',
      type: 'HOT_WATER',
      dateCreated: '2021-01-15T18:56:30.499Z',
      deviceTypes: ['BR02'],
    },
  ];
  await writeFile(path.join(runDir, 'extract/zones.json'), JSON.stringify(zones));
  const extract: ExtractResult = {
    homeId: 123456,
    timeZone: 'Europe/London',
    date,
    zonesFile: 'extract/zones.json',
    reports: [{ zoneId: 1, zoneName: 'Living room', file }],
    skipped: [{ zoneId: 0, zoneName: 'Hot Water', reason: 'not_heating', detail: 'zone type HOT_WATER' }],
    requests: 4,
    rateLimitRemaining: null,
  };
  return { runDir, extract };
}

describe('validate, transform, load as child processes on the real fixtures', () => {
  it('loads the August day, and loading it again stores the same rows', async () => {
    const { runDir, extract } = await extractedRun('summer', SUMMER, '2022-08-15');
    const env = { DATABASE_URL: tdb.url };
    const validate = await runTaskProgram({
      taskId: 'validate',
      ds: '2022-08-15',
      runDir,
      upstream: { extract },
    });
    expect(validate.stderr).toBe('');
    expect(validate.exitCode).toBe(0);
    expect(validate.returnValue).toMatchObject({
      flagged: 0,
      reports: [{ zoneId: 1, placeholder: false, deviceOfflineMs: 0 }],
    });

    const transform = await runTaskProgram({
      taskId: 'transform',
      ds: '2022-08-15',
      runDir,
      upstream: { validate: validate.returnValue },
    });
    expect(transform.stderr).toBe('');
    expect(transform.exitCode).toBe(0);
    const rows = {
      zones: 2,
      days: 1,
      interior: 99,
      weather: 97,
      callForHeat: 1,
      settings: 1,
      deviceConnected: 1,
      acActivity: 0,
    };
    const t = transform.returnValue as TransformResult;
    expect(t.rows).toEqual(rows);
    // the DAG starts transform from the danfojs snapshot: nothing left to import (unless this
    // Node.js cannot snapshot danfojs: 22, docs/task-programs.md)
    expect(t.danfoSource).toBe(snapshotDanfoSource());
    expect(t.danfoImportMs === 0).toBe(t.danfoSource === 'snapshot');
    expect(t.startupMs).toBeGreaterThan(0);
    expect(transform.stdout).toContain('"msg":"transform done"');

    // the same bundle without the snapshot imports danfojs itself and writes the same tables
    const plain = await runTaskProgram({
      taskId: 'transform',
      ds: '2022-08-15',
      runDir,
      upstream: { validate: validate.returnValue },
      command: ['node', 'dist/tasks/transform.cjs'],
      tryNumber: 2,
    });
    expect(plain.stderr).toBe('');
    expect(plain.exitCode).toBe(0);
    const p = plain.returnValue as TransformResult;
    expect(p.danfoSource).toBe('import');
    expect(p.danfoImportMs).toBeGreaterThan(0);
    expect(p.rows).toEqual(rows);

    for (let i = 0; i < 2; i++) {
      const load = await runTaskProgram({
        taskId: 'load',
        ds: '2022-08-15',
        runDir,
        upstream: { transform: t },
        env,
      });
      expect(load.stderr).toBe('');
      expect(load.exitCode).toBe(0);
      expect(load.returnValue).toMatchObject({ upserted: rows, totalRows: 202 });
    }
    const warehouse = new Warehouse(tdb.db as unknown as Kysely<WarehouseDatabase>);
    expect(await warehouse.countRows()).toEqual(rows);
  });

  it('fails validate on the December report with a one-line reason saying it was cut short', async () => {
    const { runDir, extract } = await extractedRun('winter', WINTER, '2022-12-07');
    const validate = await runTaskProgram({
      taskId: 'validate',
      ds: '2022-12-07',
      runDir,
      upstream: { extract },
    });
    expect(validate.exitCode).toBe(1);
    expect(validate.returnValue).toBeUndefined();
    const lines = validate.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('DayReportInvalidError [DAY_REPORT_INVALID]');
    expect(lines[0]).toContain('extract/dayreport-zone-1-2022-12-07.json (zone 1, 2022-12-07)');
    expect(lines[0]).toContain('interval.to: report cut short');
    expect(lines[0]).toContain('expected 2022-12-08T00:15:00.000Z');
    // the log names every issue as a JSON line
    expect(validate.stdout).toContain('"path":"measuredData.insideTemperature.dataPoints[98].timestamp"');
  });

  it('fails with the variable name when the contract environment is incomplete', async () => {
    const { runDir } = await extractedRun('broken', SUMMER, '2022-08-15');
    const load = await runTaskProgram({
      taskId: 'load',
      ds: '2022-08-15',
      runDir,
      upstream: {},
      override: { HEATFLOW_DS: 'yesterday', HEATFLOW_XCOM_RETURN_PATH: undefined },
    });
    expect(load.exitCode).toBe(1);
    expect(load.stderr).toContain('HEATFLOW_DS="yesterday": expected YYYY-MM-DD');
    expect(load.stderr).toContain('HEATFLOW_XCOM_RETURN_PATH is not set');
  });
});
