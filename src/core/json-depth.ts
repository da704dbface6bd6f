/**
 * A depth limit for request bodies and CLI JSON options (--conf). JSON nested thousands of levels deep parses fine but makes
 * recursive code (zod's checks, the NUL scan of run confs, error formatting) overflow the stack,
 * which would be a 500; the server refuses such a body first, with a 400.
 */

/** The deepest nesting a request body may have (a run conf of 64 levels is far beyond use). */
export const MAX_BODY_DEPTH = 64;

/**
 * Whether `value` nests arrays or objects deeper than `max` levels. Iterative (no recursion),
 * so it cannot overflow the stack itself; stops at the first path too deep.
 */
export function nestsDeeperThan(value: unknown, max: number = MAX_BODY_DEPTH): boolean {
  const stack: { v: unknown; depth: number }[] = [{ v: value, depth: 0 }];
  while (stack.length > 0) {
    const { v, depth } = stack.pop() as { v: unknown; depth: number };
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>))
      if (child !== null && typeof child === 'object') stack.push({ v: child, depth: depth + 1 });
  }
  return false;
}
