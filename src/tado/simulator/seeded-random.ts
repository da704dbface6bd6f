/**
 * Deterministic randomness for the simulator: a 32-bit hash of integers, a small PRNG seeded from
 * it, and smooth 1-D value noise. Same inputs, same numbers, on every machine.
 */

function mix(h: number, part: number): number {
  let k = Math.imul(part, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** Hashes integers (seed, tags, indices) into an unsigned 32-bit integer (murmur3-style mixing). */
export function hash32(...values: readonly number[]): number {
  let h = 0x9e3779b9;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] ?? 0;
    // fold doubles (e.g. large ms timestamps) into two 32-bit halves
    h = mix(h, v | 0);
    h = mix(h, Math.floor(v / 4294967296) | 0);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A number in [0, 1) from a hash of the values. */
export function hashUnit(...values: readonly number[]): number {
  return hash32(...values) / 4294967296;
}

/** Stable integer id of a string tag (for hashing). */
export function tagId(tag: string): number {
  let h = 2166136261;
  for (let i = 0; i < tag.length; i++) h = Math.imul(h ^ tag.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** A seeded PRNG (mulberry32): call it for numbers in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Smooth value noise in [-1, 1]: random knots every `periodMs`, cosine-interpolated, so the value
 * is a pure function of time (continuous across days and reports).
 */
export function valueNoise(seed: number, channel: number, tMs: number, periodMs: number): number {
  const x = tMs / periodMs;
  const i = Math.floor(x);
  const f = x - i;
  const a = hashUnit(seed, channel, i) * 2 - 1;
  const b = hashUnit(seed, channel, i + 1) * 2 - 1;
  const w = (1 - Math.cos(Math.PI * f)) / 2;
  return a + (b - a) * w;
}
