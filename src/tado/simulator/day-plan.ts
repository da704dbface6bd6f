/**
 * What a simulated zone does over one local day (pure): pieces of time, each with a mode (stripe,
 * setting, setpoint, device connected, window, boiler, occupancy). The weekly schedule first, then
 * the summer switch-off (an all-day OFF overlay), home-wide AWAY afternoons, evening boosts,
 * detected open windows and device-offline periods drawn from the seed, then the year's injected
 * events (`injected-events.ts`), which replace the random events of their zone-day.
 */
import { homeWideEventOn, injectedEventsOn, type InjectedEvent } from './injected-events.js';
import { hashUnit, tagId } from './seeded-random.js';
import { HOUR_MS, isoWeekday, localMs, MINUTE_MS, shiftDate } from './sim-calendar.js';
import type { ScheduleBlock, SimHome, SimZone } from './sim-home.js';

/** A tado heating setting (`settings[].value`, `stripes[].value.setting`). */
export interface Setting {
  readonly type: 'HEATING';
  readonly power: 'ON' | 'OFF';
  readonly temperature: { celsius: number; fahrenheit: number } | null;
}

/** What the zone does during a piece of time. */
export interface Mode {
  readonly stripeType: string;
  /** `stripes[].value.setting` (absent for AWAY). */
  readonly stripeSetting: Setting | undefined;
  /** `settings[].value`. */
  readonly setting: Setting;
  /** Setpoint the controller aims at, °C; null when heating is off. */
  readonly setpointC: number | null;
  /** `measuringDeviceConnected`. */
  readonly connected: boolean;
  /** Air-change time constant of an open window, h; null when the windows are shut. */
  readonly windowTimeConstantH: number | null;
  /** The boiler delivers heat (false during a boiler fault: the zone calls, nothing arrives). */
  readonly heatAvailable: boolean;
  /** Occupancy factor 0..1 for moisture and gains. */
  readonly occupancy: number;
}

/** `[start, end)` (ms since the epoch) in one mode. */
export interface Piece {
  start: number;
  end: number;
  mode: Mode;
}

/** Air-change time constant of a window tado detects (opened for 10–20 min), h. */
export const DETECTED_WINDOW_TIME_CONSTANT_H = 6;

const r2 = (x: number): number => Math.round(x * 100) / 100;

/** A tado temperature `{celsius, fahrenheit}`, both rounded to 0.01. */
export function temp(c: number): { celsius: number; fahrenheit: number } {
  const celsius = r2(c);
  return { celsius, fahrenheit: r2(celsius * 1.8 + 32) };
}

/** A heating setting: ON at `setpointC`, or OFF when null. */
export function heating(setpointC: number | null): Setting {
  return setpointC === null
    ? { type: 'HEATING', power: 'OFF', temperature: null }
    : { type: 'HEATING', power: 'ON', temperature: temp(setpointC) };
}

/** The mode of a zone whose measuring device is not connected (heating off, no readings). */
export function disconnected(): Mode {
  const s = heating(null);
  return {
    stripeType: 'MEASURING_DEVICE_DISCONNECTED',
    stripeSetting: s,
    setting: s,
    setpointC: null,
    connected: false,
    windowTimeConstantH: null,
    heatAvailable: true,
    occupancy: 0.8,
  };
}

/** Whether a local date lies in the home's summer switch-off. */
export function inSummerOff(home: SimHome, date: string): boolean {
  const md = date.slice(5);
  return md >= home.summerOffFrom && md < home.summerOffTo;
}

/** A boundary on local `HH:MM` of `date`, pushed by a deterministic 0–59.999 s (tado boundaries fall on odd seconds). */
function oddMs(base: number, ...key: number[]): number {
  return base + Math.floor(hashUnit(...key) * 59_999);
}

