/**
 * Generates tado day reports (pure code): deterministic for (seed, zone, date, cut-off time),
 * with the real report's time layout and a small physical model behind the numbers.
 *
 * Layout (as the two real 2022 reports show, tado-api.md §5.2): the window is local midnight − 15
 * min to the next local midnight + 15 min, in UTC with milliseconds; `insideTemperature` and
 * `humidity` sit on a 15-minute grid from `from` to `to` inclusive (99 points on a 24-hour day,
 * 95 on a 23-hour and 103 on a 25-hour day); interval series are contiguous from `from` to `to`
 * with inner boundaries on odd seconds; a report asked for before its window closed ends at that
 * moment (`interval.to` and the last `to` are the request time, with one last off-grid point).
 *
 * Model: outdoor weather from `uk-weather.ts`; per zone a schedule of setpoints (HOME), home-wide
 * AWAY days, manual boosts (OVERLAY_ACTIVE), open windows, device-offline periods and a summer
 * switch-off (an all-day OFF overlay, as in the real August report); indoor temperature integrated
 * minute by minute from heat loss towards outdoors, heating power following `callForHeat`
 * (re-evaluated every 5 minutes), internal and solar gains; humidity from the outdoor vapour
 * pressure plus occupants' moisture over the indoor saturation pressure. The simulation starts
 * three days before the report so that adjacent reports agree on their 30-minute overlap.
 */
import { DateTime } from 'luxon';
import { hashUnit, tagId } from './seeded-random.js';
import type { ScheduleBlock, SimHome, SimZone } from './sim-home.js';
import {
  isSunny,
  outdoorVapourPressureHpa,
  summerness,
  outdoorWeather,
  saturationVapourPressureHpa,
  weatherState,
  type OutdoorWeather,
} from './uk-weather.js';

const MINUTE = 60_000;
const QUARTER = 15 * MINUTE;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WARMUP_DAYS = 3;

/** A request for one report. */
export interface DayReportRequest {
  /** Seed of the simulated world. */
  readonly seed: number;
  readonly home: SimHome;
  readonly zone: SimZone;
  /** Local date `YYYY-MM-DD`. */
  readonly date: string;
  /** The simulator's current time (ms since epoch): today's report ends here. */
  readonly nowMs: number;
  /** Days older than this get tado's placeholder report (20 °C, 0.5, null weather); undefined: never. */
  readonly placeholderAfterDays?: number | undefined;
}

/** A generated report, or the error tado would answer. */
export type DayReportOutcome =
  | { readonly ok: true; readonly report: Record<string, unknown> }
  | {
      readonly ok: false;
      readonly status: number;
      readonly body: { errors: { code: string; title: string; zoneType?: string }[] };
    };

interface Setting {
  readonly type: 'HEATING';
  readonly power: 'ON' | 'OFF';
  readonly temperature: { celsius: number; fahrenheit: number } | null;
}

/** What the zone does during a piece of time. */
interface Mode {
  readonly stripeType: string;
  /** `stripes[].value.setting` (absent for AWAY). */
  readonly stripeSetting: Setting | undefined;
  /** `settings[].value`. */
  readonly setting: Setting;
  /** Setpoint the controller aims at; null when heating is off. */
  readonly setpointC: number | null;
  /** `measuringDeviceConnected`. */
  readonly connected: boolean;
  /** A window is open (fast heat loss). */
  readonly windowOpen: boolean;
  /** Occupancy factor 0..1 for moisture and gains. */
  readonly occupancy: number;
}

interface Piece {
  start: number;
  end: number;
  mode: Mode;
}

const r2 = (x: number): number => Math.round(x * 100) / 100;
const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const temp = (c: number): { celsius: number; fahrenheit: number } => {
  const celsius = r2(c);
  return { celsius, fahrenheit: r2(celsius * 1.8 + 32) };
};
const iso = (ms: number): string => new Date(ms).toISOString();
const heating = (setpointC: number | null): Setting =>
  setpointC === null
    ? { type: 'HEATING', power: 'OFF', temperature: null }
    : { type: 'HEATING', power: 'ON', temperature: temp(setpointC) };

