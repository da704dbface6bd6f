/**
 * Whether task programs' `preload` runs while their startup snapshot is built
 * (docs/task-programs.md). No imports: `runTask`, and so every snapshot, loads this file.
 */

/**
 * Variable the build sets to `false` in `node --build-snapshot`'s environment when the programs'
 * `preload` must not run at build time (`runTask` then leaves it to the task).
 */
export const SNAPSHOT_PRELOAD_ENV = 'HEATFLOW_SNAPSHOT_PRELOAD';

/**
 * Whether a Node.js of major version `major` can snapshot the programs' preloads. Node.js 22
 * (22.23.5) aborts while writing transform's snapshot with danfojs-node (tfjs) loaded
 * (`terminate called after throwing an instance of 'std::length_error'`, `vector::_M_range_insert`,
 * SIGABRT), while 20 and 24 write it: on 22 transform imports danfojs when it runs.
 */
export function preloadInSnapshot(major: number): boolean {
  return major !== 22;
}
