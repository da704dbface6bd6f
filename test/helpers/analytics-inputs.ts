/**
 * Synthetic `ZoneDayInput`s for the analytics unit tests: a local day in a time zone (bounds from
 * luxon, independently of the code under test), readings on tado's 15-minute grid with ±60-minute
 * margins, and step series given as minute ranges of the day. Every value is what the test says.
 */
import { DateTime } from 'luxon';
import type {
  DemandLevel,
  Reading,
  SettingValue,
  StepInterval,
  WeatherValue,
  ZoneDayInput,
} from '../../src/analytics/types.js';

export const MIN = 60_000;
export const QUARTER = 15 * MIN;
export const LONDON = 'Europe/London';

/** `[fromMinute, toMinute)` of the day (may reach into the margins) with a value. */
export type Span<V> = readonly [number, number, V];

/** What a synthetic day holds; anything left out is a quiet, complete default. */
export interface SyntheticDay {
  readonly date?: string;
  readonly timeZone?: string;
  readonly zoneId?: number;
  readonly zoneName?: string;
  readonly placeholder?: boolean;
  /** temperature at each grid time (minutes from the day's start; negative in the morning margin); null: none. `@defaultValue` 20 */
  readonly temperature?: (minute: number) => number | null;
  /** `@defaultValue` 0.5 + 0.01·sin */
  readonly humidity?: (minute: number) => number | null;
  /** grid minutes with no reading at all */
  readonly omit?: (minute: number) => boolean;
  /** `@defaultValue` NONE all day */
  readonly callForHeat?: readonly Span<DemandLevel>[];
  /** `@defaultValue` ON 20 °C all day */
  readonly settings?: readonly Span<SettingValue>[];
  /** `@defaultValue` 5 °C, CLOUDY all day */
  readonly weather?: readonly Span<WeatherValue>[];
  /** disconnected spans; connected elsewhere (margins included) */
  readonly offline?: readonly [number, number][];
}

/** The bounds of a local day, from luxon. */
export function dayBounds(
  date: string,
  timeZone: string,
): { startMs: number; endMs: number; minutes: number } {
  const start = DateTime.fromISO(date, { zone: timeZone });
  const end = start.plus({ days: 1 });
  return {
    startMs: start.toMillis(),
    endMs: end.toMillis(),
    minutes: (end.toMillis() - start.toMillis()) / MIN,
  };
}

/** A whole-day span list holding one value. */
export const allDay = <V>(value: V, minutes = 1440): Span<V>[] => [[0, minutes, value]];

/** Builds the input (see {@link SyntheticDay}). */
export function syntheticDay(o: SyntheticDay = {}): ZoneDayInput {
  const date = o.date ?? '2022-01-12';
  const timeZone = o.timeZone ?? LONDON;
  const { startMs, endMs, minutes } = dayBounds(date, timeZone);
  const temperature = o.temperature ?? (() => 20);
  const humidity = o.humidity ?? ((m: number) => Math.round((0.5 + 0.01 * Math.sin(m / 100)) * 1000) / 1000);
  const readings: Reading[] = [];
  for (let m = -60; m <= minutes + 60; m += 15) {
    if (o.omit?.(m) === true) continue;
    readings.push({ tsMs: startMs + m * MIN, temperatureC: temperature(m), humidityFraction: humidity(m) });
  }
  const steps = <V>(spans: readonly Span<V>[]): StepInterval<V>[] =>
    spans.map(([a, b, value]) => ({ startMs: startMs + a * MIN, endMs: startMs + b * MIN, value }));
  const connected: Span<boolean>[] = [];
  let cursor = -60;
  for (const [a, b] of o.offline ?? []) {
    if (a > cursor) connected.push([cursor, a, true]);
    connected.push([a, b, false]);
    cursor = b;
  }
  if (cursor < minutes + 60) connected.push([cursor, minutes + 60, true]);
  return {
    homeId: 7,
    zoneId: o.zoneId ?? 1,
    zoneName: o.zoneName ?? 'Living room',
    date,
    timeZone,
    dayStartMs: startMs,
    dayEndMs: endMs,
    placeholder: o.placeholder ?? false,
    readings,
    deviceConnected: steps(connected),
    callForHeat: steps(o.callForHeat ?? allDay<DemandLevel>(0, minutes)),
    settings: steps(o.settings ?? allDay<SettingValue>({ powerOn: true, setpointC: 20 }, minutes)),
    weather: steps(o.weather ?? allDay<WeatherValue>({ state: 'CLOUDY', temperatureC: 5 }, minutes)),
  };
}
