/**
 * The heating charts' ECharts SVG (server-side, no browser): each chart draws its series (found
 * by their fixed colours and ECharts' `ecmeta_series_index` marks), the day chart's axis follows
 * the local clock over a 23-hour day, and the pure helpers (fitted line, offline spans).
 */
import { describe, expect, it } from 'vitest';
import { chartFigure } from '../../src/web/charts/chart-figure.js';
import { dayChart, localClock, offlineSpans, stepPoints } from '../../src/web/charts/day-chart.js';
import { clearChartCache, SERIES_COLOURS } from '../../src/web/charts/echarts-svg.js';
import { monthlyChart } from '../../src/web/charts/monthly-chart.js';
import { signatureChart, signatureLine } from '../../src/web/charts/signature-chart.js';
import { trendChart } from '../../src/web/charts/trend-chart.js';

/** `<path>`s whose stroke is `colour`, with their number of drawn vertices. */
const strokes = (svg: string, colour: string): number[] =>
  (svg.match(new RegExp(`<path [^>]*stroke="${colour}"[^>]*>`, 'g')) ?? []).map(
    (p) => (/ d="([^"]*)"/.exec(p)?.[1]?.match(/[ML]/g) ?? []).length,
  );
const points = (svg: string, series: number): number =>
  (
    svg.match(
      new RegExp(`ecmeta_series_index="${series}" ecmeta_data_index="\\d+" ecmeta_ssr_type="chart"`, 'g'),
    ) ?? []
  ).length;
/** Points of a large scatter: subpaths of its one path filled with `colour` (legend swatches left out). */
const largePoints = (svg: string, colour: string): number =>
  (svg.match(new RegExp(`<path [^>]*fill="${colour}"[^>]*>`, 'g')) ?? [])
    .filter((p) => !p.includes('ecmeta_ssr_type="legend"'))
    .map((p) => (/ d="([^"]*)"/.exec(p)?.[1]?.match(/M/g) ?? []).length)
    .reduce((a, b) => a + b, 0);
const texts = (svg: string): string[] =>
  (svg.match(/<text[^>]*>[^<]*<\/text>/g) ?? []).map((t) => t.replace(/<[^>]+>/g, ''));

describe('signature chart', () => {
  it('bends the fitted line at T_b inside the range, flat for intercept-only', () => {
    const cp = {
      model: 'heating_change_point',
      balanceTemperatureC: 14,
      slopeHoursPerC: 0.5,
      interceptHours: 0.25,
    };
    expect(signatureLine(cp, -2, 20)).toEqual([
      [-2, 0.25 + 0.5 * 16],
      [14, 0.25],
      [20, 0.25],
    ]);
    expect(signatureLine(cp, 15, 20)).toEqual([
      [15, 0.25],
      [20, 0.25],
    ]);
    const flat = {
      model: 'intercept_only',
      balanceTemperatureC: null,
      slopeHoursPerC: null,
      interceptHours: 3,
    };
    expect(signatureLine(flat, 1, 9)).toEqual([
      [1, 3],
      [9, 3],
    ]);
    expect(signatureLine(flat, 9, 1)).toEqual([]);
  });

  it('draws one point per day and the fit as a line', () => {
    const days = Array.from({ length: 37 }, (_, i) => ({
      date: `2022-01-${String((i % 28) + 1).padStart(2, '0')}`,
      outsideMeanC: -3 + i * 0.6,
      heatingHours: Math.max(0, 14 - (-3 + i * 0.6)) * 0.5 + (i % 3) * 0.1,
    }));
    const svg = signatureChart(
      days,
      { model: 'heating_change_point', balanceTemperatureC: 14, slopeHoursPerC: 0.5, interceptHours: 0.1 },
      { width: 600, height: 400 },
    ).value;
    expect(svg.startsWith('<svg role="img" aria-label="energy signature')).toBe(true);
    // one path for all the days (large mode), one subpath per day
    expect(largePoints(svg, SERIES_COLOURS.points)).toBe(37);
    // the fit: one stroked path of 3 vertices (min T, T_b, max T)
    expect(strokes(svg, SERIES_COLOURS.fit)).toContain(3);
  });
});

