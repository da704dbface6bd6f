/**
 * Reads one zone-day for the dashboard's day view: its `zone_days` row (status, time zone, day
 * bounds, clean's counts, the heating_analytics run), its metrics, its one-minute series from
 * `zone_minute`, the unusual days of that zone and of the home on that date, and the tado_etl runs
 * whose data interval starts within the local day (the run that loaded it: tado_etl's run for
 * `ds` covers `ds 01:00 → next day 01:00` in the home's zone). Five small statements run at once.
 */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { UnusualDay, ZoneDayMetrics } from '../analytics/types.js';
import type { AnalyticsDatabase, AnalyticsZoneDaysTable } from './analytics-database.js';
import { unusualDayOf, zoneDayMetricsOf } from './analytics-rows.js';

/** The one-minute columns of a zone-day, one entry per minute from `dayStart`. */
export interface StoredMinuteSeries {
  readonly insideC: (number | null)[];
  readonly setpointC: (number | null)[];
  readonly outsideC: (number | null)[];
  readonly humidityFraction: (number | null)[];
  readonly demandLevel: (number | null)[];
  readonly powerOn: (boolean | null)[];
  readonly connected: (boolean | null)[];
  readonly cleaned: boolean[];
  readonly weatherState: (string | null)[];
}

/** A DAG run named by the day view. */
export interface ProducingRun {
  readonly dagId: string;
  readonly runId: string;
  /**
   * the run's state; null when `heatflow.dag_runs` no longer holds the run (deleted with its DAG,
   * `heatflow dags delete heating_analytics`, or on its own) while the zone-day it wrote stays
   */
  readonly state: string | null;
}

/** Everything stored about one zone-day. */
export interface StoredZoneDay {
  /** the `zone_days` row; undefined when the analysis never saw the zone-day */
  readonly day: Selectable<AnalyticsZoneDaysTable> | undefined;
  readonly metrics: ZoneDayMetrics | undefined;
  /** empty for a rejected or unseen zone-day */
  readonly series: StoredMinuteSeries;
  /** minutes read (the length of every series) */
  readonly minutesRead: number;
  /** of the zone (zoneId set) and of the home (zoneId null) on that date */
  readonly unusualDays: readonly UnusualDay[];
  /** tado_etl runs whose interval starts within the day, then the heating_analytics run(s) */
  readonly runs: readonly ProducingRun[];
}

/**
 * Reads a zone-day.
 * @param date - local date `YYYY-MM-DD` (a real date: the caller validates it)
 * @param timeZone - the home's IANA zone, for the day's bounds when the zone-day has none stored
 *   (rejected)
 * @throws the database error
 */
export async function readStoredZoneDay(
  db: Kysely<AnalyticsDatabase>,
  homeId: number,
  zoneId: number,
  date: string,
  timeZone?: string,
): Promise<StoredZoneDay> {
  const [day, metrics, minutes, unusual] = await Promise.all([
    db
      .selectFrom('analytics.zone_days')
      .selectAll()
      .where('home_id', '=', homeId)
      .where('zone_id', '=', zoneId)
      .where('date', '=', date)
      .executeTakeFirst(),
    db
      .selectFrom('analytics.zone_day_metrics')
      .selectAll()
      .where('home_id', '=', homeId)
      .where('zone_id', '=', zoneId)
      .where('date', '=', date)
      .executeTakeFirst(),
    db
      .selectFrom('analytics.zone_minute')
      .select([
        'inside_c',
        'setpoint_c',
        'outside_c',
        'humidity_fraction',
        'demand_level',
        'power_on',
        'connected',
        'cleaned',
        'weather_state',
      ])
      .where('home_id', '=', homeId)
      .where('zone_id', '=', zoneId)
      // bound minute_start too (± a day around the date, whatever the zone's offset), so the
      // primary key (home_id, zone_id, minute_start) finds the day instead of a scan of the year
      .where('minute_start', '>=', sql<Date>`${date}::date - interval '1 day'`)
      .where('minute_start', '<', sql<Date>`${date}::date + interval '2 days'`)
      .where('local_date', '=', date)
      .orderBy('minute_start')
      .execute(),
    db
      .selectFrom('analytics.unusual_days')
      .selectAll()
      .where('home_id', '=', homeId)
      .where('date', '=', date)
      .where((eb) => eb.or([eb('zone_id', '=', zoneId), eb('zone_id', 'is', null)]))
      .orderBy('zone_id')
      .orderBy('reason')
      .execute(),
  ]);
  const series: StoredMinuteSeries = {
    insideC: minutes.map((m) => m.inside_c),
    setpointC: minutes.map((m) => m.setpoint_c),
    outsideC: minutes.map((m) => m.outside_c),
    humidityFraction: minutes.map((m) => m.humidity_fraction),
    demandLevel: minutes.map((m) => m.demand_level),
    powerOn: minutes.map((m) => m.power_on),
    connected: minutes.map((m) => m.connected),
    cleaned: minutes.map((m) => m.cleaned),
    weatherState: minutes.map((m) => m.weather_state),
  };
  const runs: ProducingRun[] = [];
  // the local day's bounds: stored with an analysed zone-day; for a rejected one (no bounds
  // stored), the date's midnights in the home's time zone
  const zone = day?.time_zone ?? timeZone;
  const bounds =
    day?.day_start != null && day.day_end != null
      ? { start: sql`${day.day_start}::timestamptz`, end: sql`${day.day_end}::timestamptz` }
      : zone === undefined
        ? undefined
        : {
            start: sql`(${date}::date)::timestamp AT TIME ZONE ${zone}`,
            end: sql`(${date}::date + 1)::timestamp AT TIME ZONE ${zone}`,
          };
  if (day !== undefined && bounds !== undefined) {
    const { rows } = await sql<{ run_id: string; state: string }>`
      SELECT run_id, state FROM heatflow.dag_runs
      WHERE dag_id = 'tado_etl' AND data_interval_start >= ${bounds.start} AND data_interval_start < ${bounds.end}
      ORDER BY logical_date`.execute(db);
    runs.push(...rows.map((r) => ({ dagId: 'tado_etl', runId: r.run_id, state: r.state })));
  }
  const analysisRuns = [
    ...new Set([day?.dag_run_id, metrics?.dag_run_id].filter((r): r is string => r != null)),
  ];
  if (analysisRuns.length > 0) {
    const { rows } = await sql<{ run_id: string; state: string }>`
      SELECT run_id, state FROM heatflow.dag_runs
      WHERE dag_id = 'heating_analytics' AND run_id = ANY(${analysisRuns}::text[])`.execute(db);
    const stateOf = new Map(rows.map((r) => [r.run_id, r.state]));
    for (const runId of analysisRuns)
      runs.push({ dagId: 'heating_analytics', runId, state: stateOf.get(runId) ?? null });
  }
  return {
    day,
    metrics: metrics === undefined ? undefined : zoneDayMetricsOf(metrics),
    series,
    minutesRead: minutes.length,
    unusualDays: unusual.map(unusualDayOf),
    runs,
  };
}
