/**
 * The heating analytics' repository: what the `heating_analytics` tasks read from schema `tado`
 * and read from and write to schema `analytics` (migrations/2026-12-02T00-01-00_analytics_schema.ts,
 * docs/analytics.md). No analytics logic lives here: functions computing figures (a home-day from
 * its zones) are passed in.
 *
 * Idempotence (issue 12 §2): every write replaces what it covers in ONE transaction: the zone-days
 * of a batch, the day metrics of the dates touched, the results of a (home, year). A retry, clear
 * or re-run therefore leaves the same rows (given the same {@link WriteContext}), and a failed
 * write leaves the tables as they were. Writers of the same home are serialised by a
 * transaction-scoped advisory lock.
 *
 * Dates are `YYYY-MM-DD` text both ways (this repository's pool does not parse `date` into `Date`).
 */
import { Kysely, PostgresDialect, sql, type Transaction } from 'kysely';
import pg from 'pg';
import { guardPool } from './pool-errors.js';
import type {
  HomeDayMetrics,
  PeriodMetrics,
  UnusualDay,
  ZoneDayInput,
  ZoneDayMetrics,
} from '../analytics/types.js';
import { HeatflowError } from '../core/errors.js';
import type { AnalyticsDatabase } from './analytics-database.js';
import type {
  AnalysedZoneDay,
  HeatingReport,
  HeatingReportQuery,
  MissingZoneDay,
  RejectedZoneDay,
  WriteContext,
  YearResults,
  ZoneDayRef,
  ZoneMinuteWriteResult,
} from './analytics-records.js';
import {
  homeDayMetricsOf,
  homeDayMetricsRow,
  monthlyMetricsRow,
  unusualDayRow,
  weatherDependenceRow,
  yearlyMetricsRow,
  zoneDayMetricsOf,
  zoneDayMetricsRow,
} from './analytics-rows.js';
import { ANALYTICS_PG_TYPES } from './analytics-pool.js';
import { readHeatingReport, readReportCoverage, type ReportCoverage } from './heating-report-query.js';
import { readZoneDayInputs, sortedRefs } from './zone-day-inputs-query.js';
import { lockHomes, replaceZoneMinutes } from './zone-minutes-write.js';

/** Rows per INSERT (≤ 22 parameters each; Postgres allows 65,535 per statement). */
const CHUNK_ROWS = 1000;

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) out.push(rows.slice(i, i + CHUNK_ROWS));
  return out;
}

const invalid = (message: string) => new HeatflowError('INVALID_ARGUMENT', message);

/** Throws when two items have the same key (`what(item)` names it). */
function assertUnique<T>(items: readonly T[], key: (t: T) => string, what: (t: T) => string): void {
  const seen = new Set<string>();
  for (const t of items) {
    const k = key(t);
    if (seen.has(k)) throw invalid(`${what(t)}: given twice`);
    seen.add(k);
  }
}

/** Options of {@link AnalyticsRepository.zoneDaysToAnalyse}. */
export interface ZoneDaysToAnalyseOptions {
  /** also every HEATING zone-day stored in `tado.days` without an `analytics.zone_days` row; `@defaultValue false` */
  readonly includeUnanalysed?: boolean;
  /** time zone of a home with no day stored yet (its zones' creation dates are read in it); `@defaultValue 'UTC'` */
  readonly fallbackTimeZone?: string;
}

/** What {@link AnalyticsRepository.replaceDayMetrics} wrote. */
export interface DayMetricsWriteResult {
  readonly zoneDaysWritten: number;
  readonly zoneDaysDeleted: number;
  /** home-days recomputed and written */
  readonly homeDaysWritten: number;
  /** home-days removed: none of their zones has metrics any more */
  readonly homeDaysDeleted: number;
}

/** The day metrics of one home and year, by zone then date (zone-days) and by date (home-days). */
export interface YearDayMetrics {
  readonly zoneDays: readonly ZoneDayMetrics[];
  readonly homeDays: readonly HomeDayMetrics[];
}

/** `[first, last]` local dates of a year. */
function yearRange(year: number): [string, string] {
  if (!Number.isInteger(year) || year < 1 || year > 9999)
    throw invalid(`year ${year} is not a calendar year`);
  const y = String(year).padStart(4, '0');
  return [`${y}-01-01`, `${y}-12-31`];
}

