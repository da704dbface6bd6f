/**
 * The simulator's reports next to the two real 2022 reports: same keys and series shapes, same
 * time layout (timestamps identical for the same day and cut-off), values in the same ranges.
 * The side-by-side table is printed so a human can look at it too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dayReportSchema, parseWithPath, type DayReport } from '../../src/tado/schemas.js';
import { generateDayReport } from '../../src/tado/simulator/day-report-generator.js';
import { DEFAULT_SIM_HOME } from '../../src/tado/simulator/sim-home.js';

const FIXTURES = new URL('../fixtures/tado/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));

/**
 * Every JSON path with its value type; array indices collapse to `[]` and slot keys to `*`.
 * Nulls are left out: nullable fields (a slot, a weather value, a setting's temperature) show as
 * null on some days and as their object on others; the schema checks both forms.
 */
function shape(value: unknown, path = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) shape(v, `${path}[]`, out);
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) shape(v, `${path}.${/^\d\d:\d\d$/.test(k) ? '*' : k}`, out);
  } else {
    if (value !== null) out.add(`${path}: ${typeof value}`);
  }
  return out;
}

function sim(zoneId: number, date: string, nowMs: number): { raw: unknown; r: DayReport } {
  const zone = DEFAULT_SIM_HOME.zones.find((z) => z.id === zoneId)!;
  const out = generateDayReport({ seed: 1, home: DEFAULT_SIM_HOME, zone, date, nowMs });
  if (!out.ok) throw new Error(JSON.stringify(out.body));
  return { raw: out.report, r: parseWithPath(dayReportSchema, out.report, `sim ${date}`) };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const durMin = (i: { from: string; to: string }) => (Date.parse(i.to) - Date.parse(i.from)) / 60_000;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

function summary(r: DayReport) {
  const t = r.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius);
  const h = r.measuredData.humidity.dataPoints.map((p) => p.value);
  const out = r.weather.condition.dataIntervals.flatMap((i) =>
    i.value === null ? [] : [i.value.temperature.celsius],
  );
  return {
    interval: `${r.interval.from} … ${r.interval.to}`,
    points: r.measuredData.insideTemperature.dataPoints.length,
    insideC: `${Math.min(...t).toFixed(1)} … ${Math.max(...t).toFixed(1)} (mean ${mean(t).toFixed(1)})`,
    humidity: `${Math.min(...h).toFixed(3)} … ${Math.max(...h).toFixed(3)} (mean ${mean(h).toFixed(3)})`,
    outdoorC: `${Math.min(...out).toFixed(1)} … ${Math.max(...out).toFixed(1)}`,
    callForHeat: `${r.callForHeat?.dataIntervals.length} intervals: ${[...new Set(r.callForHeat?.dataIntervals.map((i) => i.value))].join('/')}`,
    settings: `${r.settings?.dataIntervals.length} intervals: ${[...new Set(r.settings?.dataIntervals.map((i) => `${i.value.power}${i.value.temperature ? ` ${i.value.temperature.celsius}` : ''}`))].join(', ')}`,
    stripes: `${r.stripes.dataIntervals.length}: ${[...new Set(r.stripes.dataIntervals.map((i) => i.value.stripeType))].join('/')}`,
    condition: `${r.weather.condition.dataIntervals.length} intervals, median ${median(r.weather.condition.dataIntervals.map(durMin)).toFixed(1)} min`,
    sunny: `${r.weather.sunny.dataIntervals.length} intervals`,
  };
}

function printSideBySide(title: string, real: DayReport, simulated: DayReport): void {
  const a = summary(real);
  const b = summary(simulated);
  const rows = Object.keys(a).map(
    (k) =>
      `  ${k.padEnd(12)} real: ${a[k as keyof typeof a]}\n  ${''.padEnd(12)} sim:  ${b[k as keyof typeof b]}`,
  );
  console.log(`${title}\n${rows.join('\n')}`);
}

