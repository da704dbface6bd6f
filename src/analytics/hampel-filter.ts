/**
 * The Hampel filter (Hampel 1974, "The influence curve and its role in robust estimation", JASA
 * 69; as a moving-window outlier identifier: Pearson 2002, "Outliers in process modeling and
 * identification", IEEE Trans. Control Syst. Technol. 10; Pearson, Neuvo, Astola & Gabbouj 2016,
 * "Generalized Hampel filters", EURASIP J. Adv. Signal Process. 2016:87).
 *
 * A value x_k is an outlier when |x_k − m_k| > t · S_k, where m_k is the median of the window of
 * x_k and its neighbours, S_k = max(1.4826 · MAD_k, floor) the scale (1.4826 · MAD estimates σ
 * for Gaussian data), and t the threshold (3: the "3σ rule" made robust). The floor keeps a flat
 * series (MAD = 0) from flagging the sensor's own quantisation: a value must stand out by more
 * than t · floor. Values are judged against the raw window (the non-recursive filter).
 */
import { median } from 'simple-statistics';

/** 1.4826 ≈ 1 / Φ⁻¹(3/4): MAD × this estimates σ of Gaussian data. */
export const MAD_TO_SIGMA = 1.4826;

/** Options of {@link hampelOutliers}. */
export interface HampelOptions {
  /** neighbours on each side, in samples; `@defaultValue` 3 */
  readonly halfWindow?: number;
  /** neighbours further than this from the value, in ms, are not in its window; `@defaultValue` 45 min */
  readonly maxDistanceMs?: number;
  /** t, in scale units; `@defaultValue` 3 */
  readonly threshold?: number;
  /** the least scale S_k, in the values' unit (e.g. the sensor resolution) */
  readonly scaleFloor: number;
  /** windows with fewer values (the value included) are not judged; `@defaultValue` 3 */
  readonly minWindow?: number;
}

/**
 * Which values are outliers.
 * @param timesMs - the values' times, ascending, ms
 * @param values - same length as `timesMs`
 * @returns `flags[k]` true when `values[k]` is an outlier
 */
export function hampelOutliers(
  timesMs: readonly number[],
  values: readonly number[],
  options: HampelOptions,
): boolean[] {
  const half = options.halfWindow ?? 3;
  const maxDistanceMs = options.maxDistanceMs ?? 45 * 60_000;
  const threshold = options.threshold ?? 3;
  const minWindow = options.minWindow ?? 3;
  const n = values.length;
  const flags = new Array<boolean>(n).fill(false);
  const window: number[] = [];
  const deviations: number[] = [];
  for (let k = 0; k < n; k++) {
    const tk = timesMs[k] ?? 0;
    const xk = values[k] ?? 0;
    window.length = 0;
    for (let i = Math.max(0, k - half); i <= Math.min(n - 1, k + half); i++) {
      if (Math.abs((timesMs[i] ?? 0) - tk) <= maxDistanceMs) window.push(values[i] ?? 0);
    }
    if (window.length < minWindow) continue;
    const m = median(window);
    deviations.length = 0;
    for (const v of window) deviations.push(Math.abs(v - m));
    const scale = Math.max(MAD_TO_SIGMA * median(deviations), options.scaleFloor);
    flags[k] = Math.abs(xk - m) > threshold * scale;
  }
  return flags;
}
