/**
 * The `tado` warehouse schema: kysely table types and {@link Warehouse}, the repository the load
 * task writes through. Tables are addressed as `tado.<table>`; columns are snake_case as in
 * Postgres. The camelCase row types are in `src/etl/warehouse-rows.ts`; this file is the one
 * place they are mapped.
 *
 * Idempotence (docs/pipeline.md): every write is an upsert on the natural key, inside one
 * transaction per load. Interval rows arrive clipped to their report's local day, so each span is
 * stored once; for point rows (`interior`), the report whose local day holds the timestamp wins
 * over a neighbour that holds it in its ±15-minute margin, whatever the load order.
 */
import { Kysely, PostgresDialect, sql, type ColumnType, type Transaction } from 'kysely';
import pg from 'pg';
import { guardPool } from './pool-errors.js';
import type {
  AcActivityRow,
  CallForHeatRow,
  DayRowWithReport,
  DeviceConnectedRow,
  InteriorRow,
  SettingRow,
  WarehouseBatch,
  WarehouseRowCounts,
  WeatherRow,
  ZoneRow,
} from '../etl/warehouse-rows.js';

/** `timestamptz`: read as `Date`, written as `Date` or ISO string. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** `date`: node-postgres reads it as a `Date` at local midnight; written as `YYYY-MM-DD`. */
type DateColumn = ColumnType<Date, string, string>;
/** `jsonb`: read parsed, written as a JSON string. */
type Jsonb = ColumnType<unknown, string, string>;

/** `tado.zones`: one row per zone of `GET /homes/{homeId}/zones`. */
export interface TadoZonesTable {
  home_id: number;
  zone_id: number;
  name: string;
  zone_type: string;
  date_created: Timestamp;
  device_types: string[];
  raw: Jsonb;
}

/** `tado.days`: one row per zone and local date, with the raw day report. */
export interface TadoDaysTable {
  home_id: number;
  zone_id: number;
  date: DateColumn;
  zone_type: string;
  time_zone: string;
  interval_from: Timestamp;
  interval_to: Timestamp;
  hours_in_day: number;
  placeholder: boolean;
  device_offline_ms: number;
  report: Jsonb;
}

/** `tado.interior`: inside temperature and humidity per zone and timestamp. */
export interface TadoInteriorTable {
  home_id: number;
  zone_id: number;
  ts: Timestamp;
  /** °C */
  temperature_c: number | null;
  /** fraction 0..1 */
  humidity_fraction: number | null;
  report_date: DateColumn;
  in_report_day: boolean;
  /** why both values are null although tado sent some: `placeholder`, `device_offline`; null: as measured */
  flag: string | null;
}

/** Key and provenance columns of every interval table: `[interval_start, interval_end)`. */
interface IntervalColumns {
  home_id: number;
  zone_id: number;
  interval_start: Timestamp;
  interval_end: Timestamp;
  report_date: DateColumn;
}

/** `tado.weather`: outdoor condition intervals, clipped to their report's local day. */
export interface TadoWeatherTable extends IntervalColumns {
  state: string | null;
  /** outdoor °C */
  temperature_c: number | null;
}

/** `tado.call_for_heat`: heating demand intervals. */
export interface TadoCallForHeatTable extends IntervalColumns {
  level: string;
}

/** `tado.settings`: the zone's setting intervals. */
export interface TadoSettingsTable extends IntervalColumns {
  setting_type: string;
  power: string;
  /** target °C */
  temperature_c: number | null;
  /** AC zones: `COOL`, `HEAT`, `DRY`, `FAN`, `AUTO`; null for heating settings */
  mode: string | null;
  /** AC zones: `fanLevel` (or an older unit's `fanSpeed`) */
  fan_level: string | null;
  /** AC zones: `verticalSwing` (or an older unit's `swing`) */
  vertical_swing: string | null;
  /** AC zones: `horizontalSwing` */
  horizontal_swing: string | null;
}

/** `tado.ac_activity`: when an AIR_CONDITIONING zone's unit ran (`acActivity`). */
export interface TadoAcActivityTable extends IntervalColumns {
  /** `ON` / `OFF` */
  power: string;
}

/** `tado.device_connected`: whether the measuring device was connected. */
export interface TadoDeviceConnectedTable extends IntervalColumns {
  connected: boolean;
}

