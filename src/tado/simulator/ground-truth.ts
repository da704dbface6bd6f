/**
 * What the simulator knows it generated, for checking the heating analysis against (issue 12 §3;
 * pure, cached per seed, home and year; served as `GET /sim/ground-truth?year=`):
 *
 * - per HEATING zone and for the home (its heating zones summed), the energy signature the
 *   simulator's physics and habits imply, as the analysis states it: daily heating hours
 *   H = μ + β·max(0, T_b − T) against the day's mean outdoor temperature T;
 * - the heat-loss figures behind it (τ, heat rate, gains, solar gain) and the heat balance at two
 *   outdoor temperatures;
 * - every zone-day (and home-day) the analysis' unusual-day rules would legitimately flag: the
 *   injected events (`injected-events.ts`) and their consequences, and the incidental ones (a
 *   zone's first, half-connected day), each with the reasons expected and those that may also
 *   appear. A flag on a day not listed here is a false alarm.
 *
 * How the signature is derived (`heat-balance.ts`): for each zone, E[H | T] is obtained by
 * integrating the zone's heat balance minute by minute over every heating-season day of the year
 * at a constant outdoor temperature T (−4 … 20 °C), with the zone's real day plans (schedules, AWAY
 * afternoons, boosts, detected windows, offline periods; injected events left out), the real sun,
 * and the thermostat's LOW/MEDIUM/HIGH levels and their power fractions. The expected hours of
 * each day of the year are then E[H | T_d] at the day's mean outdoor temperature T_d (0 during the
 * summer switch-off and before the zone exists), and (T_b, β, μ) is the change-point model
 * closest to those noise-free days by least squares (`change-point-projection.ts`), i.e. what a
 * perfect analysis would fit to data without weather noise. The home's is the same projection of
 * the zones' expected hours summed.
 */
import { projectChangePoint, type ChangePointModel } from './change-point-projection.js';
import {
  expectedHoursByDay,
  heatingCurve,
  type HeatBalancePoint,
  type HeatingCurve,
} from './heat-balance.js';
import { dailyMeanOutdoorC, injectedEvents, type InjectedEventKind } from './injected-events.js';
import { inSummerOff } from './day-plan.js';
import { datesOfYear, localDateOf, localMs, shiftDate } from './sim-calendar.js';
import type { SimHome, SimZone } from './sim-home.js';

/**
 * Why the analysis flags a day; the same strings as `UnusualReason` in `src/analytics/types.ts`
 * (kept separate so that the simulator does not depend on the analysis).
 */
export type ExpectedReason =
  /** |modified z| of the day's residual > 3.5 */
  | 'residual'
  /** heating for over 2 h with the mean outdoor temperature above T_b */
  | 'heating_above_balance'
  /** indoor more than 2 °C below a setpoint ≥ 12 °C for over 1 h while heating */
  | 'below_setpoint'
  /** no heating on a day at least 5 °C below T_b */
  | 'no_heating_cold_day'
  /** a fall of ≥ 3 °C within an hour at a constant setpoint */
  | 'open_window'
  /** under 80 % of the day's minutes with a valid indoor value */
  | 'low_coverage';

/** The energy signature of one scope: H = μ + β·max(0, T_b − T). */
export interface SignatureTruth {
  /** null: the home */
  readonly zoneId: number | null;
  readonly name: string;
  /** T_b, °C */
  readonly balanceTemperatureC: number;
  /** β, heating hours per °C below T_b, h/°C */
  readonly slopeHoursPerC: number;
  /** μ, heating hours per day independent of the weather, h */
  readonly interceptHours: number;
  /** days of the year the scope has reports (the days a fit over the year uses) */
  readonly days: number;
}

