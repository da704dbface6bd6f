/**
 * Reads the heating report of a year (what `heatflow heating report` and the dashboard print)
 * from schema `analytics`, with the zones' names from `tado.zones`: per home, the home scope and
 * each zone with its yearly and monthly metrics, its fit, its unusual days and how many of its
 * zone-days were analysed or rejected. Six small statements; nothing is computed here.
 */
import { sql, type Kysely } from 'kysely';
import type { AnalyticsDatabase } from './analytics-database.js';
import type {
  HeatingReport,
  HeatingReportQuery,
  HomeHeatingReport,
  ScopeHeatingReport,
  ZoneDayCounts,
  ZoneDayRef,
} from './analytics-records.js';
import { periodMetricsOf, storedScopeFitOf, unusualDayOf } from './analytics-rows.js';

/** `home/zone` key of a scope (`home/-` for the whole home). */
const scopeKey = (homeId: number, zoneId: number | null): string => `${homeId}/${zoneId ?? '-'}`;

function groupBy<T>(rows: readonly T[], key: (r: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const k = key(r);
    const list = out.get(k);
    if (list === undefined) out.set(k, [r]);
    else list.push(r);
  }
  return out;
}

/**
 * The report for `query.year`; empty `homes` when nothing is stored for it.
 * @throws the database error
 */
export async function readHeatingReport(
  db: Kysely<AnalyticsDatabase>,
  query: HeatingReportQuery,
): Promise<HeatingReport> {
  const { year, homeId, zoneId } = query;
  const first = `${String(year).padStart(4, '0')}-01-01`;
  const last = `${String(year).padStart(4, '0')}-12-31`;
  let yearly = db.selectFrom('analytics.yearly_metrics').selectAll().where('year', '=', year);
  let monthly = db.selectFrom('analytics.monthly_metrics').selectAll().where('year', '=', year);
  let fits = db.selectFrom('analytics.weather_dependence').selectAll().where('year', '=', year);
  let unusual = db
    .selectFrom('analytics.unusual_days')
    .selectAll()
    .where('date', '>=', first)
    .where('date', '<=', last);
  let days = db
    .selectFrom('analytics.zone_days')
    .select(['home_id', 'zone_id', 'date', 'status', 'reason'])
    .where('date', '>=', first)
    .where('date', '<=', last);
  if (homeId !== undefined) {
    yearly = yearly.where('home_id', '=', homeId);
    monthly = monthly.where('home_id', '=', homeId);
    fits = fits.where('home_id', '=', homeId);
    unusual = unusual.where('home_id', '=', homeId);
    days = days.where('home_id', '=', homeId);
  }
  if (zoneId !== undefined) {
    yearly = yearly.where('zone_id', '=', zoneId);
    monthly = monthly.where('zone_id', '=', zoneId);
    fits = fits.where('zone_id', '=', zoneId);
    unusual = unusual.where('zone_id', '=', zoneId);
    days = days.where('zone_id', '=', zoneId);
  }
  const [yearlyRows, monthlyRows, fitRows, unusualRows, dayRows] = await Promise.all([
    yearly.execute(),
    monthly.orderBy('month').execute(),
    fits.execute(),
    unusual.orderBy('date').orderBy('reason').orderBy('zone_id').execute(),
    days.orderBy('date').orderBy('zone_id').execute(),
  ]);
  const homeIds = new Set<number>();
  const zoneKeys = new Map<string, { homeId: number; zoneId: number }>();
  const note = (h: number, z: number | null) => {
    homeIds.add(h);
    if (z !== null) zoneKeys.set(scopeKey(h, z), { homeId: h, zoneId: z });
  };
  for (const rows of [yearlyRows, monthlyRows, fitRows, unusualRows, dayRows])
    for (const r of rows) note(r.home_id, r.zone_id);
  const { rows: names } =
    homeIds.size === 0
      ? { rows: [] }
      : await sql<{ home_id: number; zone_id: number; name: string }>`
          SELECT home_id, zone_id, name FROM tado.zones WHERE home_id = ANY(${[...homeIds]}::int[])`.execute(
          db,
        );
  const nameOf = new Map(names.map((n) => [scopeKey(n.home_id, n.zone_id), n.name]));

  const yearlyBy = new Map(yearlyRows.map((r) => [scopeKey(r.home_id, r.zone_id), periodMetricsOf(r)]));
  const monthlyBy = groupBy(monthlyRows, (r) => scopeKey(r.home_id, r.zone_id));
  const fitBy = new Map(fitRows.map((r) => [scopeKey(r.home_id, r.zone_id), storedScopeFitOf(r)]));
  const unusualBy = groupBy(unusualRows, (r) => scopeKey(r.home_id, r.zone_id));

  const counts = (rows: readonly (typeof dayRows)[number][]): ZoneDayCounts => {
    const rejectedDays: (ZoneDayRef & { reason: string })[] = [];
    let analysed = 0;
    for (const r of rows) {
      if (r.status === 'analysed') analysed++;
      else rejectedDays.push({ homeId: r.home_id, zoneId: r.zone_id, date: r.date, reason: r.reason ?? '' });
    }
    return { analysed, rejected: rejectedDays.length, rejectedDays };
  };
  const scope = (h: number, z: number | null, zoneDays: ZoneDayCounts): ScopeHeatingReport => {
    const key = scopeKey(h, z);
    return {
      zoneId: z,
      zoneName: z === null ? null : (nameOf.get(key) ?? null),
      yearly: yearlyBy.get(key) ?? null,
      monthly: (monthlyBy.get(key) ?? []).map(periodMetricsOf),
      fit: fitBy.get(key) ?? null,
      unusualDays: (unusualBy.get(key) ?? []).map((r) => ({
        ...unusualDayOf(r),
        zoneName: r.zone_id === null ? null : (nameOf.get(scopeKey(r.home_id, r.zone_id)) ?? null),
      })),
      zoneDays,
    };
  };

  const homes: HomeHeatingReport[] = [...homeIds]
    .sort((a, b) => a - b)
    .map((h) => {
      const zones = [...zoneKeys.values()].filter((k) => k.homeId === h).sort((a, b) => a.zoneId - b.zoneId);
      const scopes: ScopeHeatingReport[] = [];
      if (zoneId === undefined) scopes.push(scope(h, null, counts(dayRows.filter((r) => r.home_id === h))));
      for (const z of zones) {
        scopes.push(
          scope(h, z.zoneId, counts(dayRows.filter((r) => r.home_id === h && r.zone_id === z.zoneId))),
        );
      }
      return { homeId: h, scopes };
    });
  return { year, homes };
}

