/**
 * Issue 15 item 5: an AIR_CONDITIONING zone's day stored by `Warehouse.load` (tado.ac_activity
 * and the AC columns of tado.settings), idempotent, replaced on a reload, untouched by a failed
 * load. The AC report is built from the real August report (test/helpers/ac-fixtures.ts).
 */
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Warehouse, WAREHOUSE_TABLES, type WarehouseDatabase } from '../../src/db/warehouse.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { buildWarehouseBatch } from '../../src/etl/warehouse-batch.js';
import type { WarehouseBatch, ZoneRow } from '../../src/etl/warehouse-rows.js';
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';
import { AC_DATE, AC_TIMES, acReport, acReportJson } from '../helpers/ac-fixtures.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { loadFixture, SUMMER } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
const HOME = 4243;
const zone = (zoneId: number, name: string, zoneType: string): ZoneRow => ({
  homeId: HOME,
  zoneId,
  name,
  zoneType,
  dateCreated: '2021-11-15T12:27:24.825Z',
  deviceTypes: [zoneType === 'HEATING' ? 'VA02' : 'WR02'],
  raw: { id: zoneId, name, type: zoneType },
});
const ZONES = [zone(1, 'Living room', 'HEATING'), zone(5, 'Loft office', 'AIR_CONDITIONING')];

let tdb: TestDatabase;
let db: Kysely<WarehouseDatabase>;
let warehouse: Warehouse;
let join: InteriorJoin;