/**
 * The repository. The kysely instance and the pool it runs on are injected (COPY needs a raw
 * connection); the caller owns them ({@link openAnalyticsStore} makes both).
 */
export class AnalyticsRepository {
  constructor(
    private readonly db: Kysely<AnalyticsDatabase>,
    private readonly pool: pg.Pool,
  ) {}

  /**
   * The zone-days to analyse for `dates` (local dates): every HEATING zone of `tado.zones` created
   * on or before the date (its creation instant read in the home's time zone, that of its stored
   * days), and with `includeUnanalysed` every HEATING zone-day of `tado.days` that has no
   * `analytics.zone_days` row (analysed or rejected). Sorted by home, zone, date; no duplicates.
   * A zone-day listed for a date whose report is not loaded comes back from
   * {@link readZoneDayInputs} as missing.
   * @throws the database error (`dates` not `YYYY-MM-DD`)
   */
  async zoneDaysToAnalyse(
    dates: readonly string[],
    options: ZoneDaysToAnalyseOptions = {},
  ): Promise<ZoneDayRef[]> {
    const { rows } = await sql<{ home_id: number; zone_id: number; date: string }>`
      WITH home_tz AS (
        SELECT DISTINCT ON (home_id) home_id, time_zone FROM tado.days ORDER BY home_id, date DESC
      )
      SELECT z.home_id, z.zone_id, d.date::text AS date
      FROM tado.zones z
      CROSS JOIN unnest(${[...dates]}::date[]) AS d(date)
      LEFT JOIN home_tz t ON t.home_id = z.home_id
      WHERE z.zone_type = 'HEATING'
        AND (z.date_created AT TIME ZONE coalesce(t.time_zone, ${options.fallbackTimeZone ?? 'UTC'}))::date <= d.date
      UNION
      SELECT d.home_id, d.zone_id, d.date::text
      FROM tado.days d
      WHERE ${options.includeUnanalysed === true} AND d.zone_type = 'HEATING'
        AND NOT EXISTS (SELECT 1 FROM analytics.zone_days a
                        WHERE a.home_id = d.home_id AND a.zone_id = d.zone_id AND a.date = d.date)
      ORDER BY 1, 2, 3`.execute(this.db);
    return rows.map((r) => ({ homeId: r.home_id, zoneId: r.zone_id, date: r.date }));
  }

  /**
   * The `ZoneDayInput`s of many zone-days in one statement (`zone-day-inputs-query.ts`): sorted
   * by home, zone, date, duplicates removed; `missing` lists those that cannot be read (no such
   * HEATING zone, no `tado.days` row, a value tado does not document), each with a reason naming
   * the zone and date.
   * @throws the database error
   */
  async readZoneDayInputs(
    refs: readonly ZoneDayRef[],
  ): Promise<{ inputs: ZoneDayInput[]; missing: MissingZoneDay[] }> {
    return readZoneDayInputs(this.db, refs);
  }

  /**
   * The merge task's write, in ONE transaction for the batch (`zone-minutes-write.ts`): each
   * analysed zone-day's earlier `zone_minute` rows are deleted and its series written by binary
   * COPY, and its `zone_days` row upserted (status `analysed`, clean's counts, the run); each
   * rejected zone-day loses its `zone_minute` and `zone_day_metrics` rows and gets a `zone_days`
   * row with status `rejected` and the reason. (`home_day_metrics` of a rejected date is
   * recomputed by the next {@link replaceDayMetrics} that names it.)
   * @throws HeatflowError `INVALID_ARGUMENT` (nothing written) for a zone-day named twice or a
   *   series without one value per minute in each column; the database error (rolled back)
   */
  async replaceZoneMinutes(
    analysed: readonly AnalysedZoneDay[],
    rejected: readonly RejectedZoneDay[],
    ctx: WriteContext,
  ): Promise<ZoneMinuteWriteResult> {
    const client = await this.pool.connect();
    // A connection lost mid-COPY also emits 'error' on the client (EPIPE, ECONNRESET) after the
    // COPY has failed with the cause, and again once the pool has dropped it: without a
    // listener, that would crash the process. The failure itself reaches us through the COPY.
    const ignore = (): void => undefined;
    client.on('error', ignore);
    try {
      const result = await replaceZoneMinutes(client, this.db, analysed, rejected, ctx);
      client.removeListener('error', ignore);
      client.release();
      return result;
    } catch (e) {
      // discarded, not returned to the pool (the listener stays for its last errors)
      client.release(e instanceof Error ? e : true);
      throw e;
    }
  }

