/**
 * Unusual days of one scope (a zone, or the whole home) over one fitted period, each with its
 * reason and figures (`UnusualDay`; thresholds and reasons in docs/analytics.md "Methods"):
 *
 * - `residual`: r = heating hours − the fit's prediction at the day's mean outdoor temperature;
 *   flagged when its modified z-score |0.6745·(r − median r)/MAD| > 3.5 (Iglewicz & Hoaglin
 *   1993; `modified-z.ts`, with its MeanAD fallback when MAD = 0). The test runs over the days
 *   where the model is informative: for a weather-dependent fit, the days below T_b (above it the
 *   model predicts μ and most days have exactly 0 h, identical residuals that would shrink MAD to
 *   0 and make any heating there an outlier: the `heating_above_balance` rule covers those days);
 *   for an intercept-only fit, every day. It needs at least 10 such days (as the fit needs 10
 *   heating days), else it is skipped.
 * - `heating_above_balance`: heating for over 120 min while the day's mean outdoor temperature is
 *   above T_b (weather-dependent fits only: otherwise there is no T_b);
 * - `no_heating_cold_day`: no heating minute on a day at least 5 °C below T_b (weather-dependent
 *   fits only);
 * - `below_setpoint` (zones): over 60 heating minutes more than 2 °C below a comfort setpoint;
 * - `open_window` (zones): a fall of ≥ 3 °C within 60 min at a constant setpoint (`max-drop.ts`);
 * - `low_coverage` (zones): under 80 % of the day's minutes with a valid indoor value.
 *
 * The home scope has no indoor rules: its heating is the zones' sum, its rooms are judged one by one.
 */
import { HeatflowError } from '../core/errors.js';
import { predictHeatingHours } from './change-point.js';
import { MODIFIED_Z_THRESHOLD, modifiedZScores } from './modified-z.js';
import type { ChangePointFit, HomeDayMetrics, UnusualDay, UnusualReason, ZoneDayMetrics } from './types.js';

/** Thresholds of the rules (the defaults are the issue's). */
export const UNUSUAL_DAY_RULES = {
  /** `heating_above_balance`: heating minutes above which a warm day is unusual (strictly more) */
  heatingAboveBalanceMinutes: 120,
  /** `no_heating_cold_day`: how far below T_b a day must be, °C (inclusive) */
  coldDayBelowBalanceC: 5,
  /** `below_setpoint`: heating minutes > 2 °C below a comfort setpoint (strictly more) */
  belowSetpointMinutes: 60,
  /** `open_window`: fall within 60 min, °C (inclusive) */
  openWindowDropC: 3,
  /** `low_coverage`: least coverage (strictly less is flagged) */
  minCoverageFraction: 0.8,
  /** `residual`: least days the residual test runs over */
  minResidualDays: 10,
} as const;

/** The scope's days over the fitted period, and the fit. */
export type UnusualDaysInput =
  | { readonly days: readonly ZoneDayMetrics[]; readonly fit: ChangePointFit }
  | { readonly days: readonly HomeDayMetrics[]; readonly fit: ChangePointFit };

const REASON_ORDER: readonly UnusualReason[] = [
  'residual',
  'heating_above_balance',
  'below_setpoint',
  'no_heating_cold_day',
  'open_window',
  'low_coverage',
];

/** `3.2`, `-0.45`: figures for descriptions. */
const f1 = (x: number): string => (Math.round(x * 10) / 10).toFixed(1);
const f2 = (x: number): string => (Math.round(x * 100) / 100).toFixed(2);
const r6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** The residual test (rules above). */
function residualDays(
  days: readonly (ZoneDayMetrics | HomeDayMetrics)[],
  fit: ChangePointFit,
  make: (
    d: ZoneDayMetrics | HomeDayMetrics,
    reason: UnusualReason,
    description: string,
    figures: UnusualDay['figures'],
  ) => UnusualDay,
): UnusualDay[] {
  const tb = fit.weatherDependent ? fit.balanceTemperatureC : null;
  const tested = days.filter(
    (d): d is (ZoneDayMetrics | HomeDayMetrics) & { outsideMeanC: number } =>
      d.outsideMeanC !== null && (tb === null || d.outsideMeanC < tb),
  );
  if (tested.length < UNUSUAL_DAY_RULES.minResidualDays) return [];
  const residuals = tested.map((d) => d.heatingMinutes / 60 - predictHeatingHours(fit, d.outsideMeanC));
  const z = modifiedZScores(residuals);
  const out: UnusualDay[] = [];
  tested.forEach((d, i) => {
    const score = z.scores[i] ?? 0;
    if (!(Math.abs(score) > MODIFIED_Z_THRESHOLD)) return;
    const heatingHours = d.heatingMinutes / 60;
    const predicted = predictHeatingHours(fit, d.outsideMeanC);
    const r = residuals[i] ?? 0;
    const scaleText = z.scale === 'mad' ? `MAD ${f2(z.mad)} h` : `MAD 0, MeanAD ${f2(z.meanAd)} h`;
    out.push(
      make(
        d,
        'residual',
        `${f1(heatingHours)} h of heating where the energy signature predicts ${f1(predicted)} h at ${f1(d.outsideMeanC)} °C outside ` +
          `(residual ${r >= 0 ? '+' : ''}${f1(r)} h, modified z ${f1(score)}, |z| > ${MODIFIED_Z_THRESHOLD}; median residual ${f2(z.median)} h, ${scaleText}, ${tested.length} days tested)`,
        {
          heatingHours: r6(heatingHours),
          predictedHours: r6(predicted),
          residualHours: r6(r),
          modifiedZ: r6(score),
          medianResidualHours: r6(z.median),
          madHours: r6(z.mad),
          meanAdHours: r6(z.meanAd),
          scale: z.scale,
          outsideMeanC: r6(d.outsideMeanC),
          daysTested: tested.length,
        },
      ),
    );
  });
  return out;
}

