/**
 * A zone's heating hours against the outdoor temperature, from the simulator's own physics and
 * habits with the weather's temperature taken out (pure): the zone's heat balance
 * (`zone-physics.ts`, the same equation and thermostat the day reports come from) integrated
 * minute by minute with the outdoor temperature held constant, the real sun and cloud, and the
 * zone's normal day plans (schedules, AWAY afternoons, boosts, detected windows, offline periods;
 * not the injected events):
 * - {@link expectedHoursByDay}: each heating-season day at its own daily mean temperature (what
 *   the ground truth projects onto the change-point model);
 * - {@link heatingCurve}: the whole season at a few fixed temperatures, with the heat-balance
 *   figures that explain the slope and the balance temperature.
 *
 * Why it is (nearly) linear below a balance temperature: over a day in periodic steady state the
 * heat delivered equals the losses minus the gains,
 *
 *   K · p̄ · H = 24 · [(T̄_in − T)/τ − Ḡ]        (H in h, K in K/h, τ in h, Ḡ in K/h)
 *
 * with p̄ the mean power fraction of a heating minute (the shares of LOW/MEDIUM/HIGH minutes
 * weighted by `LEVEL_POWER`), T̄_in the mean indoor temperature (the setpoints while held, lower
 * while the room floats in setback and OFF periods) and Ḡ the mean internal plus solar gain. So
 * H ≈ β·(T_b − T) with β = 24·(1 − ∂T̄_in/∂T)/(K·p̄·τ) and T_b = T̄_in − Ḡ·τ, until some periods of
 * the day no longer need heat (a soft knee a few degrees below T_b). {@link HeatBalancePoint}
 * carries these figures so that the identity can be checked.
 */
import { planDay, disconnected, inSummerOff, paint, type Mode, type Piece } from './day-plan.js';
import { localDateOf, localMs, MINUTE_MS, shiftDate } from './sim-calendar.js';
import { dailyMeanOutdoorC } from './injected-events.js';
import type { SimHome, SimZone } from './sim-home.js';
import { outdoorWeather } from './uk-weather.js';
import {
  CONTROL_PERIOD_MS,
  LEVEL_POWER,
  callForHeatLevel,
  insideRateKPerH,
  type CallForHeatLevel,
  type ZoneStepInput,
} from './zone-physics.js';

/** The heat balance of one zone at one constant outdoor temperature, averaged over the season's days. */
export interface HeatBalancePoint {
  /** the constant outdoor temperature, °C */
  readonly outsideC: number;
  /** mean daily heating hours (minutes with callForHeat ≠ NONE / 60), h */
  readonly heatingHours: number;
  /** mean indoor temperature, °C */
  readonly meanInsideC: number;
  /** mean internal + solar gain, K/h */
  readonly meanGainsKPerH: number;
  /** mean power fraction of a heating minute (LEVEL_POWER of its level), 0..1 */
  readonly meanPowerFraction: number;
  /** the right side of the heat balance, 24·[(T̄_in − T)/τ − Ḡ]/(K·p̄), h (equals heatingHours up to storage) */
  readonly heatBalanceHours: number;
}

/** A zone's E[H | T] on a grid of outdoor temperatures. */
export interface HeatingCurve {
  readonly zoneId: number;
  /** the days averaged (the heating season of the year with the zone in place) */
  readonly days: number;
  /** ascending outdoor temperatures */
  readonly points: readonly HeatBalancePoint[];
}

/** The outdoor temperatures of the curve by default, °C. */
export const CURVE_TEMPERATURES_C: readonly number[] = [0, 5, 10];

const WARMUP_DAYS = 3;

const sunCache = new Map<number, { solar: number; cloud: number }>();
let sunCacheSeed = NaN;

/** Sun strength and cloud at an instant (cached for the last seed: the zones share the sky). */
function sunAt(seed: number, t: number): { solar: number; cloud: number } {
  if (seed !== sunCacheSeed || sunCache.size > 300_000) {
    sunCache.clear();
    sunCacheSeed = seed;
  }
  let v = sunCache.get(t);
  if (v === undefined) {
    const w = outdoorWeather(seed, t);
    v = { solar: w.solarFraction, cloud: w.cloudFraction };
    sunCache.set(t, v);
  }
  return v;
}

