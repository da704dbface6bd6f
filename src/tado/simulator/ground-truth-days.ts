/**
 * The zone-days and home-days of a simulated year that the analysis' unusual-day rules would
 * legitimately flag (pure, part of `ground-truth.ts`): the injected events and what follows from
 * them (the day back from the holiday, the day after the boiler fault), a zone's first
 * half-connected day, the summer switch-off on days cold enough that the signature expects heating,
 * and the first day of the heating season. Each with the reasons the analysis must give, and those
 * it may give as well (they depend on its fit, or the day lies near a rule's threshold).
 *
 * `no_heating_cold_day` is a home-scope reason, as the analysis' rule is (`unusual-days.ts`): one
 * room not heated on a cold day is common (a spare bedroom, a study kept OFF by its schedule), the
 * whole home not heated is not. A heat-free holiday zone-day is listed with the residual it may
 * give (zero hours where the signature expects several); the home-day carries the reason.
 */
import { inSummerOff } from './day-plan.js';
import { generateDayReport } from './day-report-generator.js';
import type { ExpectedReason, GroundTruthDay, SignatureTruth, ZoneTruth } from './ground-truth-types.js';
import { injectedEvents } from './injected-events.js';
import { datesOfYear, localDateOf, localMs, QUARTER_MS, reportWindow, shiftDate } from './sim-calendar.js';
import type { SimHome } from './sim-home.js';

/** A switch-off day is listed when the signature expects at least this many heating hours per zone, h. */
const SWITCH_OFF_LISTED_HOURS = 0.5;

/** How far from a rule's threshold (°C of daily mean outdoor) a day counts as clearly on one side. */
const THRESHOLD_MARGIN_C = 0.75;

/** Minutes of a zone's generated report with callForHeat ≠ NONE within the local day (0 when it has none). */
function heatingMinutesOf(seed: number, home: SimHome, zoneId: number, date: string): number {
  const zone = home.zones.find((z) => z.id === zoneId);
  if (zone === undefined) return 0;
  const out = generateDayReport({ seed, home, zone, date, nowMs: Number.MAX_SAFE_INTEGER });
  if (!out.ok) return 0;
  const w = reportWindow(date, home.timeZone);
  const dayEnd = w.toMs - QUARTER_MS;
  const cfh =
    (out.report as { callForHeat?: { dataIntervals?: { from: string; to: string; value: string }[] } })
      .callForHeat?.dataIntervals ?? [];
  let ms = 0;
  for (const i of cfh)
    if (i.value !== 'NONE')
      ms += Math.max(0, Math.min(dayEnd, Date.parse(i.to)) - Math.max(w.dayStartMs, Date.parse(i.from)));
  return Math.round(ms / 60_000);
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

/**
 * Every zone-day and home-day of `year` the rules legitimately flag, in date order (zone days
 * before the home's on a date), given the year's signatures and daily mean outdoor temperatures.
 */
export function flaggedDays(
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
            // frost protection may start in a room that has cooled to 5 °C: then the day is not heat-free
            const minutes = (scope === null ? e.zoneIds : [scope]).reduce(
              (n, z) => n + heatingMinutesOf(seed, home, z, date),
              0,
            );
            const cold = byMargin('no_heating_cold_day', b - 5 - t);
            if (minutes === 0 && home_)
              add(scope, date, e.kind, cold.reasons, [...cold.mayAlsoFlag, 'residual'], null, e.description);
            else if (minutes === 0)
              add(
                scope,
                date,
                e.kind,
                [],
                ['residual'],
                null,
                `${e.description}; no heating in the room (no_heating_cold_day is the home's reason)`,
              );
            else
              add(
                scope,
                date,
                e.kind,
                [],
                ['residual'],
                null,
                `${e.description}; frost protection heated ${minutes} min`,
              );
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
    add(z.id, created, 'zone_created', low.reasons, [...low.mayAlsoFlag, 'residual'], 'disconnected', text);
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
        // the whole home unheated on a cold day is the home's rule; a room's zero hours are a residual
        const cold =
          sc.zoneId === null
            ? byMargin('no_heating_cold_day', sc.balanceTemperatureC - 5 - t)
            : { reasons: [], mayAlsoFlag: [] };
        add(
          sc.zoneId,
          date,
          'summer_switch_off',
          cold.reasons,
          [...cold.mayAlsoFlag, 'residual'],
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
