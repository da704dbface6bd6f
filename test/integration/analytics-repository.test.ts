/**
 * The analytics repository on a real Postgres: days of the simulator loaded into schema `tado`
 * through the ETL path (generateDayReport → flattenDayReport → Warehouse.load), then what the
 * heating_analytics tasks read and write. Series and metrics are small hand-made values (the pure
 * analytics are tested on their own); every write is checked by comparing every row of schema
 * `analytics` before and after.
 */
import { sql, type Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  ChangePointFit,
  CleanCounts,
  DemandLevel,
  HomeDayMetrics,
  PeriodMetrics,
  UnusualDay,
  ZoneDayMetrics,
  ZoneMinuteSeries,
} from '../../src/analytics/types.js';
import { INPUT_MARGIN_MS } from '../../src/analytics/types.js';
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
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const HOME = DEFAULT_SIM_HOME.homeId;
const TZ = DEFAULT_SIM_HOME.timeZone;
const MINUTE = 60_000;
const CTX: WriteContext = {
  dagRunId: 'asset_triggered__2026-12-02T00:00:00+00:00',
  at: new Date('2026-12-02T01:02:03.456Z'),
};
const LATER: WriteContext = { dagRunId: 'manual__2026-12-03', at: new Date('2026-12-03T00:00:00Z') };
/** zones 1..3 (created in 2021) on these dates; Study (zone 4, created 2022-06-14) on its creation day */
const DATES = ['2022-03-26', '2022-03-27', '2022-03-28', '2022-06-13', '2022-06-14', '2022-10-30'];
const ANALYTICS_TABLES = [
  'zone_days',
  'zone_minute',
  'zone_day_metrics',
  'home_day_metrics',
  'weather_dependence',
  'monthly_metrics',
  'yearly_metrics',
  'unusual_days',
];

let tdb: TestDatabase;
let db: Kysely<WarehouseDatabase>;
let repo: AnalyticsRepository;
let closeStore: () => Promise<void>;
let join: InteriorJoin;
const reports = new Map<string, DayReport>();

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

async function load(days: readonly [number, string][]): Promise<void> {
  const flattened = days.map(([zoneId, date]) => {
    const r = report(zoneId, date);
    reports.set(`${zoneId}/${date}`, r);
    return { rows: flattenDayReport(r, { homeId: HOME, zoneId, date, timeZone: TZ }, join), report: r };
  });
  await new Warehouse(db).load(buildWarehouseBatch(zones, flattened));
}

const localMidnight = (date: string): number => DateTime.fromISO(date, { zone: TZ }).toMillis();

/** Every row of every analytics table, in key order, as JSON. */
async function snapshot(): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const t of ANALYTICS_TABLES) {
    const { rows } = await sql<Record<string, unknown>>`
      SELECT * FROM ${sql.table(`analytics.${t}`)} ORDER BY 1, 2, 3, 4`.execute(db);
    out[t] = rows.map((r) => JSON.parse(JSON.stringify(r)) as unknown);
  }
  return out;
}

async function clearAnalytics(): Promise<void> {
  await sql.raw(`TRUNCATE ${ANALYTICS_TABLES.map((t) => `analytics.${t}`).join(', ')}`).execute(db);
}

