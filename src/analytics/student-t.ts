/**
 * Student's t distribution's two-sided tail probability for whole degrees of freedom, exactly, by
 * the finite series of Abramowitz & Stegun, "Handbook of Mathematical Functions" (1964), 26.7.3
 * (ν odd) and 26.7.4 (ν even). With θ = arctan(|t|/√ν), A(t|ν) = P(|T| ≤ |t|) is
 *
 * - ν = 1: 2θ/π;
 * - ν odd > 1: (2/π)·(θ + sinθ·[cosθ + (2/3)cos³θ + … + (2·4…(ν−3))/(1·3…(ν−2))·cos^(ν−2)θ]);
 * - ν even: sinθ·[1 + (1/2)cos²θ + (1·3)/(2·4)cos⁴θ + … + (1·3…(ν−3))/(2·4…(ν−2))·cos^(ν−2)θ];
 *
 * and the two-sided p-value is 1 − A. simple-statistics has no t CDF; the series needs ν/2
 * terms, a few hundred for a year of days. The regression's ν = n − 2 is always whole. Being
 * computed as 1 − A, p-values below ~1e-15 come out as 0 (they are "tiny" either way).
 */
import { HeatflowError } from '../core/errors.js';

/**
 * P(|T| ≥ |t|) for T ~ Student's t with `df` degrees of freedom.
 * @param t - the statistic (its sign does not matter); NaN gives NaN
 * @param df - degrees of freedom, a whole number ≥ 1
 * @returns the two-sided p-value, 0..1
 * @throws HeatflowError `INVALID_ARGUMENT` when df is not a whole number ≥ 1
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (!Number.isInteger(df) || df < 1) {
    throw new HeatflowError('INVALID_ARGUMENT', `degrees of freedom must be a whole number ≥ 1, not ${df}`);
  }
  if (Number.isNaN(t)) return NaN;
  if (!Number.isFinite(t)) return 0;
  const theta = Math.atan(Math.abs(t) / Math.sqrt(df));
  const sin = Math.sin(theta);
  const cos = Math.cos(theta);
  const cos2 = cos * cos;
  let a: number;
  if (df % 2 === 1) {
    let sum = 0;
    if (df > 1) {
      let term = cos;
      sum = term;
      for (let k = 1; 2 * k + 1 <= df - 2; k++) {
        term *= (cos2 * (2 * k)) / (2 * k + 1);
        sum += term;
      }
    }
    a = (2 / Math.PI) * (theta + sin * sum);
  } else {
    let term = 1;
    let sum = 1;
    for (let k = 1; 2 * k <= df - 2; k++) {
      term *= (cos2 * (2 * k - 1)) / (2 * k);
      sum += term;
    }
    a = sin * sum;
  }
  return Math.min(1, Math.max(0, 1 - a));
}
