import { describe, expect, it } from 'vitest';
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';
import { generateDayReport, reportWindow } from '../../src/tado/simulator/day-report-generator.js';
import { injectedEvents } from '../../src/tado/simulator/injected-events.js';
import { DEFAULT_SIM_HOME, type SimZone } from '../../src/tado/simulator/sim-home.js';

const home = DEFAULT_SIM_HOME;
const zone = (id: number): SimZone => {
  const z = home.zones.find((x) => x.id === id);
  if (z === undefined) throw new Error(`no zone ${id}`);
  return z;
};
const NOW = Date.parse('2026-11-29T12:00:00Z');

function report(zoneId: number, date: string, nowMs = NOW, seed = 1): DayReport {
  const out = generateDayReport({ seed, home, zone: zone(zoneId), date, nowMs });
  if (!out.ok) throw new Error(`${date}: ${JSON.stringify(out.body)}`);
  return parseWithPath(dayReportSchema, out.report, `sim ${zoneId} ${date}`);
}

/** Every interval series of a report, by name. */
function intervalSeries(r: DayReport): Record<string, { from: string; to: string }[]> {
  return {
    measuringDeviceConnected: r.measuredData.measuringDeviceConnected.dataIntervals,
    stripes: r.stripes.dataIntervals,
    settings: r.settings?.dataIntervals ?? [],
    callForHeat: r.callForHeat?.dataIntervals ?? [],
    condition: r.weather.condition.dataIntervals,
    sunny: r.weather.sunny.dataIntervals,
  };
}

function expectLayout(r: DayReport): void {
  const from = Date.parse(r.interval.from);
  const to = Date.parse(r.interval.to);
  const pts = r.measuredData.insideTemperature.dataPoints.map((p) => Date.parse(p.timestamp));
  expect(pts[0]).toBe(from);
  expect(pts.at(-1)).toBe(to);
  for (let i = 1; i < pts.length - 1; i++) expect(pts[i]! - pts[i - 1]!).toBe(15 * 60_000);
  expect(r.measuredData.humidity.dataPoints.map((p) => p.timestamp)).toEqual(
    r.measuredData.insideTemperature.dataPoints.map((p) => p.timestamp),
  );
  for (const [name, series] of Object.entries(intervalSeries(r))) {
    expect(series.length, name).toBeGreaterThan(0);
    expect(series[0]!.from, name).toBe(r.interval.from);
    expect(series.at(-1)!.to, name).toBe(r.interval.to);
    for (let i = 1; i < series.length; i++) expect(series[i]!.from, `${name}[${i}]`).toBe(series[i - 1]!.to);
    for (const s of series) expect(Date.parse(s.to), name).toBeGreaterThan(Date.parse(s.from));
  }
}

