/**
 * The 3-parameter heating change-point model y = μ + β·max(0, T_b − T) closest, by least squares,
 * to a set of (T, y) points (pure). The ground truth uses it to express the simulator's noise-free
 * expected heating hours in the terms the analysis reports (CalTRACK daily methods §3.4); it is
 * not the analysis' fit (`src/analytics/`), which works on the measured days.
 */

/** A change-point model. */
export interface ChangePointModel {
  /** T_b, °C */
  readonly balanceTemperatureC: number;
  /** β, h/°C */
  readonly slopeHoursPerC: number;
  /** μ, h */
  readonly interceptHours: number;
  /** residual sum of squares at the optimum, h² */
  readonly sse: number;
}

/** T_b is searched from −5 to 30 °C in steps of this, °C. */
export const PROJECTION_STEP_C = 0.05;

/**
 * The least-squares model over a grid of T_b (β > 0 only): for each T_b, ordinary least squares
 * of y on max(0, T_b − T); the T_b with the smallest residual sum of squares wins.
 * @throws when no T_b gives β > 0 (no heating below any balance temperature)
 */
export function projectChangePoint(xs: readonly number[], ys: readonly number[]): ChangePointModel {
  const n = Math.min(xs.length, ys.length);
  let best: ChangePointModel | undefined;
  const steps = Math.round(35 / PROJECTION_STEP_C);
  for (let k = 0; k <= steps; k++) {
    const tb = -5 + k * PROJECTION_STEP_C;
    let sh = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sh += Math.max(0, tb - (xs[i] ?? 0));
      sy += ys[i] ?? 0;
    }
    const mh = sh / n;
    const my = sy / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      const h = Math.max(0, tb - (xs[i] ?? 0)) - mh;
      sxy += h * ((ys[i] ?? 0) - my);
      sxx += h * h;
    }
    if (sxx === 0) continue;
    const beta = sxy / sxx;
    if (!(beta > 0)) continue;
    const mu = my - beta * mh;
    let sse = 0;
    for (let i = 0; i < n; i++) sse += ((ys[i] ?? 0) - mu - beta * Math.max(0, tb - (xs[i] ?? 0))) ** 2;
    if (best === undefined || sse < best.sse)
      best = { balanceTemperatureC: tb, slopeHoursPerC: beta, interceptHours: mu, sse };
  }
  if (best === undefined) throw new Error(`no change-point model with β > 0 over ${n} points`);
  return best;
}
