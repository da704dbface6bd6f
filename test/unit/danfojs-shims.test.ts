/**
 * The task bundles give danfojs-node subsets of tfjs and mathjs (scripts/danfojs-shims/, applied
 * by scripts/build-task-programs.ts). These tests read danfojs's own sources and fail when it uses
 * a name the subsets lack, e.g. after a danfojs upgrade.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/run-task-program.js';

const DANFO_BASE = path.join(PROJECT_ROOT, 'node_modules', 'danfojs-node', 'dist', 'danfojs-base');
const SHIMS = path.join(PROJECT_ROOT, 'scripts', 'danfojs-shims');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    if (statSync(p).isDirectory()) return sources(p);
    return p.endsWith('.js') ? [readFileSync(p, 'utf8')] : [];
  });
}

/** Names danfojs reads from the module it binds to `alias` (e.g. `mathjs_1.std`). */
function namesUsed(alias: RegExp): string[] {
  const names = new Set<string>();
  for (const src of sources(DANFO_BASE)) for (const m of src.matchAll(alias)) names.add(m[1] ?? '');
  return [...names].sort();
}

describe('the danfojs shims', () => {
  it('give danfojs every tfjs name it uses (tensors and ops from tfjs-core, data from tfjs-data)', () => {
    const used = namesUsed(/tensorflowlib_1\.default\.(\w+)/g);
    expect(used).toEqual(expect.arrayContaining(['tensor1d', 'tensor2d', 'Tensor', 'moments', 'data']));
    const tf = createRequire(import.meta.url)(path.join(SHIMS, 'tfjs-core-cpu.cjs')) as Record<
      string,
      unknown
    >;
    expect(used.filter((n) => tf[n] === undefined)).toEqual([]);
    // and the CPU backend is registered
    expect(
      (tf.engine as () => { registryFactory: Record<string, unknown> })().registryFactory.cpu,
    ).toBeDefined();
  });

  it('give danfojs every mathjs function it calls, with the results of full mathjs', async () => {
    const used = namesUsed(/mathjs_1\.(\w+)/g);
    expect(used).toEqual(['mean', 'median', 'mode', 'std', 'variance']);
    const subset = (await import(path.join(SHIMS, 'mathjs-subset.mjs'))) as Record<
      string,
      (xs: number[]) => unknown
    >;
    const full = createRequire(import.meta.url)('mathjs') as Record<string, (xs: number[]) => unknown>;
    // danfojs passes one array of numbers (a column or a group) to each
    const samples = [[2, 4, 4, 4, 5, 5, 7, 9], [20.5, 19.75, 21, 18.25, 19.75], [0.52, 0.5, 0.48], [3]];
    for (const name of used) {
      for (const xs of samples)
        expect({ name, xs, v: subset[name]?.(xs) }).toEqual({ name, xs, v: full[name]?.(xs) });
    }
  });
});
