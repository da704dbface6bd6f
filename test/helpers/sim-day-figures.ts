/**
 * The figures the heating analysis' rules look at, computed straight from one day report with the
 * simplest reading of the rules (issue 12 §2, `src/analytics/types.ts`): a one-minute grid over
 * the local day; indoor °C interpolated linearly between the readings taken while the device was
 * connected, never across a gap over 30 min; setpoint, demand and outdoor °C as their intervals
 * say. Test code only: it checks that the simulator's injected events are in its reports, and that
 * the other days stay clear of the rules, independently of `src/analytics/`.
 */
import type { DayReport } from '../../src/tado/schemas.js';

const MINUTE = 60_000;
const DEMAND_WEIGHT: Readonly<Record<string, number>> = { NONE: 0, LOW: 1 / 3, MEDIUM: 2 / 3, HIGH: 1 };

/** What the rules see in one zone-day. */
export interface SimDayFigures {
  /** minutes in the local day */
  readonly minutes: number;
  /** minutes with callForHeat ≠ NONE, / 60 */
  readonly heatingHours: number;
  /** demand-weighted heating minutes (LOW 1/3, MEDIUM 2/3, HIGH 1) / 60 */
  readonly demandWeightedHours: number;
  /** time-weighted mean of the weather condition's outdoor °C over the day (null values skipped) */
  readonly outsideMeanC: number;
  /** fraction 0..1 of the day's minutes with an indoor value */
  readonly coverageFraction: number;
  /** heating minutes with indoor more than 2 °C below a setpoint ≥ 12 °C */
  readonly minutesBelowSetpoint2CHeating: number;
  /** largest fall of indoor °C within 60 min while the setpoint stayed the same (ON, not null) */
  readonly maxDrop1hC: number;
  /** the same when an OFF setting (no setpoint) counts as a constant setpoint too */
  readonly maxDrop1hAnySettingC: number;
  /** the reading most out of line with its two neighbours: |v − mean(neighbours)|, °C */
  readonly maxSpikeC: number;
  /** local minute index (0 = midnight) where the largest fall at a constant setpoint began */
  readonly maxDropAtMinute: number;
}

interface Span<V> {
  readonly startMs: number;
  readonly endMs: number;
  readonly value: V;
}

function spans<V, W>(
  intervals: readonly { from: string; to: string; value: V }[],
  map: (v: V) => W,
): Span<W>[] {
  return intervals.map((i) => ({
    startMs: Date.parse(i.from),
    endMs: Date.parse(i.to),
    value: map(i.value),
  }));
}

/** Value of a step series at each minute start (undefined where no interval covers it). */
function perMinute<V>(series: readonly Span<V>[], dayStartMs: number, minutes: number): (V | undefined)[] {
  const out: (V | undefined)[] = new Array<V | undefined>(minutes).fill(undefined);
  for (const s of series) {
    const a = Math.max(0, Math.ceil((s.startMs - dayStartMs) / MINUTE));
    const b = Math.min(minutes, Math.ceil((s.endMs - dayStartMs) / MINUTE));
    for (let i = a; i < b; i++) out[i] = s.value;
  }
  return out;
}

/**
 * Computes {@link SimDayFigures} of a report for the local day `[dayStartMs, dayEndMs)`.
 * @throws when the report has no callForHeat or settings series (not a HEATING report)
 */
export function simDayFigures(r: DayReport, dayStartMs: number, dayEndMs: number): SimDayFigures {
  if (r.callForHeat === undefined || r.settings === undefined)
    throw new Error(`report ${r.interval.from}: no callForHeat/settings`);
  const minutes = Math.round((dayEndMs - dayStartMs) / MINUTE);
  const connected = spans(r.measuredData.measuringDeviceConnected.dataIntervals, (v) => v);
  const offline = connected.filter((s) => !s.value);
  const readings = r.measuredData.insideTemperature.dataPoints
    .map((p) => ({ t: Date.parse(p.timestamp), c: p.value.celsius }))
    .filter((p) => !offline.some((s) => p.t >= s.startMs && p.t < s.endMs));
  const inside: (number | null)[] = new Array<number | null>(minutes).fill(null);
  for (let k = 0; k + 1 < readings.length; k++) {
    const a = readings[k];
    const b = readings[k + 1];
    if (a === undefined || b === undefined || b.t - a.t > 30 * MINUTE) continue;
    const i0 = Math.max(0, Math.ceil((a.t - dayStartMs) / MINUTE));
    const i1 = Math.min(minutes - 1, Math.floor((b.t - dayStartMs) / MINUTE));
    for (let i = i0; i <= i1; i++) {
      const t = dayStartMs + i * MINUTE;
      inside[i] = a.c + ((b.c - a.c) * (t - a.t)) / (b.t - a.t);
    }
  }
  const setpoint = perMinute(
    spans(r.settings.dataIntervals, (v) => (v.power === 'ON' ? (v.temperature?.celsius ?? null) : null)),
    dayStartMs,
    minutes,
  );
  const demand = perMinute(
    spans(r.callForHeat.dataIntervals, (v) => v),
    dayStartMs,
    minutes,
  );
  const outside = perMinute(
    spans(r.weather.condition.dataIntervals, (v) => v?.temperature.celsius ?? null),
    dayStartMs,
    minutes,
  );
  let heating = 0;
  let weighted = 0;
  let covered = 0;
  let below = 0;
  let outSum = 0;
  let outN = 0;
  for (let i = 0; i < minutes; i++) {
    const on = demand[i] !== undefined && demand[i] !== 'NONE';
    if (on) heating++;
    weighted += DEMAND_WEIGHT[demand[i] ?? 'NONE'] ?? 0;
    const c = inside[i] ?? null;
    if (c !== null) covered++;
    const sp = setpoint[i] ?? null;
    if (on && c !== null && sp !== null && sp >= 12 && c < sp - 2) below++;
    const o = outside[i] ?? null;
    if (o !== null) {
      outSum += o;
      outN++;
    }
  }
  const drop = (anySetting: boolean): { c: number; at: number } => {
    let best = { c: 0, at: -1 };
    for (let i = 0; i < minutes; i++) {
      const ci = inside[i] ?? null;
      const si = setpoint[i] ?? null;
      if (ci === null || (!anySetting && si === null)) continue;
      for (let j = i + 1; j <= Math.min(minutes - 1, i + 60); j++) {
        if ((setpoint[j] ?? null) !== si) break;
        const cj = inside[j] ?? null;
        if (cj !== null && ci - cj > best.c) best = { c: ci - cj, at: i };
      }
    }
    return best;
  };
  const constant = drop(false);
  let maxSpike = 0;
  for (let k = 1; k + 1 < readings.length; k++) {
    const [a, b, c] = [readings[k - 1], readings[k], readings[k + 1]];
    if (a === undefined || b === undefined || c === undefined) continue;
    maxSpike = Math.max(maxSpike, Math.abs(b.c - (a.c + c.c) / 2));
  }
  return {
    minutes,
    heatingHours: heating / 60,
    demandWeightedHours: weighted / 60,
    outsideMeanC: outN === 0 ? NaN : outSum / outN,
    coverageFraction: covered / minutes,
    minutesBelowSetpoint2CHeating: below,
    maxDrop1hC: constant.c,
    maxDrop1hAnySettingC: drop(true).c,
    maxSpikeC: maxSpike,
    maxDropAtMinute: constant.at,
  };
}