/** One zone of a home as `heatflow heating report` names it: analysed years and tado's type. */
export interface ReportZone {
  readonly zoneId: number;
  /** tado's zone name; null when `tado.zones` does not have the zone */
  readonly name: string | null;
  /** tado's `type` (`HEATING`, `HOT_WATER`, …); null when `tado.zones` does not have the zone */
  readonly zoneType: string | null;
  /** calendar years with zone-days of this zone in `analytics.zone_days`, ascending */
  readonly years: readonly number[];
}

/** What the analytics tables hold, per home: the zones tado knows and those analysed. */
export interface ReportCoverage {
  readonly homes: readonly { readonly homeId: number; readonly zones: readonly ReportZone[] }[];
}

/**
 * The homes, zones and years `heatflow heating report` can show: every zone of `tado.zones` and
 * every (home, zone) with zone-days in `analytics.zone_days` (analysed or set aside), with the
 * years of those zone-days. Two small statements.
 * @throws the database error
 */
export async function readReportCoverage(db: Kysely<AnalyticsDatabase>): Promise<ReportCoverage> {
  const [{ rows: analysed }, { rows: zones }] = await Promise.all([
    sql<{ home_id: number; zone_id: number; years: number[] }>`
      SELECT home_id, zone_id, array_agg(DISTINCT extract(year FROM date)::int ORDER BY extract(year FROM date)::int) AS years
      FROM analytics.zone_days GROUP BY home_id, zone_id`.execute(db),
    sql<{ home_id: number; zone_id: number; name: string; zone_type: string }>`
      SELECT home_id, zone_id, name, zone_type FROM tado.zones`.execute(db),
  ]);
  const byHome = new Map<number, Map<number, ReportZone>>();
  const zoneMap = (homeId: number) => {
    let m = byHome.get(homeId);
    if (m === undefined) byHome.set(homeId, (m = new Map<number, ReportZone>()));
    return m;
  };
  for (const z of zones)
    zoneMap(z.home_id).set(z.zone_id, { zoneId: z.zone_id, name: z.name, zoneType: z.zone_type, years: [] });
  for (const a of analysed) {
    const known = zoneMap(a.home_id).get(a.zone_id);
    zoneMap(a.home_id).set(a.zone_id, {
      zoneId: a.zone_id,
      name: known?.name ?? null,
      zoneType: known?.zoneType ?? null,
      years: a.years,
    });
  }
  return {
    homes: [...byHome]
      .sort(([a], [b]) => a - b)
      .map(([homeId, m]) => ({ homeId, zones: [...m.values()].sort((a, b) => a.zoneId - b.zoneId) })),
  };
}
