/**
 * The heating API (`/api/v1/heating/…`) and the heating pages over HTTP, on a range backfilled
 * by the real tado_etl and analysed by the real heating_analytics (test/helpers/
 * heating-dashboard-fixture.ts; needs `npm run build`). Every figure is checked against the
 * analytics tables read with plain SQL here, not against the code under test; errors name the
 * parameter at fault; bad page URLs get HTML.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScopeYearModel, UnusualDayItem, ZoneDayModel } from '../../src/web/heating/heating-models.js';
import { createHeatingDashboard, type HeatingDashboard } from '../helpers/heating-dashboard-fixture.js';

let f: HeatingDashboard;

async function q<T>(query: ReturnType<typeof sql<T>>): Promise<T[]> {
  return (await query.execute(f.h.rt.db)).rows;
}
async function get(
  path: string,
  accept = 'application/json',
): Promise<{ status: number; type: string; body: string }> {
  const r = await fetch(`${f.web.url}${path}`, { headers: { accept } });
  return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.text() };
}
async function json<T>(path: string): Promise<T> {
  const r = await get(path);
  expect(r.status, `${path}: ${r.body.slice(0, 300)}`).toBe(200);
  return JSON.parse(r.body) as T;
}

beforeAll(async () => {
  f = await createHeatingDashboard('heatingapi');
}, 400_000);
afterAll(async () => {
  await f?.cleanup();
});

describe('GET /api/v1/heating', () => {
  it('lists the stored year and its home', async () => {
    const homes = await q<{ home_id: number }>(sql`SELECT DISTINCT home_id FROM analytics.yearly_metrics`);
    expect(await json('/api/v1/heating/years')).toEqual({
      years: [{ year: 2022, homeIds: homes.map((h) => h.home_id) }],
    });
  });

  it('gives the overview of the year: yearly figures per scope, months, signature, days, unusual days', async () => {
    const m = await json<ScopeYearModel>('/api/v1/heating/years/2022');
    const zones = await q<{ zone_id: number; name: string }>(
      sql`SELECT zone_id, name FROM tado.zones WHERE zone_type = 'HEATING' ORDER BY zone_id`,
    );
    expect(m.zones).toEqual(zones.map((z) => ({ zoneId: z.zone_id, name: z.name })));
    expect(m.timeZone).toBe('Europe/London');
    // yearly: the home first, then the three zones that existed in March
    const sums = await q<{ zone_id: number | null; h: number; hdd: number; days: number }>(sql`
      SELECT NULL::int AS zone_id, sum(heating_minutes)::float / 60 AS h, sum(hdd) AS hdd, count(*)::int AS days FROM analytics.home_day_metrics
      UNION ALL
      SELECT zone_id, sum(heating_minutes)::float / 60, sum(hdd), count(*)::int FROM analytics.zone_day_metrics GROUP BY zone_id
      ORDER BY zone_id NULLS FIRST`);
    expect(m.yearly.map((y) => y.zoneId)).toEqual([null, 1, 2, 3]);
    for (const [i, s] of sums.entries()) {
      expect(m.yearly[i]?.days).toBe(20);
      expect(m.yearly[i]?.days).toBe(s.days);
      expect(m.yearly[i]?.heatingHours).toBeCloseTo(s.h, 9);
      expect(m.yearly[i]?.hdd).toBeCloseTo(s.hdd, 9);
    }
    expect(m.monthly.map((x) => x.month)).toEqual([3]);
    // the signature: one point per home-day with an outdoor mean, the stored fit and a verdict
    const days = await q<{ date: string; h: number; t: number }>(sql`
      SELECT date::text, heating_minutes::float / 60 AS h, outside_mean_c AS t FROM analytics.home_day_metrics ORDER BY date`);
    expect(m.signature.points).toEqual(
      days.map((d) => ({ date: d.date, outsideMeanC: d.t, heatingHours: d.h })),
    );
    const [fit] = await q<{ model: string; weather_dependent: boolean; n: number }>(
      sql`SELECT model, weather_dependent, n FROM analytics.weather_dependence WHERE zone_id IS NULL`,
    );
    expect(m.signature.fit).toMatchObject({
      model: fit?.model,
      weatherDependent: fit?.weather_dependent,
      n: fit?.n,
    });
    expect(m.signature.verdict).toMatch(fit?.weather_dependent === true ? /^Yes: / : /^No: /);
    expect(m.days.map((d) => d.date)).toEqual(days.map((d) => d.date));
    // unusual days of every scope, each marked on its day
    const unusual = await q<{ date: string; zone_id: number | null; reason: string }>(
      sql`SELECT date::text, zone_id, reason FROM analytics.unusual_days ORDER BY date, zone_id NULLS FIRST, reason`,
    );
    expect(unusual.length).toBeGreaterThan(0);
    expect(unusual).toContainEqual({ date: '2022-03-08', zone_id: 3, reason: 'low_coverage' });
    expect(
      m.unusualDays
        .map((u) => ({ date: u.date, zone_id: u.zoneId, reason: u.reason }))
        .sort((a, b) =>
          `${a.date}${a.zone_id ?? 0}${a.reason}` < `${b.date}${b.zone_id ?? 0}${b.reason}` ? -1 : 1,
        ),
    ).toEqual(unusual);
    expect(m.days.find((d) => d.date === '2022-03-08')?.unusualReasons).toContain('low_coverage');
  });

  it('gives a zone’s year with its indoor and setpoint means', async () => {
    const m = await json<ScopeYearModel>('/api/v1/heating/years/2022/zones/2');
    expect(m.zone).toEqual({ zoneId: 2, name: 'Bedroom' });
    expect(m.yearly.map((y) => y.zoneId)).toEqual([2]);
    const rows = await q<{ date: string; inside: number; setpoint: number | null }>(sql`
      SELECT date::text, inside_mean_c AS inside, setpoint_mean_heating_c AS setpoint FROM analytics.zone_day_metrics
      WHERE zone_id = 2 ORDER BY date`);
    expect(m.days.map((d) => [d.date, d.insideMeanC, d.setpointMeanHeatingC])).toEqual(
      rows.map((r) => [r.date, r.inside, r.setpoint]),
    );
    expect(m.unusualDays.every((u) => u.zoneId === 2)).toBe(true);
  });

  it('gives a zone-day: one value per minute, offline spans, cleaned minutes, metrics and the runs', async () => {
    const d = await json<ZoneDayModel>('/api/v1/heating/zones/3/days/2022-03-08');
    expect(d).toMatchObject({ zone: { zoneId: 3, name: 'Kitchen' }, status: 'analysed', minutes: 1440 });
    const minutes = await q<{ inside: number | null; connected: boolean | null; cleaned: boolean }>(sql`
      SELECT inside_c AS inside, connected, cleaned FROM analytics.zone_minute
      WHERE zone_id = 3 AND local_date = '2022-03-08' ORDER BY minute_start`);
    expect(d.series.insideC).toEqual(minutes.map((x) => x.inside));
    expect(d.series.connected).toEqual(minutes.map((x) => x.connected));
    const offline = minutes.filter((x) => x.connected === false).length;
    expect(offline).toBeGreaterThan(0);
    expect(d.offlineSpans.reduce((n, s) => n + s.end - s.start, 0)).toBe(offline);
    expect(d.cleanedMinutes).toBe(minutes.filter((x) => x.cleaned).length);
    const [metrics] = await q<{ heating_minutes: number; coverage_fraction: number }>(sql`
      SELECT heating_minutes, coverage_fraction FROM analytics.zone_day_metrics WHERE zone_id = 3 AND date = '2022-03-08'`);
    expect(d.metrics).toMatchObject({
      heatingMinutes: metrics?.heating_minutes,
      coverageFraction: metrics?.coverage_fraction,
    });
    expect(d.unusualDays.map((u: UnusualDayItem) => u.reason)).toContain('low_coverage');
    // the tado_etl run of that ds and the heating_analytics run that wrote the zone-day
    const [etl] = await q<{ run_id: string }>(sql`
      SELECT run_id FROM heatflow.dag_runs WHERE dag_id = 'tado_etl' AND logical_date = '2022-03-08T01:00:00Z'`);
    const [ana] = await q<{ dag_run_id: string }>(
      sql`SELECT dag_run_id FROM analytics.zone_days WHERE zone_id = 3 AND date = '2022-03-08'`,
    );
    expect(d.runs.map((r) => [r.dagId, r.runId, r.state])).toEqual([
      ['tado_etl', etl?.run_id, 'success'],
      ['heating_analytics', ana?.dag_run_id, 'success'],
    ]);
    for (const r of d.runs)
      expect((await get(r.href ?? '/no-href', 'text/html')).status, r.href ?? '').toBe(200);
  });

  it('gives the spring-forward day its 23 hours', async () => {
    const d = await json<ZoneDayModel>('/api/v1/heating/zones/1/days/2022-03-27');
    expect(d.minutes).toBe(1380);
    expect(d.series.insideC).toHaveLength(1380);
    expect(Date.parse(d.dayEnd ?? '') - Date.parse(d.dayStart ?? '')).toBe(23 * 3_600_000);
  });

  it('sorts the unusual days by date, zone or reason, either way', async () => {
    type List = { unusualDays: UnusualDayItem[] };
    const byReason = await json<List>('/api/v1/heating/years/2022/unusual-days?sort=reason');
    const reasons = byReason.unusualDays.map((u) => u.reason);
    expect(reasons).toEqual([...reasons].sort());
    const desc = await json<List>('/api/v1/heating/years/2022/unusual-days?sort=-date');
    const dates = desc.unusualDays.map((u) => u.date);
    expect(dates).toEqual([...dates].sort().reverse());
    const [n] = await q<{ n: number }>(sql`SELECT count(*)::int AS n FROM analytics.unusual_days`);
    expect(desc.unusualDays).toHaveLength(n?.n ?? -1);
  });

  it('answers bad requests with problem JSON naming what is at fault', async () => {
    const cases: [string, number, RegExp][] = [
      [
        '/api/v1/heating/zones/9/days/2022-03-10',
        404,
        /zone 9 is not a heating zone of home \d+ \(its heating zones: 1 Living room, 2 Bedroom, 3 Kitchen, 4 Study\)/,
      ],
      [
        '/api/v1/heating/zones/1/days/2022-02-30',
        400,
        /invalid path parameter "date": "2022-02-30" is not a calendar date/,
      ],
      ['/api/v1/heating/zones/1/days/2022-3-1', 400, /"date".*YYYY-MM-DD/],
      [
        '/api/v1/heating/zones/1/days/2022-04-10',
        404,
        /zone 1 \(Living room\) 2022-04-10: the heating analysis has no such zone-day/,
      ],
      ['/api/v1/heating/zones/kitchen/days/2022-03-10', 400, /"zone": expected a zone id/],
      ['/api/v1/heating/years/2031', 404, /no heating analysis is stored for 2031 \(years with data: 2022\)/],
      ['/api/v1/heating/years/2031/zones/1', 404, /2031/],
      ['/api/v1/heating/years/2022/zones/9', 404, /zone 9 is not a heating zone/],
      ['/api/v1/heating/years/22', 400, /"year": expected a year/],
      ['/api/v1/heating/years/2022/unusual-days?sort=size', 400, /"sort"/],
      [
        '/api/v1/heating/years/2022?home=999',
        404,
        /home 999 has no heating analysis for 2022 \(homes with data: \d+\)/,
      ],
    ];
    for (const [path, status, detail] of cases) {
      const r = await get(path);
      expect(r.status, path).toBe(status);
      expect(r.type, path).toContain('application/problem+json');
      expect((JSON.parse(r.body) as { detail: string }).detail, path).toMatch(detail);
    }
  });
});

describe('the heating pages over HTTP', () => {
  it('serve each page as HTML with its charts', async () => {
    for (const path of [
      '/heating',
      '/heating?year=2022',
      '/heating/zones/1?year=2022',
      '/heating/zones/3/days/2022-03-08',
      '/heating/unusual-days?year=2022&sort=-reason',
    ]) {
      const r = await get(path, 'text/html');
      expect(r.status, path).toBe(200);
      expect(r.type).toContain('text/html');
      expect(r.body).toContain('<a href="/heating">Heating</a>');
    }
    const overview = (await get('/heating?year=2022', 'text/html')).body;
    for (const id of ['signature-chart', 'monthly-chart', 'heat-calendar', 'yearly-figures', 'unusual-days'])
      expect(overview, id).toContain(`id="${id}"`);
    expect((overview.match(/class="hm-day/g) ?? []).length).toBe(20);
    // a few days of 2022: every scope's yearly row is marked as a partial year (CalTRACK §2.2.1)
    const rows = overview.match(/<tr data-zone=[^>]*>.*?<\/tr>/gs) ?? [];
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows) expect(row).toContain('(partial year)');
  });

  it('answer a bad URL with an HTML page naming it, whatever the client accepts', async () => {
    const cases: [string, number, string][] = [
      ['/heating/zones/9/days/2022-03-10', 404, 'zone 9 is not a heating zone'],
      ['/heating/zones/1/days/2022-02-30', 400, '&quot;2022-02-30&quot; is not a calendar date'],
      ['/heating?year=2031', 404, 'no heating analysis is stored for 2031'],
      ['/heating/zones/9?year=2022', 404, 'zone 9 is not a heating zone'],
      ['/heating/unusual-days?year=2031', 404, '2031'],
    ];
    for (const [path, status, text] of cases) {
      for (const accept of ['text/html', 'application/json', '*/*']) {
        const r = await get(path, accept);
        expect(r.status, `${path} ${accept}`).toBe(status);
        expect(r.type, `${path} ${accept}`).toContain('text/html');
        expect(r.body, path).toContain('id="error-detail"');
        expect(r.body, path).toContain(text);
      }
    }
  });
});

