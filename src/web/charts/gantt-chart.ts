/**
 * The Gantt chart of one run: a bar per task from its start to its end (s after the run's first
 * start), coloured by its state. Drawn as a stacked horizontal bar: an invisible bar up to the
 * start, then the visible one. Not cached (a running task's bar grows).
 */
import type { SafeHtml } from '../html.js';
import { renderChartSvg, type ChartSize } from './echarts-svg.js';

/** One task of the run. */
export interface GanttTask {
  readonly taskId: string;
  readonly state: string;
  /** s after the run's first start */
  readonly startS: number;
  readonly endS: number;
}

/** The Gantt chart as SVG (series 1: the tasks' bars, one data item per task). */
export function ganttChart(
  tasks: readonly GanttTask[],
  colours: Readonly<Record<string, string>>,
  size: ChartSize,
): SafeHtml {
  const names = tasks.map((t) => t.taskId);
  return renderChartSvg(
    {
      grid: { left: 140, right: 24, top: 16, bottom: 40 },
      xAxis: { type: 'value', name: 's after the run started', nameLocation: 'middle', nameGap: 26, min: 0 },
      yAxis: { type: 'category', data: names, inverse: true },
      series: [
        {
          type: 'bar',
          stack: 'gantt',
          silent: true,
          itemStyle: { color: 'transparent' },
          data: tasks.map((t) => t.startS),
        },
        {
          name: 'tasks',
          type: 'bar',
          stack: 'gantt',
          barMaxWidth: 22,
          data: tasks.map((t) => ({
            value: Math.max(0, t.endS - t.startS),
            itemStyle: { color: colours[t.state] ?? '#999999' },
          })),
        },
      ],
    },
    size,
    'Gantt chart of the run',
  );
}