/** Runs of consecutive dates of `year` in the heating season, from the day after the zone's creation. */
function seasonRuns(home: SimHome, zone: SimZone, year: number): string[][] {
  const created = localDateOf(Date.parse(zone.dateCreated), home.timeZone);
  const runs: string[][] = [];
  let run: string[] = [];
  for (let d = `${year}-01-01`; d.startsWith(String(year)); d = shiftDate(d, 1)) {
    if (d > created && !inSummerOff(home, d)) run.push(d);
    else if (run.length > 0) {
      runs.push(run);
      run = [];
    }
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

interface RunTotals {
  heatingMinutes: number;
  energyMinutes: number;
  insideSum: number;
  gainsSum: number;
  minutes: number;
  days: number;
}

/** A run's plan and sun laid out per minute (shared by every outdoor temperature). */
interface RunLayout {
  /** first minute counted (local midnight of the run's first day), ms */
  readonly countFrom: number;
  readonly simStart: number;
  readonly minutes: number;
  readonly modes: readonly Mode[];
  /** solar gain term S·s·(1 − 0.8·c), K/h, per minute (refreshed every 5 minutes as in the reports) */
  readonly solarKPerH: Float64Array;
  readonly solarFraction: Float64Array;
  readonly cloudFraction: Float64Array;
  readonly days: number;
}

function layoutRun(
  seed: number,
  home: SimHome,
  zone: SimZone,
  run: readonly string[],
  pieces: readonly Piece[],
): RunLayout {
  const tz = home.timeZone;
  const first = run[0] ?? '';
  const last = run[run.length - 1] ?? first;
  const countFrom = localMs(first, '00:00', tz);
  const endMs = localMs(shiftDate(last, 1), '00:00', tz);
  const simStart = pieces[0]?.start ?? countFrom;
  const minutes = Math.round((endMs - simStart) / MINUTE_MS);
  const modes: Mode[] = new Array<Mode>(minutes);
  const solarKPerH = new Float64Array(minutes);
  const solarFraction = new Float64Array(minutes);
  const cloudFraction = new Float64Array(minutes);
  let pieceIdx = 0;
  let solar = 0;
  let cloud = 0;
  for (let i = 0; i < minutes; i++) {
    const t = simStart + i * MINUTE_MS;
    while (pieceIdx < pieces.length - 1 && (pieces[pieceIdx]?.end ?? Infinity) <= t) pieceIdx++;
    modes[i] = pieces[pieceIdx]?.mode ?? disconnected();
    if ((t - simStart) % CONTROL_PERIOD_MS === 0) ({ solar, cloud } = sunAt(seed, t));
    solarFraction[i] = solar;
    cloudFraction[i] = cloud;
    solarKPerH[i] = zone.solarGainKPerH * solar * (1 - 0.8 * cloud);
  }
  return { countFrom, simStart, minutes, modes, solarKPerH, solarFraction, cloudFraction, days: run.length };
}

/** Integrates one run of days at a constant outdoor temperature; adds the run's own days to `acc`. */
function integrateRun(zone: SimZone, lay: RunLayout, outsideC: number, acc: RunTotals): void {
  const first = lay.modes[0];
  let insideC = outsideC + zone.gainsKPerH * zone.lossTimeConstantH;
  if (first !== undefined && first.setpointC !== null) insideC = Math.max(insideC, first.setpointC - 1.5);
  let level: CallForHeatLevel = 'NONE';
  const step: { -readonly [K in keyof ZoneStepInput]: ZoneStepInput[K] } = {
    zone,
    insideC,
    outsideC,
    heatFraction: 0,
    solarFraction: 0,
    cloudFraction: 0,
    occupancy: 0,
    windowTimeConstantH: null,
    freeFloating: false,
  };
  const firstCounted = Math.round((lay.countFrom - lay.simStart) / MINUTE_MS);
  const stepsPerControl = CONTROL_PERIOD_MS / MINUTE_MS;
  for (let i = 0; i < lay.minutes; i++) {
    const mode = lay.modes[i] ?? disconnected();
    if (i % stepsPerControl === 0)
      level = mode.connected ? callForHeatLevel(mode.setpointC, insideC) : 'NONE';
    const heatFraction = mode.heatAvailable ? LEVEL_POWER[level] : 0;
    if (i >= firstCounted) {
      acc.minutes++;
      acc.insideSum += insideC;
      acc.gainsSum += (lay.solarKPerH[i] ?? 0) + zone.gainsKPerH * (0.5 + mode.occupancy);
      if (level !== 'NONE') {
        acc.heatingMinutes++;
        acc.energyMinutes += heatFraction;
      }
    }
    step.insideC = insideC;
    step.heatFraction = heatFraction;
    step.solarFraction = lay.solarFraction[i] ?? 0;
    step.cloudFraction = lay.cloudFraction[i] ?? 0;
    step.occupancy = mode.occupancy;
    step.windowTimeConstantH = mode.windowTimeConstantH;
    step.freeFloating = mode.setpointC === null && mode.connected;
    insideC += insideRateKPerH(step) / 60;
  }
  acc.days += lay.days;
}

/** The normal day plans of a run of days and the warm-up days before it (no device before the zone's creation). */
function planRun(seed: number, home: SimHome, zone: SimZone, run: readonly string[]): Piece[] {
  let pieces: Piece[] = [];
  const first = run[0] ?? '';
  for (let i = -WARMUP_DAYS; i < run.length; i++)
    pieces.push(...planDay(seed, home, zone, shiftDate(first, i), false));
  const start = pieces[0]?.start ?? 0;
  const createdMs = Date.parse(zone.dateCreated);
  if (createdMs > start) pieces = paint(pieces, start, createdMs, disconnected());
  return pieces;
}

/**
 * The expected heating hours of each heating-season day of `year` for one HEATING zone: the day
 * (and its 3 warm-up days) integrated with the outdoor temperature held at the day's mean
 * (`dailyMeanOutdoorC`), with the day's own plan and sun. What the day's heating would be without
 * the weather's swings within and across days (the knee is sharper than {@link heatingCurve}'s,
 * whose temperatures meet every day's sun, January's and April's alike).
 * @throws when the zone is not a HEATING zone
 */
export function expectedHoursByDay(
  seed: number,
  home: SimHome,
  zone: SimZone,
  year: number,
): ReadonlyMap<string, number> {
  if (zone.type !== 'HEATING') throw new Error(`zone ${zone.id} (${zone.name}) is not a HEATING zone`);
  const out = new Map<string, number>();
  for (const run of seasonRuns(home, zone, year)) {
    for (const date of run) {
      const lay = layoutRun(seed, home, zone, [date], planRun(seed, home, zone, [date]));
      const acc: RunTotals = {
        heatingMinutes: 0,
        energyMinutes: 0,
        insideSum: 0,
        gainsSum: 0,
        minutes: 0,
        days: 0,
      };
      integrateRun(zone, lay, dailyMeanOutdoorC(seed, date, home.timeZone), acc);
      out.set(date, acc.heatingMinutes / 60);
    }
  }
  return out;
}

/**
 * E[H | T] of one HEATING zone over the heating season of `year` (see the file header), at each
 * of `temperaturesC`.
 * @throws when the zone is not a HEATING zone or has no heating-season day in the year
 */
export function heatingCurve(
  seed: number,
  home: SimHome,
  zone: SimZone,
  year: number,
  temperaturesC: readonly number[] = CURVE_TEMPERATURES_C,
): HeatingCurve {
  if (zone.type !== 'HEATING') throw new Error(`zone ${zone.id} (${zone.name}) is not a HEATING zone`);
  const runs = seasonRuns(home, zone, year);
  if (runs.length === 0)
    throw new Error(`zone ${zone.id} (${zone.name}) has no heating-season day in ${year}`);
  const layouts = runs.map((run) => layoutRun(seed, home, zone, run, planRun(seed, home, zone, run)));
  const points = temperaturesC.map((outsideC): HeatBalancePoint => {
    const acc: RunTotals = {
      heatingMinutes: 0,
      energyMinutes: 0,
      insideSum: 0,
      gainsSum: 0,
      minutes: 0,
      days: 0,
    };
    for (const lay of layouts) integrateRun(zone, lay, outsideC, acc);
    const meanInsideC = acc.insideSum / acc.minutes;
    const meanGainsKPerH = acc.gainsSum / acc.minutes;
    const meanPowerFraction = acc.heatingMinutes === 0 ? 0 : acc.energyMinutes / acc.heatingMinutes;
    const hoursPerDay = acc.minutes / acc.days / 60;
    return {
      outsideC,
      heatingHours: acc.heatingMinutes / 60 / acc.days,
      meanInsideC,
      meanGainsKPerH,
      meanPowerFraction,
      heatBalanceHours:
        meanPowerFraction === 0
          ? 0
          : (hoursPerDay * ((meanInsideC - outsideC) / zone.lossTimeConstantH - meanGainsKPerH)) /
            (zone.heatRateKPerH * meanPowerFraction),
    };
  });
  return { zoneId: zone.id, days: runs.reduce((n, r) => n + r.length, 0), points };
}

/** E[H | T] at any T by linear interpolation of the curve (flat beyond its ends), h. */
export function curveHours(curve: HeatingCurve, outsideC: number): number {
  const ps = curve.points;
  const first = ps[0];
  const last = ps[ps.length - 1];
  if (first === undefined || last === undefined) return 0;
  if (outsideC <= first.outsideC) return first.heatingHours;
  if (outsideC >= last.outsideC) return last.heatingHours;
  for (let i = 1; i < ps.length; i++) {
    const a = ps[i - 1];
    const b = ps[i];
    if (a !== undefined && b !== undefined && outsideC <= b.outsideC)
      return (
        a.heatingHours +
        ((b.heatingHours - a.heatingHours) * (outsideC - a.outsideC)) / (b.outsideC - a.outsideC)
      );
  }
  return last.heatingHours;
}