describe('the day view of a zone', () => {
  it('links the same day only in the zones the analysis saw that day', async () => {
    const seen = await q<{ zone_id: number }>(
      sql`SELECT zone_id FROM analytics.zone_days WHERE date = '2022-03-10' AND zone_id <> 1 ORDER BY zone_id`,
    );
    const heatingZones = await q<{ zone_id: number }>(
      sql`SELECT zone_id FROM tado.zones WHERE zone_type = 'HEATING' ORDER BY zone_id`,
    );
    // the fixture has a heating zone created after March, so the filter has something to drop
    expect(heatingZones.length).toBeGreaterThan(seen.length + 1);
    const page = await get('/heating/zones/1/days/2022-03-10', 'text/html');
    const linked = [
      ...page.body.matchAll(/class="zone-link" href="\/heating\/zones\/(\d+)\/days\/2022-03-10"/g),
    ].map((m) => Number(m[1]));
    expect(linked).toEqual(seen.map((z) => z.zone_id));
    for (const z of linked)
      expect((await get(`/heating/zones/${z}/days/2022-03-10`, 'text/html')).status).toBe(200);
  });
});

describe('the download links of the heating pages', () => {
  it('offer CSV and Parquet of what each page shows, each link answering with its rows', async () => {
    const hrefsOf = (body: string) =>
      [...body.matchAll(/href="(\/api\/v1\/export\/[^"]+)"/g)].map((m) =>
        (m[1] ?? '').replaceAll('&amp;', '&'),
      );
    const pages = [
      '/heating?year=2022',
      '/heating/zones/1?year=2022',
      '/heating/unusual-days?year=2022',
      '/heating/zones/1/days/2022-03-10',
    ];
    for (const p of pages) {
      const page = await get(p, 'text/html');
      expect(page.status, p).toBe(200);
      const hrefs = hrefsOf(page.body);
      expect(hrefs.length, p).toBeGreaterThanOrEqual(2);
      expect(hrefs.filter((h) => h.includes('.parquet')).length, p).toBe(hrefs.length / 2);
      for (const h of hrefs.filter((x) => x.includes('.csv?'))) {
        const r = await fetch(`${f.web.url}${h}`);
        const text = await r.text();
        expect(r.status, `${p} → ${h}: ${text.slice(0, 200)}`).toBe(200);
        expect(r.headers.get('content-disposition') ?? '', h).toContain('attachment');
        expect(text.split('\n').filter((l) => l !== '').length, h).toBeGreaterThan(0);
      }
    }
    // the day view's minute series is exactly the zone-day's rows of analytics.zone_minute
    const day = await get('/heating/zones/1/days/2022-03-10', 'text/html');
    const minuteHref = hrefsOf(day.body).find((h) => h.startsWith('/api/v1/export/zone_minute.csv'));
    expect(minuteHref).toBeDefined();
    const csv = await (await fetch(`${f.web.url}${minuteHref ?? ''}`)).text();
    const [n] = await q<{ n: number }>(
      sql`SELECT count(*)::int AS n FROM analytics.zone_minute WHERE zone_id = 1 AND local_date = '2022-03-10'`,
    );
    expect(csv.trim().split('\n').length - 1).toBe(n?.n);
    expect(n?.n).toBe(1440);
    const parquet = await fetch(`${f.web.url}${(minuteHref ?? '').replace('.csv', '.parquet')}`);
    expect(parquet.status).toBe(200);
    expect(
      Buffer.from(await parquet.arrayBuffer())
        .subarray(0, 4)
        .toString(),
    ).toBe('PAR1');
  });
});

