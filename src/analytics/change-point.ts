/**
 * The energy signature of a scope: daily heating hours y against the day's mean outdoor
 * temperature T, fitted with the 3-parameter heating change-point model
 * y = μ + β·max(0, T_b − T) (CalTRACK daily methods, openeemeter/caltrack docs/methods.rst §3.2-3.4;
 * ASHRAE Guideline 14-2014's 3P heating model), or the intercept-only model y = μ.
 *
 * - Grid search (§3.2.1, §3.2.3): T_b on multiples of 0.5 °C (CalTRACK: gaps ≤ 3 °F = 1.67 °C)
 *   within the data's range of T, bounded to −1..32 °C (CalTRACK's 30-90 °F).
 * - For each T_b, ordinary least squares of y on HDD_d(T_b) = max(0, T_b − T_d) (§3.4.1), with
 *   simple-statistics' `linearRegression`.
 * - Qualification (§3.2.2, §3.4.3.2): β > 0, μ ≥ 0, at least 10 days with HDD(T_b) > 0, ΣHDD(T_b) ≥
 *   20 °F·day = 11.1 °C·day, and β's two-sided p-value < 0.1 (the p-value screen of CalTRACK 1;
 *   CalTRACK 2 dropped it for out-of-sample prediction, technical appendix §3.4.3.2, but "is
 *   heating weather-dependent?" is a test of β ≠ 0, so it stays here). The p-value comes from
 *   t = β / SE(β), SE(β) = √(SSE / (n − 2) / Σ(x − x̄)²), and Student's t with n − 2 degrees of
 *   freedom (`student-t.ts`, exact).
 * - Selection (§3.4.3.3): the qualifying fit with the highest adjusted R² =
 *   1 − (SSE / (n − 2)) / (SST / (n − 1)); intercept-only has adjusted R² 0 by definition
 *   (§3.4.3.1.4), so a change-point fit is chosen when it qualifies and its adjusted R² is > 0.
 *   Ties: the lowest T_b.
 * - Goodness of fit (ASHRAE Guideline 14): CV(RMSE) = √(SSE / (n − p)) / ȳ and
 *   NMBE = Σ(y − ŷ) / ((n − p) · ȳ), p the model's parameters: 3 for the change-point model
 *   (μ, β and T_b, as ASHRAE RP-1050's Inverse Modeling Toolkit counts a 3P model), 1 for
 *   intercept-only. Null when ȳ is 0 or n ≤ p.
 */
import { linearRegression, mean } from 'simple-statistics';
import { HeatflowError } from '../core/errors.js';
import { studentTTwoSidedP } from './student-t.js';
import type { ChangePointFit, SignaturePoint } from './types.js';

/** Options of {@link fitHeatingChangePoint}. */
export interface ChangePointOptions {
  /** grid step of T_b, °C; `@defaultValue` 0.5 */
  readonly gridStepC?: number;
  /** lowest T_b tried, °C; `@defaultValue` −1 (30 °F) */
  readonly minBalanceC?: number;
  /** highest T_b tried, °C; `@defaultValue` 32 (90 °F) */
  readonly maxBalanceC?: number;
  /** least days with HDD(T_b) > 0; `@defaultValue` 10 */
  readonly minHeatingDays?: number;
  /** least ΣHDD(T_b), °C·day; `@defaultValue` 20 °F·day = 100/9 °C·day */
  readonly minTotalHdd?: number;
  /** β's p-value must be below this; `@defaultValue` 0.1 */
  readonly maxSlopePValue?: number;
  /**
   * least days with HDD(T_b) = 0 (mean outdoor at or above T_b): without days on both sides the
   * change point is not placed by the data (14 winter days "found" T_b 6–7 °C); `@defaultValue` 10
   */
  readonly minDaysAboveBalance?: number;
}