/** The heat-loss figures of a zone, as the physics uses them (`zone-physics.ts`). */
export interface ZoneHeatLossFigures {
  /** heat-loss time constant τ, h */
  readonly lossTimeConstantH: number;
  /** heat rate at full demand K, K/h */
  readonly heatRateKPerH: number;
  /** internal gains G (× 0.5 + occupancy), K/h */
  readonly gainsKPerH: number;
  /** solar gain at full clear-sky sun S, K/h */
  readonly solarGainKPerH: number;
  /** power fraction of each demand level */
  readonly levelPower: Readonly<Record<'NONE' | 'LOW' | 'MEDIUM' | 'HIGH', number>>;
}

/** One zone's truth. */
export interface ZoneTruth extends SignatureTruth {
  readonly zoneId: number;
  readonly heatLoss: ZoneHeatLossFigures;
  /** heating-season days the curve averages */
  readonly seasonDays: number;
  /** E[H | T] with its heat balance, at each curve temperature */
  readonly curve: readonly HeatBalancePoint[];
}

/**
 * What is behind a listed day: an injected event, or what follows from one or from the habits:
 * - `holiday_return`: the day after the holiday, rooms heating up from far below the setpoint;
 * - `boiler_fault_recovery`: the day after the boiler fault, rooms still reheating;
 * - `zone_created`: a zone's first day, its device disconnected until installed;
 * - `summer_switch_off`: a day of the summer switch-off cold enough that the model expects heating;
 * - `heating_season_start`: the first day after the switch-off, rooms heated from a cold start.
 */
export type GroundTruthKind =
  | InjectedEventKind
  | 'holiday_return'
  | 'boiler_fault_recovery'
  | 'zone_created'
  | 'summer_switch_off'
  | 'heating_season_start';

/** A zone-day (or home-day) the analysis should flag, or a cleaning it should do. */
export interface GroundTruthDay {
  /** null: the home */
  readonly zoneId: number | null;
  /** local date */
  readonly date: string;
  /** the event behind it */
  readonly kind: GroundTruthKind;
  /** the reasons the analysis must give for this day */
  readonly reasons: readonly ExpectedReason[];
  /** reasons it may give as well without a false alarm (they depend on the fit or lie near a threshold) */
  readonly mayAlsoFlag: readonly ExpectedReason[];
  /** the clean rule that must set readings of this day aside, if any */
  readonly cleanRule: 'spike' | 'disconnected' | null;
  /** the day's mean outdoor temperature from the weather model, °C */
  readonly outsideMeanC: number;
  readonly description: string;
}

/** The tolerances the analysis' fit must meet (see {@link TRUTH_TOLERANCE}). */
export interface TruthTolerance {
  /** |T_b,fit − T_b| at most, °C */
  readonly balanceTemperatureC: number;
  /** |β_fit − β| / β at most */
  readonly slopeRelative: number;
  /** |μ_fit − μ| at most, h */
  readonly interceptHours: number;
}

/** The whole ground truth of one simulated year. */
export interface SimGroundTruth {
  readonly seed: number;
  readonly year: number;
  readonly homeId: number;
  readonly timeZone: string;
  /** how the signatures were derived, in words */
  readonly method: string;
  readonly tolerance: TruthTolerance;
  readonly zones: readonly ZoneTruth[];
  readonly home: SignatureTruth;
  /** in date order; zone days before home days on the same date */
  readonly days: readonly GroundTruthDay[];
}

/**
 * What the analysis' fitted T_b, β and μ must come within, per scope (zone or home), measured on a
 * year of the simulator (seed 1, 2022; `test/unit/tado-sim-ground-truth.test.ts` prints the
 * figures). An ordinary least-squares fit of the measured days recovers the truth within 0.2–0.5 °C
 * (T_b), 1–5 % (β) and 0.1 h (μ) for zones with 211 heating-season days, but only within 0.9 °C
 * / 9 % for the Study (90 days, weekday/weekend bimodal) and with the injected events in the fit;
 * the bootstrap standard errors of that fit are 0.2–0.4 °C and 2–4 % (zones with 211 days), up to
 * 0.6 °C and 6 % for the Study. The tolerance is about twice the worst measured difference, so
 * that a correct analysis passes on other seeds too and a wrong one (a T_b off by a grid step of
 * 2 °C, a slope from demand-weighted minutes, which are about half) fails.
 */