describe('a zone-day the analysis set aside', () => {
  it('is shown with its reason and no series, in the JSON and on its page', async () => {
    // what merge and daily_metrics store for a rejected zone-day (analytics-repository.ts)
    const reason = "zone 2 (Bedroom) 2022-03-20: tado.interior has 48 of the day's 96 readings (half loaded)";
    await sql`DELETE FROM analytics.zone_minute WHERE zone_id = 2 AND local_date = '2022-03-20'`.execute(
      f.h.rt.db,
    );
    await sql`DELETE FROM analytics.zone_day_metrics WHERE zone_id = 2 AND date = '2022-03-20'`.execute(
      f.h.rt.db,
    );
    await sql`
      UPDATE analytics.zone_days SET status = 'rejected', reason = ${reason}, time_zone = NULL, day_start = NULL,
        day_end = NULL, minutes = NULL, readings = NULL
      WHERE zone_id = 2 AND date = '2022-03-20'`.execute(f.h.rt.db);
    const d = await json<ZoneDayModel>('/api/v1/heating/zones/2/days/2022-03-20');
    expect(d).toMatchObject({ status: 'rejected', reason, metrics: null, minutes: null, cleanedMinutes: 0 });
    expect(d.series.insideC).toEqual([]);
    // the tado_etl run of its ds is still found (from the date's midnights in the home's zone)
    const [etl] = await q<{ run_id: string }>(sql`
      SELECT run_id FROM heatflow.dag_runs WHERE dag_id = 'tado_etl' AND logical_date = '2022-03-20T01:00:00Z'`);
    expect(d.runs.map((r) => [r.dagId, r.runId])).toEqual([
      ['tado_etl', etl?.run_id],
      ['heating_analytics', expect.any(String) as unknown],
    ]);
    const page = await get('/heating/zones/2/days/2022-03-20', 'text/html');
    expect(page.status).toBe(200);
    expect(page.body).toContain('id="rejected-reason"');
    expect(page.body).toContain('tado.interior has 48 of the day&#39;s 96 readings');
    expect(page.body).not.toContain('id="day-chart"');
  });
});
