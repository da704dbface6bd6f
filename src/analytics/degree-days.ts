/**
 * Heating degree days by the mean method: HDD = max(0, T_base − T_mean) for a day whose mean
 * outdoor temperature is T_mean (CalTRACK methods §3.3.5, with the day's mean of the minute
 * values for avg(T_d); UK convention T_base = 15.5 °C: Met Office / CIBSE TM41 "Degree-days:
 * theory and application").
 */

/** The UK base temperature, °C (CIBSE TM41). */
export const HDD_BASE_C = 15.5;

/**
 * Heating degree days of a day, °C·day.
 * @param meanOutsideC - the day's mean outdoor °C, or null when unknown
 * @param baseC - base temperature, °C; `@defaultValue` {@link HDD_BASE_C}
 * @returns max(0, baseC − meanOutsideC), or null when meanOutsideC is null
 */
export function heatingDegreeDays(meanOutsideC: number | null, baseC: number = HDD_BASE_C): number | null {
  return meanOutsideC === null ? null : Math.max(0, baseC - meanOutsideC);
}
