/**
 * The day report of a simulated AIR_CONDITIONING zone (pure): deterministic for (seed, zone,
 * date, cut-off time), with the layout of a heating report (window, 15-minute grid, contiguous
 * interval series, the home's weather block) and the AC series instead of the heating ones.
 *
 * Shape (tado's community OpenAPI description, kritsel/tado-openapispec-v2 `DayReport`,
 * `PowerTimeSeries`, `ZoneSetting`, `AirConditioningZoneSettingsBase`; tado-api.md §5.1 and
 * §5.4): `zoneType: "AIR_CONDITIONING"`; no `callForHeat`; `acActivity` with `valueType "power"`
 * and `ON`/`OFF` intervals (the unit running); `settings` with `valueType
 * "airConditioningSetting"`, values `{type: "AIR_CONDITIONING", power, mode, temperature,
 * fanLevel, verticalSwing, horizontalSwing}`, `power: "OFF"` alone when off, and no `temperature`
 * in FAN and DRY (the modes without a setpoint, as the Home Assistant tado integration's
 * `TADO_MODES_WITH_NO_TEMP_SETTING` has them). Stripes are HOME with the setting.
 *
 * Behaviour (a loft office with a split unit): each local day gets one run of the unit, chosen
 * from the afternoon's outdoor temperature: COOL to 24 °C on warm days (fan LEVEL2, LEVEL3 when
 * hot), DRY on mild wet days and FAN on mild dry ones (no setpoint), AUTO at 22 °C on some cool
 * mornings, HEAT to 21 °C on cold mornings (the unit as a heat pump), off otherwise. The unit
 * runs (`acActivity` ON) when its thermostat calls, re-decided every 5 minutes with hysteresis;
 * FAN and DRY run the whole time they are on. Indoor temperature is integrated minute by minute
 * (loss towards outdoors, internal and solar gains, the unit's capacity); humidity is the indoor
 * vapour pressure (outdoor plus occupants, less while cooling or drying) over saturation. The
 * simulation starts three days before the report so that adjacent reports agree on their
 * 30-minute overlap. The measuring device is always connected.
 */
import { temp } from './day-plan.js';
import { hashUnit } from './seeded-random.js';
import { HOUR_MS, isoWeekday, localMs, MINUTE_MS, QUARTER_MS, shiftDate } from './sim-calendar.js';
import type { SimZone } from './sim-home.js';
import { outdoorVapourPressureHpa, outdoorWeather, saturationVapourPressureHpa } from './uk-weather.js';

/** tado's AC modes (`settings[].value.mode`). */
export type AcMode = 'COOL' | 'HEAT' | 'DRY' | 'FAN' | 'AUTO';

/** An AC setting as the report carries it (`settings[].value`, `stripes[].value.setting`). */
export interface AcSetting {
  readonly type: 'AIR_CONDITIONING';
  readonly power: 'ON' | 'OFF';
  readonly mode?: AcMode;
  readonly temperature?: { celsius: number; fahrenheit: number };
  readonly fanLevel?: string;
  readonly verticalSwing?: string;
  readonly horizontalSwing?: string;
}

/** What {@link acDayReport} needs: the zone, the day, its window and the home's weather block. */
export interface AcDayReportInput {
  readonly seed: number;
  readonly zone: SimZone;
  /** local date `YYYY-MM-DD` */
  readonly date: string;
  /** the home's IANA time zone */
  readonly timeZone: string;
  /** the report window (`reportWindow`) */
  readonly win: { readonly fromMs: number; readonly toMs: number; readonly hoursInDay: number };
  /** where the report ends: `win.toMs`, or the request time for today's report */
  readonly cutMs: number;
  /** the `weather` block, the same as the heating zones' reports of that day */
  readonly weather: Record<string, unknown>;
}

const OFF: AcSetting = { type: 'AIR_CONDITIONING', power: 'OFF' };
const WARMUP_DAYS = 3;
/** Thermostat decisions every 5 minutes, as the heating zones' `callForHeat`. */
const CONTROL_MS = 5 * MINUTE_MS;

