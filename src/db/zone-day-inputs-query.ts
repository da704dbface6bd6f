/**
 * Reads many zone-days' `ZoneDayInput`s from schema `tado` in ONE statement (so one snapshot: a
 * load committing meanwhile is seen wholly or not at all): the references are passed as arrays,
 * each zone-day's bounds are computed in SQL (`date::timestamp AT TIME ZONE time_zone`, so DST
 * days have 1,380 / 1,500 minutes), and each series comes back per zone-day as column arrays in
 * JSON (one `JSON.parse` per series instead of a row object per value: a year, 1,296 zone-days and
 * ~290,000 values, reads in well under a second).
 *
 * What is read (docs/pipeline.md for how the `tado` tables store a day):
 * - readings (`tado.interior`) with a timestamp in `[dayStart − margin, dayEnd + margin]`, from
 *   whichever report stored them (the neighbouring days' when loaded);
 * - device intervals (`tado.device_connected`) overlapping that range, as stored (each clipped to
 *   its own report's day), from the day and its two neighbours;
 * - the step series of the day itself (`call_for_heat`, `settings`, `weather` with its
 *   `report_date`), which the ETL stored clipped to the day.
 */
import { sql, type Kysely } from 'kysely';
import { zoneDayLabel } from '../analytics/errors.js';
import {
  INPUT_MARGIN_MS,
  type DemandLevel,
  type Reading,
  type SettingValue,
  type StepInterval,
  type WeatherValue,
  type ZoneDayInput,
} from '../analytics/types.js';
import type { AnalyticsDatabase } from './analytics-database.js';
import type { MissingZoneDay, ZoneDayRef } from './analytics-records.js';
import { demandLevelOf, settingOf } from './analytics-rows.js';

/** Column arrays of one series, as the statement returns them (null: no row). */
type Columns<T extends unknown[]> = { [K in keyof T]: T[K][] | null };

interface InputRow {
  i: number;
  zone_name: string | null;
  zone_type: string | null;
  time_zone: string | null;
  placeholder: boolean | null;
  day_start_ms: number | null;
  day_end_ms: number | null;
  readings: Columns<[number, number | null, number | null]> | null;
  device: Columns<[number, number, boolean]> | null;
  call_for_heat: Columns<[number, number, string]> | null;
  settings: Columns<[number, number, string, number | null]> | null;
  weather: Columns<[number, number, string | null, number | null]> | null;
}

/**
 * The statement: one row per reference (`i`, 1-based, in any order: sorting the wide rows would
 * spill to disk). Every series is found through its primary key `(home_id, zone_id, ts |
 * interval_start)` with a bounded range: intervals are clipped to their report's day, so those of
 * the day start inside it, and those overlapping the margins start on or after the previous day.
 */
