/**
 * The energy signature: a scatter of daily heating hours against the day's mean outdoor
 * temperature, with the fitted heating change-point line y = μ + β·max(0, T_b − T) (or the
 * intercept-only line y = μ) over the points' temperature range (docs/analytics.md §6).
 */
import type { SafeHtml } from '../html.js';
import { cachedChart, renderChartSvg, SERIES_COLOURS, type ChartSize } from './echarts-svg.js';

/** One day of the signature. */
export interface SignaturePoint {
  /** local date `YYYY-MM-DD` */
  readonly date: string;
  /** mean outdoor temperature of the day, °C */
  readonly outsideMeanC: number;
  /** heating minutes / 60, h */
  readonly heatingHours: number;
}

/** The fitted model drawn over the points. */
export interface SignatureFit {
  /** `heating_change_point` or `intercept_only` */
  readonly model: string;
  /** T_b, °C; null for intercept-only */
  readonly balanceTemperatureC: number | null;
  /** β, h/°C; null for intercept-only */
  readonly slopeHoursPerC: number | null;
  /** μ, h */
  readonly interceptHours: number;
}

/**
 * The fitted line as points `[T °C, hours]` from `minC` to `maxC`: a change-point fit bends at
 * T_b (when T_b lies inside the range), an intercept-only fit is flat. Empty when `minC > maxC`.
 */
export function signatureLine(fit: SignatureFit, minC: number, maxC: number): [number, number][] {
  if (!(minC <= maxC)) return [];
  const mu = fit.interceptHours;
  const tb = fit.balanceTemperatureC;
  const beta = fit.slopeHoursPerC;
  if (tb === null || beta === null)
    return [
      [minC, mu],
      [maxC, mu],
    ];
  const y = (t: number): number => mu + beta * Math.max(0, tb - t);
  const out: [number, number][] = [[minC, y(minC)]];
  if (tb > minC && tb < maxC) out.push([tb, mu]);
  out.push([maxC, y(maxC)]);
  return out;
}

/** The signature chart as SVG (series 0: the days, series 1: the fit). */
export function signatureChart(
  points: readonly SignaturePoint[],
  fit: SignatureFit | null,
  size: ChartSize,
): SafeHtml {
  return cachedChart(['signature', points, fit, size], () => {
    const temps = points.map((p) => p.outsideMeanC);
    const line =
      fit === null || temps.length === 0 ? [] : signatureLine(fit, Math.min(...temps), Math.max(...temps));
    return renderChartSvg(
      {
        grid: { left: 56, right: 24, top: 36, bottom: 48 },
        legend: { top: 4, data: ['days', 'fitted model'] },
        xAxis: {
          type: 'value',
          name: 'mean outdoor temperature (°C)',
          nameLocation: 'middle',
          nameGap: 28,
          scale: true,
        },
        yAxis: { type: 'value', name: 'heating hours (h)', min: 0 },
        series: [
          {
            name: 'days',
            type: 'scatter',
            // one SVG path for all the days (each point a subpath) instead of one element per
            // point: a year renders in a fraction of the time
            large: true,
            largeThreshold: 100,
            symbolSize: 6,
            itemStyle: { color: SERIES_COLOURS.points, opacity: 0.75 },
            data: points.map((p) => [p.outsideMeanC, p.heatingHours]),
          },
          {
            name: 'fitted model',
            type: 'line',
            showSymbol: false,
            lineStyle: { color: SERIES_COLOURS.fit, width: 2.5 },
            itemStyle: { color: SERIES_COLOURS.fit },
            data: line,
          },
        ],
      },
      size,
      'energy signature: daily heating hours against mean outdoor temperature',
    );
  });
}
