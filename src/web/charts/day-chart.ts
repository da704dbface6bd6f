/**
 * The one-minute day of a zone: indoor temperature, setpoint and outdoor temperature (°C, left
 * axis) and humidity (%, right axis) on top; heating demand (NONE 0 … HIGH 3) as a step band
 * below; device-offline spans shaded on both; cleaned minutes (a bracketing reading was set
 * aside) marked on the indoor line. The x axis counts minutes from local midnight, labelled with
 * the home's local clock, so a clock-change day is 23 or 25 hours long (no hour drawn twice or
 * skipped by the axis).
 */
import type { SafeHtml } from '../html.js';
import {
  cachedChart,
  renderChartSvg,
  SERIES_COLOURS,
  type ChartSize,
  type MarkAreaData,
} from './echarts-svg.js';

/** The series of one zone-day, one entry per minute from local midnight. */
export interface DaySeries {
  /** local midnight, ms since the epoch */
  readonly dayStartMs: number;
  /** minutes in the day (1,440; 1,380 / 1,500 on clock-change days) */
  readonly minutes: number;
  /** IANA time zone of the home */
  readonly timeZone: string;
  readonly insideC: readonly (number | null)[];
  readonly setpointC: readonly (number | null)[];
  readonly outsideC: readonly (number | null)[];
  /** 0..1 */
  readonly humidityFraction: readonly (number | null)[];
  /** 0 NONE … 3 HIGH */
  readonly demandLevel: readonly (number | null)[];
  readonly connected: readonly (boolean | null)[];
  readonly cleaned: readonly boolean[];
}

/** A span of minutes `[start, end)` from local midnight. */
export interface MinuteSpan {
  readonly start: number;
  readonly end: number;
}

/** The maximal runs of minutes whose device was offline (`connected === false`). */
export function offlineSpans(connected: readonly (boolean | null)[]): MinuteSpan[] {
  const out: MinuteSpan[] = [];
  let start = -1;
  connected.forEach((c, i) => {
    if (c === false && start < 0) start = i;
    if (c !== false && start >= 0) {
      out.push({ start, end: i });
      start = -1;
    }
  });
  if (start >= 0) out.push({ start, end: connected.length });
  return out;
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();

/** `HH:mm` of an instant on the local clock of `timeZone`. */
export function localClock(ms: number, timeZone: string): string {
  let f = clockFormats.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    clockFormats.set(timeZone, f);
  }
  return f.format(new Date(ms));
}

const pairs = (values: readonly (number | null)[], scale = 1): (number | null)[][] =>
  values.map((v, i) => [i, v === null ? null : Math.round(v * scale * 100) / 100]);

/**
 * A step series (a value that holds until it changes: setpoint, outdoor temperature, demand) as
 * the points where it changes, `[minute, value]`, plus its last minute, for a line drawn with
 * `step: 'end'`: the same picture from a few dozen points instead of one per minute. A null run
 * starts with `[minute, null]` (a gap in the line).
 */
export function stepPoints(values: readonly (number | null)[]): (number | null)[][] {
  const out: (number | null)[][] = [];
  values.forEach((v, i) => {
    const value = v === null ? null : Math.round(v * 100) / 100;
    if (i === 0 || value !== out[out.length - 1]?.[1]) out.push([i, value]);
  });
  const last = values.length - 1;
  if (last > 0 && out[out.length - 1]?.[0] !== last) out.push([last, out[out.length - 1]?.[1] ?? null]);
  return out;
}

/** The day chart as SVG. */
export function dayChart(day: DaySeries, size: ChartSize): SafeHtml {
  return cachedChart(['day', day, size], () => {
    const label = (minute: number): string => localClock(day.dayStartMs + minute * 60_000, day.timeZone);
    const spans = offlineSpans(day.connected);
    const offline: MarkAreaData = spans.map((s) => [{ xAxis: s.start }, { xAxis: s.end }]);
    const markArea = {
      silent: true,
      itemStyle: { color: SERIES_COLOURS.offline, opacity: 0.35 },
      data: offline,
    };
    const xAxis = (gridIndex: number, show: boolean) => ({
      type: 'value' as const,
      gridIndex,
      min: 0,
      max: day.minutes,
      interval: 180,
      axisLabel: { show, formatter: label },
    });
    const cleaned = day.cleaned.flatMap((c, i) =>
      c && day.insideC[i] !== null ? [[i, day.insideC[i] ?? 0]] : [],
    );
    const line = (name: string, colour: string, data: (number | null)[][], yAxisIndex = 0) => ({
      name,
      type: 'line' as const,
      xAxisIndex: 0,
      yAxisIndex,
      showSymbol: false,
      sampling: 'lttb' as const,
      lineStyle: { color: colour, width: 1.8 },
      itemStyle: { color: colour },
      data,
    });
    return renderChartSvg(
      {
        grid: [
          { left: 52, right: 52, top: 36, height: size.height - 150 },
          { left: 52, right: 52, height: 60, bottom: 28 },
        ],
        legend: {
          top: 4,
          data: ['indoor', 'setpoint', 'outdoor', 'humidity', 'cleaned', 'heating demand'],
        },
        xAxis: [xAxis(0, false), xAxis(1, true)],
        yAxis: [
          { type: 'value', gridIndex: 0, name: '°C', scale: true },
          { type: 'value', gridIndex: 0, name: '%', min: 0, max: 100, splitLine: { show: false } },
          {
            type: 'value',
            gridIndex: 1,
            min: 0,
            max: 3,
            interval: 1,
            name: 'demand',
            axisLabel: { formatter: (v: number) => ['none', 'low', 'med', 'high'][v] ?? '' },
          },
        ],
        series: [
          { ...line('indoor', SERIES_COLOURS.inside, pairs(day.insideC)), markArea },
          {
            ...line('setpoint', SERIES_COLOURS.setpoint, stepPoints(day.setpointC)),
            step: 'end' as const,
            sampling: undefined,
          },
          {
            ...line('outdoor', SERIES_COLOURS.outside, stepPoints(day.outsideC)),
            step: 'end' as const,
            sampling: undefined,
          },
          line('humidity', SERIES_COLOURS.humidity, pairs(day.humidityFraction, 100), 1),
          {
            name: 'cleaned',
            type: 'scatter',
            xAxisIndex: 0,
            yAxisIndex: 0,
            symbol: 'diamond',
            symbolSize: 7,
            itemStyle: { color: SERIES_COLOURS.cleaned },
            data: cleaned,
          },
          {
            name: 'heating demand',
            type: 'line',
            xAxisIndex: 1,
            yAxisIndex: 2,
            step: 'end',
            showSymbol: false,
            lineStyle: { width: 0, color: SERIES_COLOURS.demand },
            itemStyle: { color: SERIES_COLOURS.demand },
            areaStyle: { color: SERIES_COLOURS.demand, opacity: 0.8 },
            data: stepPoints(day.demandLevel),
            markArea,
          },
        ],
      },
      size,
      `one-minute series of the day (${day.minutes / 60} hours)`,
    );
  });
}