/** The unit's one run on a local day: `[start, end)` with its setting, or none. */
interface AcRun {
  readonly start: number;
  readonly end: number;
  readonly setting: AcSetting;
}

/** Mean outdoor °C of the local afternoon (13:00, 15:00, 17:00) of `date`. */
function afternoonOutdoorC(seed: number, date: string, tz: string): number {
  const ts = ['13:00', '15:00', '17:00'].map((h) => localMs(date, h, tz));
  return ts.reduce((sum, t) => sum + outdoorWeather(seed, t).temperatureC, 0) / ts.length;
}

/** A local time with up to 20 min of seeded jitter on odd seconds and milliseconds. */
function jittered(seed: number, zoneId: number, date: string, hhmm: string, tz: string, k: number): number {
  const at = localMs(date, hhmm, tz);
  return at + Math.floor(hashUnit(seed, zoneId, at / MINUTE_MS, 60 + k) * 1_200_000);
}

/** The unit's run on `date` (pure, seeded), chosen from the afternoon's weather (see the file's doc). */
export function acRunOn(seed: number, zone: SimZone, date: string, tz: string): AcRun | undefined {
  const outC = afternoonOutdoorC(seed, date, tz);
  const weekend = isoWeekday(date) >= 6;
  const u = hashUnit(seed, zone.id, Date.parse(`${date}T00:00:00Z`) / HOUR_MS, 61);
  const rain = outdoorWeather(seed, localMs(date, '14:00', tz)).rainIntensity > 0;
  const run = (from: string, to: string, setting: AcSetting): AcRun => ({
    start: jittered(seed, zone.id, date, from, tz, 1),
    end: jittered(seed, zone.id, date, to, tz, 2),
    setting,
  });
  const ac = (mode: AcMode, extra: Omit<AcSetting, 'type' | 'power' | 'mode'>): AcSetting => ({
    type: 'AIR_CONDITIONING',
    power: 'ON',
    mode,
    ...extra,
  });
  if (u < 0.05) return undefined; // a day the office is not used
  if (outC >= 21) {
    return run(
      weekend ? '11:00' : '12:00',
      '19:00',
      ac('COOL', {
        temperature: temp(24),
        fanLevel: outC >= 25 ? 'LEVEL3' : 'LEVEL2',
        verticalSwing: 'MID',
        horizontalSwing: 'OFF',
      }),
    );
  }
  if (outC >= 17) {
    if (rain)
      return run(
        '13:00',
        '16:00',
        ac('DRY', { fanLevel: 'LEVEL1', verticalSwing: 'OFF', horizontalSwing: 'OFF' }),
      );
    if (u < 0.55)
      return run(
        '13:00',
        '17:00',
        ac('FAN', { fanLevel: 'LEVEL2', verticalSwing: 'ON', horizontalSwing: 'ON' }),
      );
    return undefined;
  }
  if (outC >= 9 && outC < 13 && u < 0.35) {
    return run(
      '08:00',
      '10:00',
      ac('AUTO', { temperature: temp(22), fanLevel: 'AUTO', verticalSwing: 'OFF', horizontalSwing: 'OFF' }),
    );
  }
  if (outC < 9) {
    return run(
      weekend ? '08:30' : '07:30',
      weekend ? '11:00' : '09:30',
      ac('HEAT', { temperature: temp(21), fanLevel: 'AUTO', verticalSwing: 'OFF', horizontalSwing: 'OFF' }),
    );
  }
  return undefined;
}

/** Merges `[start, end)` pieces clipped to `[fromMs, toMs]` into tado intervals (neighbours with equal `key` joined). */
function intervals<V>(
  pieces: readonly { start: number; end: number; value: V }[],
  fromMs: number,
  toMs: number,
  key: (v: V) => string,
): { from: string; to: string; value: V }[] {
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
  const iso = (ms: number): string => new Date(ms).toISOString();
  return out.map((p) => ({ from: iso(p.start), to: iso(p.end), value: p.value }));
}