describe('monthly and trend charts', () => {
  it('draws a bar per month with data and the HDD line', () => {
    const months = [1, 2, 3].map((m) => ({ month: m, heatingHours: 100 - m * 10, hdd: 300 - m * 40 }));
    const svg = monthlyChart(months, { width: 700, height: 300 }).value;
    expect(points(svg, 0)).toBe(3); // bars
    expect(strokes(svg, SERIES_COLOURS.hdd)).toContain(3);
    expect(texts(svg)).toEqual(expect.arrayContaining(['Jan', 'Jun', 'Dec']));
  });

  it('draws the indoor and setpoint trends', () => {
    const days = Array.from({ length: 60 }, (_, i) => ({
      date: `2022-0${1 + Math.floor(i / 30)}-${String((i % 30) + 1).padStart(2, '0')}`,
      insideMeanC: 19 + Math.sin(i / 5),
      setpointMeanHeatingC: i % 7 === 0 ? null : 20,
    }));
    const svg = trendChart(days, { width: 800, height: 300 }).value;
    expect(Math.max(...strokes(svg, SERIES_COLOURS.inside))).toBeGreaterThan(30);
    expect(strokes(svg, SERIES_COLOURS.setpoint).length).toBeGreaterThan(0);
  });
});

describe('day chart', () => {
  const n = 1380; // 2022-03-27, Europe/London: 23 hours
  const start = Date.parse('2022-03-27T00:00:00Z');
  const day = {
    dayStartMs: start,
    minutes: n,
    timeZone: 'Europe/London',
    insideC: Array.from({ length: n }, (_, i) => (i > 300 && i < 360 ? null : 19 + Math.sin(i / 100))),
    setpointC: Array.from({ length: n }, (_, i) => (i < 400 ? null : 20)),
    outsideC: Array.from({ length: n }, (_, i) => 5 + i / 300),
    humidityFraction: Array.from({ length: n }, () => 0.5),
    demandLevel: Array.from({ length: n }, (_, i) => (i >> 6) % 4),
    connected: Array.from({ length: n }, (_, i) => !(i >= 600 && i < 700)),
    cleaned: Array.from({ length: n }, (_, i) => i % 200 === 0),
  };

  it('keeps a step series only where it changes, with its last minute and its gaps', () => {
    expect(stepPoints([20, 20, 20, 21, 21, null, null, 20, 20])).toEqual([
      [0, 20],
      [3, 21],
      [5, null],
      [7, 20],
      [8, 20],
    ]);
    expect(stepPoints([5])).toEqual([[0, 5]]);
    expect(stepPoints([])).toEqual([]);
  });

  it('finds the offline spans', () => {
    expect(offlineSpans([true, false, false, null, false, true, false])).toEqual([
      { start: 1, end: 3 },
      { start: 4, end: 5 },
      { start: 6, end: 7 },
    ]);
    expect(offlineSpans(day.connected)).toEqual([{ start: 600, end: 700 }]);
  });

  it('labels the axis with the local clock: 23 hours, 01:00 skipped', () => {
    expect(localClock(start + 60 * 60_000, 'Europe/London')).toBe('02:00');
    const svg = dayChart(day, { width: 1000, height: 420 }).value;
    const labels = texts(svg);
    expect(labels).toEqual(expect.arrayContaining(['00:00', '04:00', '22:00']));
    expect(labels).not.toContain('03:00');
    expect(svg).toContain('aria-label="one-minute series of the day (23 hours)"');
  });

  it('draws a fall-back day 25 hours long, its 01:00 twice', () => {
    const n25 = 1500; // 2022-10-30, Europe/London: midnight is 23:00Z the day before
    const svg = dayChart(
      {
        ...day,
        dayStartMs: Date.parse('2022-10-29T23:00:00Z'),
        minutes: n25,
        insideC: Array.from({ length: n25 }, () => 19),
        setpointC: Array.from({ length: n25 }, () => 20),
        outsideC: Array.from({ length: n25 }, () => 8),
        humidityFraction: Array.from({ length: n25 }, () => 0.5),
        demandLevel: Array.from({ length: n25 }, () => 0),
        connected: Array.from({ length: n25 }, () => true),
        cleaned: Array.from({ length: n25 }, () => false),
      },
      { width: 1000, height: 420 },
    ).value;
    expect(svg).toContain('aria-label="one-minute series of the day (25 hours)"');
    // ticks every 3 h of elapsed time: 00:00, 02:00 (01:00 BST + 1 h of 01:00 GMT), 05:00, …, 23:00, 00:00
    const labels = texts(svg).filter((t) => /^\d\d:\d\d$/.test(t));
    expect(labels).toEqual([
      '00:00',
      '02:00',
      '05:00',
      '08:00',
      '11:00',
      '14:00',
      '17:00',
      '20:00',
      '23:00',
      '00:00',
    ]);
    expect(localClock(Date.parse('2022-10-30T00:30:00Z'), 'Europe/London')).toBe('01:30');
    expect(localClock(Date.parse('2022-10-30T01:30:00Z'), 'Europe/London')).toBe('01:30');
  });

  it('draws every series: lines, demand band, offline shading, cleaned marks', () => {
    const svg = dayChart(day, { width: 1000, height: 420 }).value;
    for (const c of [SERIES_COLOURS.inside, SERIES_COLOURS.humidity])
      expect(Math.max(...strokes(svg, c)), c).toBeGreaterThan(50);
    // step series are drawn from their changes: the setpoint holds one value from minute 400
    // (null before it), the outdoor temperature changes every minute
    expect(strokes(svg, SERIES_COLOURS.setpoint)).toContain(2);
    expect(Math.max(...strokes(svg, SERIES_COLOURS.outside))).toBeGreaterThan(50);
    expect(svg).toMatch(new RegExp(`<path [^>]*fill="${SERIES_COLOURS.demand}" fill-opacity="0.8"`));
    expect((svg.match(new RegExp(`<polygon [^>]*fill="${SERIES_COLOURS.offline}"`, 'g')) ?? []).length).toBe(
      2,
    );
    expect(points(svg, 4)).toBe(day.cleaned.filter((c, i) => c && day.insideC[i] !== null).length);
  });
});

