/**
 * The heating analytics' pure code over a simulated 2022 (issue 12 §5): the simulator's day
 * reports for every HEATING zone (seed 1, generated in process, no HTTP), flattened as the ETL
 * does, turned into zone-day inputs, then each step timed on its own: check, clean, resample,
 * zone-day metrics, home-day metrics, the change-point fits, period metrics and unusual days.
 * Prints JSON: counts, ms per step (best of `rounds`), and what the analysis found (fits, reasons).
 * Run: `npx tsx bench/analytics-pure.ts [rounds]` (default 3).
 */
import { fitHeatingChangePoint } from '../src/analytics/change-point.js';
import { findIncompleteness } from '../src/analytics/check-zone-day.js';
import { cleanZoneDay } from '../src/analytics/clean-zone-day.js';
import { homeDayMetrics } from '../src/analytics/home-day-metrics.js';
import { periodMetrics } from '../src/analytics/period-metrics.js';
import { resampleZoneDay } from '../src/analytics/resample-zone-day.js';
import { analyseZoneDays } from '../src/analytics/analyse-zone-days.js';
import { signaturePoints } from '../src/analytics/scope-year-fit.js';
import type { CleanedZoneDay, ZoneDayMetrics, ZoneMinuteSeries } from '../src/analytics/types.js';
import { findUnusualDays } from '../src/analytics/unusual-days.js';
import { zoneDayInputsFromRows } from '../src/analytics/zone-day-inputs.js';
import { zoneDayMetrics } from '../src/analytics/zone-day-metrics.js';
import { flattenDayReport } from '../src/etl/flatten-day-report.js';
import type { InteriorJoin } from '../src/etl/join-interior.js';
import type { DayReportRows } from '../src/etl/warehouse-rows.js';
import { dayReportSchema, parseWithPath } from '../src/tado/schemas.js';
import { generateDayReport } from '../src/tado/simulator/day-report-generator.js';
import { DEFAULT_SIM_HOME } from '../src/tado/simulator/sim-home.js';

const rounds = Number(process.argv[2] ?? 3);

/** A plain full outer join on the timestamp (the ETL uses danfojs; the rows are the same). */
const plainJoin: InteriorJoin = (temperature, humidity) => {
  const rows = new Map<
    string,
    { ts: string; temperatureC: number | null; humidityFraction: number | null }
  >();
  for (const p of temperature) {
    const ts = new Date(p.timestamp).toISOString();
    rows.set(ts, { ts, temperatureC: p.value.celsius, humidityFraction: null });
  }
  for (const p of humidity) {
    const ts = new Date(p.timestamp).toISOString();
    const row = rows.get(ts);
    if (row === undefined) rows.set(ts, { ts, temperatureC: null, humidityFraction: p.value });
    else row.humidityFraction = p.value;
  }
  return [...rows.values()].sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0));
};

function best<T>(label: string, timings: Record<string, number>, fn: () => T): T {
  let out: T | undefined;
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    out = fn();
    min = Math.min(min, performance.now() - t0);
  }
  timings[label] = Math.round(min * 10) / 10;
  return out as T;
}

const home = DEFAULT_SIM_HOME;
const zones = home.zones.filter((z) => z.type === 'HEATING');
const t0 = performance.now();
const reports: DayReportRows[] = [];
const nowMs = Date.parse('2023-01-02T12:00:00Z');
for (let d = Date.parse('2021-12-31T12:00:00Z'); d <= Date.parse('2023-01-01T12:00:00Z'); d += 86_400_000) {
  const date = new Date(d).toISOString().slice(0, 10);
  for (const zone of zones) {
    const outcome = generateDayReport({ seed: 1, home, zone, date, nowMs });
    if (!outcome.ok) continue;
    const report = parseWithPath(dayReportSchema, outcome.report, `${zone.id}/${date}`);
    reports.push(
      flattenDayReport(
        report,
        { homeId: home.homeId, zoneId: zone.id, date, timeZone: home.timeZone },
        plainJoin,
      ),
    );
  }
}
const generateMs = performance.now() - t0;
const zoneRows = zones.map((z) => ({ homeId: home.homeId, zoneId: z.id, name: z.name }));

