/**
 * The analytics repository on a real Postgres, part 1: what the heating_analytics tasks read
 * (zone-days to analyse, inputs with their margins and DST bounds) and the minute grid's writes
 * (binary COPY: idempotent replace, rollback on a constraint violation and on a backend killed
 * mid-COPY). Every write is checked by comparing every row of schema `analytics` before and after.
 */
import { sql, type Kysely } from 'kysely';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemandLevel } from '../../src/analytics/types.js';
import { INPUT_MARGIN_MS } from '../../src/analytics/types.js';
import { openAnalyticsStore, type AnalyticsRepository } from '../../src/db/analytics-repository.js';
import { type WarehouseDatabase } from '../../src/db/warehouse.js';
import {
  openAnalyticsFixture,
  snapshotAnalytics,
  truncateAnalytics,
  type AnalyticsFixture,
  HOME,
  TZ,
  MINUTE,
  CTX,
  LATER,
  DATES,
  series,
  counts,
  analysed,
  ref,
  metrics,
  combine,
  localMidnight,
} from '../helpers/analytics-store-fixture.js';

let f: AnalyticsFixture;
let db: Kysely<WarehouseDatabase>;
let repo: AnalyticsRepository;
const snapshot = () => snapshotAnalytics(db);
const clearAnalytics = () => truncateAnalytics(db);

beforeAll(async () => {
  f = await openAnalyticsFixture('analytics_repo_reads');
  ({ db, repo } = f);
}, 120_000);
afterAll(() => f.close());

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
    const before = f.reports.get('2/2022-03-26')?.measuredData.insideTemperature.dataPoints ?? [];
    const atMargin = before.find((p) => Date.parse(p.timestamp) === day.dayStartMs - INPUT_MARGIN_MS);
    expect(atMargin).toBeDefined();
    expect(day.readings[0]?.temperatureC).toBe(atMargin?.value.celsius);
    // 03-29 is not loaded: only the day's own 15-min margin
    expect(next.readings.at(-1)?.tsMs).toBe(next.dayEndMs + 15 * MINUTE);
    // device intervals: the three stored days overlapping [start − 60 min, end + 60 min]
    expect(day.deviceConnected[0]?.startMs).toBeLessThan(day.dayStartMs - INPUT_MARGIN_MS);
    expect(day.deviceConnected.at(-1)?.endMs).toBeGreaterThan(day.dayEndMs + INPUT_MARGIN_MS);
    // step series: those of the report, clipped to the day, levels as numbers
    const cfh = (f.reports.get('2/2022-03-27')?.callForHeat?.dataIntervals ?? [])
      .map((i) => ({
        startMs: Math.max(Date.parse(i.from), day.dayStartMs),
        endMs: Math.min(Date.parse(i.to), day.dayEndMs),
        value: ['NONE', 'LOW', 'MEDIUM', 'HIGH'].indexOf(i.value),
      }))
      .filter((i) => i.startMs < i.endMs);
    expect(day.callForHeat).toEqual(cfh);
    const settings = f.reports.get('2/2022-03-27')?.settings?.dataIntervals ?? [];
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
    const store = openAnalyticsStore(f.tdb.url, 'test-analytics-killed');
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