/** Every table of the `tado` schema the ETL writes. */
export interface WarehouseDatabase {
  'tado.zones': TadoZonesTable;
  'tado.days': TadoDaysTable;
  'tado.interior': TadoInteriorTable;
  'tado.weather': TadoWeatherTable;
  'tado.call_for_heat': TadoCallForHeatTable;
  'tado.settings': TadoSettingsTable;
  'tado.device_connected': TadoDeviceConnectedTable;
  'tado.ac_activity': TadoAcActivityTable;
}

/** Interval tables and the key of each in {@link WarehouseRowCounts}. */
const INTERVAL_TABLES = [
  ['tado.weather', 'weather'],
  ['tado.call_for_heat', 'callForHeat'],
  ['tado.settings', 'settings'],
  ['tado.device_connected', 'deviceConnected'],
  ['tado.ac_activity', 'acActivity'],
] as const;

/** Table of each key of {@link WarehouseRowCounts}. */
export const WAREHOUSE_TABLES: Readonly<Record<keyof WarehouseRowCounts, keyof WarehouseDatabase>> = {
  zones: 'tado.zones',
  days: 'tado.days',
  interior: 'tado.interior',
  weather: 'tado.weather',
  callForHeat: 'tado.call_for_heat',
  settings: 'tado.settings',
  deviceConnected: 'tado.device_connected',
  acActivity: 'tado.ac_activity',
};

/** Rows per INSERT statement (Postgres caps a statement at 65 535 parameters). */
const CHUNK_ROWS = 1000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) out.push(rows.slice(i, i + CHUNK_ROWS));
  return out;
}

