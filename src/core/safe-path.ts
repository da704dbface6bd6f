/**
 * Paths that must stay inside a root folder (HEATFLOW_LOG_DIR, HEATFLOW_DATA_DIR): built from
 * parts, or read back from a record, each is resolved and checked with `path.relative`, so `..`,
 * an absolute part or a symlink-free trick such as `a/../../b` cannot leave the root. (Symbolic
 * links inside the root are not followed here; the roots belong to heatflow.)
 */
import path from 'node:path';
import { PathEscapeError } from './errors.js';

/**
 * Whether `target` (absolute, or relative to the working directory) is `root` itself or inside it.
 * @param root - the root folder
 * @param target - the path to check
 */
export function isInside(root: string, target: string): boolean {
  const rel = path.relative(path.resolve(root), path.resolve(target));
  return rel === '' || (!path.isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${path.sep}`));
}

/**
 * `path.resolve(root, ...parts)`, checked to be strictly inside `root`.
 * @param what - what the path is, for the error (e.g. `log file`)
 * @throws PathEscapeError naming the root and the path when it would leave the root or be the root
 */
export function resolveInside(root: string, what: string, ...parts: string[]): string {
  const base = path.resolve(root);
  const target = path.resolve(base, ...parts);
  if (target === base || !isInside(base, target)) {
    throw new PathEscapeError(
      `${what} ${JSON.stringify(target)} is outside its folder ${base}`,
      base,
      target,
    );
  }
  return target;
}