/** Rate of indoor temperature change the running unit causes, K/h (negative: cooling). */
function unitRateKPerH(setting: AcSetting, insideC: number, capacity: number): number {
  const sp = setting.temperature?.celsius ?? insideC;
  switch (setting.mode) {
    case 'COOL':
      return -capacity;
    case 'HEAT':
      return capacity;
    case 'DRY':
      return -0.25 * capacity;
    case 'AUTO':
      return insideC > sp ? -capacity : capacity;
    default:
      return 0;
  }
}

/** Whether the thermostat keeps the unit running (hysteresis: starts 0.3 K off the setpoint, stops 0.3 K past it). */
function unitCalls(setting: AcSetting, insideC: number, running: boolean): boolean {
  if (setting.power !== 'ON') return false;
  const sp = setting.temperature?.celsius;
  if (setting.mode === 'FAN' || setting.mode === 'DRY' || sp === undefined) return true;
  const band = running ? -0.3 : 0.3;
  if (setting.mode === 'COOL') return insideC > sp + band;
  if (setting.mode === 'HEAT') return insideC < sp - band;
  return Math.abs(insideC - sp) > (running ? 0.2 : 0.5);
}

/** The AIR_CONDITIONING day report of `input.date` (see the file's doc for its shape and model). */
export function acDayReport(input: AcDayReportInput): Record<string, unknown> {
  const { seed, zone, date, timeZone: tz, win, cutMs } = input;
  const runs: AcRun[] = [];
  for (let i = -WARMUP_DAYS; i <= 1; i++) {
    const r = acRunOn(seed, zone, shiftDate(date, i), tz);
    if (r !== undefined) runs.push(r);
  }
  const simStart = localMs(shiftDate(date, -WARMUP_DAYS), '00:00', tz);
  const settingAt = (t: number): AcSetting => runs.find((r) => t >= r.start && t < r.end)?.setting ?? OFF;
  const boundaries = runs.flatMap((r) => [r.start, r.end]);

  // settings: OFF between the runs
  const settingPieces: { start: number; end: number; value: AcSetting }[] = [];
  let cursor = simStart;
  for (const r of runs) {
    settingPieces.push(
      { start: cursor, end: r.start, value: OFF },
      { start: r.start, end: r.end, value: r.setting },
    );
    cursor = r.end;
  }
  settingPieces.push({ start: cursor, end: win.toMs + HOUR_MS, value: OFF });

  const gridTimes: number[] = [];
  for (let t = win.fromMs; t <= cutMs; t += QUARTER_MS) gridTimes.push(t);
  if (cutMs < win.toMs && (cutMs - win.fromMs) % QUARTER_MS !== 0) gridTimes.push(cutMs);

  // start near the steady state of the previous day
  let meanOut = 0;
  for (let k = 0; k < 24; k++) meanOut += outdoorWeather(seed, simStart - k * HOUR_MS).temperatureC / 24;
  let insideC = meanOut + zone.gainsKPerH * zone.lossTimeConstantH;
  let vapourHpa = outdoorVapourPressureHpa(outdoorWeather(seed, simStart)) + zone.moistureHpa * 0.7;
  let running = false;
  const activity: { start: number; end: number; value: 'ON' | 'OFF' }[] = [];
  const tempPoints: number[] = [];
  const humPoints: number[] = [];
  let weather = outdoorWeather(seed, simStart);
  let gridIdx = 0;
  let prevSetting = OFF;
  for (let t = simStart; gridIdx < gridTimes.length && t <= cutMs + MINUTE_MS; t += MINUTE_MS) {
    const setting = settingAt(t);
    // the unit follows a switch of its setting at once, and its thermostat every 5 minutes
    const switched = setting !== prevSetting;
    prevSetting = setting;
    const tick = (t - simStart) % CONTROL_MS === 0;
    if (tick) weather = outdoorWeather(seed, t);
    if (switched || tick) {
      const next = unitCalls(setting, insideC, running);
      if (next !== running || activity.length === 0) {
        // at the setting's switch (within the last minute), else at an odd second of the minute
        // (as tado's boundaries are), never past the setting's next switch
        const switchAt = boundaries.find((b) => b <= t && b > t - MINUTE_MS);
        const nextSwitch = boundaries.find((b) => b > t) ?? Infinity;
        const at =
          activity.length === 0
            ? simStart
            : switched && switchAt !== undefined
              ? switchAt
              : Math.min(nextSwitch - 1, t + Math.floor(hashUnit(seed, zone.id, t / MINUTE_MS, 62) * 55_000));
        const last = activity[activity.length - 1];
        if (last !== undefined) last.end = at;
        activity.push({ start: at, end: Infinity, value: next ? 'ON' : 'OFF' });
        running = next;
      }
    }
    while (gridIdx < gridTimes.length && (gridTimes[gridIdx] ?? Infinity) <= t) {
      const g = gridTimes[gridIdx] ?? 0;
      tempPoints.push(insideC + (hashUnit(seed, zone.id, g, 63) - 0.5) * 0.06);
      const rh = vapourHpa / saturationVapourPressureHpa(insideC);
      humPoints.push(Math.min(0.95, Math.max(0.2, rh + (hashUnit(seed, zone.id, g, 64) - 0.5) * 0.004)));
      gridIdx++;
    }
    const solar = zone.solarGainKPerH * weather.solarFraction * (1 - 0.7 * weather.cloudFraction);
    const unit = running ? unitRateKPerH(setting, insideC, zone.heatRateKPerH) : 0;
    insideC +=
      ((weather.temperatureC - insideC) / zone.lossTimeConstantH + zone.gainsKPerH + solar + unit) / 60;
    const drying = running && (setting.mode === 'COOL' || setting.mode === 'DRY') ? 0.7 : 1;
    const target = (outdoorVapourPressureHpa(weather) + zone.moistureHpa * 0.7) * drying;
    vapourHpa += (target - vapourHpa) / (1.6 * 60);
  }
  const lastActivity = activity[activity.length - 1];
  if (lastActivity !== undefined) lastActivity.end = win.toMs;

  const iso = (ms: number): string => new Date(ms).toISOString();
  const points = gridTimes.slice(0, tempPoints.length);
  const tempValues = tempPoints.map((c) => temp(c));
  const humValues = humPoints.map((h) => Math.round(h * 1000) / 1000);
  const celsius = tempValues.map((v) => v.celsius);
  const settingKey = (s: AcSetting): string => JSON.stringify(s);
  return {
    zoneType: 'AIR_CONDITIONING',
    interval: { from: iso(win.fromMs), to: iso(cutMs) },
    hoursInDay: win.hoursInDay,
    measuredData: {
      measuringDeviceConnected: {
        timeSeriesType: 'dataIntervals',
        valueType: 'boolean',
        dataIntervals: [{ from: iso(win.fromMs), to: iso(cutMs), value: true }],
      },
      insideTemperature: {
        timeSeriesType: 'dataPoints',
        valueType: 'temperature',
        min: temp(Math.min(...celsius)),
        max: temp(Math.max(...celsius)),
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
      dataIntervals: intervals(settingPieces, win.fromMs, cutMs, settingKey).map((i) => ({
        ...i,
        value: { stripeType: 'HOME', setting: i.value },
      })),
    },
    settings: {
      timeSeriesType: 'dataIntervals',
      valueType: 'airConditioningSetting',
      dataIntervals: intervals(settingPieces, win.fromMs, cutMs, settingKey),
    },
    acActivity: {
      timeSeriesType: 'dataIntervals',
      valueType: 'power',
      dataIntervals: intervals(activity, win.fromMs, cutMs, String),
    },
    weather: input.weather,
  };
}
