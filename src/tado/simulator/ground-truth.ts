/**
 * What the simulator knows it generated, for checking the heating analysis against (issue 12 §3;
 * pure, cached per seed, home and year; served as `GET /sim/ground-truth?year=`):
 *
 * - per HEATING zone and for the home (its heating zones summed), the energy signature the
 *   simulator's physics and habits imply, as the analysis states it: daily heating hours
 *   H = μ + β·max(0, T_b − T) against the day's mean outdoor temperature T;
 * - the heat-loss figures behind it (τ, heat rate, gains, solar gain) and the zone's heat balance at
 *   0, 5 and 10 °C outdoors (`heat-balance.ts`);
 * - every zone-day (and home-day) the analysis' unusual-day rules would legitimately flag
 *   (`ground-truth-days.ts`): the injected events (`injected-events.ts`) and their consequences,
 *   and the incidental ones (a zone's first, half-connected day; the summer switch-off on cold
 *   days; the first day of the heating season), each with the reasons expected and those that may
 *   also appear. A flag on a day not listed here is a false alarm.
 *
 * How the signature is derived (`heat-balance.ts`): the expected heating hours of every
 * heating-season day are obtained by integrating the zone's heat balance minute by minute over
 * that day (after 3 warm-up days) with the outdoor temperature held at the day's mean, with the
 * day's own plan (schedule, AWAY afternoon, boost, detected window, offline period; the injected
 * events left out), its real sun, and the thermostat's LOW/MEDIUM/HIGH levels with their power
 * fractions; the days of the summer switch-off and before the zone exists expect 0 h. That is the
 * year the simulator would produce if the weather's temperature did not swing within and across
 * days. (T_b, β, μ) is the change-point model closest to those noise-free days by least squares
 * (`change-point-projection.ts`): what a perfect analysis would fit. The home's is the same
 * projection of the zones' expected hours summed. The heat balance explains the figures:
 * K·p̄·H = 24·[(T̄_in − T)/τ − Ḡ] over a day, so β ≈ 24·(1 − ∂T̄_in/∂T)/(K·p̄·τ) and
 * T_b ≈ T̄_in − Ḡ·τ (p̄ the mean power fraction of a heating minute, T̄_in the mean indoor and Ḡ
 * the mean gains; the curve's points carry them).
 */
import { projectChangePoint, type ChangePointModel } from './change-point-projection.js';
import { flaggedDays } from './ground-truth-days.js';
import { TRUTH_TOLERANCE, type SimGroundTruth, type ZoneTruth } from './ground-truth-types.js';
import { expectedHoursByDay, heatingCurve, type HeatingCurve } from './heat-balance.js';
import { dailyMeanOutdoorC } from './injected-events.js';
import { datesOfYear, localDateOf } from './sim-calendar.js';
import type { SimHome, SimZone } from './sim-home.js';

export * from './ground-truth-types.js';

const METHOD =
  "each heating-season day's heat balance integrated minute by minute (after 3 warm-up days) at a constant " +
  "outdoor temperature equal to the day's mean, with the day's own plan (no injected events), sun and thermostat " +
  'levels; 0 h in the summer switch-off; (T_b, β, μ) = the least-squares change-point model of those ' +
  "noise-free days (T_b on a 0.05 °C grid). Home: the same for the zones' expected hours summed.";

const cache = new Map<string, SimGroundTruth>();

function zoneExistsOn(home: SimHome, zone: SimZone, date: string): boolean {
  return localDateOf(Date.parse(zone.dateCreated), home.timeZone) <= date;
}

/**
 * The ground truth of `year` for a seed and home (see the file header).
 * @throws when the home has no HEATING zone with a heating-season day in the year
 */
export function groundTruth(seed: number, home: SimHome, year: number): SimGroundTruth {
  const key = `${seed}|${home.homeId}|${year}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const tz = home.timeZone;
  const dates = datesOfYear(year);
  const meanC = new Map(dates.map((d) => [d, dailyMeanOutdoorC(seed, d, tz)]));
  const tOf = (d: string): number => meanC.get(d) ?? NaN;
  const heatingZones = home.zones.filter(
    (z) => z.type === 'HEATING' && zoneExistsOn(home, z, `${year}-12-31`),
  );
  const curves = new Map<number, HeatingCurve>(
    heatingZones.map((z) => [z.id, heatingCurve(seed, home, z, year)]),
  );
  const byDay = new Map(heatingZones.map((z) => [z.id, expectedHoursByDay(seed, home, z, year)]));
  const expected = (z: SimZone, d: string): number => byDay.get(z.id)?.get(d) ?? 0;
  const signature = (
    zoneId: number | null,
    name: string,
    ds: readonly string[],
    y: (d: string) => number,
  ) => {
    const m: ChangePointModel = projectChangePoint(ds.map(tOf), ds.map(y));
    return {
      zoneId,
      name,
      balanceTemperatureC: round(m.balanceTemperatureC, 2),
      slopeHoursPerC: round(m.slopeHoursPerC, 4),
      interceptHours: round(m.interceptHours, 4),
      days: ds.length,
    };
  };
  const zones: ZoneTruth[] = heatingZones.map((z) => {
    const ds = dates.filter((d) => zoneExistsOn(home, z, d));
    const curve = curves.get(z.id);
    return {
      ...signature(z.id, z.name, ds, (d) => expected(z, d)),
      zoneId: z.id,
      heatLoss: {
        lossTimeConstantH: z.lossTimeConstantH,
        heatRateKPerH: z.heatRateKPerH,
        gainsKPerH: z.gainsKPerH,
        solarGainKPerH: z.solarGainKPerH,
        levelPower: { NONE: 0, LOW: 0.3, MEDIUM: 0.6, HIGH: 1 },
      },
      seasonDays: curve?.days ?? 0,
      curve: (curve?.points ?? []).map((p) => ({
        outsideC: p.outsideC,
        heatingHours: round(p.heatingHours, 4),
        meanInsideC: round(p.meanInsideC, 3),
        meanGainsKPerH: round(p.meanGainsKPerH, 4),
        meanPowerFraction: round(p.meanPowerFraction, 4),
        heatBalanceHours: round(p.heatBalanceHours, 4),
      })),
    };
  });
  const homeTruth = signature(null, home.homeName, dates, (d) =>
    heatingZones.reduce((s, z) => s + (zoneExistsOn(home, z, d) ? expected(z, d) : 0), 0),
  );
  const truth: SimGroundTruth = {
    seed,
    year,
    homeId: home.homeId,
    timeZone: tz,
    method: METHOD,
    tolerance: TRUTH_TOLERANCE,
    zones,
    home: homeTruth,
    days: flaggedDays(seed, home, year, zones, homeTruth, tOf),
  };
  if (cache.size > 16) cache.clear();
  cache.set(key, truth);
  return truth;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
