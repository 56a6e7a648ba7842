/**
 * The mainnet-like traffic profile (issue #18): operations on one product spread over many
 * blocks with the arrival pattern measured on mainnet, beside the suite's one block of 1,000
 * users. Each block's operation count is drawn (with replacement) from the per-block counts of
 * transactions touching the busiest contract of the category in the 50 consecutive EIP-7928
 * BALs of blocks 20,615,532..581 (bench/traffic-profile.ts → bench/results/traffic-profile.md):
 * most blocks carry no operation on it, most of the rest one, a few two or three.
 */
import { UsageError } from "../errors.js";
import { createRng, randomInt } from "../util/random.js";
import { dexOp, lendingOp, vaultOp } from "./generate.js";
import type { Operation, Product, Workload } from "./operations.js";

/**
 * Transactions per block writing the busiest named lending market, vault and pool, block by
 * block, as measured by `node --import tsx bench/traffic-profile.ts` (the JSON at the end of
 * bench/results/traffic-profile.md; a test checks the two agree).
 */
export const MAINNET_ARRIVALS: Readonly<Record<Product, readonly number[]>> = {
  lending: [
    0, 0, 0, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 0, 2, 1, 0, 3, 1, 0, 2, 0, 0, 1, 0, 0, 2, 1, 0, 1, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0,
    0, 0, 0, 1, 0,
  ],
  vault: [
    0, 0, 0, 2, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 0, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 3, 0, 0, 1, 0, 0, 1,
    0, 0, 1, 0, 1,
  ],
  dex: [
    4, 0, 0, 0, 0, 1, 1, 1, 0, 1, 0, 3, 1, 1, 1, 0, 2, 2, 1, 2, 0, 3, 1, 1, 0, 1, 0, 5, 0, 0, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0, 1, 0, 0, 5,
    1, 2, 1, 2, 1,
  ],
};

export interface TrafficOptions {
  product: Product;
  /** Blocks drawn (default 200); blocks drawn with no operation are kept as counts of 0. */
  blocks?: number;
  seed?: number;
}

/** A workload whose operations are split into consecutive blocks of `blockSizes[i]` operations. */
export interface TrafficWorkload extends Workload {
  blockSizes: number[];
}

/**
 * Generates the traffic workload of one product: one market (lending), one pool (dex), one
 * vault, every operation from a distinct user, no harvest (a report is the manager's, not
 * traffic). The same options give the same workload.
 */
export function generateTrafficWorkload(options: TrafficOptions): TrafficWorkload {
  const blocks = options.blocks ?? 200;
  const seed = options.seed ?? 1;
  if (!Number.isInteger(blocks) || blocks < 1) throw new UsageError(`traffic: blocks must be a positive integer, got ${blocks}`);
  const rng = createRng(seed);
  const arrivals = MAINNET_ARRIVALS[options.product];
  const blockSizes = Array.from({ length: blocks }, () => arrivals[randomInt(rng, 0, arrivals.length - 1)]);
  const total = blockSizes.reduce((a, b) => a + b, 0);
  if (total === 0) throw new UsageError(`traffic: ${blocks} blocks drew no ${options.product} operation; draw more blocks`);
  let victim = total;
  const ops: Operation[] = [];
  for (let user = 0; user < total; user++) {
    if (options.product === "dex") ops.push(dexOp(rng, user, () => 0, 2));
    else if (options.product === "lending") ops.push(lendingOp(rng, user, 0, () => victim++));
    else ops.push(vaultOp(rng, user));
  }
  return {
    name: `${options.product}-traffic`,
    seed,
    params: { product: options.product, blocks, profile: "mainnet BALs 20615532..20615581" },
    tokens: 2,
    markets: 1,
    users: victim,
    ops,
    blockSizes,
  };
}
