import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Warehouse, WAREHOUSE_TABLES, type WarehouseDatabase } from '../../src/db/warehouse.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { buildWarehouseBatch } from '../../src/etl/warehouse-batch.js';
import type { WarehouseBatch, ZoneRow } from '../../src/etl/warehouse-rows.js';
import type { DayReport } from '../../src/tado/schemas.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { buildReport, loadFixture, readFixture, SUMMER, WINTER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
const HOME = 4242;
const ZONE: ZoneRow = {
  homeId: HOME,
  zoneId: 1,
  name: 'Living room',
  zoneType: 'HEATING',
  dateCreated: '2021-11-15T12:27:24.825Z',
  deviceTypes: ['VA02'],
  raw: { id: 1, name: 'Living room', type: 'HEATING' },
};

let tdb: TestDatabase;
let db: Kysely<WarehouseDatabase>;
let warehouse: Warehouse;
let join: InteriorJoin;

function batchOf(...days: [DayReport, string][]): WarehouseBatch {
  return buildWarehouseBatch(
    [ZONE],
    days.map(([report, date]) => ({
      rows: flattenDayReport(report, { homeId: HOME, zoneId: 1, date, timeZone: LONDON }, join),
      report,
    })),
  );
}

/** Every row of every tado table, in key order, as JSON. */
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

async function truncate(): Promise<void> {
  await sql`TRUNCATE tado.zones, tado.days, tado.interior, tado.weather, tado.call_for_heat, tado.settings, tado.device_connected, tado.ac_activity`.execute(
    db,
  );
}

beforeAll(async () => {
  tdb = await createTestDatabase('etl_warehouse');
  db = tdb.db as unknown as Kysely<WarehouseDatabase>;
  warehouse = new Warehouse(db);
  join = danfoInteriorJoin(await importDanfo());
});
afterAll(async () => {
  await tdb.drop();
});
beforeEach(truncate);

describe('Warehouse.load with the real fixtures', () => {
  it('stores the rows a person counts in the December and August files', async () => {
    const result = await warehouse.load(
      batchOf([loadFixture(WINTER), '2022-12-07'], [loadFixture(SUMMER), '2022-08-15']),
    );
    const counts = {
      zones: 1,
      days: 2,
      interior: 198,
      weather: 194,
      callForHeat: 18,
      settings: 18,
      deviceConnected: 2,
      acActivity: 0,
    };
    expect(result.upserted).toEqual(counts);
    expect(await warehouse.countRows()).toEqual(counts);
    const report = await db
      .selectFrom('tado.days')
      .select(['report', sql<string>`date::text`.as('date')])
      .where('date', '=', sql<Date>`'2022-12-07'::date`)
      .executeTakeFirstOrThrow();
    expect(report.report).toEqual(readFixture(WINTER));
    const high = await db
      .selectFrom('tado.call_for_heat')
      .select(sql<number>`count(*)::int`.as('n'))
      .where('level', '=', 'HIGH')
      .executeTakeFirstOrThrow();
    expect(high.n).toBe(8);
  });

  it('loading the same day twice stores each measurement once, with the same rows', async () => {
    await warehouse.load(batchOf([loadFixture(SUMMER), '2022-08-15']));
    const first = await snapshot();
    const again = await warehouse.load(batchOf([loadFixture(SUMMER), '2022-08-15']));
    expect(again.deleted).toEqual({
      zones: 0,
      days: 0,
      interior: 0,
      weather: 0,
      callForHeat: 0,
      settings: 0,
      deviceConnected: 0,
      acActivity: 0,
    });
    expect(await snapshot()).toEqual(first);
    expect(await warehouse.countRows()).toEqual({
      zones: 1,
      days: 1,
      interior: 99,
      weather: 97,
      callForHeat: 1,
      settings: 1,
      deviceConnected: 1,
      acActivity: 0,
    });
  });
});

