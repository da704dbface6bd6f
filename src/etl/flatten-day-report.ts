/**
 * Flattens one day report into the rows of the `tado` tables (see `src/etl/warehouse-rows.ts`).
 *
 * The overlap rule (docs/pipeline.md): consecutive reports overlap by 30 minutes (their ±15-minute
 * margins). Interval series are clipped to the report's local day `[dayStart, dayEnd)`; intervals
 * wholly inside a margin are dropped, so adjacent days tile the timeline and each span is stored
 * once. Points are all kept (a report's 99 points on a 24-hour day), marked `inReportDay`; the
 * load keys them on (home, zone, timestamp), and the report whose day holds a point wins.
 */
import type { DayReport, Zone } from '../tado/schemas.js';
import { acActivityRows, acSettingColumns } from './ac-rows.js';
import { deviceOfflineSpans, isPlaceholderReport } from './check-day-report.js';
import type { InteriorJoin } from './join-interior.js';
import { dayWindowOf, type LocalDayWindow } from './local-day-window.js';
import { flagReadings } from './reading-flags.js';
import type {
  CallForHeatRow,
  DayReportRows,
  DeviceConnectedRow,
  InteriorRow,
  SettingRow,
  WeatherRow,
  ZoneRow,
} from './warehouse-rows.js';

/** Which report this is. */
export interface FlattenInput {
  readonly homeId: number;
  readonly zoneId: number;
  /** local date of the report, `YYYY-MM-DD` */
  readonly date: string;
  /** the home's IANA time zone */
  readonly timeZone: string;
  /** the day's window, when already computed for `date` and `timeZone`; `@defaultValue` computed here */
  readonly window?: LocalDayWindow;
}

/** An interval clipped to the local day, with its value. */
export interface ClippedInterval<V> {
  readonly intervalStart: string;
  readonly intervalEnd: string;
  readonly value: V;
}

/**
 * Clips `{from, to, value}` intervals to `[window.dayStart, window.dayEnd)`, dropping those that
 * do not reach into the day.
 */
export function clipToDay<V>(
  intervals: readonly { from: string; to: string; value: V }[],
  window: LocalDayWindow,
): ClippedInterval<V>[] {
  const lo = window.dayStart.getTime();
  const hi = window.dayEnd.getTime();
  const out: ClippedInterval<V>[] = [];
  for (const i of intervals) {
    const start = Math.max(Date.parse(i.from), lo);
    const end = Math.min(Date.parse(i.to), hi);
    if (start < end) {
      out.push({
        intervalStart: new Date(start).toISOString(),
        intervalEnd: new Date(end).toISOString(),
        value: i.value,
      });
    }
  }
  return out;
}

/**
 * Flattens a day report into table rows.
 * @param join - joins temperature and humidity on the timestamp (danfojs in the transform task)
 * @throws HeatflowError `INVALID_DAY` when `date` or `timeZone` is invalid
 */
export function flattenDayReport(report: DayReport, input: FlattenInput, join: InteriorJoin): DayReportRows {
  const window = dayWindowOf(input.date, input.timeZone, input.window);
  const key = { homeId: input.homeId, zoneId: input.zoneId, reportDate: input.date };
  const lo = window.dayStart.getTime();
  const hi = window.dayEnd.getTime();

  // tado's placeholder history is no measurement: its readings are kept nulled (flag
  // `placeholder`) and its interval series not stored at all (reading-flags.ts, docs/pipeline.md)
  const placeholder = isPlaceholderReport(report);
  const sampled = join(
    report.measuredData.insideTemperature.dataPoints,
    report.measuredData.humidity.dataPoints,
  );
  const interior: InteriorRow[] = flagReadings(sampled, report, placeholder).map((s) => {
    const t = Date.parse(s.ts);
    return { ...key, ...s, inReportDay: t >= lo && t < hi };
  });
  const intervalsOf = <I>(intervals: readonly I[] | undefined): readonly I[] =>
    placeholder ? [] : (intervals ?? []);

  const weather: WeatherRow[] = clipToDay(intervalsOf(report.weather.condition.dataIntervals), window).map(
    (i) => ({
      ...key,
      intervalStart: i.intervalStart,
      intervalEnd: i.intervalEnd,
      state: i.value?.state ?? null,
      temperatureC: i.value?.temperature.celsius ?? null,
    }),
  );

  const callForHeat: CallForHeatRow[] = clipToDay(intervalsOf(report.callForHeat?.dataIntervals), window).map(
    (i) => ({
      ...key,
      intervalStart: i.intervalStart,
      intervalEnd: i.intervalEnd,
      level: i.value,
    }),
  );

  const settings: SettingRow[] = clipToDay(intervalsOf(report.settings?.dataIntervals), window).map((i) => ({
    ...key,
    intervalStart: i.intervalStart,
    intervalEnd: i.intervalEnd,
    settingType: i.value.type,
    power: i.value.power,
    temperatureC: i.value.temperature?.celsius ?? null,
    ...acSettingColumns(i.value),
  }));

  const deviceConnected: DeviceConnectedRow[] = clipToDay(
    intervalsOf(report.measuredData.measuringDeviceConnected.dataIntervals),
    window,
  ).map((i) => ({ ...key, intervalStart: i.intervalStart, intervalEnd: i.intervalEnd, connected: i.value }));

  const offline = deviceOfflineSpans(report, window);
  return {
    day: {
      homeId: input.homeId,
      zoneId: input.zoneId,
      date: input.date,
      zoneType: report.zoneType,
      timeZone: input.timeZone,
      intervalFrom: new Date(report.interval.from).toISOString(),
      intervalTo: new Date(report.interval.to).toISOString(),
      hoursInDay: report.hoursInDay,
      placeholder,
      deviceOfflineMs: offline.reduce((sum, s) => sum + Date.parse(s.to) - Date.parse(s.from), 0),
    },
    interior,
    weather,
    callForHeat,
    settings,
    deviceConnected,
    acActivity: acActivityRows(clipToDay(report.acActivity?.dataIntervals ?? [], window), key),
  };
}

/**
 * The `tado.zones` row of a zone from `GET /homes/{homeId}/zones`. `raw` is the zone object without
 * its devices' live `connectionState` (a timestamp that moves with every request), so loading the
 * same day again stores the same row.
 */
export function zoneRow(homeId: number, zone: Zone): ZoneRow {
  const raw =
    zone.devices === undefined
      ? zone
      : { ...zone, devices: zone.devices.map(({ connectionState: _live, ...device }) => device) };
  return {
    homeId,
    zoneId: zone.id,
    name: zone.name,
    zoneType: zone.type,
    dateCreated: new Date(zone.dateCreated).toISOString(),
    deviceTypes: zone.deviceTypes ?? [],
    raw,
  };
}
