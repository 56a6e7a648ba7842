/** Seeded randomness for reproducible workloads: the same seed gives the same block. */
import { UsageError } from "../errors.js";

import type { Rng } from "../util/random.js";

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
