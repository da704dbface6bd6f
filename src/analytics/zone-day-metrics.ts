/**
 * The daily metrics of one zone-day from its minute series (`ZoneDayMetrics`; each field's
 * definition is on the type, the reasons in docs/analytics.md "Methods"):
 *
 * - heating minutes: minutes whose demand level is ≥ 1 (tado `callForHeat` ≠ NONE), the run-minutes
 *   of the tado-timescale dashboard "Daily Heating Run-Minutes";
 * - demand-weighted minutes: LOW 1/3, MEDIUM 2/3, HIGH 1 per minute, i.e. (LOW + 2·MEDIUM +
 *   3·HIGH minutes) / 3: tado's three levels as thirds of full demand (its valve or boiler
 *   modulation is not in the day report, so equal steps are the least assumption);
 * - comfort: deficit Σ max(0, setpoint − inside) and minutes more than 2 °C below the setpoint while
 *   heating, only at comfort setpoints (≥ 12 °C, `setpoints.ts`); the latter only once the
 *   setpoint has held for {@link WARM_UP_ALLOWANCE_MINUTES} (a warm-up is not a shortfall);
 * - outdoor mean and HDD (mean method, base 15.5 °C: `degree-days.ts`);
 * - heat-up rate: median of the day's episodes' rates (`heat-up-episodes.ts`);
 * - largest fall within 60 min at a constant setpoint (`max-drop.ts`);
 * - coverage: minutes with a valid indoor value / minutes.
 *
 * Means are sums over the minutes in time order divided by their count.
 */
import { median } from 'simple-statistics';
import { heatingDegreeDays } from './degree-days.js';
import { heatUpEpisodes } from './heat-up-episodes.js';
import { maxDrop } from './max-drop.js';
import { isComfortSetpoint } from './setpoints.js';
import type { ZoneDayMetrics, ZoneMinuteSeries } from './types.js';

/** Heating while this far below a comfort setpoint counts as "below setpoint", °C (strictly more). */
export const BELOW_SETPOINT_MARGIN_C = 2;

/**
 * Minutes a setpoint is given to bring the room up before "below setpoint" counts, from the
 * setpoint's last change (or the day's start): a morning warm-up from an unheated room is the
 * heating doing its job, not a comfort problem.
 */
export const WARM_UP_ALLOWANCE_MINUTES = 60;

/** Demand weight of each level, in thirds of full demand: NONE 0, LOW 1, MEDIUM 2, HIGH 3. */
const DEMAND_THIRDS = [0, 1, 2, 3] as const;

const meanOrNull = (sum: number, count: number): number | null => (count === 0 ? null : sum / count);

/** The metrics of one zone-day (definitions above and on `ZoneDayMetrics`). */
export function zoneDayMetrics(series: ZoneMinuteSeries): ZoneDayMetrics {
  const n = series.minutes;
  let heatingMinutes = 0;
  let demandThirds = 0;
  let insideSum = 0;
  let insideCount = 0;
  let insideMin = Infinity;
  let insideMax = -Infinity;
  let heatingInsideSum = 0;
  let heatingInsideCount = 0;
  let heatingSetpointSum = 0;
  let heatingSetpointCount = 0;
  let deficit = 0;
  let belowSetpoint = 0;
  let outsideSum = 0;
  let outsideCount = 0;
  let setpointSince = 0;
  for (let i = 0; i < n; i++) {
    const level = series.demandLevel[i] ?? null;
    const inside = series.insideC[i] ?? null;
    const setpoint = series.setpointC[i] ?? null;
    const outside = series.outsideC[i] ?? null;
    const heating = level !== null && level >= 1;
    if (i > 0 && setpoint !== (series.setpointC[i - 1] ?? null)) setpointSince = i;
    if (level !== null) demandThirds += DEMAND_THIRDS[level];
    if (inside !== null) {
      insideSum += inside;
      insideCount++;
      if (inside < insideMin) insideMin = inside;
      if (inside > insideMax) insideMax = inside;
    }
    if (heating) {
      heatingMinutes++;
      if (inside !== null) {
        heatingInsideSum += inside;
        heatingInsideCount++;
      }
      if (setpoint !== null) {
        heatingSetpointSum += setpoint;
        heatingSetpointCount++;
      }
    }
    if (inside !== null && isComfortSetpoint(setpoint)) {
      if (setpoint > inside) deficit += setpoint - inside;
      if (
        heating &&
        inside < setpoint - BELOW_SETPOINT_MARGIN_C &&
        i - setpointSince >= WARM_UP_ALLOWANCE_MINUTES
      )
        belowSetpoint++;
    }
    if (outside !== null) {
      outsideSum += outside;
      outsideCount++;
    }
  }
  const outsideMeanC = meanOrNull(outsideSum, outsideCount);
  const rates = heatUpEpisodes(series).map((e) => e.rateCPerH);
  const drop = maxDrop(series);
  return {
    homeId: series.homeId,
    zoneId: series.zoneId,
    date: series.date,
    minutes: n,
    heatingMinutes,
    demandWeightedMinutes: demandThirds / 3,
    insideMeanC: meanOrNull(insideSum, insideCount),
    insideMinC: insideCount === 0 ? null : insideMin,
    insideMaxC: insideCount === 0 ? null : insideMax,
    insideMeanHeatingC: meanOrNull(heatingInsideSum, heatingInsideCount),
    heatingMinutesWithInside: heatingInsideCount,
    setpointMeanHeatingC: meanOrNull(heatingSetpointSum, heatingSetpointCount),
    comfortDeficitDegreeMinutes: deficit,
    minutesBelowSetpoint2CHeating: belowSetpoint,
    outsideMeanC,
    hdd: heatingDegreeDays(outsideMeanC),
    heatUpRateCPerH: rates.length === 0 ? null : median(rates),
    maxDrop1hC: drop.dropC,
    maxDrop1hAtMs: drop.fromMinute === null ? null : series.dayStartMs + drop.fromMinute * 60_000,
    coverageFraction: n === 0 ? 0 : insideCount / n,
  };
}