// -----------------------------------------------------------------------------------------------
// local calendar helpers (luxon handles the clock changes)

const localMsCache = new Map<string, number>();

/** UTC ms of local `HH:MM` on `date` in `zone` (cached: a backfill asks for the same days again and again). */
function localMs(date: string, hhmm: string, zone: string): number {
  const key = `${zone} ${date}T${hhmm}`;
  let ms = localMsCache.get(key);
  if (ms === undefined) {
    if (localMsCache.size > 50_000) localMsCache.clear();
    ms = DateTime.fromISO(`${date}T${hhmm}`, { zone }).toMillis();
    localMsCache.set(key, ms);
  }
  return ms;
}

/** `date` ± days (calendar arithmetic in UTC, no time zone involved). */
function shiftDate(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** ISO weekday of a date: 1 = Monday … 7 = Sunday. */
function isoWeekday(date: string): number {
  const d = new Date(Date.parse(`${date}T00:00:00Z`)).getUTCDay();
  return d === 0 ? 7 : d;
}

/** Local date of an instant. */
export function localDateOf(ms: number, zone: string): string {
  return DateTime.fromMillis(ms, { zone }).toISODate() ?? '';
}

/** The report window of a local date: `[from, to]` and the hours of the day. */
export function reportWindow(
  date: string,
  zone: string,
): { fromMs: number; toMs: number; hoursInDay: number; dayStartMs: number } {
  const dayStartMs = localMs(date, '00:00', zone);
  const nextMs = localMs(shiftDate(date, 1), '00:00', zone);
  return {
    fromMs: dayStartMs - QUARTER,
    toMs: nextMs + QUARTER,
    hoursInDay: Math.round((nextMs - dayStartMs) / HOUR),
    dayStartMs,
  };
}

// -----------------------------------------------------------------------------------------------
// the day plan: pieces of time with a mode

function inSummerOff(home: SimHome, date: string): boolean {
  const md = date.slice(5);
  return md >= home.summerOffFrom && md < home.summerOffTo;
}

/** A boundary on local `HH:MM` of `date`, pushed by a deterministic 0–59.999 s (tado boundaries fall on odd seconds). */
function oddMs(base: number, ...key: number[]): number {
  return base + Math.floor(hashUnit(...key) * 59_999);
}

function paint(pieces: Piece[], start: number, end: number, mode: Mode): Piece[] {
  if (end <= start) return pieces;
  const out: Piece[] = [];
  for (const p of pieces) {
    if (p.end <= start || p.start >= end) {
      out.push(p);
      continue;
    }
    if (p.start < start) out.push({ start: p.start, end: start, mode: p.mode });
    if (p.end > end) out.push({ start: end, end: p.end, mode: p.mode });
  }
  out.push({ start, end, mode });
  out.sort((a, b) => a.start - b.start);
  return out;
}

function scheduleFor(zone: SimZone, date: string): readonly ScheduleBlock[] {
  return isoWeekday(date) >= 6 ? zone.weekend : zone.weekday;
}

/** The pieces of one local day for a zone. */
function planDay(seed: number, home: SimHome, zone: SimZone, date: string): Piece[] {
  const tz = home.timeZone;
  const z = zone.id;
  const d = tagId(date);
  const dayStart = localMs(date, '00:00', tz);
  const dayEnd = localMs(shiftDate(date, 1), '00:00', tz);
  const off = inSummerOff(home, date);
  const occupancyAt = (hhmm: number): number => (hhmm < 7 || hhmm >= 22 ? 1 : 0.8);
  const homeMode = (setpointC: number | null, occupancy: number): Mode => ({
    stripeType: 'HOME',
    stripeSetting: heating(setpointC),
    setting: heating(setpointC),
    setpointC,
    connected: true,
    windowOpen: false,
    occupancy,
  });
  let pieces: Piece[] = [];

  if (off) {
    const offSetting = heating(null);
    pieces.push({
      start: dayStart,
      end: dayEnd,
      mode: {
        stripeType: 'OVERLAY_ACTIVE',
        stripeSetting: offSetting,
        setting: offSetting,
        setpointC: null,
        connected: true,
        windowOpen: false,
        occupancy: 0.9,
      },
    });
  } else {
    const blocks = scheduleFor(zone, date);
    blocks.forEach((b, i) => {
      const start = i === 0 ? dayStart : oddMs(localMs(date, b.start, tz), seed, z, d, 1, i);
      const next = blocks[i + 1];
      const end = next === undefined ? dayEnd : oddMs(localMs(date, next.start, tz), seed, z, d, 1, i + 1);
      const h = Number(b.start.slice(0, 2));
      pieces.push({ start, end, mode: homeMode(b.setpointC, occupancyAt(h)) });
    });
    // home-wide AWAY days (geofencing): same for every zone
    const wd = isoWeekday(date);
    if (hashUnit(seed, d, 2) < (wd >= 6 ? 0.12 : 0.3)) {
      const awayFrom = oddMs(
        localMs(date, '08:50', tz) + Math.floor(hashUnit(seed, d, 3) * 50) * MINUTE,
        seed,
        d,
        4,
      );
      const awayTo = oddMs(
        localMs(date, '15:40', tz) + Math.floor(hashUnit(seed, d, 5) * 110) * MINUTE,
        seed,
        d,
        6,
      );
      const away: Mode = {
        stripeType: 'AWAY',
        stripeSetting: undefined,
        setting: heating(home.awaySetpointC),
        setpointC: home.awaySetpointC,
        connected: true,
        windowOpen: false,
        occupancy: 0.15,
      };
      pieces = paint(pieces, awayFrom, awayTo, away);
    }
    // a manual boost in the evening
    if (hashUnit(seed, z, d, 7) < 0.18) {
      const start = oddMs(
        localMs(date, '18:00', tz) + Math.floor(hashUnit(seed, z, d, 8) * 180) * MINUTE,
        seed,
        z,
        d,
        9,
      );
      const end =
        start +
        (30 + Math.floor(hashUnit(seed, z, d, 10) * 60)) * MINUTE +
        Math.floor(hashUnit(seed, z, d, 11) * 59_999);
      const s = heating(zone.boostC);
      pieces = paint(pieces, start, Math.min(end, dayEnd), {
        stripeType: 'OVERLAY_ACTIVE',
        stripeSetting: s,
        setting: s,
        setpointC: zone.boostC,
        connected: true,
        windowOpen: false,
        occupancy: 1,
      });
    }
    // an open window, detected
    if (hashUnit(seed, z, d, 12) < 0.06) {
      const start = oddMs(
        localMs(date, '10:00', tz) + Math.floor(hashUnit(seed, z, d, 13) * 360) * MINUTE,
        seed,
        z,
        d,
        14,
      );
      const end =
        start +
        (10 + Math.floor(hashUnit(seed, z, d, 15) * 20)) * MINUTE +
        Math.floor(hashUnit(seed, z, d, 16) * 59_999);
      const s = heating(null);
      pieces = paint(pieces, start, end, {
        stripeType: 'OPEN_WINDOW_DETECTED',
        stripeSetting: s,
        setting: s,
        setpointC: null,
        connected: true,
        windowOpen: true,
        occupancy: 0.8,
      });
    }
  }
  // the device drops off the network now and then
  if (hashUnit(seed, z, d, 17) < 0.025) {
    const start = dayStart + Math.floor(hashUnit(seed, z, d, 18) * 20 * HOUR);
    const end = start + HOUR + Math.floor(hashUnit(seed, z, d, 19) * 5 * HOUR);
    pieces = paint(pieces, start, Math.min(end, dayEnd), disconnected());
  }
  return pieces;
}

function disconnected(): Mode {
  const s = heating(null);
  return {
    stripeType: 'MEASURING_DEVICE_DISCONNECTED',
    stripeSetting: s,
    setting: s,
    setpointC: null,
    connected: false,
    windowOpen: false,
    occupancy: 0.8,
  };
}

// -----------------------------------------------------------------------------------------------
// interval series helpers

interface Interval<V> {
  from: string;
  to: string;
  value: V;
}

/** Clips `[start, end)` pieces to `[from, to]` and merges neighbours whose `key` is equal. */
function toIntervals<V>(
  pieces: readonly { start: number; end: number; value: V }[],
  fromMs: number,
  toMs: number,
  key: (v: V) => string,
): Interval<V>[] {
  const out: { start: number; end: number; value: V; k: string }[] = [];
  for (const p of pieces) {
    const start = Math.max(p.start, fromMs);
    const end = Math.min(p.end, toMs);
    if (end <= start) continue;
    const k = key(p.value);
    const last = out[out.length - 1];
    if (last !== undefined && last.k === k && last.end === start) last.end = end;
    else out.push({ start, end, value: p.value, k });
  }
  return out.map((p) => ({ from: iso(p.start), to: iso(p.end), value: p.value }));
}

// -----------------------------------------------------------------------------------------------
// the report

const LEVEL_POWER: Record<string, number> = { NONE: 0, LOW: 0.3, MEDIUM: 0.6, HIGH: 1 };

function callForHeatLevel(setpointC: number | null, insideC: number): string {
  if (setpointC === null) return 'NONE';
  const p = Math.min(1, Math.max(0, (setpointC - insideC + 0.2) / 1.2));
  if (p < 0.08) return 'NONE';
  if (p < 0.4) return 'LOW';
  if (p < 0.75) return 'MEDIUM';
  return 'HIGH';
}

function errorOutcome(status: number, code: string, title: string, zoneType?: string): DayReportOutcome {
  return {
    ok: false,
    status,
    body: { errors: [{ code, title, ...(zoneType === undefined ? {} : { zoneType }) }] },
  };
}

/**
 * Generates the report (or tado's error for it): 422 `unsupportedForZoneType` for HOT_WATER,
 * 422 `beforeZoneCreation` before the zone's local creation date, 422 `dateInFuture` after today.
 */
export function generateDayReport(req: DayReportRequest): DayReportOutcome {
  const { seed, home, zone, date } = req;
  const tz = home.timeZone;
  if (zone.type !== 'HEATING') {
    return errorOutcome(
      422,
      'unsupportedForZoneType',
      `day report is not supported for zone type ${zone.type}`,
      zone.type,
    );
  }
  const createdMs = Date.parse(zone.dateCreated);
  if (date < localDateOf(createdMs, tz)) {
    return errorOutcome(422, 'beforeZoneCreation', `requested date ${date} is before zone creation`);
  }
  const win = reportWindow(date, tz);
  if (win.dayStartMs > req.nowMs) {
    return errorOutcome(422, 'dateInFuture', `requested date ${date} is in the future`);
  }
  if (req.placeholderAfterDays !== undefined && req.nowMs - win.dayStartMs > req.placeholderAfterDays * DAY) {
    return { ok: true, report: placeholderReport(win) };
  }
  const cutMs = Math.min(req.nowMs, win.toMs);

  // plan of the days around the report
  let pieces: Piece[] = [];
  for (let i = -WARMUP_DAYS; i <= 1; i++) pieces.push(...planDay(seed, home, zone, shiftDate(date, i)));
  // before the zone existed: no device
  if (createdMs > win.fromMs - WARMUP_DAYS * DAY)
    pieces = paint(pieces, pieces[0]?.start ?? 0, createdMs, disconnected());
  const simStart = pieces[0]?.start ?? win.fromMs;

  // --- physics, one step per minute
  const z = zone.id;
  const tauH = zone.lossTimeConstantH;
  let weather: OutdoorWeather = outdoorWeather(seed, simStart);
  // start near the steady state of the last days
  let meanOut = 0;
  for (let k = 0; k < 24; k++) meanOut += outdoorWeather(seed, simStart - k * 3 * HOUR).temperatureC / 24;
  let insideC = meanOut + (zone.gainsKPerH + zone.solarGainKPerH * 0.15) * tauH;
  const firstSetpoint = pieces[0]?.mode.setpointC ?? null;
  if (firstSetpoint !== null) insideC = Math.max(insideC, firstSetpoint - 1.5);
  let vapourHpa = outdoorVapourPressureHpa(weather) + zone.moistureHpa * 0.8;
  // slow-moving inputs, refreshed with the weather every 5 minutes
  let outdoorVapour = outdoorVapourPressureHpa(weather);
  let moistureKept = 1 - 0.6 * summerness(simStart);
  let level = 'NONE';
  let pieceIdx = 0;
  const cfh: { start: number; end: number; value: string }[] = [];
  const gridTimes: number[] = [];
  for (let t = win.fromMs; t <= cutMs; t += QUARTER) gridTimes.push(t);
  const extraPoint = cutMs < win.toMs && (cutMs - win.fromMs) % QUARTER !== 0;
  if (extraPoint) gridTimes.push(cutMs);
  const tempPoints: number[] = [];
  const humPoints: number[] = [];
  let gridIdx = 0;
  let staleC = insideC;
  let staleRh = 0.5;
  const endMs = cutMs;
  for (let t = simStart; gridIdx < gridTimes.length && t <= endMs + MINUTE; t += MINUTE) {
    while (pieceIdx < pieces.length - 1 && (pieces[pieceIdx]?.end ?? Infinity) <= t) pieceIdx++;
    const mode = pieces[pieceIdx]?.mode ?? disconnected();
    if ((t - simStart) % (5 * MINUTE) === 0) {
      weather = outdoorWeather(seed, t);
      outdoorVapour = outdoorVapourPressureHpa(weather);
      moistureKept = 1 - 0.6 * summerness(t);
      const next = mode.connected ? callForHeatLevel(mode.setpointC, insideC) : 'NONE';
      if (next !== level || cfh.length === 0) {
        const at = cfh.length === 0 ? simStart : t + Math.floor(hashUnit(seed, z, t / MINUTE, 20) * 55_000);
        const last = cfh[cfh.length - 1];
        if (last !== undefined) last.end = at;
        cfh.push({ start: at, end: Infinity, value: next });
        level = next;
      }
    }
    // record before stepping: the state at time t
    while (gridIdx < gridTimes.length && (gridTimes[gridIdx] ?? Infinity) <= t) {
      if (mode.connected) {
        const noise = (hashUnit(seed, z, gridTimes[gridIdx] ?? 0, 21) - 0.5) * 0.06;
        staleC = insideC + noise;
        const rh = vapourHpa / saturationVapourPressureHpa(insideC);
        staleRh = Math.min(
          0.95,
          Math.max(0.2, rh + (hashUnit(seed, z, gridTimes[gridIdx] ?? 0, 22) - 0.5) * 0.004),
        );
      }
      tempPoints.push(staleC);
      humPoints.push(staleRh);
      gridIdx++;
    }
    const power = LEVEL_POWER[level] ?? 0;
    const outC = weather.temperatureC;
    let dT =
      (outC - insideC) / tauH +
      power * zone.heatRateKPerH +
      zone.solarGainKPerH * weather.solarFraction * (1 - 0.8 * weather.cloudFraction) +
      zone.gainsKPerH * (0.5 + mode.occupancy);
    if (mode.windowOpen) dT += (outC - insideC) / 1.2;
    // on warm days people open windows
    else if (mode.setpointC === null && mode.connected && insideC > 23 && outC < insideC)
      dT += (outC - insideC) / 7;
    insideC += dT / 60;
    // moisture: occupants, a shower in the morning, cooking in the evening
    const localH = (t - win.dayStartMs) / HOUR;
    const hod = ((localH % 24) + 24) % 24;
    // more ventilation in summer: less of the occupants' moisture stays in
    let source = zone.moistureHpa * mode.occupancy * moistureKept;
    if (z === 2 && hod >= 7 && hod < 7.5) source += 3;
    if (z === 3 && hod >= 18 && hod < 19) source += 3;
    const target = outdoorVapour + source;
    const tauMoistH = mode.windowOpen ? 0.3 : 1.6;
    vapourHpa += (target - vapourHpa) / (tauMoistH * 60);
  }
  const last = cfh[cfh.length - 1];
  if (last !== undefined) last.end = win.toMs;

  // --- outputs
  const points = gridTimes.slice(0, tempPoints.length);
  const tempValues = tempPoints.map((c) => temp(c));
  const humValues = humPoints.map((h) => r3(h));
  const celsius = tempValues.map((v) => v.celsius);
  const minC = Math.min(...celsius);
  const maxC = Math.max(...celsius);
  const settingKey = (s: Setting): string => `${s.power}:${s.temperature?.celsius ?? ''}`;
  const modePieces = pieces.map((p) => ({ start: p.start, end: p.end, value: p.mode }));

  const report: Record<string, unknown> = {
    zoneType: 'HEATING',
    interval: { from: iso(win.fromMs), to: iso(cutMs) },
    hoursInDay: win.hoursInDay,
    measuredData: {
      measuringDeviceConnected: {
        timeSeriesType: 'dataIntervals',
        valueType: 'boolean',
        dataIntervals: toIntervals(
          modePieces.map((p) => ({ start: p.start, end: p.end, value: p.value.connected })),
          win.fromMs,
          cutMs,
          String,
        ),
      },
      insideTemperature: {
        timeSeriesType: 'dataPoints',
        valueType: 'temperature',
        min: temp(minC),
        max: temp(maxC),
        dataPoints: points.map((t, i) => ({ timestamp: iso(t), value: tempValues[i] })),
      },
      humidity: {
        timeSeriesType: 'dataPoints',
        valueType: 'percentage',
        percentageUnit: 'UNIT_INTERVAL',
        min: Math.min(...humValues),
        max: Math.max(...humValues),
        dataPoints: points.map((t, i) => ({ timestamp: iso(t), value: humValues[i] })),
      },
    },
    stripes: {
      timeSeriesType: 'dataIntervals',
      valueType: 'stripes',
      dataIntervals: toIntervals(
        modePieces.map((p) => {
          const value: { stripeType: string; setting?: Setting } =
            p.value.stripeSetting === undefined
              ? { stripeType: p.value.stripeType }
              : { stripeType: p.value.stripeType, setting: p.value.stripeSetting };
          return { start: p.start, end: p.end, value };
        }),
        win.fromMs,
        cutMs,
        (v) => `${v.stripeType}|${v.setting === undefined ? '' : settingKey(v.setting)}`,
      ),
    },
    settings: {
      timeSeriesType: 'dataIntervals',
      valueType: 'heatingSetting',
      dataIntervals: toIntervals(
        modePieces.map((p) => ({ start: p.start, end: p.end, value: p.value.setting })),
        win.fromMs,
        cutMs,
        settingKey,
      ),
    },
    callForHeat: {
      timeSeriesType: 'dataIntervals',
      valueType: 'callForHeat',
      dataIntervals: toIntervals(cfh, win.fromMs, cutMs, String),
    },
    weather: weatherBlock(seed, date, tz, win.fromMs, cutMs),
  };
  return { ok: true, report };
}

/** `weather.condition`, `sunny` and `slots` for a window. */
function weatherBlock(
  seed: number,
  date: string,
  tz: string,
  fromMs: number,
  cutMs: number,
): Record<string, unknown> {
  // boundaries every 15 min at hh:13:41 + up to 1.5 s (as in the real reports), hourly temperature readings
  const phase = 13 * MINUTE + 41_000;
  const boundary = (k: number): number => k * QUARTER + phase + Math.floor(hashUnit(seed, 40, k) * 1500);
  let k = Math.floor((fromMs - phase) / QUARTER) + 1;
  const starts: number[] = [fromMs];
  const keys: number[] = [k - 1];
  for (; boundary(k) < cutMs; k++) {
    starts.push(boundary(k));
    keys.push(k);
  }
  const nullIdx =
    hashUnit(seed, tagId(date), 41) < 0.01 ? Math.floor(hashUnit(seed, tagId(date), 42) * starts.length) : -1;
  const condition: Interval<Record<string, unknown> | null>[] = [];
  const sunnyPieces: { start: number; end: number; value: boolean }[] = [];
  for (let i = 0; i < starts.length; i++) {
    const start = starts[i] ?? fromMs;
    const end = starts[i + 1] ?? cutMs;
    const key = keys[i] ?? 0;
    const at = boundary(key);
    const w = outdoorWeather(seed, at);
    const readingKey = key - (((key % 4) + 4) % 4);
    const readingC = outdoorWeather(seed, boundary(readingKey)).temperatureC;
    condition.push({
      from: iso(start),
      to: iso(end),
      value: i === nullIdx ? null : { state: weatherState(seed, at, w), temperature: temp(readingC) },
    });
    sunnyPieces.push({ start, end, value: isSunny(w) });
  }
  const slots: Record<string, unknown> = {};
  for (const hhmm of ['04:00', '08:00', '12:00', '16:00', '20:00']) {
    const at = localMs(date, hhmm, tz);
    const w = outdoorWeather(seed, at);
    slots[hhmm] =
      hashUnit(seed, tagId(date), tagId(hhmm), 43) < 0.005
        ? null
        : {
            state: weatherState(seed, at, w),
            temperature: temp(w.temperatureC + (hashUnit(seed, at, 44) - 0.5) * 0.8),
          };
  }
  return {
    condition: { timeSeriesType: 'dataIntervals', valueType: 'weatherCondition', dataIntervals: condition },
    sunny: {
      timeSeriesType: 'dataIntervals',
      valueType: 'boolean',
      dataIntervals: toIntervals(sunnyPieces, fromMs, cutMs, String),
    },
    slots: { timeSeriesType: 'slots', valueType: 'weatherCondition', slots },
  };
}

/** tado's placeholder for days far in the past (tado-api.md §5.4, a real capture). */
function placeholderReport(win: {
  fromMs: number;
  toMs: number;
  hoursInDay: number;
}): Record<string, unknown> {
  const from = iso(win.fromMs);
  const to = iso(win.toMs);
  const whole = <V>(value: V) => [{ from, to, value }];
  const points: number[] = [];
  for (let t = win.fromMs; t <= win.toMs; t += QUARTER) points.push(t);
  const t20 = temp(20);
  const set20 = { type: 'HEATING', power: 'ON', temperature: t20 };
  return {
    zoneType: 'HEATING',
    interval: { from, to },
    hoursInDay: win.hoursInDay,
    measuredData: {
      measuringDeviceConnected: {
        timeSeriesType: 'dataIntervals',
        valueType: 'boolean',
        dataIntervals: whole(true),
      },
      insideTemperature: {
        timeSeriesType: 'dataPoints',
        valueType: 'temperature',
        min: t20,
        max: t20,
        dataPoints: points.map((t) => ({ timestamp: iso(t), value: t20 })),
      },
      humidity: {
        timeSeriesType: 'dataPoints',
        valueType: 'percentage',
        percentageUnit: 'UNIT_INTERVAL',
        min: 0.5,
        max: 0.5,
        dataPoints: points.map((t) => ({ timestamp: iso(t), value: 0.5 })),
      },
    },
    stripes: {
      timeSeriesType: 'dataIntervals',
      valueType: 'stripes',
      dataIntervals: whole({ stripeType: 'OVERLAY_ACTIVE', setting: set20 }),
    },
    settings: { timeSeriesType: 'dataIntervals', valueType: 'heatingSetting', dataIntervals: whole(set20) },
    callForHeat: { timeSeriesType: 'dataIntervals', valueType: 'callForHeat', dataIntervals: whole('NONE') },
    weather: {
      condition: {
        timeSeriesType: 'dataIntervals',
        valueType: 'weatherCondition',
        dataIntervals: whole(null),
      },
      sunny: { timeSeriesType: 'dataIntervals', valueType: 'boolean', dataIntervals: whole(false) },
      slots: {
        timeSeriesType: 'slots',
        valueType: 'weatherCondition',
        slots: { '04:00': null, '08:00': null, '12:00': null, '16:00': null, '20:00': null },
      },
    },
  };
}
