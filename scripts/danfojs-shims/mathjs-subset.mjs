// What danfojs-node's `require("mathjs")` gets inside the task bundles
// (scripts/build-task-programs.ts): the five functions danfojs calls (test/unit/danfojs-shims.test.ts
// checks the list against its sources), from mathjs's tree-shakable ES build, instead of mathjs's
// CommonJS entry, which creates all of its ~600 functions when it loads.
export { mean, median, mode, std, variance } from 'mathjs';