  /**
   * The daily_metrics task's write, in one transaction: upserts the zone-days' metrics, deletes
   * those of `rejected`, then recomputes `home_day_metrics` for every (home, date) touched from
   * ALL the zones' rows of that date now stored (read back), with `combine` (the pure
   * `homeDayMetrics`); a home-day left with no zone is deleted.
   * @throws HeatflowError `INVALID_ARGUMENT` for a zone-day given twice; what `combine` throws;
   *   the database error (rolled back)
   */
  async replaceDayMetrics(
    zoneMetrics: readonly ZoneDayMetrics[],
    rejected: readonly ZoneDayRef[],
    combine: (zoneDays: readonly ZoneDayMetrics[]) => HomeDayMetrics,
    ctx: WriteContext,
  ): Promise<DayMetricsWriteResult> {
    const key = (r: ZoneDayRef) => `${r.homeId}/${r.zoneId}/${r.date}`;
    assertUnique<ZoneDayRef>(
      [...zoneMetrics, ...rejected],
      key,
      (r) => `home ${r.homeId} zone ${r.zoneId} ${r.date}`,
    );
    const sorted = [...zoneMetrics].sort(
      (a, b) => a.homeId - b.homeId || a.zoneId - b.zoneId || (a.date < b.date ? -1 : 1),
    );
    return this.db.transaction().execute(async (trx) => {
      await this.lock(
        trx,
        [...zoneMetrics, ...rejected].map((r) => r.homeId),
      );
      for (const chunk of chunks(sorted)) {
        await trx
          .insertInto('analytics.zone_day_metrics')
          .values(chunk.map((m) => zoneDayMetricsRow(m, ctx)))
          .onConflict((oc) =>
            oc.columns(['home_id', 'zone_id', 'date']).doUpdateSet((eb) => {
              const set: Record<string, unknown> = {};
              for (const column of ZONE_DAY_METRIC_COLUMNS) set[column] = eb.ref(`excluded.${column}`);
              return set;
            }),
          )
          .execute();
      }
      let zoneDaysDeleted = 0;
      if (rejected.length > 0) {
        const r = await sql`
          DELETE FROM analytics.zone_day_metrics m
          USING unnest(${rejected.map((d) => d.homeId)}::int[], ${rejected.map((d) => d.zoneId)}::int[],
                       ${rejected.map((d) => d.date)}::date[]) AS r(home_id, zone_id, date)
          WHERE m.home_id = r.home_id AND m.zone_id = r.zone_id AND m.date = r.date`.execute(trx);
        zoneDaysDeleted = Number(r.numAffectedRows ?? 0n);
      }
      const touched = sortedRefs(
        [...zoneMetrics, ...rejected].map((r) => ({ homeId: r.homeId, zoneId: 0, date: r.date })),
      );
      const homes = touched.map((t) => t.homeId);
      const dates = touched.map((t) => t.date);
      const stored = await trx
        .selectFrom('analytics.zone_day_metrics')
        .selectAll()
        .where(sql<boolean>`(home_id, date) IN (SELECT * FROM unnest(${homes}::int[], ${dates}::date[]))`)
        .orderBy('home_id')
        .orderBy('date')
        .orderBy('zone_id')
        .execute();
      const byDay = new Map<string, ZoneDayMetrics[]>();
      for (const row of stored) {
        const m = zoneDayMetricsOf(row);
        const k = `${m.homeId}/${m.date}`;
        const list = byDay.get(k);
        if (list === undefined) byDay.set(k, [m]);
        else list.push(m);
      }
      const homeDays = [...byDay.values()].map((zones) => combine(zones));
      for (const chunk of chunks(homeDays)) {
        await trx
          .insertInto('analytics.home_day_metrics')
          .values(chunk.map((m) => homeDayMetricsRow(m, ctx)))
          .onConflict((oc) =>
            oc.columns(['home_id', 'date']).doUpdateSet((eb) => {
              const set: Record<string, unknown> = {};
              for (const column of HOME_DAY_METRIC_COLUMNS) set[column] = eb.ref(`excluded.${column}`);
              return set;
            }),
          )
          .execute();
      }
      const empty = touched.filter((t) => !byDay.has(`${t.homeId}/${t.date}`));
      let homeDaysDeleted = 0;
      if (empty.length > 0) {
        const r = await sql`
          DELETE FROM analytics.home_day_metrics h
          USING unnest(${empty.map((t) => t.homeId)}::int[], ${empty.map((t) => t.date)}::date[]) AS e(home_id, date)
          WHERE h.home_id = e.home_id AND h.date = e.date`.execute(trx);
        homeDaysDeleted = Number(r.numAffectedRows ?? 0n);
      }
      return {
        zoneDaysWritten: sorted.length,
        zoneDaysDeleted,
        homeDaysWritten: homeDays.length,
        homeDaysDeleted,
      };
    });
  }