export const TRUTH_TOLERANCE: TruthTolerance = {
  balanceTemperatureC: 1.5,
  slopeRelative: 0.15,
  interceptHours: 0.3,
};

/** A switch-off day is listed when the signature expects at least this many heating hours per zone, h. */
const SWITCH_OFF_LISTED_HOURS = 0.5;

/** How far from a rule's threshold (°C of daily mean outdoor) a day counts as clearly on one side. */
const THRESHOLD_MARGIN_C = 0.75;

const METHOD =
  "E[H | T] from the zone's heat balance integrated minute by minute over the year's heating-season days at " +
  'constant outdoor temperatures −4…20 °C (real day plans, sun and thermostat levels; no injected events); each ' +
  "day's expected hours E[H | T_d] (0 in the summer switch-off); (T_b, β, μ) = the least-squares change-point " +
  'model of those noise-free days. Home: the same for the zones summed.';

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

/** A reason that holds when `value` is clearly past `threshold`, may hold near it, else not. */
function byMargin(
  reason: ExpectedReason,
  clearlyPast: number,
): { reasons: ExpectedReason[]; mayAlsoFlag: ExpectedReason[] } {
  if (clearlyPast > THRESHOLD_MARGIN_C) return { reasons: [reason], mayAlsoFlag: [] };
  if (clearlyPast > -THRESHOLD_MARGIN_C) return { reasons: [], mayAlsoFlag: [reason] };
  return { reasons: [], mayAlsoFlag: [] };
}

