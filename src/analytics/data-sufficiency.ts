/**
 * Is a year's energy signature fitted on enough days? CalTRACK's data-sufficiency rule for daily
 * methods (§2.2.1; eemeter's `caltrack_sufficiency_criteria`: `requested_duration` 365 days,
 * `min_fraction_daily_coverage` 0.9): a baseline covers a whole year and at least 90 % of its
 * days have data. A fit of fewer days (a zone created in June, a year not over yet, an outage)
 * is still computed and stored, flagged as insufficient with the reason, so that nobody reads a
 * January-only fit as the year's answer.
 */

/** CalTRACK §2.2.1's least fraction of a period's days that must have data. */
export const MIN_DAILY_COVERAGE_FRACTION = 0.9;

/** How much of its calendar year a fit saw. */
export interface DataSufficiency {
  /** days of the calendar year (365 or 366) */
  readonly daysInPeriod: number;
  /** days fitted (with heating data and an outdoor mean) */
  readonly daysWithData: number;
  /** daysWithData / daysInPeriod, 0..1 */
  readonly coverageFraction: number;
  /** coverageFraction ≥ {@link MIN_DAILY_COVERAGE_FRACTION} */
  readonly sufficient: boolean;
  /** one sentence with the figures */
  readonly reason: string;
}

/** Days of a calendar year: 366 in a leap year, else 365. */
export function daysInYear(year: number): number {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 366 : 365;
}

/**
 * The data sufficiency of a fit of `daysWithData` days of calendar `year`.
 * @throws RangeError when `daysWithData` is negative, not whole, or more than the year's days
 */
export function yearDataSufficiency(year: number, daysWithData: number): DataSufficiency {
  const daysInPeriod = daysInYear(year);
  if (!Number.isInteger(daysWithData) || daysWithData < 0 || daysWithData > daysInPeriod)
    throw new RangeError(
      `daysWithData must be a whole number of days in 0..${daysInPeriod}, got ${daysWithData}`,
    );
  const coverageFraction = daysWithData / daysInPeriod;
  const sufficient = coverageFraction >= MIN_DAILY_COVERAGE_FRACTION;
  const pct = Math.floor(coverageFraction * 1000) / 10;
  const figures = `${daysWithData} of the ${daysInPeriod} days of ${year} have data (${pct} %)`;
  return {
    daysInPeriod,
    daysWithData,
    coverageFraction,
    sufficient,
    reason: sufficient
      ? `${figures}: sufficient (CalTRACK §2.2.1 needs ${MIN_DAILY_COVERAGE_FRACTION * 100} %)`
      : `${figures}: insufficient, under the ${MIN_DAILY_COVERAGE_FRACTION * 100} % CalTRACK §2.2.1 needs; the fit describes part of the year only`,
  };
}
