/**
 * Fixture of the analytics repository's integration tests: a test database with days of the
 * simulator loaded into schema `tado` through the ETL path (generateDayReport →
 * flattenDayReport → Warehouse.load), a store on it, and small hand-made series and metrics with
 * nulls and non-round values in every column (the pure analytics are tested on their own).
 */
import { sql, type Kysely } from 'kysely';
import { DateTime } from 'luxon';
import type {
  CleanCounts,
  DemandLevel,
  HomeDayMetrics,
  ZoneDayMetrics,
  ZoneMinuteSeries,
} from '../../src/analytics/types.js';
import type { AnalysedZoneDay, WriteContext, ZoneDayRef } from '../../src/db/analytics-records.js';
import { openAnalyticsStore, type AnalyticsRepository } from '../../src/db/analytics-repository.js';
import { Warehouse, type WarehouseDatabase } from '../../src/db/warehouse.js';
import { flattenDayReport } from '../../src/etl/flatten-day-report.js';
import { danfoInteriorJoin, importDanfo, type InteriorJoin } from '../../src/etl/join-interior.js';
import { buildWarehouseBatch } from '../../src/etl/warehouse-batch.js';
import type { ZoneRow } from '../../src/etl/warehouse-rows.js';
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';
import { generateDayReport } from '../../src/tado/simulator/day-report-generator.js';
import { DEFAULT_SIM_HOME } from '../../src/tado/simulator/sim-home.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const HOME = DEFAULT_SIM_HOME.homeId;
export const TZ = DEFAULT_SIM_HOME.timeZone;
export const MINUTE = 60_000;
export const CTX: WriteContext = {
  dagRunId: 'asset_triggered__2026-12-02T00:00:00+00:00',
  at: new Date('2026-12-02T01:02:03.456Z'),
};
export const LATER: WriteContext = { dagRunId: 'manual__2026-12-03', at: new Date('2026-12-03T00:00:00Z') };
/** zones 1..3 (created in 2021) on these dates; Study (zone 4, created 2022-06-14) on its creation day */
export const DATES = ['2022-03-26', '2022-03-27', '2022-03-28', '2022-06-13', '2022-06-14', '2022-10-30'];
export const ANALYTICS_TABLES = [
  'zone_days',
  'zone_minute',
  'zone_day_metrics',
  'home_day_metrics',
  'weather_dependence',
  'monthly_metrics',
  'yearly_metrics',
  'unusual_days',
];

const zones: ZoneRow[] = DEFAULT_SIM_HOME.zones.map((z) => ({
  homeId: HOME,
  zoneId: z.id,
  name: z.name,
  zoneType: z.type,
  dateCreated: z.dateCreated,
  deviceTypes: [z.deviceType],
  raw: { id: z.id, name: z.name, type: z.type },
}));

function report(zoneId: number, date: string): DayReport {
  const zone = DEFAULT_SIM_HOME.zones.find((z) => z.id === zoneId);
  if (zone === undefined) throw new Error(`no simulated zone ${zoneId}`);
  const out = generateDayReport({
    seed: 1,
    home: DEFAULT_SIM_HOME,
    zone,
    date,
    nowMs: Date.parse('2023-06-01T00:00:00Z'),
  });
  if (!out.ok) throw new Error(`simulator: zone ${zoneId} ${date}: ${JSON.stringify(out.body)}`);
  return parseWithPath(dayReportSchema, out.report, `zone ${zoneId} ${date}`);
}

async function load(
  db: Kysely<WarehouseDatabase>,
  join: InteriorJoin,
  reports: Map<string, DayReport>,
  days: readonly [number, string][],
): Promise<void> {
  const flattened = days.map(([zoneId, date]) => {
    const r = report(zoneId, date);
    reports.set(`${zoneId}/${date}`, r);
    return { rows: flattenDayReport(r, { homeId: HOME, zoneId, date, timeZone: TZ }, join), report: r };
  });
  await new Warehouse(db).load(buildWarehouseBatch(zones, flattened));
}

export const localMidnight = (date: string): number => DateTime.fromISO(date, { zone: TZ }).toMillis();