describe('Warehouse.load with overlapping days', () => {
  const d1 = (): DayReport => buildReport('2022-01-10', LONDON);
  const d2 = (): DayReport => buildReport('2022-01-11', LONDON);
  // 99 + 99 points, 3 timestamps in both (23:45 on the 10th, 00:00 and 00:15 on the 11th)
  const expected = {
    zones: 1,
    days: 2,
    interior: 195,
    weather: 2,
    callForHeat: 2,
    settings: 2,
    deviceConnected: 2,
    acActivity: 0,
  };

  it('gives the same rows in either order, in one batch or two, and on a reload', async () => {
    await warehouse.load(batchOf([d1(), '2022-01-10']));
    await warehouse.load(batchOf([d2(), '2022-01-11']));
    expect(await warehouse.countRows()).toEqual(expected);
    const forward = await snapshot();

    await truncate();
    await warehouse.load(batchOf([d2(), '2022-01-11']));
    await warehouse.load(batchOf([d1(), '2022-01-10']));
    expect(await snapshot()).toEqual(forward);

    await truncate();
    await warehouse.load(batchOf([d2(), '2022-01-11'], [d1(), '2022-01-10']));
    expect(await snapshot()).toEqual(forward);

    await warehouse.load(batchOf([d1(), '2022-01-10']));
    await warehouse.load(batchOf([d2(), '2022-01-11']));
    expect(await snapshot()).toEqual(forward);
  });

  it('keeps the value of the report whose local day holds a shared point', async () => {
    const day2 = d2();
    await warehouse.load(batchOf([day2, '2022-01-11']));
    await warehouse.load(batchOf([d1(), '2022-01-10'])); // its margin holds 00:00 and 00:15 of the 11th
    const row = await db
      .selectFrom('tado.interior')
      .select(['temperature_c', 'in_report_day', sql<string>`report_date::text`.as('report_date')])
      .where('ts', '=', new Date('2022-01-11T00:00:00.000Z'))
      .executeTakeFirstOrThrow();
    const own = day2.measuredData.insideTemperature.dataPoints.find(
      (p) => p.timestamp === '2022-01-11T00:00:00.000Z',
    );
    expect(row).toEqual({
      temperature_c: own?.value.celsius,
      in_report_day: true,
      report_date: '2022-01-11',
    });
  });

  it('intervals of adjacent days tile the timeline without overlap', async () => {
    await warehouse.load(batchOf([d1(), '2022-01-10'], [d2(), '2022-01-11']));
    const { rows } = await sql<{ overlaps: number }>`
      SELECT count(*)::int AS overlaps FROM tado.call_for_heat a JOIN tado.call_for_heat b
        ON a.zone_id = b.zone_id AND a.interval_start < b.interval_start AND b.interval_start < a.interval_end`.execute(
      db,
    );
    expect(rows[0]?.overlaps).toBe(0);
  });
});

describe('Warehouse.load failures and reloads', () => {
  it('a failed load leaves the database as it was', async () => {
    await warehouse.load(batchOf([loadFixture(SUMMER), '2022-08-15']));
    const before = await snapshot();
    const good = batchOf([loadFixture(WINTER), '2022-12-07']);
    // Everything valid except the last table's last row, which ends before it starts.
    const last = good.deviceConnected.at(-1);
    if (last === undefined) throw new Error('fixture has no deviceConnected row');
    const bad: WarehouseBatch = {
      ...good,
      deviceConnected: [...good.deviceConnected.slice(0, -1), { ...last, intervalEnd: last.intervalStart }],
    };
    await expect(warehouse.load(bad)).rejects.toThrow(/device_connected_interval_check/);
    expect(await snapshot()).toEqual(before);
  });

  it('reloading a day with a changed report leaves exactly the new report rows', async () => {
    await warehouse.load(batchOf([loadFixture(WINTER), '2022-12-07']));
    expect((await warehouse.countRows()).callForHeat).toBe(17);
    const changed = loadFixture(WINTER);
    const cfh = changed.callForHeat?.dataIntervals ?? [];
    // merge intervals 1..16 into the first one: 17 intervals become 1
    changed.callForHeat = {
      timeSeriesType: 'dataIntervals',
      valueType: 'callForHeat',
      dataIntervals: [{ from: cfh[0]?.from ?? '', to: cfh.at(-1)?.to ?? '', value: 'NONE' }],
    };
    const r = await warehouse.load(batchOf([changed, '2022-12-07']));
    expect(r.deleted.callForHeat).toBe(16);
    expect((await warehouse.countRows()).callForHeat).toBe(1);
  });
});
