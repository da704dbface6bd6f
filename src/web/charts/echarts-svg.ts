/**
 * The one facade over Apache ECharts: renders an option to an SVG string on the server
 * (`init(null, null, { renderer: 'svg', ssr: true })` + `renderToSVGString()`), no browser and no
 * script on the page. Every chart is disposed after rendering: an undisposed SSR instance keeps
 * its zrender tree (metabase/metabase#77412 measured ~5 MB leaked per render without it).
 * Animation is off (a server render is one frame). The SVG is trusted markup: ECharts escapes the
 * text it draws, and every label we pass is our own or escaped by ECharts' SVG writer.
 *
 * Only the chart kinds and components the heating pages use are registered (`echarts/core` +
 * `use`), which keeps the server's start-up and memory small.
 *
 * Rendered charts are kept in a small LRU keyed by a hash of their inputs ({@link cachedChart}):
 * the analysis changes only when heating_analytics runs, so the overview and zone pages are drawn
 * once per analysis instead of once per view (an ECharts render costs 5–30 ms); a changed input is
 * a new key, so a cached chart is never stale.
 */
import {
  BarChart,
  LineChart,
  ScatterChart,
  type BarSeriesOption,
  type LineSeriesOption,
  type ScatterSeriesOption,
} from 'echarts/charts';
import {
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  type GridComponentOption,
  type LegendComponentOption,
  type MarkAreaComponentOption,
  type TitleComponentOption,
} from 'echarts/components';
import { init, use, type ComposeOption } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';
import { createHash } from 'node:crypto';
import { raw, type SafeHtml } from '../html.js';

use([
  BarChart,
  LineChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  MarkLineComponent,
  TitleComponent,
  SVGRenderer,
]);

/** The options the heating charts may use (the registered parts only). */
export type ChartOption = ComposeOption<
  | BarSeriesOption
  | LineSeriesOption
  | ScatterSeriesOption
  | GridComponentOption
  | LegendComponentOption
  | TitleComponentOption
>;

/** A mark area's data, re-exported for the day chart's offline spans. */
export type MarkAreaData = NonNullable<MarkAreaComponentOption['data']>;

/** Size of a chart, px. */
export interface ChartSize {
  readonly width: number;
  readonly height: number;
}

/**
 * Series colours, fixed so that a chart's legend, its table and the tests agree on which line is
 * which (the browser tests find a series' path by its stroke).
 */
export const SERIES_COLOURS = {
  inside: '#d8382b',
  setpoint: '#f28c28',
  outside: '#1f77b4',
  humidity: '#2ca02c',
  demand: '#f0b400',
  offline: '#9aa5b1',
  cleaned: '#6a1b9a',
  heatingHours: '#d8382b',
  hdd: '#1f77b4',
  points: '#1f77b4',
  fit: '#d8382b',
} as const;

/**
 * Renders `option` to an SVG element (markup), with animation off.
 * @param label - the chart's accessible name (`aria-label`, `role="img"`)
 * @throws the error of ECharts for an option it cannot draw (the chart is still disposed)
 */
export function renderChartSvg(option: ChartOption, size: ChartSize, label: string): SafeHtml {
  const chart = init(null, null, { renderer: 'svg', ssr: true, width: size.width, height: size.height });
  try {
    chart.setOption({ animation: false, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
    const svg = chart.renderToSVGString();
    return raw(
      svg.replace(
        /^<svg /,
        `<svg role="img" aria-label="${label.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`)}" `,
      ),
    );
  } finally {
    chart.dispose();
  }
}

/** Charts kept by {@link cachedChart}. */
const CACHE_MAX = 256;
const cache = new Map<string, SafeHtml>();

/**
 * A chart from the cache, or drawn by `draw` and cached. `inputs` must hold everything the chart
 * depends on (its data, size, kind): they are hashed (SHA-1 of their JSON) into the key.
 */
export function cachedChart(inputs: readonly unknown[], draw: () => SafeHtml): SafeHtml {
  const key = createHash('sha1').update(JSON.stringify(inputs)).digest('base64');
  const hit = cache.get(key);
  if (hit !== undefined) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  const svg = draw();
  cache.set(key, svg);
  if (cache.size > CACHE_MAX) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return svg;
}

/** Empties the chart cache (benchmarks measure uncached renders). */
export function clearChartCache(): void {
  cache.clear();
}
