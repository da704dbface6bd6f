/**
 * A zone's daily mean indoor temperature against its mean setpoint while heating, over a year.
 * Dates are local dates of the home, drawn on a category axis (one slot per day with metrics).
 */
import type { SafeHtml } from '../html.js';
import { cachedChart, renderChartSvg, SERIES_COLOURS, type ChartSize } from './echarts-svg.js';

/** One day of a zone. */
export interface TrendDay {
  /** local date `YYYY-MM-DD` */
  readonly date: string;
  /** mean indoor temperature, °C; null without a valid minute */
  readonly insideMeanC: number | null;
  /** mean setpoint while heating, °C; null when it did not heat */
  readonly setpointMeanHeatingC: number | null;
}

/** The trend chart as SVG (series 0: indoor mean, series 1: setpoint mean). */
export function trendChart(days: readonly TrendDay[], size: ChartSize): SafeHtml {
  return cachedChart(['trend', days, size], () => {
    return renderChartSvg(
      {
        grid: { left: 56, right: 24, top: 36, bottom: 40 },
        legend: { top: 4, data: ['indoor mean', 'setpoint mean while heating'] },
        xAxis: { type: 'category', data: days.map((d) => d.date) },
        yAxis: { type: 'value', name: '°C', scale: true },
        series: [
          {
            name: 'indoor mean',
            type: 'line',
            showSymbol: days.length < 40,
            sampling: 'lttb',
            lineStyle: { color: SERIES_COLOURS.inside, width: 2 },
            itemStyle: { color: SERIES_COLOURS.inside },
            data: days.map((d) => d.insideMeanC),
          },
          {
            name: 'setpoint mean while heating',
            type: 'line',
            showSymbol: days.length < 40,
            connectNulls: false,
            lineStyle: { color: SERIES_COLOURS.setpoint, width: 2 },
            itemStyle: { color: SERIES_COLOURS.setpoint },
            data: days.map((d) => d.setpointMeanHeatingC),
          },
        ],
      },
      size,
      'daily mean indoor temperature against mean setpoint while heating',
    );
  });
}
