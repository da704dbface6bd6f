/**
 * Node.js flags of the task programs (docs/task-programs.md), used both when their startup
 * snapshots are built (scripts/build-task-programs.ts) and when they run (dags/tado_etl.ts): a
 * snapshot loads only under the V8 flags it was built with.
 *
 * `--no-opt` turns off V8's optimising compiler (TurboFan). A task program lives for a fraction of
 * a second, too short for optimised code to pay back its compilation: without it the four tado_etl
 * programs execute 10 % fewer instructions (18 % for validate; callgrind counts,
 * docs/benchmarks.md). Interpreter and baseline compiler (Sparkplug) still run.
 */
export const TASK_PROGRAM_NODE_FLAGS: readonly string[] = ['--no-opt'];