function inputsStatement(refs: readonly ZoneDayRef[]) {
  const ms = (column: string) => sql.raw(`date_part('epoch', ${column}) * 1000`);
  const margin = sql`${INPUT_MARGIN_MS}::float8 * interval '1 millisecond'`;
  return sql<InputRow>`
    WITH refs AS (
      SELECT * FROM unnest(${refs.map((r) => r.homeId)}::int[], ${refs.map((r) => r.zoneId)}::int[],
                           ${refs.map((r) => r.date)}::date[]) WITH ORDINALITY AS r(home_id, zone_id, date, i)
    ), b AS (
      SELECT r.*, z.name AS zone_name, z.zone_type, d.time_zone, d.placeholder,
             (r.date::timestamp AT TIME ZONE d.time_zone) AS day_start,
             ((r.date + 1)::timestamp AT TIME ZONE d.time_zone) AS day_end,
             ((r.date - 1)::timestamp AT TIME ZONE d.time_zone) AS previous_day_start,
             (r.date::timestamp AT TIME ZONE d.time_zone) - ${margin} AS lo,
             ((r.date + 1)::timestamp AT TIME ZONE d.time_zone) + ${margin} AS hi
      FROM refs r
      LEFT JOIN tado.zones z ON z.home_id = r.home_id AND z.zone_id = r.zone_id
      LEFT JOIN tado.days d ON d.home_id = r.home_id AND d.zone_id = r.zone_id AND d.date = r.date
    )
    SELECT b.i::int AS i, b.zone_name, b.zone_type, b.time_zone, b.placeholder,
      ${ms('b.day_start')} AS day_start_ms, ${ms('b.day_end')} AS day_end_ms,
      (SELECT json_build_array(array_agg(${ms('s.ts')}), array_agg(s.temperature_c), array_agg(s.humidity_fraction))
         FROM (SELECT * FROM tado.interior x WHERE x.home_id = b.home_id AND x.zone_id = b.zone_id
                 AND x.ts BETWEEN b.lo AND b.hi ORDER BY x.ts) s) AS readings,
      (SELECT json_build_array(array_agg(${ms('s.interval_start')}), array_agg(${ms('s.interval_end')}), array_agg(s.connected))
         FROM (SELECT * FROM tado.device_connected x WHERE x.home_id = b.home_id AND x.zone_id = b.zone_id
                 AND x.interval_start >= b.previous_day_start AND x.interval_start <= b.hi
                 AND x.interval_end > b.lo ORDER BY x.interval_start) s) AS device,
      (SELECT json_build_array(array_agg(${ms('s.interval_start')}), array_agg(${ms('s.interval_end')}), array_agg(s.level))
         FROM (SELECT * FROM tado.call_for_heat x WHERE x.home_id = b.home_id AND x.zone_id = b.zone_id
                 AND x.interval_start >= b.day_start AND x.interval_start < b.day_end
                 AND x.report_date = b.date ORDER BY x.interval_start) s) AS call_for_heat,
      (SELECT json_build_array(array_agg(${ms('s.interval_start')}), array_agg(${ms('s.interval_end')}), array_agg(s.power),
                               array_agg(s.temperature_c))
         FROM (SELECT * FROM tado.settings x WHERE x.home_id = b.home_id AND x.zone_id = b.zone_id
                 AND x.interval_start >= b.day_start AND x.interval_start < b.day_end
                 AND x.report_date = b.date ORDER BY x.interval_start) s) AS settings,
      (SELECT json_build_array(array_agg(${ms('s.interval_start')}), array_agg(${ms('s.interval_end')}), array_agg(s.state),
                               array_agg(s.temperature_c))
         FROM (SELECT * FROM tado.weather x WHERE x.home_id = b.home_id AND x.zone_id = b.zone_id
                 AND x.interval_start >= b.day_start AND x.interval_start < b.day_end
                 AND x.report_date = b.date ORDER BY x.interval_start) s) AS weather
    FROM b`;
}

/** A value the input cannot hold: the zone-day goes to `missing` with this reason. */
class UnreadableValue extends Error {}

/**
 * Indices that put `starts` in ascending order: the identity when the statement's sorted
 * subqueries kept their order (they do in practice; Postgres does not promise it for aggregates).
 */
function orderOf(starts: readonly number[]): number[] {
  const idx = starts.map((_, k) => k);
  for (let k = 1; k < starts.length; k++) {
    if ((starts[k] as number) < (starts[k - 1] as number)) {
      return idx.sort((a, b) => (starts[a] as number) - (starts[b] as number));
    }
  }
  return idx;
}

/** The intervals of a series, sorted by start, with values mapped by `value` (column arrays after the bounds). */
function intervals<V, C extends unknown[]>(
  cols: Columns<[number, number, ...C]> | null,
  value: (k: number) => V,
): StepInterval<V>[] {
  const starts = cols?.[0];
  const ends = cols?.[1];
  if (starts === null || starts === undefined || ends === null || ends === undefined) return [];
  return orderOf(starts).map((k) => ({
    startMs: Math.round(starts[k] as number),
    endMs: Math.round(ends[k] as number),
    value: value(k),
  }));
}

function readingsOf(cols: InputRow['readings']): Reading[] {
  const [ts, temperature, humidity] = cols ?? [null, null, null];
  if (ts === null) return [];
  return orderOf(ts).map((k) => ({
    tsMs: Math.round(ts[k] as number),
    temperatureC: temperature?.[k] ?? null,
    humidityFraction: humidity?.[k] ?? null,
  }));
}