function batchOf(...reports: [number, DayReport][]): WarehouseBatch {
  return buildWarehouseBatch(
    ZONES,
    reports.map(([zoneId, report]) => ({
      rows: flattenDayReport(report, { homeId: HOME, zoneId, date: AC_DATE, timeZone: LONDON }, join),
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

const acActivity = async (): Promise<{ start: string; end: string; power: string }[]> =>
  (
    await sql<{ start: Date; end: Date; power: string }>`
      SELECT interval_start AS start, interval_end AS "end", power FROM tado.ac_activity
      WHERE home_id = ${HOME} AND zone_id = 5 ORDER BY interval_start`.execute(db)
  ).rows.map((r) => ({ start: r.start.toISOString(), end: r.end.toISOString(), power: r.power }));

beforeAll(async () => {
  tdb = await createTestDatabase('etl_ac_warehouse');
  db = tdb.db as unknown as Kysely<WarehouseDatabase>;
  warehouse = new Warehouse(db);
  join = danfoInteriorJoin(await importDanfo());
});
afterAll(async () => {
  await tdb.drop();
});
beforeEach(async () => {
  await sql`TRUNCATE tado.zones CASCADE`.execute(db);
});

describe('Warehouse.load with an AIR_CONDITIONING zone', () => {
  it('stores AC activity in tado.ac_activity and the AC settings with their mode, fan level and swings', async () => {
    const result = await warehouse.load(batchOf([1, loadFixture(SUMMER)], [5, acReport()]));
    expect(result.upserted.acActivity).toBe(5);
    expect(await acActivity()).toEqual([
      { start: '2022-08-14T23:00:00.000Z', end: AC_TIMES.coolOn, power: 'OFF' },
      { start: AC_TIMES.coolOn, end: AC_TIMES.unitOff1, power: 'ON' },
      { start: AC_TIMES.unitOff1, end: AC_TIMES.unitOn2, power: 'OFF' },
      { start: AC_TIMES.unitOn2, end: AC_TIMES.allOff, power: 'ON' },
      { start: AC_TIMES.allOff, end: '2022-08-15T23:00:00.000Z', power: 'OFF' },
    ]);
    const settings = await db
      .selectFrom('tado.settings')
      .select([
        'zone_id',
        'setting_type',
        'power',
        'mode',
        'temperature_c',
        'fan_level',
        'vertical_swing',
        'horizontal_swing',
      ])
      .orderBy('zone_id')
      .orderBy('interval_start')
      .execute();
    expect(settings).toEqual([
      // the real heating report's one setting: OFF, no AC columns
      {
        zone_id: 1,
        setting_type: 'HEATING',
        power: 'OFF',
        mode: null,
        temperature_c: null,
        fan_level: null,
        vertical_swing: null,
        horizontal_swing: null,
      },
      {
        zone_id: 5,
        setting_type: 'AIR_CONDITIONING',
        power: 'OFF',
        mode: null,
        temperature_c: null,
        fan_level: null,
        vertical_swing: null,
        horizontal_swing: null,
      },
      {
        zone_id: 5,
        setting_type: 'AIR_CONDITIONING',
        power: 'ON',
        mode: 'COOL',
        temperature_c: 24,
        fan_level: 'LEVEL2',
        vertical_swing: 'MID',
        horizontal_swing: 'OFF',
      },
      {
        zone_id: 5,
        setting_type: 'AIR_CONDITIONING',
        power: 'ON',
        mode: 'FAN',
        temperature_c: null,
        fan_level: 'LEVEL3',
        vertical_swing: 'ON',
        horizontal_swing: 'ON',
      },
      {
        zone_id: 5,
        setting_type: 'AIR_CONDITIONING',
        power: 'OFF',
        mode: null,
        temperature_c: null,
        fan_level: null,
        vertical_swing: null,
        horizontal_swing: null,
      },
    ]);
    // no call for heat from the AC zone; the heating zone's one NONE interval
    const cfh = await db.selectFrom('tado.call_for_heat').select(['zone_id', 'level']).execute();
    expect(cfh).toEqual([{ zone_id: 1, level: 'NONE' }]);
  });

  it('loading the AC day again changes nothing; a changed report replaces its rows, none left behind', async () => {
    await warehouse.load(batchOf([5, acReport()]));
    const first = await snapshot();
    const again = await warehouse.load(batchOf([5, acReport()]));
    expect(again.deleted.acActivity).toBe(0);
    expect(await snapshot()).toEqual(first);

    // the same day fetched again without the pause: one ON run from 10:02 to 17:30
    const raw = acReportJson() as {
      acActivity: { dataIntervals: { from: string; to: string; value: string }[] };
    };
    const [off, on1, , on2, last] = raw.acActivity.dataIntervals;
    if (off === undefined || on1 === undefined || on2 === undefined || last === undefined)
      throw new Error('fixture changed');
    raw.acActivity.dataIntervals = [off, { ...on1, to: on2.to }, last];
    const changed = parseWithPath(dayReportSchema, raw, 'changed');
    const reload = await warehouse.load(batchOf([5, changed]));
    expect(reload.deleted.acActivity).toBe(2);
    expect(await acActivity()).toEqual([
      { start: '2022-08-14T23:00:00.000Z', end: AC_TIMES.coolOn, power: 'OFF' },
      { start: AC_TIMES.coolOn, end: AC_TIMES.allOff, power: 'ON' },
      { start: AC_TIMES.allOff, end: '2022-08-15T23:00:00.000Z', power: 'OFF' },
    ]);
    // and the first report back gives the first rows back
    await warehouse.load(batchOf([5, acReport()]));
    expect(await snapshot()).toEqual(first);
  });

  it('a load that fails leaves every table as it was', async () => {
    await warehouse.load(batchOf([5, acReport()]));
    const before = await snapshot();
    const batch = batchOf([5, acReport()]);
    const [firstRow, ...rest] = batch.acActivity;
    if (firstRow === undefined) throw new Error('no rows');
    // an interval that ends before it starts violates ac_activity_interval_check
    const bad: WarehouseBatch = {
      ...batch,
      acActivity: [{ ...firstRow, intervalEnd: '2022-08-14T22:00:00.000Z' }, ...rest],
    };
    await expect(warehouse.load(bad)).rejects.toThrow(/ac_activity_interval_check/);
    expect(await snapshot()).toEqual(before);
  });

  it('deleting the day removes its AC activity with it', async () => {
    await warehouse.load(batchOf([5, acReport()]));
    await sql`DELETE FROM tado.days WHERE zone_id = 5 AND date = ${AC_DATE}::date`.execute(db);
    expect(await acActivity()).toEqual([]);
  });
});
