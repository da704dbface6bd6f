/**
 * Task durations over a DAG's latest runs: one line per task, the runs' `ds` on the x axis.
 * Not cached (the runs change as they finish).
 */
import type { SafeHtml } from '../html.js';
import { renderChartSvg, type ChartSize } from './echarts-svg.js';

/** The palette of the task lines (task i gets colour i mod 10), as the page's legend shows it. */
export const TASK_PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#d62728',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#7f7f7f',
  '#bcbd22',
  '#17becf',
] as const;

/** One task's durations, s, one per label (null: no duration in that run). */
export interface TaskDurations {
  readonly taskId: string;
  readonly seconds: readonly (number | null)[];
}

/** The durations chart as SVG (series i: task i). */
export function durationsChart(
  labels: readonly string[],
  series: readonly TaskDurations[],
  size: ChartSize,
): SafeHtml {
  return renderChartSvg(
    {
      grid: { left: 60, right: 24, top: 40, bottom: 48 },
      legend: { top: 4, data: series.map((s) => s.taskId) },
      xAxis: {
        type: 'category',
        data: [...labels],
        name: 'logical date (ds)',
        nameLocation: 'middle',
        nameGap: 30,
      },
      yAxis: { type: 'value', name: 'duration (s)', min: 0 },
      series: series.map((s, i) => {
        const colour = TASK_PALETTE[i % TASK_PALETTE.length] ?? '#1f77b4';
        return {
          name: s.taskId,
          type: 'line' as const,
          connectNulls: true,
          symbolSize: 4,
          showSymbol: labels.length <= 60,
          lineStyle: { color: colour, width: 1.8 },
          itemStyle: { color: colour },
          data: [...s.seconds],
        };
      }),
    },
    size,
    'task durations over the latest runs',
  );
}