describe('simulator vs real reports, side by side', () => {
  it('summer, heating off (2022-08-15): same keys, layout and value ranges', () => {
    const realRaw = load('dayreport-2022-08-15-summer-no-heating.json');
    const real = parseWithPath(dayReportSchema, realRaw, 'summer fixture');
    const { raw, r } = sim(1, '2022-08-15', Date.parse('2026-01-01T00:00:00Z'));
    printSideBySide('2022-08-15 (BST), living room', real, r);

    expect([...shape(raw)].sort()).toEqual([...shape(realRaw)].sort());
    expect(r.interval).toEqual(real.interval);
    expect(r.hoursInDay).toBe(real.hoursInDay);
    expect(r.measuredData.insideTemperature.dataPoints.map((p) => p.timestamp)).toEqual(
      real.measuredData.insideTemperature.dataPoints.map((p) => p.timestamp),
    );
    // heating off all day, as one OVERLAY_ACTIVE OFF stripe, one OFF setting and callForHeat NONE
    for (const rep of [real, r]) {
      expect(rep.settings?.dataIntervals.map((i) => i.value)).toEqual([
        { type: 'HEATING', power: 'OFF', temperature: null },
      ]);
      expect(rep.callForHeat?.dataIntervals.map((i) => i.value)).toEqual(['NONE']);
      expect(rep.stripes.dataIntervals.map((i) => i.value.stripeType)).toEqual(['OVERLAY_ACTIVE']);
    }
    // values in the same ranges
    const tReal = real.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius);
    const tSim = r.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius);
    expect(Math.abs(mean(tSim) - mean(tReal))).toBeLessThan(3);
    expect(Math.max(...tSim) - Math.min(...tSim)).toBeLessThan(5);
    const hReal = real.measuredData.humidity.dataPoints.map((p) => p.value);
    const hSim = r.measuredData.humidity.dataPoints.map((p) => p.value);
    expect(Math.abs(mean(hSim) - mean(hReal))).toBeLessThan(0.12);
    // weather: intervals of about 15 minutes, the same count on a whole day
    expect(r.weather.condition.dataIntervals).toHaveLength(real.weather.condition.dataIntervals.length);
    const outSim = r.weather.condition.dataIntervals.map((i) => i.value?.temperature.celsius ?? NaN);
    expect(Math.min(...outSim)).toBeGreaterThan(5);
    expect(Math.max(...outSim)).toBeLessThan(30);
  });

  it('winter, heating on, fetched just after midnight (2022-12-07): same keys, cut-off layout, heating behaviour', () => {
    const realRaw = load('dayreport-2022-12-07-winter-heating-truncated.json');
    const real = parseWithPath(dayReportSchema, realRaw, 'winter fixture');
    // the bedroom's schedule switches OFF at night and ON in the morning, like the real zone
    const { raw, r } = sim(2, '2022-12-07', Date.parse(real.interval.to));
    printSideBySide('2022-12-07 (GMT), cut at 00:02:56.035Z, bedroom', real, r);

    expect([...shape(raw)].sort()).toEqual([...shape(realRaw)].sort());
    expect(r.interval).toEqual(real.interval);
    expect(r.measuredData.insideTemperature.dataPoints.map((p) => p.timestamp)).toEqual(
      real.measuredData.insideTemperature.dataPoints.map((p) => p.timestamp),
    );
    expect(r.measuredData.humidity.dataPoints).toHaveLength(99);
    for (const rep of [real, r]) {
      const settings = rep.settings?.dataIntervals ?? [];
      expect(settings.some((i) => i.value.power === 'OFF' && i.value.temperature === null)).toBe(true);
      expect(settings.some((i) => i.value.power === 'ON' && (i.value.temperature?.celsius ?? 0) >= 15)).toBe(
        true,
      );
      expect(rep.callForHeat?.dataIntervals.some((i) => i.value !== 'NONE')).toBe(true);
      expect(rep.callForHeat?.dataIntervals.length).toBeGreaterThan(3);
      // interval boundaries on odd seconds/milliseconds, as tado's
      const inner = rep.callForHeat!.dataIntervals.slice(1).map((i) => i.from);
      expect(inner.some((s) => !s.endsWith(':00.000Z'))).toBe(true);
    }
    const tReal = real.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius);
    const tSim = r.measuredData.insideTemperature.dataPoints.map((p) => p.value.celsius);
    expect(Math.abs(mean(tSim) - mean(tReal))).toBeLessThan(3);
    expect(Math.min(...tSim)).toBeGreaterThan(12);
    expect(Math.max(...tSim)).toBeLessThan(25);
    const hSim = r.measuredData.humidity.dataPoints.map((p) => p.value);
    const hReal = real.measuredData.humidity.dataPoints.map((p) => p.value);
    expect(Math.abs(mean(hSim) - mean(hReal))).toBeLessThan(0.12);
    const outSim = r.weather.condition.dataIntervals.map((i) => i.value?.temperature.celsius ?? NaN);
    expect(Math.min(...outSim)).toBeGreaterThan(-10);
    expect(Math.max(...outSim)).toBeLessThan(15);
    expect(
      Math.abs(r.weather.condition.dataIntervals.length - real.weather.condition.dataIntervals.length),
    ).toBeLessThanOrEqual(1);
  });
});