/** One T_b of the grid search, fitted, and why it does not qualify (null: it does). */
export interface ChangePointCandidate {
  readonly balanceTemperatureC: number;
  readonly slopeHoursPerC: number;
  readonly interceptHours: number;
  readonly r2: number;
  readonly adjustedR2: number;
  readonly heatingDays: number;
  /** ΣHDD(T_b), °C·day */
  readonly totalHdd: number;
  readonly slopePValue: number;
  /** Σ(y − ŷ)² */
  readonly sse: number;
  /** Σ(y − ŷ) */
  readonly residualSum: number;
  /** why it does not qualify, in words; null when it qualifies */
  readonly rejection: string | null;
}

const DEFAULTS: Required<ChangePointOptions> = {
  gridStepC: 0.5,
  minBalanceC: -1,
  maxBalanceC: 32,
  minHeatingDays: 10,
  minTotalHdd: 100 / 9,
  maxSlopePValue: 0.1,
  minDaysAboveBalance: 10,
};

/** `0.52`, `1.2e-40`: a figure for the decision text. */
const fig = (x: number): string =>
  x !== 0 && Math.abs(x) < 1e-3 ? x.toExponential(1) : String(Number(x.toPrecision(3)));
/** a p-value: `1.2e-5`, or `< 1e-15` where the series gives 0 (`student-t.ts`) */
const figP = (p: number): string => (p === 0 ? '< 1e-15' : fig(p));

/** Fits one T_b (rules above). */
function fitCandidate(
  points: readonly SignaturePoint[],
  tb: number,
  o: Required<ChangePointOptions>,
): ChangePointCandidate {
  const n = points.length;
  const data = points.map((p) => [Math.max(0, tb - p.outsideMeanC), p.heatingHours]);
  let heatingDays = 0;
  let totalHdd = 0;
  for (const [x = 0] of data) {
    if (x > 0) heatingDays++;
    totalHdd += x;
  }
  const xMean = totalHdd / n;
  const yMean = mean(points.map((p) => p.heatingHours));
  let sxx = 0;
  let sst = 0;
  for (const [x = 0, y = 0] of data) {
    sxx += (x - xMean) ** 2;
    sst += (y - yMean) ** 2;
  }
  const base = { balanceTemperatureC: tb, heatingDays, totalHdd };
  if (sxx === 0 || n < 3) {
    return {
      ...base,
      slopeHoursPerC: NaN,
      interceptHours: NaN,
      r2: NaN,
      adjustedR2: NaN,
      slopePValue: NaN,
      sse: NaN,
      residualSum: NaN,
      rejection: n < 3 ? `${n} days are too few` : 'every day has the same HDD',
    };
  }
  const { m, b } = linearRegression(data);
  let sse = 0;
  let residualSum = 0;
  for (const [x = 0, y = 0] of data) {
    const r = y - (b + m * x);
    sse += r * r;
    residualSum += r;
  }
  const r2 = sst === 0 ? 0 : 1 - sse / sst;
  const adjustedR2 = sst === 0 ? 0 : 1 - ((1 - r2) * (n - 1)) / (n - 2);
  const se = Math.sqrt(sse / (n - 2) / sxx);
  const slopePValue = studentTTwoSidedP(se === 0 ? Infinity : m / se, n - 2);
  const reasons: string[] = [];
  if (!(m > 0)) reasons.push(`β ${fig(m)} h/°C is not > 0`);
  // μ ≥ 0 up to rounding: an exact fit through the origin comes out as −9e-15
  if (!(b >= -1e-9)) reasons.push(`μ ${fig(b)} h is negative`);
  if (heatingDays < o.minHeatingDays) reasons.push(`${heatingDays} heating days < ${o.minHeatingDays}`);
  if (totalHdd < o.minTotalHdd) reasons.push(`ΣHDD ${fig(totalHdd)} °C·day < ${fig(o.minTotalHdd)}`);
  if (n - heatingDays < o.minDaysAboveBalance)
    reasons.push(
      `${n - heatingDays} days at or above T_b < ${o.minDaysAboveBalance} (the change point is not placed by the data)`,
    );
  if (!(slopePValue < o.maxSlopePValue))
    reasons.push(`β's p-value ${fig(slopePValue)} ≥ ${o.maxSlopePValue}`);
  if (sst === 0) reasons.push('heating hours are the same every day');
  return {
    ...base,
    slopeHoursPerC: m,
    interceptHours: b,
    r2,
    adjustedR2,
    slopePValue,
    sse,
    residualSum,
    rejection: reasons.length === 0 ? null : reasons.join(', '),
  };
}