/** Every zone-day and home-day the rules legitimately flag, from the injected events and the zones' creation. */
function flaggedDays(
  seed: number,
  home: SimHome,
  year: number,
  zones: readonly ZoneTruth[],
  homeTruth: SignatureTruth,
  tOf: (d: string) => number,
): GroundTruthDay[] {
  const out: GroundTruthDay[] = [];
  const tb = new Map<number | null, number>([
    ...zones.map((z): [number, number] => [z.zoneId, z.balanceTemperatureC]),
    [null, homeTruth.balanceTemperatureC],
  ]);
  const add = (
    zoneId: number | null,
    date: string,
    kind: GroundTruthDay['kind'],
    reasons: readonly ExpectedReason[],
    mayAlsoFlag: readonly ExpectedReason[],
    cleanRule: GroundTruthDay['cleanRule'],
    description: string,
  ): void => {
    if (!date.startsWith(String(year))) return;
    out.push({
      zoneId,
      date,
      kind,
      reasons,
      mayAlsoFlag: mayAlsoFlag.filter((r) => !reasons.includes(r)),
      cleanRule,
      outsideMeanC: round(tOf(date), 2),
      description,
    });
  };
  for (const e of injectedEvents(seed, home, year)) {
    for (const date of e.dates) {
      const t = tOf(date);
      for (const scope of [...e.zoneIds, null]) {
        const b = tb.get(scope) ?? NaN;
        const home_ = scope === null;
        switch (e.kind) {
          case 'holiday': {
            const cold = byMargin('no_heating_cold_day', b - 5 - t);
            add(scope, date, e.kind, cold.reasons, [...cold.mayAlsoFlag, 'residual'], null, e.description);
            break;
          }
          case 'undetected_open_window':
            add(
              scope,
              date,
              e.kind,
              home_ ? [] : ['open_window', 'below_setpoint'],
              ['residual'],
              null,
              e.description,
            );
            break;
          case 'heating_left_on': {
            const warm = byMargin('heating_above_balance', t - b);
            add(
              scope,
              date,
              e.kind,
              home_ ? [] : warm.reasons,
              [...warm.mayAlsoFlag, 'residual', 'heating_above_balance'],
              null,
              e.description,
            );
            break;
          }
          case 'sensor_dropout':
            add(
              scope,
              date,
              e.kind,
              home_ ? [] : ['low_coverage'],
              home_ ? ['residual', 'low_coverage'] : ['residual'],
              home_ ? null : 'disconnected',
              e.description,
            );
            break;
          case 'boiler_fault':
            add(scope, date, e.kind, home_ ? [] : ['below_setpoint'], ['residual'], null, e.description);
            break;
          case 'sensor_spike':
            if (!home_)
              add(
                scope,
                date,
                e.kind,
                [],
                [],
                'spike',
                `${e.description}; open_window if clean leaves it in`,
              );
            break;
        }
      }
    }
    if (e.kind === 'boiler_fault') {
      const next = shiftDate(e.dates[e.dates.length - 1] ?? '', 1);
      const text = 'the day after the boiler fault: the rooms are still reheating';
      for (const scope of [...e.zoneIds, null])
        add(scope, next, 'boiler_fault_recovery', [], ['residual'], null, text);
    }
    if (e.kind === 'holiday') {
      const back = shiftDate(e.dates[e.dates.length - 1] ?? '', 1);
      const text = 'back from holiday: the rooms heat up from far below the setpoint';
      for (const z of e.zoneIds) add(z, back, 'holiday_return', ['below_setpoint'], ['residual'], null, text);
      add(null, back, 'holiday_return', [], ['residual'], null, text);
    }
  }
  for (const z of home.zones) {
    if (z.type !== 'HEATING') continue;
    const createdMs = Date.parse(z.dateCreated);
    const created = localDateOf(createdMs, home.timeZone);
    const dayStart = localMs(created, '00:00', home.timeZone);
    const dayEnd = localMs(shiftDate(created, 1), '00:00', home.timeZone);
    // share of the day with the device in place, in "°C" units of the margin: 0.01 of coverage per unit
    const connected = (dayEnd - createdMs) / (dayEnd - dayStart);
    const low = byMargin('low_coverage', (0.8 - connected) * 100);
    const text = `the zone was created this day: its device is disconnected until it was installed (${Math.round(connected * 100)} % of the day connected)`;
    add(
      z.id,
      created,
      'zone_created',
      low.reasons,
      [...low.mayAlsoFlag, 'residual', 'no_heating_cold_day'],
      'disconnected',
      text,
    );
    add(null, created, 'zone_created', [], ['low_coverage', 'residual'], null, text);
  }
  // the summer switch-off on days the model expects heating, and the first day after it
  const scopes: SignatureTruth[] = [...zones, homeTruth];
  for (const date of datesOfYear(year)) {
    const off = inSummerOff(home, date);
    const start = !off && inSummerOff(home, shiftDate(date, -1));
    if (!off && !start) continue;
    const t = tOf(date);
    for (const sc of scopes) {
      const z = sc.zoneId === null ? undefined : home.zones.find((x) => x.id === sc.zoneId);
      if (z !== undefined && localDateOf(Date.parse(z.dateCreated), home.timeZone) >= date) continue;
      const hours = sc.interceptHours + sc.slopeHoursPerC * Math.max(0, sc.balanceTemperatureC - t);
      const perZone = sc.zoneId === null ? Math.max(1, zones.length) : 1;
      if (start) {
        add(
          sc.zoneId,
          date,
          'heating_season_start',
          [],
          ['residual', 'below_setpoint'],
          null,
          'the first day after the summer switch-off: the rooms are heated from a cold start',
        );
      } else if (hours >= SWITCH_OFF_LISTED_HOURS * perZone) {
        const cold = byMargin('no_heating_cold_day', sc.balanceTemperatureC - 5 - t);
        add(
          sc.zoneId,
          date,
          'summer_switch_off',
          sc.zoneId === null ? [] : cold.reasons,
          [...cold.mayAlsoFlag, 'residual', ...(sc.zoneId === null ? cold.reasons : [])],
          null,
          `heating switched off for the summer on a day the signature expects ${hours.toFixed(1)} h`,
        );
      }
    }
  }
  const order = (d: GroundTruthDay): string =>
    `${d.date} ${d.zoneId === null ? 'z' : String(d.zoneId).padStart(4, '0')}`;
  return out.sort((a, b) => order(a).localeCompare(order(b)));
}
