/** Seeded randomness for reproducible workloads: the same seed gives the same block. */
import { UsageError } from "../errors.js";

/** A PRNG returning floats in [0, 1): mulberry32, small and fast, good enough for workloads. */
export type Rng = () => number;

export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [min, max]. */
export function randomInt(rng: Rng, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/**
 * Zipf-distributed indices in [0, n): index k has weight 1 / (k + 1)^s. Popularity of pools
 * and tokens on mainnet is heavy-tailed; s = 1 is the classic choice, s = 0 is uniform.
 */
export function zipfSampler(n: number, s: number, rng: Rng): () => number {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`zipf: n must be a positive integer, got ${n}`);
  if (!(s >= 0)) throw new UsageError(`zipf: exponent must be >= 0, got ${s}`);
  const cumulative = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    total += 1 / Math.pow(k + 1, s);
    cumulative[k] = total;
  }
  return () => {
    const x = rng() * total;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** Picks one of the weighted choices. */
export function weightedChoice<T extends string>(rng: Rng, weights: Record<T, number>): T {
  const entries = Object.entries(weights) as [T, number][];
  const total = entries.reduce((sum, [, w]) => sum + w, 0);
  let x = rng() * total;
  for (const [key, w] of entries) {
    x -= w;
    if (x < 0) return key;
  }
  return entries[entries.length - 1][0];
}