/** Checks the points and the options. */
function validate(points: readonly SignaturePoint[], o: Required<ChangePointOptions>): void {
  if (points.length === 0)
    throw new HeatflowError('INVALID_ARGUMENT', 'an energy signature needs at least one day');
  const bad = points.find((p) => !Number.isFinite(p.outsideMeanC) || !Number.isFinite(p.heatingHours));
  if (bad !== undefined) {
    throw new HeatflowError(
      'INVALID_ARGUMENT',
      `signature point ${bad.date}: outsideMeanC ${bad.outsideMeanC} and heatingHours ${bad.heatingHours} must be finite numbers`,
    );
  }
  if (!(o.gridStepC > 0) || !(o.maxBalanceC >= o.minBalanceC)) {
    throw new HeatflowError(
      'INVALID_ARGUMENT',
      `change-point grid: gridStepC ${o.gridStepC} must be > 0 and maxBalanceC ${o.maxBalanceC} ≥ minBalanceC ${o.minBalanceC}`,
    );
  }
}

/**
 * Every candidate of the grid search (rules above), by ascending T_b.
 * @throws HeatflowError `INVALID_ARGUMENT` when `points` is empty or holds a non-finite value, or the options are inconsistent
 */
export function changePointCandidates(
  points: readonly SignaturePoint[],
  options: ChangePointOptions = {},
): ChangePointCandidate[] {
  const o = { ...DEFAULTS, ...options };
  validate(points, o);
  const temps = points.map((p) => p.outsideMeanC);
  const lo = Math.max(o.minBalanceC, Math.min(...temps));
  const hi = Math.min(o.maxBalanceC, Math.max(...temps));
  const out: ChangePointCandidate[] = [];
  for (let k = Math.ceil(lo / o.gridStepC); k * o.gridStepC <= hi; k++) {
    out.push(fitCandidate(points, k * o.gridStepC, o));
  }
  return out;
}

/**
 * Fits the energy signature and answers "is heating weather-dependent?" (rules above).
 * @param points - one per day; days without an outdoor mean are left out by the caller
 * @throws HeatflowError `INVALID_ARGUMENT` when `points` is empty or holds a non-finite value, or the options are inconsistent
 */