function inputOf(ref: ZoneDayRef, row: InputRow, zoneName: string, timeZone: string): ZoneDayInput {
  const label = zoneDayLabel({ zoneId: ref.zoneId, zoneName, date: ref.date });
  const levels = row.call_for_heat?.[2];
  const callForHeat = intervals<DemandLevel, [string]>(row.call_for_heat, (k) => {
    const level = levels?.[k] ?? '';
    const mapped = demandLevelOf(level);
    if (mapped === undefined)
      throw new UnreadableValue(
        `${label}: tado.call_for_heat has level "${level}" (not NONE, LOW, MEDIUM or HIGH)`,
      );
    return mapped;
  });
  const [, , powers, setpoints] = row.settings ?? [];
  const settings = intervals<SettingValue, [string, number | null]>(row.settings, (k) => {
    const power = powers?.[k] ?? '';
    const mapped = settingOf(power, setpoints?.[k] ?? null);
    if (mapped === undefined)
      throw new UnreadableValue(`${label}: tado.settings has power "${power}" (not ON or OFF)`);
    return mapped;
  });
  const [, , states, outside] = row.weather ?? [];
  const weather = intervals<WeatherValue, [string | null, number | null]>(row.weather, (k) => ({
    state: states?.[k] ?? null,
    temperatureC: outside?.[k] ?? null,
  }));
  const connected = row.device?.[2];
  const deviceConnected = intervals<boolean, [boolean]>(row.device, (k) => connected?.[k] ?? false);
  return {
    homeId: ref.homeId,
    zoneId: ref.zoneId,
    zoneName,
    date: ref.date,
    timeZone,
    dayStartMs: Math.round(row.day_start_ms ?? NaN),
    dayEndMs: Math.round(row.day_end_ms ?? NaN),
    placeholder: row.placeholder ?? false,
    readings: readingsOf(row.readings),
    deviceConnected,
    callForHeat,
    settings,
    weather,
  };
}

/** Sorted by home, zone, date; duplicates removed. */
export function sortedRefs(refs: readonly ZoneDayRef[]): ZoneDayRef[] {
  const byKey = new Map<string, ZoneDayRef>();
  for (const r of refs) byKey.set(`${r.homeId}/${r.zoneId}/${r.date}`, r);
  return [...byKey.values()].sort(
    (a, b) => a.homeId - b.homeId || a.zoneId - b.zoneId || (a.date < b.date ? -1 : a.date > b.date ? 1 : 0),
  );
}

/**
 * The inputs of `refs` (sorted by home, zone, date, duplicates removed), and the zone-days that
 * cannot be read, with the reason: no such zone in `tado.zones`, not a HEATING zone, no row in
 * `tado.days` (not loaded), a `callForHeat` level or setting power tado does not document.
 * Whether the rows of a read zone-day are complete is `findIncompleteness`'s to say.
 * @throws the database error
 */
export async function readZoneDayInputs(
  db: Kysely<AnalyticsDatabase>,
  refs: readonly ZoneDayRef[],
): Promise<{ inputs: ZoneDayInput[]; missing: MissingZoneDay[] }> {
  const sorted = sortedRefs(refs);
  const inputs: ZoneDayInput[] = [];
  const missing: MissingZoneDay[] = [];
  if (sorted.length === 0) return { inputs, missing };
  const { rows } = await inputsStatement(sorted).execute(db);
  for (const row of rows.sort((a, b) => a.i - b.i)) {
    const ref = sorted[row.i - 1];
    if (ref === undefined) throw new Error(`zone-day inputs: row ${row.i} has no reference`);
    const name = row.zone_name ?? '?';
    const label = zoneDayLabel({ zoneId: ref.zoneId, zoneName: name, date: ref.date });
    const miss = (reason: string) => missing.push({ ...ref, reason: `${label}: ${reason}` });
    if (row.zone_name === null) miss(`no such zone of home ${ref.homeId} in tado.zones`);
    else if (row.zone_type !== 'HEATING')
      miss(`a ${row.zone_type ?? '?'} zone, not HEATING (no day reports)`);
    else if (row.time_zone === null) miss('no day report stored in tado.days (not loaded)');
    else {
      try {
        inputs.push(inputOf(ref, row, row.zone_name, row.time_zone));
      } catch (e) {
        if (!(e instanceof UnreadableValue)) throw e;
        missing.push({ ...ref, reason: e.message });
      }
    }
  }
  return { inputs, missing };
}