describe('simulated day report layout', () => {
  it('a 24-hour day: local day ±15 min, 99 points on the 15-minute grid, contiguous intervals', () => {
    const r = report(1, '2022-01-12');
    expect(r.interval).toEqual({ from: '2022-01-11T23:45:00.000Z', to: '2022-01-13T00:15:00.000Z' });
    expect(r.hoursInDay).toBe(24);
    expect(r.measuredData.insideTemperature.dataPoints).toHaveLength(99);
    expectLayout(r);
  });

  it('summer time (BST): the window starts at 22:45Z the day before', () => {
    const r = report(2, '2022-08-15');
    expect(r.interval).toEqual({ from: '2022-08-14T22:45:00.000Z', to: '2022-08-15T23:15:00.000Z' });
    expectLayout(r);
  });

  it('clock change in spring: 23 hours, 95 points', () => {
    const r = report(1, '2022-03-27');
    expect(r.hoursInDay).toBe(23);
    expect(r.interval).toEqual({ from: '2022-03-26T23:45:00.000Z', to: '2022-03-27T23:15:00.000Z' });
    expect(r.measuredData.insideTemperature.dataPoints).toHaveLength(95);
    expect(r.measuredData.humidity.dataPoints).toHaveLength(95);
    expectLayout(r);
  });

  it('clock change in autumn: 25 hours, 103 points', () => {
    const r = report(3, '2022-10-30');
    expect(r.hoursInDay).toBe(25);
    expect(r.interval).toEqual({ from: '2022-10-29T22:45:00.000Z', to: '2022-10-31T00:15:00.000Z' });
    expect(r.measuredData.insideTemperature.dataPoints).toHaveLength(103);
    expectLayout(r);
  });

  it("today's report is cut at the request time, with one off-grid last point (as the real winter report)", () => {
    const cut = Date.parse('2022-12-08T00:02:56.035Z');
    const r = report(1, '2022-12-07', cut);
    expect(r.interval).toEqual({ from: '2022-12-06T23:45:00.000Z', to: '2022-12-08T00:02:56.035Z' });
    expect(r.hoursInDay).toBe(24);
    const pts = r.measuredData.insideTemperature.dataPoints;
    expect(pts).toHaveLength(99);
    expect(pts.at(-2)!.timestamp).toBe('2022-12-08T00:00:00.000Z');
    expect(pts.at(-1)!.timestamp).toBe('2022-12-08T00:02:56.035Z');
    expectLayout(r);
    // earlier in the day: fewer points, all before now
    const midday = report(1, '2022-12-07', Date.parse('2022-12-07T12:07:00.000Z'));
    expect(midday.interval.to).toBe('2022-12-07T12:07:00.000Z');
    expect(midday.measuredData.insideTemperature.dataPoints).toHaveLength(50 + 1); // 23:45 … 12:00 on the grid, then 12:07
    expectLayout(midday);
  });

  it('is deterministic for (seed, zone, date) and differs between seeds and zones', () => {
    expect(report(1, '2022-02-03')).toEqual(report(1, '2022-02-03'));
    expect(report(1, '2022-02-03', NOW, 2)).not.toEqual(report(1, '2022-02-03'));
    expect(report(2, '2022-02-03').measuredData).not.toEqual(report(1, '2022-02-03').measuredData);
  });

  it('adjacent days agree on their 30-minute overlap', () => {
    for (const [d1, d2] of [
      ['2022-01-20', '2022-01-21'],
      ['2022-07-04', '2022-07-05'],
    ] as const) {
      const a = report(1, d1).measuredData.insideTemperature.dataPoints.slice(-3);
      const b = report(1, d2).measuredData.insideTemperature.dataPoints.slice(0, 3);
      expect(a.map((p) => p.timestamp)).toEqual(b.map((p) => p.timestamp));
      for (let i = 0; i < 3; i++)
        expect(Math.abs(a[i]!.value.celsius - b[i]!.value.celsius)).toBeLessThan(0.3);
      // the weather is home-wide and a function of time: the same in both reports and in every zone
      const firstOfD2 = report(2, d2).weather.condition.dataIntervals[0]!;
      const sameInD1 = report(1, d1).weather.condition.dataIntervals.find((i) => i.to === firstOfD2.to);
      expect(sameInD1?.value).toEqual(firstOfD2.value);
    }
  });
});