describe('chart cache', () => {
  it('draws a chart once per distinct input and again when the input changes', () => {
    const days = [{ date: '2022-01-01', insideMeanC: 19, setpointMeanHeatingC: 20 }];
    const a = trendChart(days, { width: 300, height: 200 });
    expect(trendChart(days, { width: 300, height: 200 })).toBe(a); // the same object: cached
    const b = trendChart([{ ...days[0], insideMeanC: 18 } as (typeof days)[number]], {
      width: 300,
      height: 200,
    });
    expect(b).not.toBe(a);
    expect(b.value).not.toBe(a.value);
    clearChartCache();
    expect(trendChart(days, { width: 300, height: 200 })).not.toBe(a);
  });
});

describe('chart figure', () => {
  it('puts the numbers in a closed details table, escaped', () => {
    const svg = signatureChart([], null, { width: 300, height: 200 });
    const out = chartFigure('sig', 'Energy <signature>', svg, {
      columns: [{ heading: 'date' }, { heading: 'h', numeric: true }],
      rows: [
        ['<b>', 1.234],
        ['x', null],
      ],
    }).value;
    expect(out).toContain('<figcaption>Energy &lt;signature&gt;</figcaption>');
    expect(out).toContain('<summary>The numbers (2 rows)</summary>');
    expect(out).toContain('<td>&lt;b&gt;</td>');
    expect(out).toContain('<td class="num">1.23</td>');
    expect(out).toContain('<td class="num">–</td>');
  });
});
