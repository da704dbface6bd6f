/**
 * Issue 15: re-running days loaded before the placeholder/offline flags existed rewrites their
 * rows in place: the placeholder day's readings nulled and its interval rows gone, offline
 * readings nulled, no row doubled and none left behind, whatever the order of the loads; the
 * result is the rows a fresh load stores.
 */
import { countWarehouseFlags, flagCountsLine } from '../../src/db/warehouse-flags.js';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Warehouse, WAREHOUSE_TABLES, type WarehouseDatabase } from '../../src/db/warehouse.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { loadFlagsSummary } from '../../src/etl/load-flags-summary.js';
import { buildWarehouseBatch } from '../../src/etl/warehouse-batch.js';
import type { DayReportRows, WarehouseBatch, ZoneRow } from '../../src/etl/warehouse-rows.js';
import type { DayReport } from '../../src/tado/schemas.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { buildReport } from '../helpers/tado-fixtures.js';

const LONDON = 'Europe/London';
const HOME = 515;
const ZONE: ZoneRow = {
  homeId: HOME,
  zoneId: 1,
  name: 'Living room',
  zoneType: 'HEATING',
  dateCreated: '2020-11-15T12:27:24.825Z',
  deviceTypes: ['VA02'],
  raw: { id: 1, name: 'Living room', type: 'HEATING' },
};
/** the last placeholder day, then two real days, one with the device offline 10:00–11:00 and across midnight */
const DATES = ['2021-01-09', '2021-01-10', '2021-01-11'] as const;

let tdb: TestDatabase;
let db: Kysely<WarehouseDatabase>;
let warehouse: Warehouse;
let join: InteriorJoin;
const reports = new Map<string, DayReport>();

function reportOf(date: string): DayReport {
  const r = reports.get(date);
  if (r === undefined) throw new Error(`no report for ${date}`);
  return r;
}

const input = (date: string) => ({ homeId: HOME, zoneId: 1, date, timeZone: LONDON });

/** What the code before issue 15 stored for a day: every value as sent, every interval of a placeholder day. */
function rowsBefore(date: string): DayReportRows {
  const report = reportOf(date);
  const placeholder = report.measuredData.insideTemperature.dataPoints.every((p) => p.value.celsius === 20);
  // the same report made "not a placeholder" by one value gives the rows the old flatten stored
  const unflagged = structuredClone(report);
  const first = unflagged.measuredData.insideTemperature.dataPoints[0];
  if (placeholder && first !== undefined) first.value = { celsius: 20.01, fahrenheit: 68.02 };
  const rows = flattenDayReport(unflagged, input(date), join);
  const sent = new Map(
    report.measuredData.insideTemperature.dataPoints.map((p, i) => [
      Date.parse(p.timestamp),
      [p.value.celsius, report.measuredData.humidity.dataPoints[i]?.value ?? null] as const,
    ]),
  );
  return {
    ...rows,
    day: { ...rows.day, placeholder },
    interior: rows.interior.map(({ flag: _flag, ...r }) => {
      const [t, h] = sent.get(Date.parse(r.ts)) ?? [null, null];
      return { ...r, temperatureC: t, humidityFraction: h };
    }),
  };
}

function batchOf(rows: DayReportRows, date: string): WarehouseBatch {
  return buildWarehouseBatch([ZONE], [{ rows, report: reportOf(date) }]);
}
const batchNow = (date: string) => batchOf(flattenDayReport(reportOf(date), input(date), join), date);

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
  tdb = await createTestDatabase('etl_flags_rewrite');
  db = tdb.db as unknown as Kysely<WarehouseDatabase>;
  warehouse = new Warehouse(db);
  join = danfoInteriorJoin(await importDanfo());
  const placeholder = buildReport(DATES[0], LONDON, { placeholder: true });
  placeholder.weather.condition.dataIntervals = [{ ...placeholder.interval, value: null }];
  reports.set(DATES[0], placeholder);
  reports.set(
    DATES[1],
    buildReport(DATES[1], LONDON, {
      offline: [
        ['2021-01-10T10:00:00.000Z', '2021-01-10T11:00:00.000Z'],
        ['2021-01-10T23:30:00.000Z', '2021-01-11T00:15:00.000Z'],
      ],
    }),
  );
  reports.set(DATES[2], buildReport(DATES[2], LONDON));
}, 300_000);
afterAll(async () => {
  await tdb.drop();
});

