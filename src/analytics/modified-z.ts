/**
 * Modified z-scores (Iglewicz & Hoaglin, "How to Detect and Handle Outliers", ASQC Quality Press 1993):
 * M_i = 0.6745 · (x_i − x̃) / MAD, with x̃ the median and MAD the median of |x_i − x̃|; values
 * with |M_i| > 3.5 are potential outliers. 0.6745 = Φ⁻¹(3/4) makes MAD/0.6745 estimate σ.
 *
 * When MAD is 0 (over half the values equal, e.g. many days with exactly 0 h of heating) the
 * formula divides by zero; then the mean absolute deviation from the median replaces it:
 * M_i = (x_i − x̃) / (1.253314 · MeanAD), 1.253314 = √(π/2) making MeanAD estimate σ (the rule of
 * IBM Cognos Analytics' documentation, "Modified z score",
 * ibm.com/docs/cognos-analytics/11.1.0?topic=terms-modified-z-score). When MeanAD is 0 too, all
 * values are equal and every score is 0.
 */
import { mean, median } from 'simple-statistics';
import { HeatflowError } from '../core/errors.js';

/** 0.6745 ≈ Φ⁻¹(0.75). */
export const MODIFIED_Z_CONSTANT = 0.6745;
/** √(π/2): MeanAD × this estimates σ of Gaussian data. */
export const MEAN_AD_CONSTANT = 1.253314;
/** |M| above this flags an outlier (Iglewicz & Hoaglin). */
export const MODIFIED_Z_THRESHOLD = 3.5;

/** The scores and the figures behind them. */
export interface ModifiedZScores {
  readonly scores: readonly number[];
  readonly median: number;
  /** median |x − median| */
  readonly mad: number;
  /** mean |x − median| (used when mad is 0) */
  readonly meanAd: number;
  /** which scale the scores use */
  readonly scale: 'mad' | 'mean_ad' | 'none';
}

/**
 * Modified z-scores of `values` (definition above).
 * @throws HeatflowError `INVALID_ARGUMENT` when `values` is empty
 */
export function modifiedZScores(values: readonly number[]): ModifiedZScores {
  if (values.length === 0)
    throw new HeatflowError('INVALID_ARGUMENT', 'modified z-scores need at least one value');
  const m = median(values);
  const deviations = values.map((x) => Math.abs(x - m));
  const mad = median(deviations);
  const meanAd = mean(deviations);
  if (mad > 0) {
    return {
      scores: values.map((x) => (MODIFIED_Z_CONSTANT * (x - m)) / mad),
      median: m,
      mad,
      meanAd,
      scale: 'mad',
    };
  }
  if (meanAd > 0) {
    return {
      scores: values.map((x) => (x - m) / (MEAN_AD_CONSTANT * meanAd)),
      median: m,
      mad,
      meanAd,
      scale: 'mean_ad',
    };
  }
  return { scores: values.map(() => 0), median: m, mad, meanAd, scale: 'none' };
}