/**
 * The unusual days of one scope (rules above), sorted by date then reason.
 * @throws HeatflowError `INVALID_ARGUMENT` when the days mix homes or zones, or repeat a date
 */
export function findUnusualDays(input: UnusualDaysInput): UnusualDay[] {
  const days: readonly (ZoneDayMetrics | HomeDayMetrics)[] = input.days;
  const { fit } = input;
  const first = days[0];
  if (first === undefined) return [];
  const zoneOf = (d: ZoneDayMetrics | HomeDayMetrics): number | null => ('zoneId' in d ? d.zoneId : null);
  const zoneId = zoneOf(first);
  const dates = new Set<string>();
  for (const d of days) {
    if (d.homeId !== first.homeId || zoneOf(d) !== zoneId || dates.has(d.date)) {
      throw new HeatflowError(
        'INVALID_ARGUMENT',
        `unusual days of home ${first.homeId} zone ${zoneId ?? '(home)'}: day ${d.date} of home ${d.homeId} zone ${zoneOf(d) ?? '(home)'} ${dates.has(d.date) ? 'repeats a date' : 'is of another scope'}`,
      );
    }
    dates.add(d.date);
  }
  const make = (
    d: ZoneDayMetrics | HomeDayMetrics,
    reason: UnusualReason,
    description: string,
    figures: UnusualDay['figures'],
  ): UnusualDay => ({ homeId: d.homeId, zoneId, date: d.date, reason, description, figures });

  const out = residualDays(days, fit, make);
  const tb = fit.weatherDependent ? fit.balanceTemperatureC : null;
  const rules = UNUSUAL_DAY_RULES;
  for (const d of days) {
    const t = d.outsideMeanC;
    if (tb !== null && t !== null && t > tb && d.heatingMinutes > rules.heatingAboveBalanceMinutes) {
      out.push(
        make(
          d,
          'heating_above_balance',
          `heating for ${d.heatingMinutes} min (over ${rules.heatingAboveBalanceMinutes}) while the mean outdoor temperature ${f1(t)} °C was above the balance temperature ${f1(tb)} °C`,
          { heatingMinutes: d.heatingMinutes, outsideMeanC: r6(t), balanceTemperatureC: tb },
        ),
      );
    }
    // Home scope only: a room unheated by its schedule (a study at weekends) is normal; the whole
    // home unheated on a cold day (a holiday, a boiler off) is not.
    if (
      !('zoneId' in d) &&
      tb !== null &&
      t !== null &&
      t <= tb - rules.coldDayBelowBalanceC &&
      d.heatingMinutes === 0
    ) {
      out.push(
        make(
          d,
          'no_heating_cold_day',
          `no heating at all on a day with a mean outdoor temperature of ${f1(t)} °C, ${f1(tb - t)} °C below the balance temperature ${f1(tb)} °C (at least ${rules.coldDayBelowBalanceC})`,
          { heatingMinutes: 0, outsideMeanC: r6(t), balanceTemperatureC: tb, belowBalanceC: r6(tb - t) },
        ),
      );
    }
    if (!('zoneId' in d)) continue;
    if (d.minutesBelowSetpoint2CHeating > rules.belowSetpointMinutes) {
      out.push(
        make(
          d,
          'below_setpoint',
          `${d.minutesBelowSetpoint2CHeating} heating minutes (over ${rules.belowSetpointMinutes}) with the room more than 2 °C below a setpoint of 12 °C or more` +
            (d.setpointMeanHeatingC === null
              ? ''
              : ` (mean setpoint while heating ${f1(d.setpointMeanHeatingC)} °C)`),
          {
            minutesBelowSetpoint2CHeating: d.minutesBelowSetpoint2CHeating,
            heatingMinutes: d.heatingMinutes,
            setpointMeanHeatingC: d.setpointMeanHeatingC === null ? null : r6(d.setpointMeanHeatingC),
            insideMeanHeatingC: d.insideMeanHeatingC === null ? null : r6(d.insideMeanHeatingC),
          },
        ),
      );
    }
    if (d.maxDrop1hC >= rules.openWindowDropC) {
      const at = d.maxDrop1hAtMs === null ? null : new Date(d.maxDrop1hAtMs).toISOString();
      out.push(
        make(
          d,
          'open_window',
          `the room fell ${f1(d.maxDrop1hC)} °C within an hour at a constant setpoint${at === null ? '' : ` from ${at}`} (an open window: at least ${rules.openWindowDropC} °C)`,
          { maxDrop1hC: r6(d.maxDrop1hC), maxDrop1hAt: at },
        ),
      );
    }
    if (d.coverageFraction < rules.minCoverageFraction) {
      out.push(
        make(
          d,
          'low_coverage',
          `only ${Math.round(d.coverageFraction * d.minutes)} of the day's ${d.minutes} minutes (${Math.round(d.coverageFraction * 100)} %) have an indoor temperature (under ${rules.minCoverageFraction * 100} %)`,
          { coverageFraction: r6(d.coverageFraction), minutes: d.minutes },
        ),
      );
    }
  }
  return out.sort((a, b) =>
    a.date !== b.date
      ? a.date < b.date
        ? -1
        : 1
      : REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason),
  );
}