export function fitHeatingChangePoint(
  points: readonly SignaturePoint[],
  options: ChangePointOptions = {},
): ChangePointFit {
  const candidates = changePointCandidates(points, options);
  const n = points.length;
  const ys = points.map((p) => p.heatingHours);
  const yMean = mean(ys);
  let best: ChangePointCandidate | undefined;
  let bestRejected: ChangePointCandidate | undefined;
  for (const c of candidates) {
    if (c.rejection === null) {
      if (best === undefined || c.adjustedR2 > best.adjustedR2) best = c;
    } else if (
      Number.isFinite(c.adjustedR2) &&
      (bestRejected === undefined || c.adjustedR2 > bestRejected.adjustedR2)
    ) {
      bestRejected = c;
    }
  }
  const goodness = (sse: number, residualSum: number, p: number) =>
    yMean === 0 || n <= p
      ? { cvRmse: null, nmbe: null }
      : { cvRmse: Math.sqrt(sse / (n - p)) / yMean, nmbe: residualSum / ((n - p) * yMean) };

  // The grid search tries many T_b and keeps the best: on weather-independent data one of them
  // passes p < 0.1 by chance in about 1 year of 9 (measured, test/unit/analytics-change-point.test.ts).
  // The answer "weather-dependent" therefore also needs β's p-value to pass after a Bonferroni
  // correction for the candidates searched: p × candidates < maxSlopePValue.
  const searched = Math.max(1, candidates.length);
  const corrected = best === undefined ? Infinity : best.slopePValue * searched;
  if (
    best !== undefined &&
    best.adjustedR2 > 0 &&
    corrected < (options.maxSlopePValue ?? DEFAULTS.maxSlopePValue)
  ) {
    const decision =
      `weather-dependent: the heating change-point model qualifies (T_b ${fig(best.balanceTemperatureC)} °C, ` +
      `β ${fig(best.slopeHoursPerC)} h/°C > 0 with p-value ${figP(best.slopePValue)} (below ${options.maxSlopePValue ?? DEFAULTS.maxSlopePValue}, also × ${searched} balance temperatures searched), ` +
      `μ ${fig(best.interceptHours)} h ≥ 0, ${best.heatingDays} heating days, ΣHDD ${fig(best.totalHdd)} °C·day) ` +
      `and its adjusted R² ${fig(best.adjustedR2)} beats intercept-only's 0 (CalTRACK §3.4.3)`;
    return {
      model: 'heating_change_point',
      balanceTemperatureC: best.balanceTemperatureC,
      slopeHoursPerC: best.slopeHoursPerC,
      interceptHours: best.interceptHours,
      r2: best.r2,
      adjustedR2: best.adjustedR2,
      ...goodness(best.sse, best.residualSum, 3),
      n,
      heatingDays: best.heatingDays,
      slopePValue: best.slopePValue,
      weatherDependent: true,
      decision,
    };
  }

  let sst = 0;
  let residualSum = 0;
  for (const y of ys) {
    sst += (y - yMean) ** 2;
    residualSum += y - yMean;
  }
  const first = candidates[0];
  const last = candidates.at(-1);
  const grid =
    first === undefined || last === undefined
      ? `no balance temperature on the grid (the days' mean outdoor temperatures lie outside −1..32 °C or span less than one step)`
      : `no balance temperature from ${fig(first.balanceTemperatureC)} to ${fig(last.balanceTemperatureC)} °C (${candidates.length} tried) gives a qualifying change-point fit`;
  const why =
    best !== undefined && best.adjustedR2 > 0
      ? `the best qualifying change-point fit (T_b ${fig(best.balanceTemperatureC)} °C, adjusted R² ${fig(best.adjustedR2)}) has β's p-value ${figP(best.slopePValue)}, which × ${searched} balance temperatures searched is not below ${options.maxSlopePValue ?? DEFAULTS.maxSlopePValue} (Bonferroni): it may be chance`
      : best !== undefined
        ? `the best qualifying change-point fit (T_b ${fig(best.balanceTemperatureC)} °C) has adjusted R² ${fig(best.adjustedR2)}, not above intercept-only's 0`
        : bestRejected !== undefined
          ? `${grid}; the best by adjusted R² (T_b ${fig(bestRejected.balanceTemperatureC)} °C, adjusted R² ${fig(bestRejected.adjustedR2)}) fails: ${bestRejected.rejection ?? ''}`
          : grid;
  return {
    model: 'intercept_only',
    balanceTemperatureC: null,
    slopeHoursPerC: null,
    interceptHours: yMean,
    r2: 0,
    adjustedR2: 0,
    ...goodness(sst, residualSum, 1),
    n,
    heatingDays: 0,
    slopePValue: null,
    weatherDependent: false,
    decision: `not weather-dependent: ${why}; intercept-only μ ${fig(yMean)} h/day over ${n} days`,
  };
}

/**
 * The heating hours the fit predicts for a day with mean outdoor temperature `outsideMeanC`, h:
 * μ + β·max(0, T_b − T), or μ for intercept-only.
 */
export function predictHeatingHours(fit: ChangePointFit, outsideMeanC: number): number {
  if (fit.balanceTemperatureC === null || fit.slopeHoursPerC === null) return fit.interceptHours;
  return fit.interceptHours + fit.slopeHoursPerC * Math.max(0, fit.balanceTemperatureC - outsideMeanC);
}