/** A deterministic minute series with nulls and non-round values in every column. */
function series(ref: ZoneDayRef, dayStartMs: number, minutes: number, seed = 0): ZoneMinuteSeries {
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

function counts(seed: number): CleanCounts {
  return {
    readings: 96 + seed,
    temperature: { placeholder: 0, disconnected: seed, out_of_range: 1, spike: 2 },
    humidity: { placeholder: 0, disconnected: seed, out_of_range: 0, spike: 3 },
  };
}

/** The analysed zone-day of a loaded ref, with its real bounds. */
function analysed(ref: ZoneDayRef, seed = 0): AnalysedZoneDay {
  const start = localMidnight(ref.date);
  const minutes = (DateTime.fromISO(ref.date, { zone: TZ }).plus({ days: 1 }).toMillis() - start) / MINUTE;
  return { series: series(ref, start, minutes, seed), timeZone: TZ, counts: counts(seed) };
}

const ref = (zoneId: number, date: string): ZoneDayRef => ({ homeId: HOME, zoneId, date });

function metrics(zoneId: number, date: string, seed = 0): ZoneDayMetrics {
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
const combined: ZoneDayMetrics[][] = [];
function combine(zoneDays: readonly ZoneDayMetrics[]): HomeDayMetrics {
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

beforeAll(async () => {
  tdb = await createTestDatabase('analytics_repo');
  db = tdb.db as unknown as Kysely<WarehouseDatabase>;
  join = danfoInteriorJoin(await importDanfo());
  const days: [number, string][] = [];
  for (const date of DATES) for (const zoneId of [1, 2, 3]) days.push([zoneId, date]);
  days.push([4, '2022-06-14']);
  await load(days);
  ({ repository: repo, close: closeStore } = openAnalyticsStore(tdb.url, 'test-analytics-repo'));
}, 120_000);
afterAll(async () => {
  await closeStore();
  await tdb.drop();
});

describe('zoneDaysToAnalyse', () => {
  it('lists every HEATING zone created by each date, sorted, without duplicates', async () => {
    await clearAnalytics();
    const refs = await repo.zoneDaysToAnalyse(['2022-06-14', '2022-06-13', '2022-06-14']);
    expect(refs).toEqual([
      ref(1, '2022-06-13'),
      ref(1, '2022-06-14'),
      ref(2, '2022-06-13'),
      ref(2, '2022-06-14'),
      ref(3, '2022-06-13'),
      ref(3, '2022-06-14'),
      // Study: created 2022-06-14T17:21Z, i.e. that local date in Europe/London; not the day before
      ref(4, '2022-06-14'),
    ]);
    // a date not loaded still names its zones (readZoneDayInputs reports them missing)
    expect(await repo.zoneDaysToAnalyse(['2022-01-05'])).toEqual([1, 2, 3].map((z) => ref(z, '2022-01-05')));
  });

  it('adds the loaded zone-days not analysed yet when asked, and drops those recorded', async () => {
    await clearAnalytics();
    const all = await repo.zoneDaysToAnalyse([], { includeUnanalysed: true });
    expect(all).toHaveLength(DATES.length * 3 + 1);
    expect(await repo.zoneDaysToAnalyse([])).toEqual([]);
    await repo.replaceZoneMinutes(
      [analysed(ref(1, '2022-03-26'))],
      [{ ...ref(2, '2022-03-26'), reason: 'test' }],
      CTX,
    );
    const rest = await repo.zoneDaysToAnalyse(['2022-01-05'], { includeUnanalysed: true });
    expect(rest).toHaveLength(all.length - 2 + 3);
    expect(rest).not.toContainEqual(ref(1, '2022-03-26'));
    expect(rest).not.toContainEqual(ref(2, '2022-03-26'));
    expect(rest).toContainEqual(ref(3, '2022-03-26'));
    expect(rest).toContainEqual(ref(1, '2022-01-05'));
    // the triggering dates are listed whatever was analysed
    expect(await repo.zoneDaysToAnalyse(['2022-03-26'])).toContainEqual(ref(1, '2022-03-26'));
  });
});

describe('readZoneDayInputs', () => {
  it('computes the local day in SQL: 1,380 and 1,500 minutes on the clock-change days', async () => {
    const { inputs, missing } = await repo.readZoneDayInputs([
      ref(1, '2022-10-30'),
      ref(1, '2022-03-27'),
      ref(1, '2022-06-13'),
    ]);
    expect(missing).toEqual([]);
    expect(inputs.map((i) => [i.date, (i.dayEndMs - i.dayStartMs) / MINUTE])).toEqual([
      ['2022-03-27', 1380],
      ['2022-06-13', 1440],
      ['2022-10-30', 1500],
    ]);
    for (const i of inputs) {
      expect(i.dayStartMs).toBe(localMidnight(i.date));
      expect(i).toMatchObject({
        homeId: HOME,
        zoneId: 1,
        zoneName: 'Living room',
        timeZone: TZ,
        placeholder: false,
      });
    }
  });

  it('reads readings and device intervals with the margin from the neighbouring days, step series of the day', async () => {
    const { inputs } = await repo.readZoneDayInputs([ref(2, '2022-03-27'), ref(2, '2022-03-28')]);
    const [day, next] = inputs;
    if (day === undefined || next === undefined) throw new Error('inputs missing');
    // neighbours 03-26 and 03-28 are loaded: the full 60-min margin, every 15 min
    expect(day.readings[0]?.tsMs).toBe(day.dayStartMs - INPUT_MARGIN_MS);
    expect(day.readings.at(-1)?.tsMs).toBe(day.dayEndMs + INPUT_MARGIN_MS);
    expect(day.readings).toHaveLength(
      (day.dayEndMs - day.dayStartMs + 2 * INPUT_MARGIN_MS) / (15 * MINUTE) + 1,
    );
    // the values are the reports' own: a margin point from the neighbour's report
    const before = reports.get('2/2022-03-26')?.measuredData.insideTemperature.dataPoints ?? [];
    const atMargin = before.find((p) => Date.parse(p.timestamp) === day.dayStartMs - INPUT_MARGIN_MS);
    expect(atMargin).toBeDefined();
    expect(day.readings[0]?.temperatureC).toBe(atMargin?.value.celsius);
    // 03-29 is not loaded: only the day's own 15-min margin
    expect(next.readings.at(-1)?.tsMs).toBe(next.dayEndMs + 15 * MINUTE);
    // device intervals: the three stored days overlapping [start − 60 min, end + 60 min]
    expect(day.deviceConnected[0]?.startMs).toBeLessThan(day.dayStartMs - INPUT_MARGIN_MS);
    expect(day.deviceConnected.at(-1)?.endMs).toBeGreaterThan(day.dayEndMs + INPUT_MARGIN_MS);
    // step series: those of the report, clipped to the day, levels as numbers
    const cfh = (reports.get('2/2022-03-27')?.callForHeat?.dataIntervals ?? [])
      .map((i) => ({
        startMs: Math.max(Date.parse(i.from), day.dayStartMs),
        endMs: Math.min(Date.parse(i.to), day.dayEndMs),
        value: ['NONE', 'LOW', 'MEDIUM', 'HIGH'].indexOf(i.value),
      }))
      .filter((i) => i.startMs < i.endMs);
    expect(day.callForHeat).toEqual(cfh);
    const settings = reports.get('2/2022-03-27')?.settings?.dataIntervals ?? [];
    expect(day.settings).toHaveLength(
      settings.filter((s) => Date.parse(s.to) > day.dayStartMs && Date.parse(s.from) < day.dayEndMs).length,
    );
    expect(day.settings[0]?.startMs).toBe(day.dayStartMs);
    expect(day.weather.at(-1)?.endMs).toBe(day.dayEndMs);
  });

  it('lists a zone-day without a stored report (or zone) as missing, naming the zone and date', async () => {
    const { inputs, missing } = await repo.readZoneDayInputs([
      ref(3, '2022-01-05'),
      ref(1, '2022-06-13'),
      ref(9, '2022-06-13'),
      ref(0, '2022-06-13'),
      ref(1, '2022-06-13'),
    ]);
    expect(inputs.map((i) => [i.zoneId, i.date])).toEqual([[1, '2022-06-13']]);
    expect(missing.map((m) => [m.zoneId, m.date])).toEqual([
      [0, '2022-06-13'],
      [3, '2022-01-05'],
      [9, '2022-06-13'],
    ]);
    expect(missing[1]?.reason).toMatch(/^zone 3 \(Kitchen\) 2022-01-05: .*tado\.days/);
    expect(missing[0]?.reason).toMatch(/HOT_WATER/);
    expect(missing[2]?.reason).toMatch(/^zone 9 .*tado\.zones/);
  });
});

describe('replaceZoneMinutes', () => {
  const day = ref(1, '2022-03-27');
  const others = [ref(2, '2022-03-27'), ref(3, '2022-10-30'), ref(1, '2022-06-13')];

  it('writes one row per minute with every value as given, and a re-run leaves the same rows', async () => {
    await clearAnalytics();
    const batch = [day, ...others].map((r, k) => analysed(r, k));
    const first = await repo.replaceZoneMinutes(batch, [], CTX);
    expect(first).toMatchObject({
      minutesWritten: 1380 + 1380 + 1500 + 1440,
      minutesDeleted: 0,
      analysed: 4,
    });
    const rows = await sql<Record<string, unknown>>`
      SELECT (extract(epoch FROM minute_start) * 1000)::float8 AS ms, local_date::text AS local_date, inside_c,
             humidity_fraction, setpoint_c, demand_level, power_on, outside_c, weather_state, connected, cleaned
      FROM analytics.zone_minute WHERE zone_id = 1 AND local_date = '2022-03-27' ORDER BY minute_start`.execute(
      db,
    );
    const s = batch[0]?.series;
    if (s === undefined) throw new Error('no series');
    expect(rows.rows).toEqual(
      s.insideC.map((_, i) => ({
        ms: s.dayStartMs + i * MINUTE,
        local_date: '2022-03-27',
        inside_c: s.insideC[i],
        humidity_fraction: s.humidityFraction[i],
        setpoint_c: s.setpointC[i],
        demand_level: s.demandLevel[i],
        power_on: s.powerOn[i],
        outside_c: s.outsideC[i],
        weather_state: s.weatherState[i],
        connected: s.connected[i],
        cleaned: s.cleaned[i],
      })),
    );
    const zd = await sql<Record<string, unknown>>`
      SELECT status, reason, time_zone, day_start, day_end, minutes, readings, temperature_removed_spike,
             humidity_removed_spike, temperature_removed_out_of_range, analysed_at, dag_run_id
      FROM analytics.zone_days WHERE zone_id = 1 AND date = '2022-03-27'`.execute(db);
    expect(zd.rows).toEqual([
      {
        status: 'analysed',
        reason: null,
        time_zone: TZ,
        day_start: new Date('2022-03-27T00:00:00Z'),
        day_end: new Date('2022-03-27T23:00:00Z'),
        minutes: 1380,
        readings: 96,
        temperature_removed_spike: 2,
        humidity_removed_spike: 3,
        temperature_removed_out_of_range: 1,
        analysed_at: CTX.at,
        dag_run_id: CTX.dagRunId,
      },
    ]);
    const before = await snapshot();
    const again = await repo.replaceZoneMinutes(batch, [], CTX);
    expect(again).toMatchObject({
      minutesWritten: first.minutesWritten,
      minutesDeleted: first.minutesWritten,
    });
    expect(await snapshot()).toEqual(before);
  });

  it('a zone-day written again with fewer minutes keeps none of the earlier ones', async () => {
    await clearAnalytics();
    const start = localMidnight(day.date);
    // first written as a 1,500-minute day starting an hour earlier (as if read in another time zone)
    await repo.replaceZoneMinutes(
      [{ ...analysed(day), series: series(day, start - 60 * MINUTE, 1500) }],
      [],
      CTX,
    );
    const r = await repo.replaceZoneMinutes([analysed(day)], [], CTX);
    expect(r).toMatchObject({ minutesDeleted: 1500, minutesWritten: 1380 });
    const { rows } = await sql<{ n: number; lo: Date; hi: Date }>`
      SELECT count(*)::int AS n, min(minute_start) AS lo, max(minute_start) AS hi FROM analytics.zone_minute`.execute(
      db,
    );
    expect(rows[0]).toEqual({ n: 1380, lo: new Date(start), hi: new Date(start + 1379 * MINUTE) });
  });

  it('a rejected zone-day loses its minutes and metrics, and is recorded with its reason', async () => {
    await clearAnalytics();
    await repo.replaceZoneMinutes(
      [day, ...others].map((r) => analysed(r)),
      [],
      CTX,
    );
    await repo.replaceDayMetrics([metrics(1, day.date), metrics(2, day.date)], [], combine, CTX);
    const reason =
      "zone 1 (Living room) 2022-03-27: tado.interior has 12 of the day's 92 readings (half loaded)";
    const r = await repo.replaceZoneMinutes([], [{ ...day, reason }], LATER);
    expect(r).toMatchObject({ minutesDeleted: 1380, minutesWritten: 0, rejected: 1 });
    const left = await sql<{ zone_id: number; n: number }>`
      SELECT zone_id, count(*)::int AS n FROM analytics.zone_minute GROUP BY zone_id ORDER BY zone_id`.execute(
      db,
    );
    expect(left.rows).toEqual([
      { zone_id: 1, n: 1440 },
      { zone_id: 2, n: 1380 },
      { zone_id: 3, n: 1500 },
    ]);
    const zdm = await sql<{ zone_id: number }>`SELECT zone_id FROM analytics.zone_day_metrics`.execute(db);
    expect(zdm.rows).toEqual([{ zone_id: 2 }]);
    const zd = await sql<Record<string, unknown>>`
      SELECT status, reason, minutes, day_start, dag_run_id FROM analytics.zone_days WHERE zone_id = 1 AND date = ${day.date}::date`.execute(
      db,
    );
    expect(zd.rows).toEqual([
      { status: 'rejected', reason, minutes: null, day_start: null, dag_run_id: LATER.dagRunId },
    ]);
    // analysed again later: back to analysed
    await repo.replaceZoneMinutes([analysed(day)], [], CTX);
    const back = await sql<{ status: string; reason: string | null }>`
      SELECT status, reason FROM analytics.zone_days WHERE zone_id = 1 AND date = ${day.date}::date`.execute(
      db,
    );
    expect(back.rows).toEqual([{ status: 'analysed', reason: null }]);
  });

  it('a constraint violation in the middle of the COPY leaves every table as it was', async () => {
    await clearAnalytics();
    await repo.replaceZoneMinutes([analysed(day, 1)], [{ ...ref(2, '2022-06-13'), reason: 'earlier' }], CTX);
    const before = await snapshot();
    const bad = analysed(others[1] ?? day, 2);
    const levels = [...bad.series.demandLevel];
    levels[700] = 7 as DemandLevel;
    const batch = [
      analysed(day, 5),
      analysed(others[0] ?? day, 6),
      { ...bad, series: { ...bad.series, demandLevel: levels } },
    ];
    await expect(
      repo.replaceZoneMinutes(batch, [{ ...ref(3, '2022-06-13'), reason: 'x' }], LATER),
    ).rejects.toThrow(/zone_minute_demand_check/);
    expect(await snapshot()).toEqual(before);
  });

  it('refuses a series without one value per minute, or a zone-day named twice, writing nothing', async () => {
    await clearAnalytics();
    const a = analysed(day);
    const short = { ...a, series: { ...a.series, insideC: a.series.insideC.slice(1) } };
    await expect(repo.replaceZoneMinutes([analysed(others[0] ?? day), short], [], CTX)).rejects.toThrow(
      /zone 1 2022-03-27 .*insideC has 1379 values for 1380 minutes/,
    );
    await expect(repo.replaceZoneMinutes([a], [{ ...day, reason: 'r' }], CTX)).rejects.toThrow(/twice/);
    const nan = {
      ...a,
      series: { ...a.series, outsideC: a.series.outsideC.map((v, i) => (i === 3 ? NaN : v)) },
    };
    await expect(repo.replaceZoneMinutes([nan], [], CTX)).rejects.toThrow(/outsideC\[3\] is NaN/);
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM analytics.zone_days`.execute(db);
    expect(rows[0]?.n).toBe(0);
  });

  it('a connection terminated during the COPY leaves every table as it was, and the store goes on', async () => {
    await clearAnalytics();
    await repo.replaceZoneMinutes([analysed(day, 3)], [], CTX);
    const before = await snapshot();
    const store = openAnalyticsStore(tdb.url, 'test-analytics-killed');
    try {
      // 400 zone-days (576,000 rows) of a zone without reports: long enough to be caught mid-COPY
      const batch = Array.from({ length: 400 }, (_, k) => {
        const date = DateTime.fromISO('2021-01-01', { zone: 'UTC' }).plus({ days: k }).toISODate() ?? '';
        return {
          series: series(ref(7, date), Date.parse(`${date}T00:00:00Z`), 1440, k),
          timeZone: 'UTC',
          counts: counts(0),
        };
      });
      const write = store.repository.replaceZoneMinutes([analysed(day, 4), ...batch], [], LATER);
      const outcome = write.then(
        () => 'committed',
        (e: unknown) => (e instanceof Error ? e.message : String(e)),
      );
      let killed = false;
      for (let tries = 0; tries < 1000 && !killed; tries++) {
        const { rows } = await sql<{ killed: boolean }>`
          SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
          WHERE application_name = 'test-analytics-killed' AND query LIKE 'COPY analytics.zone_minute%' AND state = 'active'`.execute(
          db,
        );
        killed = rows.some((r) => r.killed);
        if (!killed) await new Promise((r) => setTimeout(r, 5));
      }
      expect(killed).toBe(true);
      // pg reports the kill as the server's 57P01 or as the socket's EPIPE, depending on timing
      expect(await outcome).toMatch(/terminat|EPIPE|ECONNRESET|connection/i);
      expect(await snapshot()).toEqual(before);
      // the broken connection was discarded: the same store writes again
      await store.repository.replaceZoneMinutes([analysed(day, 3)], [], CTX);
      expect(await snapshot()).toEqual(before);
    } finally {
      await store.close();
    }
  }, 60_000);
});

describe('replaceDayMetrics', () => {
  const date = '2022-03-27';

  it('stores the metrics as given and recomputes the home-day from every zone of the date', async () => {
    await clearAnalytics();
    combined.length = 0;
    await repo.replaceDayMetrics([metrics(1, date)], [], combine, CTX);
    await repo.replaceDayMetrics([metrics(2, date), metrics(3, '2022-03-28')], [], combine, CTX);
    // the second call recombined 03-27 from zone 1 (stored before) and zone 2 (this call)
    expect(combined.at(-2)?.map((z) => z.zoneId)).toEqual([1, 2]);
    expect(combined.at(-1)?.map((z) => [z.zoneId, z.date])).toEqual([[3, '2022-03-28']]);
    const year = await repo.readYearDayMetrics(HOME, 2022);
    expect(year.zoneDays).toEqual([metrics(1, date), metrics(2, date), metrics(3, '2022-03-28')]);
    expect(year.homeDays).toEqual([
      combine([metrics(1, date), metrics(2, date)]),
      combine([metrics(3, '2022-03-28')]),
    ]);
    expect((await repo.readYearDayMetrics(HOME, 2021)).zoneDays).toEqual([]);
  });

  it('a re-run leaves the same rows; a rejected zone-day is removed and its home-day recomputed', async () => {
    await clearAnalytics();
    const batch = [metrics(1, date), metrics(2, date), metrics(3, date), metrics(1, '2022-03-28')];
    await repo.replaceDayMetrics(batch, [], combine, CTX);
    const before = await snapshot();
    await repo.replaceDayMetrics(batch, [], combine, CTX);
    expect(await snapshot()).toEqual(before);
    const r = await repo.replaceDayMetrics(
      [metrics(2, date, 1)],
      [ref(3, date), ref(1, '2022-03-28')],
      combine,
      LATER,
    );
    expect(r).toEqual({ zoneDaysWritten: 1, zoneDaysDeleted: 2, homeDaysWritten: 1, homeDaysDeleted: 1 });
    const year = await repo.readYearDayMetrics(HOME, 2022);
    expect(year.zoneDays).toEqual([metrics(1, date), metrics(2, date, 1)]);
    expect(year.homeDays).toEqual([combine([metrics(1, date), metrics(2, date, 1)])]);
  });

  it('a failing combine leaves every table as it was', async () => {
    await clearAnalytics();
    await repo.replaceDayMetrics([metrics(1, date)], [], combine, CTX);
    const before = await snapshot();
    const failing = () => {
      throw new Error('combine failed');
    };
    await expect(repo.replaceDayMetrics([metrics(2, date)], [], failing, CTX)).rejects.toThrow(
      'combine failed',
    );
    expect(await snapshot()).toEqual(before);
  });
});

describe('replaceYearResults and replaceUnusualDays', () => {
  const fit = (zoneId: number | null, slope: number): ChangePointFit => ({
    model: 'heating_change_point',
    balanceTemperatureC: 15.5,
    slopeHoursPerC: slope,
    interceptHours: 0.25,
    r2: 0.81,
    adjustedR2: 0.8,
    cvRmse: 0.22,
    nmbe: 0.001,
    n: 365,
    heatingDays: 210,
    slopePValue: 1e-40,
    weatherDependent: true,
    decision: `zone ${zoneId ?? 'home'}: heating change-point model, adj. R² 0.80 > 0`,
  });
  const period = (zoneId: number | null, month: number | null): PeriodMetrics => ({
    homeId: HOME,
    zoneId,
    year: 2022,
    month,
    days: month === null ? 365 : 31,
    heatingHours: 100.5 + (month ?? 13),
    hdd: month === 7 ? 0 : 250.25,
    heatingHoursPerHdd: month === 7 ? null : 0.4,
    insideMeanHeatingC: 19.75,
  });
  const periods = [null, 1].flatMap((z) => [1, 7, null].map((m) => period(z, m)));
  const fits = [
    { zoneId: null, periodStart: '2022-01-01', periodEnd: '2022-12-31', fit: fit(null, 1.2) },
    { zoneId: 1, periodStart: '2022-01-01', periodEnd: '2022-12-31', fit: fit(1, 0.4) },
  ];
  const unusual: UnusualDay[] = [
    {
      homeId: HOME,
      zoneId: null,
      date: '2022-03-27',
      reason: 'residual',
      description: 'home: 9.1 h, model 4.0 h',
      figures: { modifiedZ: 4.2, heatingHours: 9.1 },
    },
    {
      homeId: HOME,
      zoneId: 1,
      date: '2022-03-27',
      reason: 'open_window',
      description: 'drop 3.4 °C',
      figures: { dropC: 3.4, at: '2022-03-27T10:00:00.000Z', setpointC: null },
    },
    {
      homeId: HOME,
      zoneId: 1,
      date: '2022-03-27',
      reason: 'low_coverage',
      description: '70 %',
      figures: { coverageFraction: 0.7 },
    },
  ];

  it('replaces a home-year as a whole: a re-run gives the same rows, one per home scope', async () => {
    await clearAnalytics();
    await repo.replaceYearResults(HOME, 2022, { fits, periods }, CTX);
    await repo.replaceUnusualDays(HOME, 2022, unusual, CTX);
    const before = await snapshot();
    await repo.replaceYearResults(HOME, 2022, { fits, periods }, CTX);
    await repo.replaceUnusualDays(HOME, 2022, unusual, CTX);
    expect(await snapshot()).toEqual(before);
    expect(before.weather_dependence).toHaveLength(2);
    expect(before.monthly_metrics).toHaveLength(4);
    expect(before.yearly_metrics).toHaveLength(2);
    expect(before.unusual_days).toHaveLength(3);
    // fewer scopes: zone 1's rows go
    await repo.replaceYearResults(
      HOME,
      2022,
      { fits: fits.slice(0, 1), periods: periods.filter((p) => p.zoneId === null) },
      CTX,
    );
    await repo.replaceUnusualDays(HOME, 2022, unusual.slice(0, 1), CTX);
    const after = await snapshot();
    expect(after.weather_dependence).toHaveLength(1);
    expect(after.monthly_metrics).toHaveLength(2);
    expect(after.yearly_metrics).toHaveLength(1);
    expect(after.unusual_days).toHaveLength(1);
  });

  it('the home scope (zone_id NULL) is unique: NULLS NOT DISTINCT', async () => {
    await clearAnalytics();
    await repo.replaceYearResults(HOME, 2022, { fits, periods }, CTX);
    await repo.replaceUnusualDays(HOME, 2022, unusual, CTX);
    await expect(
      sql`INSERT INTO analytics.yearly_metrics (home_id, zone_id, year, days, heating_hours, computed_at)
          VALUES (${HOME}, NULL, 2022, 1, 1, now())`.execute(db),
    ).rejects.toThrow(/yearly_metrics_scope_key/);
    await expect(
      sql`INSERT INTO analytics.unusual_days (home_id, zone_id, date, reason, description, figures, computed_at)
          VALUES (${HOME}, NULL, '2022-03-27', 'residual', 'again', '{}', now())`.execute(db),
    ).rejects.toThrow(/unusual_days_scope_key/);
    await expect(
      repo.replaceYearResults(HOME, 2022, { fits: [...fits, fits[0] ?? fits[1]!], periods }, CTX),
    ).rejects.toThrow(/zone \(home\) 2022: given twice/);
  });

  it('refuses rows of another home or year, writing nothing', async () => {
    await clearAnalytics();
    await repo.replaceUnusualDays(HOME, 2022, unusual, CTX);
    const before = await snapshot();
    await expect(
      repo.replaceUnusualDays(HOME, 2022, [...unusual.slice(1), { ...unusual[0]!, date: '2023-01-01' }], CTX),
    ).rejects.toThrow(/zone \(home\) 2023-01-01 residual: not of home 123456 2022/);
    await expect(
      repo.replaceYearResults(HOME, 2022, { fits, periods: [{ ...period(1, 2), year: 2021 }] }, CTX),
    ).rejects.toThrow(/not of home/);
    expect(await snapshot()).toEqual(before);
  });

  it('readHeatingReport gives each scope its figures, names, unusual days and zone-day counts', async () => {
    await clearAnalytics();
    await repo.replaceZoneMinutes(
      [analysed(ref(1, '2022-03-27')), analysed(ref(2, '2022-03-27'))],
      [{ ...ref(1, '2022-03-28'), reason: 'zone 1 (Living room) 2022-03-28: half loaded' }],
      CTX,
    );
    await repo.replaceYearResults(HOME, 2022, { fits, periods }, CTX);
    await repo.replaceUnusualDays(HOME, 2022, unusual, CTX);
    const report = await repo.readHeatingReport({ year: 2022 });
    expect(report.homes.map((h) => h.homeId)).toEqual([HOME]);
    const scopes = report.homes[0]?.scopes ?? [];
    expect(scopes.map((s) => [s.zoneId, s.zoneName])).toEqual([
      [null, null],
      [1, 'Living room'],
      [2, 'Bedroom'],
    ]);
    const [home, living, bedroom] = scopes;
    expect(home?.zoneDays).toMatchObject({ analysed: 2, rejected: 1 });
    expect(living?.zoneDays).toEqual({
      analysed: 1,
      rejected: 1,
      rejectedDays: [{ ...ref(1, '2022-03-28'), reason: 'zone 1 (Living room) 2022-03-28: half loaded' }],
    });
    expect(bedroom).toMatchObject({
      zoneDays: { analysed: 1, rejected: 0 },
      yearly: null,
      fit: null,
      monthly: [],
      unusualDays: [],
    });
    expect(home?.yearly).toEqual(period(null, null));
    expect(living?.monthly).toEqual([period(1, 1), period(1, 7)]);
    expect(living?.fit).toEqual({ ...fits[1], computedAt: CTX.at, dagRunId: CTX.dagRunId });
    expect(home?.unusualDays).toEqual([{ ...unusual[0], zoneName: null }]);
    expect(living?.unusualDays).toEqual([
      { ...unusual[2], zoneName: 'Living room' },
      { ...unusual[1], zoneName: 'Living room' },
    ]);
    const one = await repo.readHeatingReport({ year: 2022, zoneId: 1 });
    expect(one.homes[0]?.scopes.map((s) => s.zoneId)).toEqual([1]);
    expect(await repo.readHeatingReport({ year: 2021 })).toEqual({ year: 2021, homes: [] });
  });
});
