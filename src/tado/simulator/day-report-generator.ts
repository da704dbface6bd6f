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
import { acDayReport } from './ac-day-report.js';
import { planDay, paint, disconnected, temp, type Piece, type Setting } from './day-plan.js';
import { injectedEventsOn } from './injected-events.js';
import { hashUnit, tagId } from './seeded-random.js';
import {
  DAY_MS as DAY,
  localDateOf,
  localMs,
  MINUTE_MS as MINUTE,
  QUARTER_MS as QUARTER,
  reportWindow,
  shiftDate,
} from './sim-calendar.js';
import type { SimHome, SimZone } from './sim-home.js';
import {
  isSunny,
  outdoorVapourPressureHpa,
  summerness,
  outdoorWeather,
  saturationVapourPressureHpa,
  weatherState,
  type OutdoorWeather,
} from './uk-weather.js';
import {
  CONTROL_PERIOD_MS,
  LEVEL_POWER,
  callForHeatLevel,
  insideRateKPerH,
  type CallForHeatLevel,
} from './zone-physics.js';

export { localDateOf, reportWindow } from './sim-calendar.js';

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

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const iso = (ms: number): string => new Date(ms).toISOString();

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
 * An AIR_CONDITIONING zone gets its AC report (`ac-day-report.ts`; placeholder mode is for
 * heating zones only).
 */
export function generateDayReport(req: DayReportRequest): DayReportOutcome {
  const { seed, home, zone, date } = req;
  const tz = home.timeZone;
  if (zone.type === 'HOT_WATER') {
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
  if (zone.type === 'AIR_CONDITIONING') {
    const acCutMs = Math.min(req.nowMs, win.toMs);
    const weather = weatherBlock(seed, date, tz, win.fromMs, acCutMs);
    return {
      ok: true,
      report: acDayReport({ seed, zone, date, timeZone: tz, win, cutMs: acCutMs, weather }),
    };
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
  const HOUR = 60 * MINUTE;
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
  let level: CallForHeatLevel = 'NONE';
  let pieceIdx = 0;
  const cfh: { start: number; end: number; value: CallForHeatLevel }[] = [];
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
    if ((t - simStart) % CONTROL_PERIOD_MS === 0) {
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
    const dT = insideRateKPerH({
      zone,
      insideC,
      outsideC: weather.temperatureC,
      heatFraction: mode.heatAvailable ? LEVEL_POWER[level] : 0,
      solarFraction: weather.solarFraction,
      cloudFraction: weather.cloudFraction,
      occupancy: mode.occupancy,
      windowTimeConstantH: mode.windowTimeConstantH,
      freeFloating: mode.setpointC === null && mode.connected,
    });
    insideC += dT / 60;
    // moisture: occupants, a shower in the morning, cooking in the evening
    const localH = (t - win.dayStartMs) / HOUR;
    const hod = ((localH % 24) + 24) % 24;
    // more ventilation in summer: less of the occupants' moisture stays in
    let source = zone.moistureHpa * mode.occupancy * moistureKept;
    if (z === 2 && hod >= 7 && hod < 7.5) source += 3;
    if (z === 3 && hod >= 18 && hod < 19) source += 3;
    const target = outdoorVapour + source;
    const tauMoistH = mode.windowTimeConstantH === null ? 1.6 : Math.min(1.6, mode.windowTimeConstantH / 4);
    vapourHpa += (target - vapourHpa) / (tauMoistH * 60);
  }
  const last = cfh[cfh.length - 1];
  if (last !== undefined) last.end = win.toMs;

  // --- outputs: an injected sensor spike shifts its one reading (tado-api.md shows none; issue 12 §3)
  const points = gridTimes.slice(0, tempPoints.length);
  for (let i = -1; i <= 1; i++) {
    for (const e of injectedEventsOn(seed, home, z, shiftDate(date, i))) {
      if (e.kind !== 'sensor_spike') continue;
      const k = points.indexOf(e.startMs);
      const v = tempPoints[k];
      if (v !== undefined) tempPoints[k] = v + (e.offsetC ?? 0);
    }
  }
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
