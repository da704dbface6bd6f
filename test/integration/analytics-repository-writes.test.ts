/**
 * The analytics repository on a real Postgres, part 2: day metrics (home-day recomputed from all
 * its zones), the per (home, year) replaces of fits, period metrics and unusual days, and the
 * heating report read back. Every write is checked by comparing every row of schema `analytics`
 * before and after.
 */
import { yearDataSufficiency } from '../../src/analytics/data-sufficiency.js';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangePointFit, PeriodMetrics, UnusualDay } from '../../src/analytics/types.js';
import { type AnalyticsRepository } from '../../src/db/analytics-repository.js';
import { type WarehouseDatabase } from '../../src/db/warehouse.js';
import {
  openAnalyticsFixture,
  snapshotAnalytics,
  truncateAnalytics,
  type AnalyticsFixture,
  HOME,
  CTX,
  LATER,
  analysed,
  ref,
  metrics,
  combine,
  combined,
} from '../helpers/analytics-store-fixture.js';

let f: AnalyticsFixture;
let db: Kysely<WarehouseDatabase>;
let repo: AnalyticsRepository;
const snapshot = () => snapshotAnalytics(db);
const clearAnalytics = () => truncateAnalytics(db);

beforeAll(async () => {
  f = await openAnalyticsFixture('analytics_repo_writes');
  ({ db, repo } = f);
}, 120_000);
afterAll(() => f.close());

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
    {
      zoneId: null,
      periodStart: '2022-01-01',
      periodEnd: '2022-12-31',
      fit: fit(null, 1.2),
      sufficiency: yearDataSufficiency(2022, 365),
    },
    { zoneId: 1, periodStart: '2022-01-01', periodEnd: '2022-12-31', fit: fit(1, 0.4), sufficiency: null },
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
