/**
 * Builds `ZoneDayInput`s from the ETL's rows (`DayReportRows`, what `flattenDayReport` gives for
 * one day report), in memory: for tests, the simulator's ground truth and benchmarks. The DB
 * repository builds the same inputs from the `tado` tables in SQL.
 *
 * Per HEATING zone-day: the day's bounds are its local midnights (luxon, the home's IANA zone);
 * the step series are the day's own rows (clipped to the day by the ETL); readings and device
 * intervals come from every report given for the zone and reach {@link INPUT_MARGIN_MS} beyond
 * the day. A timestamp held by two reports (their ±15-minute margins overlap) is taken once,
 * from the report whose day holds it (as the load's key does: docs/pipeline.md).
 */
import { DateTime } from 'luxon';
import type { DayReportRows, ZoneRow } from '../etl/warehouse-rows.js';
import { ZoneDayError } from './errors.js';
import {
  INPUT_MARGIN_MS,
  type DemandLevel,
  type Reading,
  type StepInterval,
  type ZoneDayInput,
} from './types.js';

/** tado's `callForHeat` values as demand levels. */
const LEVELS: Readonly<Record<string, DemandLevel>> = { NONE: 0, LOW: 1, MEDIUM: 2, HIGH: 3 };

/** A reading with where it came from. */
interface SourcedReading extends Reading {
  readonly inReportDay: boolean;
}

/** The local day `[start, end)` of `date` in `timeZone`, ms since the epoch; null when either is invalid. */
function localDay(date: string, timeZone: string): { startMs: number; endMs: number } | null {
  const start = DateTime.fromISO(date, { zone: timeZone });
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !start.isValid) return null;
  return { startMs: start.toMillis(), endMs: start.plus({ days: 1 }).toMillis() };
}

/** Index of the first element of ascending `ts` that is ≥ `t`. */
function lowerBound(ts: readonly SourcedReading[], t: number): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((ts[mid]?.tsMs ?? Infinity) < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One input per HEATING zone-day among `reports`, sorted by zone then date.
 * @param reports - flattened day reports, any zones and dates (neighbouring days give the margins)
 * @param zones - the zones, for their names
 * @throws ZoneDayError `ZONE_DAY_INVALID` when a zone-day is given twice, its zone is not in
 *   `zones`, its date or time zone is invalid, or a `callForHeat` level is not NONE/LOW/MEDIUM/HIGH
 */
export function zoneDayInputsFromRows(
  reports: readonly DayReportRows[],
  zones: readonly Pick<ZoneRow, 'homeId' | 'zoneId' | 'name'>[],
): ZoneDayInput[] {
  const zoneKey = (homeId: number, zoneId: number): string => `${homeId}/${zoneId}`;
  const names = new Map(zones.map((z) => [zoneKey(z.homeId, z.zoneId), z.name]));
  const readingsByZone = new Map<string, Map<number, SourcedReading>>();
  const devicesByZone = new Map<string, StepInterval<boolean>[]>();
  for (const rows of reports) {
    const key = zoneKey(rows.day.homeId, rows.day.zoneId);
    let readings = readingsByZone.get(key);
    if (readings === undefined) readingsByZone.set(key, (readings = new Map<number, SourcedReading>()));
    for (const r of rows.interior) {
      const tsMs = Date.parse(r.ts);
      const held = readings.get(tsMs);
      if (held === undefined || (!held.inReportDay && r.inReportDay)) {
        readings.set(tsMs, {
          tsMs,
          temperatureC: r.temperatureC,
          humidityFraction: r.humidityFraction,
          inReportDay: r.inReportDay,
        });
      }
    }
    let devices = devicesByZone.get(key);
    if (devices === undefined) devicesByZone.set(key, (devices = []));
    for (const d of rows.deviceConnected) {
      devices.push({
        startMs: Date.parse(d.intervalStart),
        endMs: Date.parse(d.intervalEnd),
        value: d.connected,
      });
    }
  }
  const sortedReadings = new Map(
    [...readingsByZone].map(([k, m]) => [k, [...m.values()].sort((a, b) => a.tsMs - b.tsMs)]),
  );

  const seen = new Set<string>();
  const inputs: ZoneDayInput[] = [];
  for (const rows of reports) {
    const { day } = rows;
    if (day.zoneType !== 'HEATING') continue;
    const key = zoneKey(day.homeId, day.zoneId);
    const label = `zone ${day.zoneId} (${names.get(key) ?? 'not in the zone list'}) ${day.date}`;
    const fail = (what: string): never => {
      throw new ZoneDayError('ZONE_DAY_INVALID', `${label}: ${what}`, day.homeId, day.zoneId, day.date);
    };
    const zoneName = names.get(key) ?? fail('the zone is not in the zone list');
    if (seen.has(`${key}/${day.date}`)) fail('two day reports for the same zone-day');
    seen.add(`${key}/${day.date}`);
    const bounds = localDay(day.date, day.timeZone) ?? fail(`invalid date or time zone "${day.timeZone}"`);
    const lo = bounds.startMs - INPUT_MARGIN_MS;
    const hi = bounds.endMs + INPUT_MARGIN_MS;
    const all = sortedReadings.get(key) ?? [];
    const readings: Reading[] = [];
    for (let i = lowerBound(all, lo); i < all.length; i++) {
      const r = all[i];
      if (r === undefined || r.tsMs > hi) break;
      readings.push({ tsMs: r.tsMs, temperatureC: r.temperatureC, humidityFraction: r.humidityFraction });
    }
    const deviceConnected = (devicesByZone.get(key) ?? [])
      .filter((d) => d.endMs > lo && d.startMs < hi)
      .sort((a, b) => a.startMs - b.startMs);
    inputs.push({
      homeId: day.homeId,
      zoneId: day.zoneId,
      zoneName,
      date: day.date,
      timeZone: day.timeZone,
      dayStartMs: bounds.startMs,
      dayEndMs: bounds.endMs,
      placeholder: day.placeholder,
      readings,
      deviceConnected,
      callForHeat: rows.callForHeat.map((c) => ({
        startMs: Date.parse(c.intervalStart),
        endMs: Date.parse(c.intervalEnd),
        value:
          LEVELS[c.level] ??
          fail(
            `tado.call_for_heat level "${c.level}" at ${c.intervalStart} is not NONE, LOW, MEDIUM or HIGH`,
          ),
      })),
      settings: rows.settings.map((s) => ({
        startMs: Date.parse(s.intervalStart),
        endMs: Date.parse(s.intervalEnd),
        value: { powerOn: s.power === 'ON', setpointC: s.power === 'ON' ? s.temperatureC : null },
      })),
      weather: rows.weather.map((w) => ({
        startMs: Date.parse(w.intervalStart),
        endMs: Date.parse(w.intervalEnd),
        value: { state: w.state, temperatureC: w.temperatureC },
      })),
    });
  }
  return inputs.sort(
    (a, b) => a.homeId - b.homeId || a.zoneId - b.zoneId || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0),
  );
}
