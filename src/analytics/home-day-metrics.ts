/**
 * The metrics of one home-day from its heating zones' zone-day metrics (`HomeDayMetrics`):
 * minutes and comfort deficits summed; indoor means weighted by the minutes behind them (a zone
 * with half a day of readings weighs half); outdoor temperature the plain mean of the zones'
 * values (tado reports one home-wide weather per zone, so they agree up to their minutes with a
 * value); HDD from that mean; coverage the plain mean of the zones' coverage.
 */
import { heatingDegreeDays } from './degree-days.js';
import { HeatflowError } from '../core/errors.js';
import type { HomeDayMetrics, ZoneDayMetrics } from './types.js';

/**
 * The home-day's metrics.
 * @param zoneDays - the heating zones' metrics of one home and date (one per zone)
 * @throws HeatflowError `HOME_DAY_INVALID` when `zoneDays` is empty, mixes homes or dates, or
 *   holds a zone twice
 */
export function homeDayMetrics(zoneDays: readonly ZoneDayMetrics[]): HomeDayMetrics {
  const first = zoneDays[0];
  if (first === undefined)
    throw new HeatflowError('HOME_DAY_INVALID', 'a home-day needs at least one zone-day');
  const zones = new Set<number>();
  for (const z of zoneDays) {
    if (z.homeId !== first.homeId || z.date !== first.date) {
      throw new HeatflowError(
        'HOME_DAY_INVALID',
        `home ${first.homeId} ${first.date}: zone ${z.zoneId} is of home ${z.homeId} ${z.date}`,
      );
    }
    if (zones.has(z.zoneId)) {
      throw new HeatflowError(
        'HOME_DAY_INVALID',
        `home ${first.homeId} ${first.date}: zone ${z.zoneId} given twice`,
      );
    }
    zones.add(z.zoneId);
  }
  let heatingMinutes = 0;
  let demandWeightedMinutes = 0;
  let insideSum = 0;
  let insideMinutes = 0;
  let heatingInsideSum = 0;
  let heatingMinutesWithInside = 0;
  let deficit = 0;
  let outsideSum = 0;
  let outsideCount = 0;
  let coverageSum = 0;
  for (const z of zoneDays) {
    heatingMinutes += z.heatingMinutes;
    demandWeightedMinutes += z.demandWeightedMinutes;
    // coverage = minutes with a value / minutes, so this is that count back (an integer)
    const withInside = Math.round(z.coverageFraction * z.minutes);
    if (z.insideMeanC !== null && withInside > 0) {
      insideSum += z.insideMeanC * withInside;
      insideMinutes += withInside;
    }
    if (z.insideMeanHeatingC !== null && z.heatingMinutesWithInside > 0) {
      heatingInsideSum += z.insideMeanHeatingC * z.heatingMinutesWithInside;
      heatingMinutesWithInside += z.heatingMinutesWithInside;
    }
    deficit += z.comfortDeficitDegreeMinutes;
    if (z.outsideMeanC !== null) {
      outsideSum += z.outsideMeanC;
      outsideCount++;
    }
    coverageSum += z.coverageFraction;
  }
  const outsideMeanC = outsideCount === 0 ? null : outsideSum / outsideCount;
  return {
    homeId: first.homeId,
    date: first.date,
    zones: zoneDays.length,
    heatingMinutes,
    demandWeightedMinutes,
    insideMeanC: insideMinutes === 0 ? null : insideSum / insideMinutes,
    insideMeanHeatingC: heatingMinutesWithInside === 0 ? null : heatingInsideSum / heatingMinutesWithInside,
    heatingMinutesWithInside,
    comfortDeficitDegreeMinutes: deficit,
    outsideMeanC,
    hdd: heatingDegreeDays(outsideMeanC),
    coverageFraction: coverageSum / zoneDays.length,
  };
}