  /** Every zone-day and home-day metrics row of a home's year (what weather_dependence fits). */
  async readYearDayMetrics(homeId: number, year: number): Promise<YearDayMetrics> {
    const [first, last] = yearRange(year);
    const [zoneDays, homeDays] = await Promise.all([
      this.db
        .selectFrom('analytics.zone_day_metrics')
        .selectAll()
        .where('home_id', '=', homeId)
        .where('date', '>=', first)
        .where('date', '<=', last)
        .orderBy('zone_id')
        .orderBy('date')
        .execute(),
      this.db
        .selectFrom('analytics.home_day_metrics')
        .selectAll()
        .where('home_id', '=', homeId)
        .where('date', '>=', first)
        .where('date', '<=', last)
        .orderBy('date')
        .execute(),
    ]);
    return { zoneDays: zoneDays.map(zoneDayMetricsOf), homeDays: homeDays.map(homeDayMetricsOf) };
  }

  /**
   * Replaces a home's results for a year in one transaction: its `weather_dependence`,
   * `monthly_metrics` and `yearly_metrics` rows become exactly `results` (a scope no longer in
   * them loses its rows).
   * @throws HeatflowError `INVALID_ARGUMENT` (nothing written) for a period row of another home or
   *   year, or a scope given twice; the database error (rolled back)
   */
  async replaceYearResults(
    homeId: number,
    year: number,
    results: YearResults,
    ctx: WriteContext,
  ): Promise<void> {
    yearRange(year);
    const label = (p: PeriodMetrics) =>
      `period metrics of home ${p.homeId} zone ${p.zoneId ?? '(home)'} ${p.year}${p.month === null ? '' : `-${p.month}`}`;
    for (const p of results.periods) {
      if (p.homeId !== homeId || p.year !== year) throw invalid(`${label(p)}: not of home ${homeId} ${year}`);
    }
    assertUnique(results.periods, (p) => `${p.zoneId}/${p.month}`, label);
    assertUnique(
      results.fits,
      (f) => String(f.zoneId),
      (f) => `fit of home ${homeId} zone ${f.zoneId ?? '(home)'} ${year}`,
    );
    const monthly = results.periods.filter((p): p is PeriodMetrics & { month: number } => p.month !== null);
    const yearly = results.periods.filter((p) => p.month === null);
    await this.db.transaction().execute(async (trx) => {
      await this.lock(trx, [homeId]);
      for (const table of [
        'analytics.weather_dependence',
        'analytics.monthly_metrics',
        'analytics.yearly_metrics',
      ] as const) {
        await trx.deleteFrom(table).where('home_id', '=', homeId).where('year', '=', year).execute();
      }
      if (results.fits.length > 0) {
        await trx
          .insertInto('analytics.weather_dependence')
          .values(results.fits.map((f) => weatherDependenceRow(homeId, year, f, ctx)))
          .execute();
      }
      if (monthly.length > 0) {
        await trx
          .insertInto('analytics.monthly_metrics')
          .values(monthly.map((m) => monthlyMetricsRow(m, ctx)))
          .execute();
      }
      if (yearly.length > 0) {
        await trx
          .insertInto('analytics.yearly_metrics')
          .values(yearly.map((m) => yearlyMetricsRow(m, ctx)))
          .execute();
      }
    });
  }

