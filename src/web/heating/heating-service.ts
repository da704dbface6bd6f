/**
 * The heating dashboard's service: reads what a page or endpoint shows (src/db/heating-read.ts,
 * heating-zone-day-read.ts, heating-report-query.ts), checks the request against what is stored,
 * and builds the models of heating-models.ts. The pages and the JSON API call the same methods,
 * so every figure on a page is in its JSON.
 *
 * Errors are {@link HttpProblem}s naming what is at fault: 404 for a year with no stored
 * analysis (listing the years that have one), a home without that year, a zone that is not a
 * HEATING zone of the home (listing its zones), a zone-day the analysis never saw.
 */
import type { Kysely } from 'kysely';
import type { AnalyticsDatabase } from '../../db/analytics-database.js';
import { readHeatingReport } from '../../db/heating-report-query.js';
import {
  listHeatingZones,
  listStoredHeatingYears,
  readHomeTimeZone,
  readScopeDays,
  type HeatingZone,
} from '../../db/heating-read.js';
import { readStoredZoneDay } from '../../db/heating-zone-day-read.js';
import { urlPath } from '../html.js';
import { HttpProblem } from '../http-problem.js';
import {
  dayFiguresOf,
  fitModelOf,
  metricsRecordOf,
  periodFiguresOf,
  signatureOf,
  spansOf,
  unusualItemOf,
  unusualItemsOf,
} from './heating-model-builders.js';
import type { ScopeYearModel, UnusualDayItem, ZoneDayModel, ZoneRef } from './heating-models.js';
import type { UnusualSort } from './heating-params.js';

/** Time zone assumed for a home with no analysed day (never shown: such a home has no data). */
const FALLBACK_TIME_ZONE = 'UTC';

const zoneList = (zones: readonly HeatingZone[]): string =>
  zones.length === 0 ? 'none' : zones.map((z) => `${z.zoneId} ${z.name}`).join(', ');

/** The service; `db` reads dates as text (analytics-pool.ts). */
export class HeatingService {
  constructor(private readonly db: Kysely<AnalyticsDatabase>) {}

  /** Years with stored results and their homes, oldest first. */
  async years(): Promise<{ years: { year: number; homeIds: readonly number[] }[] }> {
    return { years: await listStoredHeatingYears(this.db) };
  }

  /**
   * The home (and year) a request is about: `homeId` when given, else the first home with results
   * for `year`; `year` defaults to the latest year stored.
   * @throws HttpProblem 404 when nothing is stored for the year (or at all), or not for that home
   */
  async resolve(year: number | undefined, homeId: number | undefined) {
    const stored = await listStoredHeatingYears(this.db);
    const years = stored.map((y) => y.year);
    if (stored.length === 0)
      throw new HttpProblem(
        404,
        'no heating analysis is stored yet: run heating_analytics (it runs on tado_etl’s loads)',
        'No heating data',
      );
    const y = year ?? years[years.length - 1] ?? 0;
    const entry = stored.find((s) => s.year === y);
    if (entry === undefined)
      throw new HttpProblem(
        404,
        `no heating analysis is stored for ${y} (years with data: ${years.join(', ')})`,
        'No heating data for that year',
        'year',
      );
    const home = homeId ?? entry.homeIds[0] ?? 0;
    if (!entry.homeIds.includes(home))
      throw new HttpProblem(
        404,
        `home ${home} has no heating analysis for ${y} (homes with data: ${entry.homeIds.join(', ')})`,
        'No heating data for that home',
        'home',
      );
    return { year: y, homeId: home, years };
  }

  private async zoneOf(homeId: number, zoneId: number): Promise<{ zone: ZoneRef; zones: HeatingZone[] }> {
    const zones = await listHeatingZones(this.db, homeId);
    const z = zones.find((x) => x.zoneId === zoneId);
    if (z === undefined)
      throw new HttpProblem(
        404,
        `zone ${zoneId} is not a heating zone of home ${homeId} (its heating zones: ${zoneList(zones)})`,
        'Zone not found',
        'zone',
      );
    return { zone: { zoneId: z.zoneId, name: z.name }, zones };
  }

  /**
   * A year of the home (`zoneId` undefined: the overview) or of one zone.
   * @throws HttpProblem 404 (see {@link resolve}; an unknown zone)
   */
  async scopeYear(
    year: number | undefined,
    zoneId: number | undefined,
    homeId?: number,
  ): Promise<ScopeYearModel> {
    const r = await this.resolve(year, homeId);
    const zone = zoneId === undefined ? null : (await this.zoneOf(r.homeId, zoneId)).zone;
    const [report, days, zones, timeZone] = await Promise.all([
      readHeatingReport(this.db, { year: r.year, homeId: r.homeId }),
      readScopeDays(this.db, r.homeId, zone?.zoneId ?? null, r.year),
      listHeatingZones(this.db, r.homeId),
      readHomeTimeZone(this.db, r.homeId),
    ]);
    const scopes = report.homes.find((h) => h.homeId === r.homeId)?.scopes ?? [];
    const own = scopes.find((s) => s.zoneId === (zone?.zoneId ?? null));
    const shown = zone === null ? scopes : own === undefined ? [] : [own];
    const fit = own?.fit == null ? null : fitModelOf(own.fit);
    const unusual = unusualItemsOf(shown.flatMap((s) => s.unusualDays)).sort((a, b) =>
      a.date < b.date ? -1 : a.date > b.date ? 1 : (a.zoneId ?? 0) - (b.zoneId ?? 0),
    );
    return {
      homeId: r.homeId,
      year: r.year,
      timeZone: timeZone ?? FALLBACK_TIME_ZONE,
      years: r.years,
      zones: zones.map((z) => ({ zoneId: z.zoneId, name: z.name })),
      zone,
      yearly: shown.flatMap((s) => (s.yearly === null ? [] : [periodFiguresOf(s.yearly, s.zoneName)])),
      monthly: (own?.monthly ?? []).map((m) => periodFiguresOf(m, own?.zoneName ?? null)),
      signature: signatureOf(days, fit),
      days: dayFiguresOf(days, unusual),
      unusualDays: unusual,
    };
  }

