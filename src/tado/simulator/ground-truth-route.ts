/**
 * `GET /sim/ground-truth?year=YYYY` on the simulator server: the ground truth of a simulated
 * year as JSON (`ground-truth.ts`, {@link SimGroundTruth}). Outside tado's paths (`/api/v2`,
 * `/oauth2`): no token, not counted against the quota, no injected faults. `year` defaults to the
 * simulator's current year minus one. Answers 400 for a year that is not a 4-digit number, 404 for
 * a year in which the home has no heating zone. Computed once per year (about 2 s of CPU).
 */
import type { FastifyInstance } from 'fastify';
import { groundTruth, type SimGroundTruth } from './ground-truth.js';
import type { SimHome } from './sim-home.js';

/** Path of the ground-truth route. */
export const GROUND_TRUTH_PATH = '/sim/ground-truth';

/** Registers {@link GROUND_TRUTH_PATH} on the simulator's server. */
export function registerGroundTruthRoute(
  app: FastifyInstance,
  options: { readonly seed: number; readonly home: SimHome; readonly now: () => Date },
): void {
  app.get(GROUND_TRUTH_PATH, async (req, reply) => {
    const raw = (req.query as { year?: string }).year ?? String(options.now().getUTCFullYear() - 1);
    if (!/^\d{4}$/.test(raw)) {
      return reply.code(400).send({
        errors: [{ code: 'invalidParameter', title: `year must be a 4-digit year, got ${raw}` }],
      });
    }
    const year = Number(raw);
    const hasZone = options.home.zones.some(
      (z) => z.type === 'HEATING' && Date.parse(z.dateCreated) < Date.UTC(year, 11, 31),
    );
    if (!hasZone) {
      return reply.code(404).send({
        errors: [{ code: 'notFound', title: `home ${options.home.homeId} has no heating zone in ${year}` }],
      });
    }
    const truth: SimGroundTruth = groundTruth(options.seed, options.home, year);
    return truth;
  });
}