describe('simulated errors', () => {
  it('HOT_WATER: 422 unsupportedForZoneType', () => {
    const out = generateDayReport({ seed: 1, home, zone: zone(0), date: '2022-05-01', nowMs: NOW });
    expect(out).toMatchObject({
      ok: false,
      status: 422,
      body: { errors: [{ code: 'unsupportedForZoneType', zoneType: 'HOT_WATER' }] },
    });
  });

  it('before the zone was created (mid-2022): 422 beforeZoneCreation; from its creation day: a report', () => {
    const before = generateDayReport({ seed: 1, home, zone: zone(4), date: '2022-06-13', nowMs: NOW });
    expect(before).toMatchObject({
      ok: false,
      status: 422,
      body: { errors: [{ code: 'beforeZoneCreation' }] },
    });
    const first = report(4, '2022-06-14');
    // not connected before the device was installed at 17:21Z
    const conn = first.measuredData.measuringDeviceConnected.dataIntervals;
    expect(conn[0]).toMatchObject({ value: false });
    expect(conn.at(-1)).toMatchObject({ value: true });
    expect(first.stripes.dataIntervals[0]!.value.stripeType).toBe('MEASURING_DEVICE_DISCONNECTED');
  });

  it('a future date: 422 dateInFuture', () => {
    const out = generateDayReport({ seed: 1, home, zone: zone(1), date: '2026-11-30', nowMs: NOW });
    expect(out).toMatchObject({ ok: false, status: 422, body: { errors: [{ code: 'dateInFuture' }] } });
  });

  it("placeholder mode: tado's 20 °C / 0.5 / null-weather report for old days", () => {
    const out = generateDayReport({
      seed: 1,
      home,
      zone: zone(1),
      date: '2022-01-05',
      nowMs: NOW,
      placeholderAfterDays: 400,
    });
    if (!out.ok) throw new Error('expected a report');
    const r = parseWithPath(dayReportSchema, out.report, 'placeholder');
    expect(new Set(r.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius))).toEqual(
      new Set([20]),
    );
    expect(new Set(r.measuredData.humidity.dataPoints.map((p) => p.value))).toEqual(new Set([0.5]));
    expect(r.weather.condition.dataIntervals).toEqual([
      { from: r.interval.from, to: r.interval.to, value: null },
    ]);
    expect(Object.values(r.weather.slots.slots)).toEqual([null, null, null, null, null]);
  });
});