const timings: Record<string, number> = {};
const allInputs = best('build inputs (luxon day bounds, margins)', timings, () =>
  zoneDayInputsFromRows(reports, zoneRows),
);
const inputs = allInputs.filter((i) => i.date >= '2022-01-01' && i.date <= '2022-12-31');
const problems = best('check', timings, () => inputs.map((i) => findIncompleteness(i)));
const cleaned = best('clean', timings, () => inputs.map((i) => cleanZoneDay(i)));
const series = best('resample', timings, () =>
  inputs.map((i, k) => resampleZoneDay(i, cleaned[k] as CleanedZoneDay)),
);
const metrics = best('zone-day metrics', timings, () =>
  series.map((s: ZoneMinuteSeries) => zoneDayMetrics(s)),
);
const byDate = new Map<string, ZoneDayMetrics[]>();
for (const m of metrics) byDate.set(m.date, [...(byDate.get(m.date) ?? []), m]);
const homeDays = best('home-day metrics', timings, () => [...byDate.values()].map((l) => homeDayMetrics(l)));
const zoneIds = [...new Set(metrics.map((m) => m.zoneId))];
const fits = best('change-point fits (home + zones)', timings, () => [
  { zoneId: null, fit: fitHeatingChangePoint(signaturePoints(homeDays)) },
  ...zoneIds.map((z) => ({
    zoneId: z,
    fit: fitHeatingChangePoint(signaturePoints(metrics.filter((m) => m.zoneId === z))),
  })),
]);
best('period metrics', timings, () => periodMetrics([...homeDays, ...metrics]));
const unusual = best('unusual days', timings, () => [
  ...findUnusualDays({
    days: homeDays,
    fit: fits[0]?.fit ?? fitHeatingChangePoint(signaturePoints(homeDays)),
  }),
  ...zoneIds.flatMap((z) => {
    const fit = fits.find((f) => f.zoneId === z)?.fit;
    return fit === undefined ? [] : findUnusualDays({ days: metrics.filter((m) => m.zoneId === z), fit });
  }),
]);
best('whole chain (analyseZoneDays)', timings, () => analyseZoneDays(inputs));

const zoneMinutes = series.reduce((s, x) => s + x.minutes, 0);
const emptyCounts = (): Record<string, number> => ({});
const removed = cleaned.reduce(
  (acc, c) => {
    for (const [rule, n] of Object.entries(c.counts.temperature))
      acc.temperature[rule] = (acc.temperature[rule] ?? 0) + n;
    for (const [rule, n] of Object.entries(c.counts.humidity))
      acc.humidity[rule] = (acc.humidity[rule] ?? 0) + n;
    acc.readings += c.counts.readings;
    return acc;
  },
  { readings: 0, temperature: emptyCounts(), humidity: emptyCounts() },
);
const reasons: Record<string, number> = {};
for (const u of unusual)
  reasons[`${u.zoneId ?? 'home'}:${u.reason}`] = (reasons[`${u.zoneId ?? 'home'}:${u.reason}`] ?? 0) + 1;
console.log(
  JSON.stringify(
    {
      zoneDays: inputs.length,
      incomplete: problems.filter((p) => p !== null).length,
      zoneMinutes,
      generateAndFlattenMs: Math.round(generateMs),
      bestOfRoundsMs: timings,
      rounds,
      cleanRemoved: removed,
      fits: fits.map((f) => ({
        zoneId: f.zoneId,
        model: f.fit.model,
        balanceTemperatureC: f.fit.balanceTemperatureC,
        slopeHoursPerC: f.fit.slopeHoursPerC,
        interceptHours: f.fit.interceptHours,
        adjustedR2: f.fit.adjustedR2,
        cvRmse: f.fit.cvRmse,
        n: f.fit.n,
        decision: f.fit.decision,
      })),
      unusualDays: reasons,
    },
    null,
    2,
  ),
);
