/**
 * The one-minute grid the three resample engines of bench/resample-engines.ts produce, as columns,
 * for a batch of zone-days. The rules are the product's (`src/analytics/resample-zone-day.ts`,
 * docs/analytics.md §3), applied to what clean kept (`cleanZoneDay`, the resample task's input):
 *
 * - **grid**: per zone-day, the minutes `t = dayStart + i·60 s`, `i = 0 … minutes − 1`.
 * - **indoor temperature, humidity** (each on its own, over the zone-day's valid readings, margins
 *   included): p = the last valid reading with ts ≤ t, n = the next one; `p.v` when `p.ts = t`;
 *   `p.v + ((n.v − p.v)·(t − p.ts)) / (n.ts − p.ts)` when `n.ts − p.ts ≤ 30 min`; else null.
 * - **step series** (the zone-day's intervals `[start, end)`): the value of the interval that
 *   contains t, null when none does; the setpoint is null when the power is off.
 * - **cleaned**: the reading at t when there is one, else the last before t or the first after t,
 *   had a value set aside. Equivalently: t lies strictly between the neighbours of a reading that
 *   had a value set aside (the form the SQL engines use).
 *
 * The TypeScript engine gives `ZoneMinuteSeries` (arrays of number | null); {@link seriesToGrid}
 * lays them out here so that the engines are compared, and written, the same way.
 */
import type { ZoneMinuteSeries } from '../../src/analytics/types.js';

/** A zone-day block of the grid: rows `offset … offset + minutes − 1`. */
export interface GridDay {
  readonly homeId: number;
  readonly zoneId: number;
  /** local date, YYYY-MM-DD */
  readonly date: string;
  /** local midnight, ms since the epoch */
  readonly dayStartMs: number;
  /** minutes of the local day */
  readonly minutes: number;
  /** first row of the block */
  readonly offset: number;
}

/**
 * The grid as columns, one entry per row (zone-days in `days` order, minutes in time order).
 * Null is `NaN` in the float columns and −1 in the small-integer ones.
 */
export interface MinuteGrid {
  readonly days: readonly GridDay[];
  readonly rows: number;
  /** °C */
  readonly insideC: Float64Array;
  /** 0..1 */
  readonly humidityFraction: Float64Array;
  /** target °C */
  readonly setpointC: Float64Array;
  /** 0..3; −1 null */
  readonly demandLevel: Int8Array;
  /** 1 on, 0 off, −1 null */
  readonly powerOn: Int8Array;
  /** outdoor °C */
  readonly outsideC: Float64Array;
  readonly weatherState: (string | null)[];
  /** 1 connected, 0 not, −1 null */
  readonly connected: Int8Array;
  /** 1 cleaned */
  readonly cleaned: Uint8Array;
}

/** The float columns and the small-integer ones of a grid, by name (verify.ts walks them). */
export const FLOAT_COLUMNS = ['insideC', 'humidityFraction', 'setpointC', 'outsideC'] as const;
export const FLAG_COLUMNS = ['demandLevel', 'powerOn', 'connected', 'cleaned'] as const;

/** Lays out blocks for zone-days given as (home, zone, date, day start, minutes), in that order. */
export function planGrid(zoneDays: readonly Omit<GridDay, 'offset'>[]): { days: GridDay[]; rows: number } {
  let offset = 0;
  const days = zoneDays.map((d) => {
    const day: GridDay = {
      homeId: d.homeId,
      zoneId: d.zoneId,
      date: d.date,
      dayStartMs: d.dayStartMs,
      minutes: d.minutes,
      offset,
    };
    offset += d.minutes;
    return day;
  });
  return { days, rows: offset };
}

/** An empty grid (every value null) for the given blocks. */
export function allocateGrid(days: readonly GridDay[], rows: number): MinuteGrid {
  return {
    days,
    rows,
    insideC: new Float64Array(rows).fill(NaN),
    humidityFraction: new Float64Array(rows).fill(NaN),
    setpointC: new Float64Array(rows).fill(NaN),
    demandLevel: new Int8Array(rows).fill(-1),
    powerOn: new Int8Array(rows).fill(-1),
    outsideC: new Float64Array(rows).fill(NaN),
    weatherState: new Array<string | null>(rows).fill(null),
    connected: new Int8Array(rows).fill(-1),
    cleaned: new Uint8Array(rows),
  };
}

const num = (x: number | null | undefined): number => (x === null || x === undefined ? NaN : x);
const flag = (x: boolean | null | undefined): number => (x === null || x === undefined ? -1 : x ? 1 : 0);

/** The product's series (in their order) as a grid. */
export function seriesToGrid(series: readonly ZoneMinuteSeries[]): MinuteGrid {
  const { days, rows } = planGrid(series);
  const g = allocateGrid(days, rows);
  series.forEach((s, k) => {
    const o = days[k]?.offset ?? 0;
    for (let i = 0; i < s.minutes; i++) {
      g.insideC[o + i] = num(s.insideC[i]);
      g.humidityFraction[o + i] = num(s.humidityFraction[i]);
      g.setpointC[o + i] = num(s.setpointC[i]);
      g.demandLevel[o + i] = s.demandLevel[i] ?? -1;
      g.powerOn[o + i] = flag(s.powerOn[i]);
      g.outsideC[o + i] = num(s.outsideC[i]);
      g.weatherState[o + i] = s.weatherState[i] ?? null;
      g.connected[o + i] = flag(s.connected[i]);
      g.cleaned[o + i] = s.cleaned[i] === true ? 1 : 0;
    }
  });
  return g;
}

/** Interpolation does not bridge valid readings further apart than this: the product's 30 min. */
export { MAX_INTERPOLATION_GAP_MS as MAX_GAP_MS } from '../../src/analytics/resample-zone-day.js';