describe('a simulated UK year (2022, every heating zone, every day)', () => {
  // one pass over the year, shared by the assertions below
  const days: { date: string; zoneId: number; r: DayReport }[] = [];
  // CPU time, not wall time: the machine may be busy with other work
  let generationCpuMs = 0;
  for (let t = Date.UTC(2022, 0, 1); t < Date.UTC(2023, 0, 1); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    // the AIR_CONDITIONING zone's year: test/unit/tado-sim-ac-zone.test.ts
    for (const z of home.zones.filter((x) => x.type !== 'AIR_CONDITIONING')) {
      const c0 = process.cpuUsage();
      const out = generateDayReport({ seed: 7, home, zone: z, date, nowMs: NOW });
      const used = process.cpuUsage(c0);
      generationCpuMs += (used.user + used.system) / 1000;
      if (out.ok)
        days.push({ date, zoneId: z.id, r: parseWithPath(dayReportSchema, out.report, `${z.id} ${date}`) });
    }
  }

  it('every report passes the schema and has the real layout', () => {
    // 3 zones all year + the study from 2022-06-14 (201 days)
    expect(days).toHaveLength(3 * 365 + 201);
    for (const { r } of days.filter((_, i) => i % 37 === 0)) expectLayout(r);
    const avg = generationCpuMs / (days.length + 365 * 1);
    console.log(
      `generated ${days.length} reports (+365 HOT_WATER refusals), ${avg.toFixed(2)} ms CPU each on average`,
    );
    expect(avg).toBeLessThan(50);
  });

  it('is physically plausible: seasons outdoors, heated rooms indoors, humidity as a fraction', () => {
    const monthly = new Map<
      number,
      { out: number[]; inside: number[]; hum: number[]; heatShare: number[] }
    >();
    for (const { date, r } of days) {
      const m = Number(date.slice(5, 7));
      const e = monthly.get(m) ?? { out: [], inside: [], hum: [], heatShare: [] };
      for (const c of r.weather.condition.dataIntervals)
        if (c.value !== null) e.out.push(c.value.temperature.celsius);
      for (const p of r.measuredData.insideTemperature.dataPoints) e.inside.push(p.value.celsius);
      for (const p of r.measuredData.humidity.dataPoints) e.hum.push(p.value);
      const cfh = r.callForHeat?.dataIntervals ?? [];
      const on = cfh
        .filter((i) => i.value !== 'NONE')
        .reduce((s, i) => s + Date.parse(i.to) - Date.parse(i.from), 0);
      e.heatShare.push(on / (Date.parse(r.interval.to) - Date.parse(r.interval.from)));
      monthly.set(m, e);
    }
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const jan = monthly.get(1)!;
    const jul = monthly.get(7)!;
    expect(mean(jan.out)).toBeGreaterThan(0);
    expect(mean(jan.out)).toBeLessThan(9);
    expect(mean(jul.out)).toBeGreaterThan(14);
    expect(mean(jul.out)).toBeLessThan(23);
    expect(mean(jan.inside)).toBeGreaterThan(15);
    expect(mean(jan.inside)).toBeLessThan(21);
    expect(mean(jul.inside)).toBeGreaterThan(19);
    expect(mean(jul.inside)).toBeLessThan(27);
    // heating runs in winter, not in summer
    expect(mean(jan.heatShare)).toBeGreaterThan(0.1);
    expect(mean(jul.heatShare)).toBe(0);
    for (const e of monthly.values()) {
      expect(Math.min(...e.hum)).toBeGreaterThanOrEqual(0.2);
      expect(Math.max(...e.hum)).toBeLessThanOrEqual(0.95);
      expect(Math.min(...e.inside)).toBeGreaterThan(5);
      expect(Math.max(...e.inside)).toBeLessThan(32);
    }
  });

  it('has the events the issue asks for: all callForHeat levels, AWAY and boosts, offline periods, weather variety', () => {
    const levels = new Set<string>();
    const stripes = new Set<string>();
    const states = new Set<string>();
    let offline = 0;
    let sunnyDays = 0;
    for (const { r } of days) {
      for (const i of r.callForHeat?.dataIntervals ?? []) levels.add(i.value);
      for (const i of r.stripes.dataIntervals) stripes.add(i.value.stripeType);
      for (const i of r.weather.condition.dataIntervals) if (i.value !== null) states.add(i.value.state);
      if (r.measuredData.measuringDeviceConnected.dataIntervals.some((i) => !i.value)) offline++;
      if (r.weather.sunny.dataIntervals.some((i) => i.value)) sunnyDays++;
    }
    expect(levels).toEqual(new Set(['NONE', 'LOW', 'MEDIUM', 'HIGH']));
    expect(stripes).toEqual(
      new Set(['HOME', 'AWAY', 'OVERLAY_ACTIVE', 'OPEN_WINDOW_DETECTED', 'MEASURING_DEVICE_DISCONNECTED']),
    );
    expect(offline).toBeGreaterThan(5);
    expect(offline).toBeLessThan(days.length / 10);
    expect(sunnyDays).toBeGreaterThan(50);
    for (const s of ['SUN', 'CLOUDY', 'RAIN', 'NIGHT_CLEAR', 'NIGHT_CLOUDY', 'CLOUDY_PARTLY'])
      expect(states).toContain(s);
  });

  it('random offline periods last 1–3.5 h (a day keeps ≥ 80 % coverage); only the injected dropout and the install day are longer', () => {
    const dropout = injectedEvents(7, home, 2022).find((e) => e.kind === 'sensor_dropout')!;
    const long: string[] = [];
    for (const { date, zoneId, r } of days) {
      for (const i of r.measuredData.measuringDeviceConnected.dataIntervals) {
        const h = (Date.parse(i.to) - Date.parse(i.from)) / 3_600_000;
        // a period cut by the report window's margin can look short; none may look long
        if (!i.value && h > 3.5 + 1 / 60) long.push(`${zoneId} ${date} ${h.toFixed(2)} h`);
      }
    }
    expect(long).toEqual([`${dropout.zoneIds[0]} ${dropout.dates[0]} 8.25 h`, '4 2022-06-14 18.61 h']);
  });
});

it('reportWindow follows Europe/London', () => {
  expect(reportWindow('2022-06-01', 'Europe/London')).toMatchObject({
    hoursInDay: 24,
    fromMs: Date.parse('2022-05-31T22:45:00Z'),
  });
});