  /**
   * The unusual days of a year, every scope, sorted (`date`, then zone, by default).
   * @throws HttpProblem 404 (see {@link resolve})
   */
  async unusualDays(
    year: number | undefined,
    sort: { key: UnusualSort; descending: boolean } = { key: 'date', descending: false },
    homeId?: number,
  ): Promise<{ homeId: number; year: number; years: readonly number[]; unusualDays: UnusualDayItem[] }> {
    const r = await this.resolve(year, homeId);
    const report = await readHeatingReport(this.db, { year: r.year, homeId: r.homeId });
    const items = unusualItemsOf(report.homes.flatMap((h) => h.scopes.flatMap((s) => s.unusualDays)));
    const byDate = (a: UnusualDayItem, b: UnusualDayItem) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0);
    const byZone = (a: UnusualDayItem, b: UnusualDayItem) => (a.zoneId ?? 0) - (b.zoneId ?? 0);
    const byReason = (a: UnusualDayItem, b: UnusualDayItem) => a.reason.localeCompare(b.reason);
    const order = {
      date: [byDate, byZone, byReason],
      zone: [byZone, byDate, byReason],
      reason: [byReason, byDate, byZone],
    }[sort.key];
    const sign = sort.descending ? -1 : 1;
    items.sort((a, b) => {
      for (const f of order) {
        const c = f(a, b);
        if (c !== 0) return sign * c;
      }
      return 0;
    });
    return { homeId: r.homeId, year: r.year, years: r.years, unusualDays: items };
  }

  /** The HEATING zones of a home, by id. */
  async zones(homeId: number): Promise<ZoneRef[]> {
    return (await listHeatingZones(this.db, homeId)).map((z) => ({ zoneId: z.zoneId, name: z.name }));
  }

  /** The HEATING zones of a home that the analysis saw on `date` (a zone added later has none). */
  async zonesOnDay(homeId: number, date: string): Promise<ZoneRef[]> {
    const seen = await this.db
      .selectFrom('analytics.zone_days')
      .select('zone_id')
      .where('home_id', '=', homeId)
      .where('date', '=', date)
      .execute();
    const ids = new Set(seen.map((r) => r.zone_id));
    return (await this.zones(homeId)).filter((z) => ids.has(z.zoneId));
  }

  /**
   * One zone-day.
   * @param date - a calendar date (validated by the caller)
   * @throws HttpProblem 404 for an unknown zone, a zone-day the analysis never saw, no data at all
   */
  async zoneDay(zoneId: number, date: string, homeId?: number): Promise<ZoneDayModel> {
    const year = Number(date.slice(0, 4));
    const stored = await listStoredHeatingYears(this.db);
    const home = homeId ?? stored.find((s) => s.year === year)?.homeIds[0] ?? stored[0]?.homeIds[0];
    if (home === undefined)
      throw new HttpProblem(
        404,
        'no heating analysis is stored yet: run heating_analytics',
        'No heating data',
      );
    const { zone } = await this.zoneOf(home, zoneId);
    const timeZone = await readHomeTimeZone(this.db, home);
    const s = await readStoredZoneDay(this.db, home, zoneId, date, timeZone);
    if (s.day === undefined)
      throw new HttpProblem(
        404,
        `zone ${zoneId} (${zone.name}) ${date}: the heating analysis has no such zone-day (not loaded, not analysed yet, or before the zone existed)`,
        'Zone-day not found',
        'date',
      );
    const d = s.day;
    return {
      homeId: home,
      zone,
      date,
      timeZone: d.time_zone ?? timeZone ?? FALLBACK_TIME_ZONE,
      status: d.status,
      reason: d.reason,
      dayStart: d.day_start?.toISOString() ?? null,
      dayEnd: d.day_end?.toISOString() ?? null,
      minutes: d.minutes,
      cleaning: {
        readings: d.readings,
        temperatureRemoved: {
          placeholder: d.temperature_removed_placeholder,
          disconnected: d.temperature_removed_disconnected,
          outOfRange: d.temperature_removed_out_of_range,
          spike: d.temperature_removed_spike,
        },
        humidityRemoved: {
          placeholder: d.humidity_removed_placeholder,
          disconnected: d.humidity_removed_disconnected,
          outOfRange: d.humidity_removed_out_of_range,
          spike: d.humidity_removed_spike,
        },
      },
      metrics: s.metrics === undefined ? null : metricsRecordOf(s.metrics),
      series: {
        insideC: s.series.insideC,
        setpointC: s.series.setpointC,
        outsideC: s.series.outsideC,
        humidityFraction: s.series.humidityFraction,
        demandLevel: s.series.demandLevel,
        connected: s.series.connected,
        cleaned: s.series.cleaned,
      },
      ...spansOf(s.series.connected, s.series.cleaned),
      unusualDays: s.unusualDays.map((u) => unusualItemOf(u, u.zoneId === null ? null : zone.name)),
      runs: s.runs.map((r) => ({
        ...r,
        // a deleted run has no page: link only to runs that exist
        href: r.state === null ? null : urlPath('dags', r.dagId, 'runs', r.runId),
      })),
    };
  }
}