/** `pieces` with `[start, end)` repainted in `mode` (sorted, no overlaps). */
export function paint(pieces: readonly Piece[], start: number, end: number, mode: Mode): Piece[] {
  const out: Piece[] = [];
  if (end <= start) return [...pieces];
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

/** `pieces` with `change` applied to the modes over `[start, end)`. */
function repaint(pieces: readonly Piece[], start: number, end: number, change: (m: Mode) => Mode): Piece[] {
  let out = [...pieces];
  for (const p of pieces) {
    const a = Math.max(p.start, start);
    const b = Math.min(p.end, end);
    if (b > a) out = paint(out, a, b, change(p.mode));
  }
  return out;
}

function scheduleFor(zone: SimZone, date: string): readonly ScheduleBlock[] {
  return isoWeekday(date) >= 6 ? zone.weekend : zone.weekday;
}

/** The mode at an instant (the last piece's when past the end). */
function modeAt(pieces: readonly Piece[], t: number): Mode | undefined {
  return pieces.find((p) => p.start <= t && t < p.end)?.mode;
}

/**
 * The pieces of one local day for a zone, random events included, and the injected events unless
 * `withInjected` is false (the ground truth's normal habits).
 */
export function planDay(
  seed: number,
  home: SimHome,
  zone: SimZone,
  date: string,
  withInjected = true,
): Piece[] {
  const tz = home.timeZone;
  const z = zone.id;
  const d = tagId(date);
  const dayStart = localMs(date, '00:00', tz);
  const dayEnd = localMs(shiftDate(date, 1), '00:00', tz);
  const injected = withInjected ? injectedEventsOn(seed, home, z, date) : [];
  const quiet = injected.length > 0;
  const occupancyAt = (hhmm: number): number => (hhmm < 7 || hhmm >= 22 ? 1 : 0.8);
  const base = {
    connected: true,
    windowTimeConstantH: null,
    heatAvailable: true,
  } as const;
  const homeMode = (setpointC: number | null, occupancy: number): Mode => ({
    ...base,
    stripeType: 'HOME',
    stripeSetting: heating(setpointC),
    setting: heating(setpointC),
    setpointC,
    occupancy,
  });
  let pieces: Piece[] = [];

  if (inSummerOff(home, date)) {
    const offSetting = heating(null);
    pieces.push({
      start: dayStart,
      end: dayEnd,
      mode: {
        ...base,
        stripeType: 'OVERLAY_ACTIVE',
        stripeSetting: offSetting,
        setting: offSetting,
        setpointC: null,
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
    // home-wide AWAY afternoons (geofencing): same for every zone
    const wd = isoWeekday(date);
    if (
      hashUnit(seed, d, 2) < (wd >= 6 ? 0.12 : 0.3) &&
      !(withInjected && homeWideEventOn(seed, home, date))
    ) {
      const awayFrom = oddMs(
        localMs(date, '08:50', tz) + Math.floor(hashUnit(seed, d, 3) * 50) * MINUTE_MS,
        seed,
        d,
        4,
      );
      const awayTo = oddMs(
        localMs(date, '15:40', tz) + Math.floor(hashUnit(seed, d, 5) * 110) * MINUTE_MS,
        seed,
        d,
        6,
      );
      pieces = paint(pieces, awayFrom, awayTo, {
        ...base,
        stripeType: 'AWAY',
        stripeSetting: undefined,
        setting: heating(home.awaySetpointC),
        setpointC: home.awaySetpointC,
        occupancy: 0.15,
      });
    }
    // a manual boost in the evening, up to 2 K over a schedule that is on
    if (hashUnit(seed, z, d, 7) < 0.18 && !quiet) {
      const start = oddMs(
        localMs(date, '18:00', tz) + Math.floor(hashUnit(seed, z, d, 8) * 180) * MINUTE_MS,
        seed,
        z,
        d,
        9,
      );
      const end =
        start +
        (30 + Math.floor(hashUnit(seed, z, d, 10) * 60)) * MINUTE_MS +
        Math.floor(hashUnit(seed, z, d, 11) * 59_999);
      const scheduled = modeAt(pieces, start);
      if (scheduled?.stripeType === 'HOME' && scheduled.setpointC !== null) {
        const s = heating(Math.min(zone.boostC, scheduled.setpointC + 2));
        pieces = paint(pieces, start, Math.min(end, dayEnd), {
          ...base,
          stripeType: 'OVERLAY_ACTIVE',
          stripeSetting: s,
          setting: s,
          setpointC: s.temperature?.celsius ?? null,
          occupancy: 1,
        });
      }
    }
    // an open window, detected: tado switches the heating off while it is open (10–20 min)
    if (hashUnit(seed, z, d, 12) < 0.06 && !quiet) {
      const start = oddMs(
        localMs(date, '10:00', tz) + Math.floor(hashUnit(seed, z, d, 13) * 360) * MINUTE_MS,
        seed,
        z,
        d,
        14,
      );
      const end =
        start +
        (10 + Math.floor(hashUnit(seed, z, d, 15) * 10)) * MINUTE_MS +
        Math.floor(hashUnit(seed, z, d, 16) * 59_999);
      const s = heating(null);
      pieces = paint(pieces, start, end, {
        ...base,
        stripeType: 'OPEN_WINDOW_DETECTED',
        stripeSetting: s,
        setting: s,
        setpointC: null,
        windowTimeConstantH: DETECTED_WINDOW_TIME_CONSTANT_H,
        occupancy: 0.8,
      });
    }
  }
  // the device drops off the network now and then, for 1 to 3.5 h
  if (hashUnit(seed, z, d, 17) < 0.025 && !quiet) {
    const start = dayStart + Math.floor(hashUnit(seed, z, d, 18) * 20 * HOUR_MS);
    const end = start + HOUR_MS + Math.floor(hashUnit(seed, z, d, 19) * 2.5 * HOUR_MS);
    pieces = paint(pieces, start, Math.min(end, dayEnd), disconnected());
  }
  for (const e of injected) pieces = applyInjected(pieces, e, dayStart, dayEnd);
  return pieces;
}

/** Paints one injected event over the day's pieces (a spike changes a reading, not the plan). */
function applyInjected(
  pieces: readonly Piece[],
  e: InjectedEvent,
  dayStart: number,
  dayEnd: number,
): Piece[] {
  const start = Math.max(e.startMs, dayStart);
  const end = Math.min(e.endMs, dayEnd);
  switch (e.kind) {
    case 'holiday':
      return paint(pieces, start, end, {
        stripeType: 'AWAY',
        stripeSetting: undefined,
        setting: heating(e.setpointC ?? 5),
        setpointC: e.setpointC ?? 5,
        connected: true,
        windowTimeConstantH: null,
        heatAvailable: true,
        occupancy: 0,
      });
    case 'heating_left_on': {
      const s = heating(e.setpointC ?? 25);
      return paint(pieces, start, end, {
        stripeType: 'OVERLAY_ACTIVE',
        stripeSetting: s,
        setting: s,
        setpointC: e.setpointC ?? 25,
        connected: true,
        windowTimeConstantH: null,
        heatAvailable: true,
        occupancy: 0.9,
      });
    }
    case 'sensor_dropout':
      return paint(pieces, start, end, disconnected());
    case 'undetected_open_window':
      return repaint(pieces, start, end, (m) => ({ ...m, windowTimeConstantH: e.windowTimeConstantH ?? 2 }));
    case 'boiler_fault':
      return repaint(pieces, start, end, (m) => ({ ...m, heatAvailable: false }));
    case 'sensor_spike':
      return [...pieces];
  }
}
