// What danfojs-node's `require("mathjs")` gets inside the task bundles
// (scripts/build-task-programs.ts, which bundles this file on its own first, as an ES module, so
// that esbuild keeps only what these functions need): the five functions danfojs calls, each on
// one array of numbers (test/unit/danfojs-shims.test.ts checks the list against its sources and the
// results against full mathjs), made from mathjs's number-only factories as its docs describe for
// custom bundles, instead of mathjs's CommonJS entry, which creates all of its ~600 functions, for
// every numeric type, when it loads.
import {
  create,
  meanDependencies,
  medianDependencies,
  modeDependencies,
  stdDependencies,
  varianceDependencies,
} from 'mathjs/number';

const math = create({
  meanDependencies,
  medianDependencies,
  modeDependencies,
  stdDependencies,
  varianceDependencies,
});
export const { mean, median, mode, std, variance } = math;