describe('re-running days stored before the flags existed', () => {
  it('rewrites them to exactly what a fresh load stores, in either order, and a further run changes nothing', async () => {
    // what a fresh load of the three days stores now
    await truncate();
    for (const d of DATES) await warehouse.load(batchNow(d));
    const fresh = await snapshot();

    for (const order of [[...DATES], [...DATES].reverse()]) {
      // the warehouse as the code before issue 15 left it
      await truncate();
      for (const d of DATES) await warehouse.load(batchOf(rowsBefore(d), d));
      const before = await warehouse.countRows();
      const { rows: offBefore } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM tado.interior WHERE report_date = '2021-01-09' AND temperature_c IS NOT NULL`.execute(
        db,
      );
      expect(offBefore[0]?.n).toBeGreaterThan(0); // placeholder readings stored as measured

      // the re-run (--reprocess completed): each day loaded again by its own run
      for (const d of order) await warehouse.load(batchNow(d));
      expect(await snapshot()).toEqual(fresh);
      const after = await warehouse.countRows();
      // interior keeps its keys; the placeholder day's interval rows (one per series) are gone
      expect(after.interior).toBe(before.interior);
      expect(before.callForHeat - after.callForHeat).toBe(1);
      expect(before.settings - after.settings).toBe(1);
      expect(before.weather - after.weather).toBe(1);
      expect(before.deviceConnected - after.deviceConnected).toBe(1);
    }

    // nothing on the measurement tables reads as a real reading of the placeholder day or an offline span
    const { rows: real } = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM tado.interior i JOIN tado.days d
        ON d.home_id = i.home_id AND d.zone_id = i.zone_id AND d.date = i.report_date
      WHERE (d.placeholder OR i.flag IS NOT NULL) AND (i.temperature_c IS NOT NULL OR i.humidity_fraction IS NOT NULL)`.execute(
      db,
    );
    expect(real[0]?.n).toBe(0);
    const { rows: flags } = await sql<{ flag: string | null; n: number }>`
      SELECT flag, count(*)::int AS n FROM tado.interior GROUP BY flag ORDER BY flag NULLS LAST`.execute(db);
    // placeholder: 2021-01-09's 96 points and its 23:45 margin point on the 8th (none of 2021-01-10's
    // margin copies win over the placeholder day's own points); offline: 10:00–10:45 and 23:30–00:00
    // on the 10th, the 00:00 point is the 11th's own (connected there)
    expect(flags).toEqual([
      { flag: 'device_offline', n: 6 },
      { flag: 'placeholder', n: 97 },
      { flag: null, n: expect.any(Number) as number },
    ]);
    // what the demo's summary says of them
    const counted = await countWarehouseFlags(db);
    expect(counted).toEqual({ placeholderZoneDays: 1, placeholderReadings: 97, deviceOfflineReadings: 6 });
    expect(flagCountsLine(counted)).toBe(
      'flagged, not measurements: 1 placeholder zone-day (97 readings), 6 readings inside device-offline spans (values null; docs/pipeline.md)',
    );

    const again = await warehouse.load(batchNow(DATES[1]));
    expect(Object.values(again.deleted).every((n) => n === 0)).toBe(true);
    expect(await snapshot()).toEqual(fresh);
  }, 120_000);

  it('counts the placeholder zone-days and offline readings a load stores', () => {
    const summary = loadFlagsSummary(batchNow(DATES[0]));
    expect(summary).toEqual({
      placeholderZoneDays: 1,
      placeholderDays: ['zone 1 2021-01-09'],
      deviceOfflineReadings: 0,
    });
    // the 10th's batch holds 7: the six stored and its margin copy of the 11th's 00:00 point (the 11th owns it)
    expect(loadFlagsSummary(batchNow(DATES[1]))).toMatchObject({
      placeholderZoneDays: 0,
      deviceOfflineReadings: 7,
    });
  });
});
