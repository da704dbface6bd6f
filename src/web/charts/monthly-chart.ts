/**
 * Monthly heating hours (bars, left axis) against monthly heating degree days (line, right axis).
 */
import type { SafeHtml } from '../html.js';
import { cachedChart, renderChartSvg, SERIES_COLOURS, type ChartSize } from './echarts-svg.js';

/** One month of a scope. */
export interface MonthBar {
  /** 1..12 */
  readonly month: number;
  /** Σ heating minutes / 60, h */
  readonly heatingHours: number;
  /** Σ HDD, °C·day; null when no day had one */
  readonly hdd: number | null;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Short English name of a month 1..12. */
export const monthName = (month: number): string => MONTHS[month - 1] ?? String(month);

/** The monthly chart as SVG (series 0: heating hours, series 1: HDD), twelve months on the axis. */
export function monthlyChart(months: readonly MonthBar[], size: ChartSize): SafeHtml {
  return cachedChart(['monthly', months, size], () => {
    const by = new Map(months.map((m) => [m.month, m]));
    const all = MONTHS.map((_, i) => by.get(i + 1));
    return renderChartSvg(
      {
        grid: { left: 56, right: 60, top: 36, bottom: 32 },
        legend: { top: 4, data: ['heating hours', 'HDD'] },
        xAxis: { type: 'category', data: MONTHS },
        yAxis: [
          { type: 'value', name: 'h', min: 0 },
          { type: 'value', name: '°C·day', min: 0, splitLine: { show: false } },
        ],
        series: [
          {
            name: 'heating hours',
            type: 'bar',
            itemStyle: { color: SERIES_COLOURS.heatingHours },
            data: all.map((m) => (m === undefined ? null : Math.round(m.heatingHours * 10) / 10)),
          },
          {
            name: 'HDD',
            type: 'line',
            yAxisIndex: 1,
            symbolSize: 6,
            lineStyle: { color: SERIES_COLOURS.hdd, width: 2 },
            itemStyle: { color: SERIES_COLOURS.hdd },
            data: all.map((m) =>
              m?.hdd === null || m?.hdd === undefined ? null : Math.round(m.hdd * 10) / 10,
            ),
          },
        ],
      },
      size,
      'monthly heating hours against monthly heating degree days',
    );
  });
}