  /**
   * Replaces a home's unusual days of a year (local dates in it) with `days`, in one transaction.
   * @throws HeatflowError `INVALID_ARGUMENT` (nothing written) for a day of another home or year,
   *   or a (scope, date, reason) given twice; the database error (rolled back)
   */
  async replaceUnusualDays(
    homeId: number,
    year: number,
    days: readonly UnusualDay[],
    ctx: WriteContext,
  ): Promise<void> {
    const [first, last] = yearRange(year);
    const label = (d: UnusualDay) =>
      `unusual day home ${d.homeId} zone ${d.zoneId ?? '(home)'} ${d.date} ${d.reason}`;
    for (const d of days) {
      if (d.homeId !== homeId || d.date < first || d.date > last)
        throw invalid(`${label(d)}: not of home ${homeId} ${year}`);
    }
    assertUnique(days, (d) => `${d.zoneId}/${d.date}/${d.reason}`, label);
    await this.db.transaction().execute(async (trx) => {
      await this.lock(trx, [homeId]);
      await trx
        .deleteFrom('analytics.unusual_days')
        .where('home_id', '=', homeId)
        .where('date', '>=', first)
        .where('date', '<=', last)
        .execute();
      for (const chunk of chunks(days)) {
        await trx
          .insertInto('analytics.unusual_days')
          .values(chunk.map((d) => unusualDayRow(d, ctx)))
          .execute();
      }
    });
  }

  /** The heating report of a year (`heating-report-query.ts`). */
  async readHeatingReport(query: HeatingReportQuery): Promise<HeatingReport> {
    yearRange(query.year);
    return readHeatingReport(this.db, query);
  }

  /** The homes, zones and years the heating report can show (`heating-report-query.ts`). */
  async readReportCoverage(): Promise<ReportCoverage> {
    return readReportCoverage(this.db);
  }

  private async lock(trx: Transaction<AnalyticsDatabase>, homeIds: readonly number[]): Promise<void> {
    await lockHomes(trx, (q) => trx.executeQuery(q), homeIds);
  }
}

/** Columns an upsert of `zone_day_metrics` updates (every column but the key). */
const ZONE_DAY_METRIC_COLUMNS = [
  'minutes',
  'heating_minutes',
  'demand_weighted_minutes',
  'inside_mean_c',
  'inside_min_c',
  'inside_max_c',
  'inside_mean_heating_c',
  'heating_minutes_with_inside',
  'setpoint_mean_heating_c',
  'comfort_deficit_degree_minutes',
  'minutes_below_setpoint_2c_heating',
  'outside_mean_c',
  'hdd',
  'heat_up_rate_c_per_h',
  'max_drop_1h_c',
  'max_drop_1h_at',
  'coverage_fraction',
  'computed_at',
  'dag_run_id',
] as const;

/** Columns an upsert of `home_day_metrics` updates. */
const HOME_DAY_METRIC_COLUMNS = [
  'zones',
  'heating_minutes',
  'demand_weighted_minutes',
  'inside_mean_c',
  'inside_mean_heating_c',
  'heating_minutes_with_inside',
  'comfort_deficit_degree_minutes',
  'outside_mean_c',
  'hdd',
  'coverage_fraction',
  'computed_at',
  'dag_run_id',
] as const;

/** Options of {@link openAnalyticsStore}. */
export interface AnalyticsStoreOptions {
  /** connections; `@defaultValue 2` */
  readonly max?: number;
  /** called when an idle pooled connection fails (e.g. the server restarted); `@defaultValue` ignore */
  readonly onIdleError?: (err: Error) => void;
}

/**
 * Opens an {@link AnalyticsRepository} on its own small `pg` pool (for task programs and the CLI),
 * as `openWarehouse` does for the `tado` schema.
 * @param applicationName - name in `pg_stat_activity`
 * @returns the repository and a `close` that ends the pool
 */
export function openAnalyticsStore(
  databaseUrl: string,
  applicationName = 'heatflow-analytics',
  options: AnalyticsStoreOptions = {},
): { repository: AnalyticsRepository; close: () => Promise<void> } {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.max ?? 2,
    application_name: applicationName,
    types: ANALYTICS_PG_TYPES,
  });
  // A lost connection, idle or checked out, must not crash the process (pool-errors.ts); the
  // statement running on it fails, and the next query gets a fresh connection.
  guardPool(pool, (err) => options.onIdleError?.(err));
  const db = new Kysely<AnalyticsDatabase>({ dialect: new PostgresDialect({ pool }) });
  return { repository: new AnalyticsRepository(db, pool), close: () => db.destroy() };
}