/** Every row of every analytics table, in key order, as JSON. */
export async function snapshotAnalytics(db: Kysely<WarehouseDatabase>): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ANALYTICS_TABLES) {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(`analytics.${t}`)} ORDER BY 1, 2, 3, 4`.execute(db);
    out[t] = rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  }
  return out;
}

export async function truncateAnalytics(db: Kysely<WarehouseDatabase>): Promise<void> {
  await sql.raw(`TRUNCATE ${ANALYTICS_TABLES.map((t) => `analytics.${t}`).join(', ')}`).execute(db);
}

/** A deterministic minute series with nulls and non-round values in every column. */
export function series(ref: ZoneDayRef, dayStartMs: number, minutes: number, seed = 0): ZoneMinuteSeries {
  const idx = Array.from({ length: minutes }, (_, i) => i);
  const states = ['CLOUDY_PARTLY', 'NIGHT_CLEAR', 'RAIN', 'SUN'];
  return {
    homeId: ref.homeId,
    zoneId: ref.zoneId,
    date: ref.date,
    dayStartMs,
    minutes,
    insideC: idx.map((i) => (i % 97 === 5 ? null : 19 + Math.sin(i / 50 + seed) / 3)),
    humidityFraction: idx.map((i) => (i % 89 === 3 ? null : 0.5 + Math.cos(i / 70 + seed) / 10)),
    setpointC: idx.map((i) => (i % 300 < 100 ? null : 20.5 + seed / 10)),
    demandLevel: idx.map((i) => (i % 61 === 0 ? null : ((((i >> 4) + seed) % 4) as DemandLevel))),
    powerOn: idx.map((i) => (i % 500 === 7 ? null : i % 300 >= 100)),
    outsideC: idx.map((i) => (i % 400 === 11 ? null : 4.25 - i / 777 + seed)),
    weatherState: idx.map((i) => (i % 333 === 1 ? null : (states[(i + seed) % 4] ?? 'SUN'))),
    connected: idx.map((i) => (i % 700 === 2 ? null : i % 900 < 880)),
    cleaned: idx.map((i) => i % 13 === seed % 13),
  };
}

export function counts(seed: number): CleanCounts {
  return {
    readings: 96 + seed,
    temperature: { placeholder: 0, disconnected: seed, out_of_range: 1, spike: 2 },
    humidity: { placeholder: 0, disconnected: seed, out_of_range: 0, spike: 3 },
  };
}

/** The analysed zone-day of a loaded ref, with its real bounds. */
export function analysed(ref: ZoneDayRef, seed = 0): AnalysedZoneDay {
  const start = localMidnight(ref.date);
  const minutes = (DateTime.fromISO(ref.date, { zone: TZ }).plus({ days: 1 }).toMillis() - start) / MINUTE;
  return { series: series(ref, start, minutes, seed), timeZone: TZ, counts: counts(seed) };
}

export const ref = (zoneId: number, date: string): ZoneDayRef => ({ homeId: HOME, zoneId, date });

export function metrics(zoneId: number, date: string, seed = 0): ZoneDayMetrics {
  return {
    homeId: HOME,
    zoneId,
    date,
    minutes: 1440,
    heatingMinutes: 300 + zoneId * 10 + seed,
    demandWeightedMinutes: 123.456 + zoneId,
    insideMeanC: 19.1 + zoneId / 7,
    insideMinC: 17.25,
    insideMaxC: 21.75,
    insideMeanHeatingC: zoneId === 2 ? null : 19.5 + seed / 3,
    heatingMinutesWithInside: zoneId === 2 ? 0 : 290,
    setpointMeanHeatingC: 20.5,
    comfortDeficitDegreeMinutes: 42.125 * zoneId,
    minutesBelowSetpoint2CHeating: 12,
    outsideMeanC: 6.3 + seed,
    hdd: 9.2 - seed,
    heatUpRateCPerH: zoneId === 3 ? null : 1.37,
    maxDrop1hC: zoneId === 1 ? 3.4 : 0,
    maxDrop1hAtMs: zoneId === 1 ? localMidnight(date) + 600 * MINUTE : null,
    coverageFraction: 0.99 - zoneId / 100,
  };
}

/** A stand-in for the pure homeDayMetrics: records what it was given. */
export const combined: ZoneDayMetrics[][] = [];
export function combine(zoneDays: readonly ZoneDayMetrics[]): HomeDayMetrics {
  combined.push([...zoneDays]);
  const first = zoneDays[0];
  if (first === undefined) throw new Error('combine called without zone-days');
  const sum = (f: (z: ZoneDayMetrics) => number) => zoneDays.reduce((s, z) => s + f(z), 0);
  return {
    homeId: first.homeId,
    date: first.date,
    zones: zoneDays.length,
    heatingMinutes: sum((z) => z.heatingMinutes),
    demandWeightedMinutes: sum((z) => z.demandWeightedMinutes),
    insideMeanC: sum((z) => z.insideMeanC ?? 0) / zoneDays.length,
    insideMeanHeatingC: null,
    heatingMinutesWithInside: sum((z) => z.heatingMinutesWithInside),
    comfortDeficitDegreeMinutes: sum((z) => z.comfortDeficitDegreeMinutes),
    outsideMeanC: first.outsideMeanC,
    hdd: first.hdd,
    coverageFraction: sum((z) => z.coverageFraction) / zoneDays.length,
  };
}

/** The database, the store and the reports loaded, for a test file's `beforeAll`. */
export interface AnalyticsFixture {
  readonly tdb: TestDatabase;
  readonly db: Kysely<WarehouseDatabase>;
  readonly repo: AnalyticsRepository;
  /** the parsed reports loaded, by `zone/date` */
  readonly reports: ReadonlyMap<string, DayReport>;
  close(): Promise<void>;
}

/**
 * Creates a test database `name`, loads zones 1..3 on {@link DATES} and the Study on its
 * creation day, and opens a store on it (application_name `test-<name>`).
 */
export async function openAnalyticsFixture(name: string): Promise<AnalyticsFixture> {
  const tdb = await createTestDatabase(name);
  const db = tdb.db as unknown as Kysely<WarehouseDatabase>;
  const join = danfoInteriorJoin(await importDanfo());
  const reports = new Map<string, DayReport>();
  const days: [number, string][] = [];
  for (const date of DATES) for (const zoneId of [1, 2, 3]) days.push([zoneId, date]);
  days.push([4, '2022-06-14']);
  await load(db, join, reports, days);
  const store = openAnalyticsStore(tdb.url, `test-${name}`);
  return {
    tdb,
    db,
    repo: store.repository,
    reports,
    close: async () => {
      await store.close();
      await tdb.drop();
    },
  };
}