/** Sorts by zone then by an instant, so concurrent loads take row locks in the same order. */
function byZoneThen<T extends { homeId: number; zoneId: number }>(key: (r: T) => string) {
  return (a: T, b: T): number =>
    a.homeId - b.homeId || a.zoneId - b.zoneId || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

/**
 * Keeps one row per key (a statement may not touch a row twice): a later row replaces an earlier
 * one unless `keepFirst(earlier, later)` says otherwise.
 */
function uniqueBy<T>(rows: readonly T[], key: (r: T) => string, keepFirst?: (a: T, b: T) => boolean): T[] {
  const seen = new Map<string, T>();
  for (const r of rows) {
    const k = key(r);
    const prev = seen.get(k);
    if (prev === undefined || keepFirst === undefined || !keepFirst(prev, r)) seen.set(k, r);
  }
  return [...seen.values()];
}

/** Key of a day in {@link Warehouse.load}'s bookkeeping. */
const dayKey = (homeId: number, zoneId: number, date: string): string => `${homeId}/${zoneId}/${date}`;

const intervalKey = (r: { homeId: number; zoneId: number; intervalStart: string }): string =>
  `${r.homeId}/${r.zoneId}/${new Date(r.intervalStart).toISOString()}`;

/** What {@link Warehouse.load} did. */
export interface WarehouseLoadResult {
  /** rows inserted or updated, per table (an owner-held interior row left alone is not counted) */
  readonly upserted: WarehouseRowCounts;
  /** rows of a reloaded day that its new report no longer has, removed, per table */
  readonly deleted: WarehouseRowCounts;
}

function zeroCounts(): WarehouseRowCounts {
  return {
    zones: 0,
    days: 0,
    interior: 0,
    weather: 0,
    callForHeat: 0,
    settings: 0,
    deviceConnected: 0,
    acActivity: 0,
  };
}

/**
 * The warehouse repository: idempotent loads into schema `tado` and row counts.
 * The kysely instance is injected; the caller owns (and destroys) it.
 */
export class Warehouse {
  constructor(private readonly db: Kysely<WarehouseDatabase>) {}

  /**
   * Writes a batch in ONE transaction: zones, days, then every series, each an upsert on its
   * natural key. For each day in the batch that was stored before, rows of that day (same zone and
   * `report_date`) whose key the batch no longer has are deleted first, so reloading a day with a
   * changed report leaves exactly the new report's rows; a day stored for the first time has no
   * rows yet (they reference it), so a backfill's loads skip those deletes. Either everything is
   * written or nothing is.
   * @throws the database error (the transaction is rolled back)
   */
  async load(batch: WarehouseBatch): Promise<WarehouseLoadResult> {
    return this.db.transaction().execute(async (trx) => {
      const upserted = zeroCounts();
      const deleted = zeroCounts();
      upserted.zones = await this.upsertZones(trx, batch.zones);
      const days = await this.upsertDays(trx, batch.days);
      upserted.days = days.upserted;
      const reloaded = batch.days.filter((d) => !days.inserted.has(dayKey(d.homeId, d.zoneId, d.date)));
      deleted.interior = await this.deleteStaleInterior(trx, reloaded, batch.interior);
      upserted.interior = await this.upsertInterior(trx, batch.interior);
      for (const [table, key] of INTERVAL_TABLES) {
        const rows = batch[key];
        deleted[key] = await this.deleteStaleIntervals(trx, table, reloaded, rows);
      }
      upserted.weather = await this.upsertWeather(trx, batch.weather);
      upserted.callForHeat = await this.upsertCallForHeat(trx, batch.callForHeat);
      upserted.settings = await this.upsertSettings(trx, batch.settings);
      upserted.deviceConnected = await this.upsertDeviceConnected(trx, batch.deviceConnected);
      upserted.acActivity = await this.upsertAcActivity(trx, batch.acActivity);
      return { upserted, deleted };
    });
  }

  /** Rows stored per table. */
  async countRows(): Promise<WarehouseRowCounts> {
    const counts = zeroCounts();
    for (const [key, table] of Object.entries(WAREHOUSE_TABLES) as [
      keyof WarehouseRowCounts,
      keyof WarehouseDatabase,
    ][]) {
      const row = await this.db
        .selectFrom(table)
        .select(sql<number>`count(*)::int`.as('n'))
        .executeTakeFirstOrThrow();
      counts[key] = row.n;
    }
    return counts;
  }

  private async upsertZones(trx: Transaction<WarehouseDatabase>, rows: readonly ZoneRow[]): Promise<number> {
    let n = 0;
    const sorted = uniqueBy(rows, (z) => `${z.homeId}/${z.zoneId}`).sort(byZoneThen(() => ''));
    for (const chunk of chunks(sorted)) {
      const r = await trx
        .insertInto('tado.zones')
        .values(
          chunk.map((z) => ({
            home_id: z.homeId,
            zone_id: z.zoneId,
            name: z.name,
            zone_type: z.zoneType,
            date_created: z.dateCreated,
            device_types: [...z.deviceTypes],
            raw: JSON.stringify(z.raw),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id']).doUpdateSet((eb) => ({
            name: eb.ref('excluded.name'),
            zone_type: eb.ref('excluded.zone_type'),
            date_created: eb.ref('excluded.date_created'),
            device_types: eb.ref('excluded.device_types'),
            raw: eb.ref('excluded.raw'),
          })),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  /** Upserts the days; returns how many, and the keys ({@link dayKey}) of those stored for the first time. */
  private async upsertDays(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly DayRowWithReport[],
  ): Promise<{ upserted: number; inserted: Set<string> }> {
    const inserted = new Set<string>();
    let upserted = 0;
    const sorted = uniqueBy(rows, (d) => `${d.homeId}/${d.zoneId}/${d.date}`).sort(byZoneThen((d) => d.date));
    for (const chunk of chunks(sorted)) {
      const r = await trx
        .insertInto('tado.days')
        .values(
          chunk.map((d) => ({
            home_id: d.homeId,
            zone_id: d.zoneId,
            date: d.date,
            zone_type: d.zoneType,
            time_zone: d.timeZone,
            interval_from: d.intervalFrom,
            interval_to: d.intervalTo,
            hours_in_day: d.hoursInDay,
            placeholder: d.placeholder,
            device_offline_ms: d.deviceOfflineMs,
            report: JSON.stringify(d.report),
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id', 'date']).doUpdateSet((eb) => ({
            zone_type: eb.ref('excluded.zone_type'),
            time_zone: eb.ref('excluded.time_zone'),
            interval_from: eb.ref('excluded.interval_from'),
            interval_to: eb.ref('excluded.interval_to'),
            hours_in_day: eb.ref('excluded.hours_in_day'),
            placeholder: eb.ref('excluded.placeholder'),
            device_offline_ms: eb.ref('excluded.device_offline_ms'),
            report: eb.ref('excluded.report'),
          })),
        )
        // xmax = 0 only on a row version this statement inserted (an updated one carries the
        // updating transaction's id): the usual Postgres idiom to tell the two outcomes of an upsert
        .returning([
          'home_id',
          'zone_id',
          sql<string>`to_char(date, 'YYYY-MM-DD')`.as('day'),
          sql<boolean>`xmax = 0`.as('inserted'),
        ])
        .execute();
      for (const d of r) if (d.inserted) inserted.add(dayKey(d.home_id, d.zone_id, d.day));
      upserted += r.length;
    }
    return { upserted, inserted };
  }

  /** Deletes interior rows a reloaded day's report no longer has (rows it owns by `report_date`). */
  private async deleteStaleInterior(
    trx: Transaction<WarehouseDatabase>,
    days: readonly DayRowWithReport[],
    interior: readonly InteriorRow[],
  ): Promise<number> {
    let n = 0;
    for (const day of days) {
      const keep = interior
        .filter((r) => r.homeId === day.homeId && r.zoneId === day.zoneId && r.reportDate === day.date)
        .map((r) => r.ts);
      let q = trx
        .deleteFrom('tado.interior')
        .where('home_id', '=', day.homeId)
        .where('zone_id', '=', day.zoneId)
        .where('report_date', '=', sql<Date>`${day.date}::date`);
      if (keep.length > 0)
        q = q.where(
          'ts',
          'not in',
          keep.map((t) => new Date(t)),
        );
      const r = await q.executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  /** Deletes interval rows of a reloaded day whose start the new report no longer has. */
  private async deleteStaleIntervals(
    trx: Transaction<WarehouseDatabase>,
    table: (typeof INTERVAL_TABLES)[number][0],
    days: readonly DayRowWithReport[],
    rows: readonly { homeId: number; zoneId: number; reportDate: string; intervalStart: string }[],
  ): Promise<number> {
    let n = 0;
    for (const day of days) {
      const keep = rows
        .filter((r) => r.homeId === day.homeId && r.zoneId === day.zoneId && r.reportDate === day.date)
        .map((r) => r.intervalStart);
      let q = trx
        .deleteFrom(table)
        .where('home_id', '=', day.homeId)
        .where('zone_id', '=', day.zoneId)
        .where('report_date', '=', sql<Date>`${day.date}::date`);
      if (keep.length > 0)
        q = q.where(
          'interval_start',
          'not in',
          keep.map((t) => new Date(t)),
        );
      const r = await q.executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  private async upsertInterior(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly InteriorRow[],
  ): Promise<number> {
    let n = 0;
    // Within one batch (several days), the row whose report day holds the point wins, as across loads.
    const unique = uniqueBy(
      rows,
      (r) => `${r.homeId}/${r.zoneId}/${new Date(r.ts).toISOString()}`,
      (a, b) => a.inReportDay && !b.inReportDay,
    );
    const sorted = unique.sort(byZoneThen((r) => r.ts));
    for (const chunk of chunks(sorted)) {
      const r = await trx
        .insertInto('tado.interior')
        .values(
          chunk.map((p) => ({
            home_id: p.homeId,
            zone_id: p.zoneId,
            ts: p.ts,
            temperature_c: p.temperatureC,
            humidity_fraction: p.humidityFraction,
            report_date: p.reportDate,
            in_report_day: p.inReportDay,
            flag: p.flag ?? null,
          })),
        )
        .onConflict((oc) =>
          oc
            .columns(['home_id', 'zone_id', 'ts'])
            .doUpdateSet((eb) => ({
              temperature_c: eb.ref('excluded.temperature_c'),
              humidity_fraction: eb.ref('excluded.humidity_fraction'),
              report_date: eb.ref('excluded.report_date'),
              in_report_day: eb.ref('excluded.in_report_day'),
              flag: eb.ref('excluded.flag'),
            }))
            // The report whose local day holds the point wins; a neighbour's margin copy only
            // fills a gap or replaces another margin copy.
            .where(sql<boolean>`excluded.in_report_day OR NOT tado.interior.in_report_day`),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  private async upsertWeather(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly WeatherRow[],
  ): Promise<number> {
    let n = 0;
    for (const chunk of chunks(uniqueBy(rows, intervalKey).sort(byZoneThen((r) => r.intervalStart)))) {
      const r = await trx
        .insertInto('tado.weather')
        .values(
          chunk.map((w) => ({
            home_id: w.homeId,
            zone_id: w.zoneId,
            interval_start: w.intervalStart,
            interval_end: w.intervalEnd,
            report_date: w.reportDate,
            state: w.state,
            temperature_c: w.temperatureC,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id', 'interval_start']).doUpdateSet((eb) => ({
            interval_end: eb.ref('excluded.interval_end'),
            report_date: eb.ref('excluded.report_date'),
            state: eb.ref('excluded.state'),
            temperature_c: eb.ref('excluded.temperature_c'),
          })),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  private async upsertCallForHeat(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly CallForHeatRow[],
  ): Promise<number> {
    let n = 0;
    for (const chunk of chunks(uniqueBy(rows, intervalKey).sort(byZoneThen((r) => r.intervalStart)))) {
      const r = await trx
        .insertInto('tado.call_for_heat')
        .values(
          chunk.map((c) => ({
            home_id: c.homeId,
            zone_id: c.zoneId,
            interval_start: c.intervalStart,
            interval_end: c.intervalEnd,
            report_date: c.reportDate,
            level: c.level,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id', 'interval_start']).doUpdateSet((eb) => ({
            interval_end: eb.ref('excluded.interval_end'),
            report_date: eb.ref('excluded.report_date'),
            level: eb.ref('excluded.level'),
          })),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  private async upsertSettings(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly SettingRow[],
  ): Promise<number> {
    let n = 0;
    for (const chunk of chunks(uniqueBy(rows, intervalKey).sort(byZoneThen((r) => r.intervalStart)))) {
      const r = await trx
        .insertInto('tado.settings')
        .values(
          chunk.map((s) => ({
            home_id: s.homeId,
            zone_id: s.zoneId,
            interval_start: s.intervalStart,
            interval_end: s.intervalEnd,
            report_date: s.reportDate,
            setting_type: s.settingType,
            power: s.power,
            temperature_c: s.temperatureC,
            mode: s.mode ?? null,
            fan_level: s.fanLevel ?? null,
            vertical_swing: s.verticalSwing ?? null,
            horizontal_swing: s.horizontalSwing ?? null,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id', 'interval_start']).doUpdateSet((eb) => ({
            interval_end: eb.ref('excluded.interval_end'),
            report_date: eb.ref('excluded.report_date'),
            setting_type: eb.ref('excluded.setting_type'),
            power: eb.ref('excluded.power'),
            temperature_c: eb.ref('excluded.temperature_c'),
            mode: eb.ref('excluded.mode'),
            fan_level: eb.ref('excluded.fan_level'),
            vertical_swing: eb.ref('excluded.vertical_swing'),
            horizontal_swing: eb.ref('excluded.horizontal_swing'),
          })),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  private async upsertAcActivity(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly AcActivityRow[],
  ): Promise<number> {
    let n = 0;
    for (const chunk of chunks(uniqueBy(rows, intervalKey).sort(byZoneThen((r) => r.intervalStart)))) {
      const r = await trx
        .insertInto('tado.ac_activity')
        .values(
          chunk.map((a) => ({
            home_id: a.homeId,
            zone_id: a.zoneId,
            interval_start: a.intervalStart,
            interval_end: a.intervalEnd,
            report_date: a.reportDate,
            power: a.power,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id', 'interval_start']).doUpdateSet((eb) => ({
            interval_end: eb.ref('excluded.interval_end'),
            report_date: eb.ref('excluded.report_date'),
            power: eb.ref('excluded.power'),
          })),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }

  private async upsertDeviceConnected(
    trx: Transaction<WarehouseDatabase>,
    rows: readonly DeviceConnectedRow[],
  ): Promise<number> {
    let n = 0;
    for (const chunk of chunks(uniqueBy(rows, intervalKey).sort(byZoneThen((r) => r.intervalStart)))) {
      const r = await trx
        .insertInto('tado.device_connected')
        .values(
          chunk.map((d) => ({
            home_id: d.homeId,
            zone_id: d.zoneId,
            interval_start: d.intervalStart,
            interval_end: d.intervalEnd,
            report_date: d.reportDate,
            connected: d.connected,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['home_id', 'zone_id', 'interval_start']).doUpdateSet((eb) => ({
            interval_end: eb.ref('excluded.interval_end'),
            report_date: eb.ref('excluded.report_date'),
            connected: eb.ref('excluded.connected'),
          })),
        )
        .executeTakeFirst();
      n += Number(r.numInsertedOrUpdatedRows ?? 0n);
    }
    return n;
  }
}

/**
 * Opens a {@link Warehouse} on its own small `pg` pool (for task programs).
 * @returns the warehouse and a `close` that ends the pool
 */
export function openWarehouse(
  databaseUrl: string,
  applicationName = 'heatflow-warehouse',
): { warehouse: Warehouse; close: () => Promise<void> } {
  // a lost connection fails the statement running (the try fails and is retried), never the process
  const pool = guardPool(
    new pg.Pool({ connectionString: databaseUrl, max: 2, application_name: applicationName }),
  );
  const db = new Kysely<WarehouseDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { warehouse: new Warehouse(db), close: () => db.destroy() };
}
