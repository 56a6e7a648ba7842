/**
 * Seeded generators of realistic blocks: DEX swaps over pools of Zipf-distributed popularity
 * with liquidity adds and removes, lending supply/borrow/repay/withdraw with an occasional
 * liquidation, vault deposits and withdrawals with one harvest, and a mix of the three.
 * Unless `sharedUsers` is set, every transaction comes from a distinct user.
 */
import { UsageError } from "../errors.js";
import type { LendingKind, LendingOp, Operation, VaultKind, VaultOp, Workload } from "./operations.js";
import { createRng, randomInt, type Rng } from "../util/random.js";
import { weightedChoice, zipfSampler } from "./random.js";

export type WorkloadKind = "dex" | "lending" | "vault" | "mix";

export interface WorkloadOptions {
  kind: WorkloadKind;
  /** Transactions in the block (default 1,000). */
  txs?: number;
  seed?: number;
  /** DEX: tokens in the universe; pools are the pairs of adjacent tokens (default 8 tokens). */
  tokens?: number;
  /** DEX: Zipf exponent of pool popularity (default 1). */
  zipf?: number;
  /** Lending: markets (default 2). */
  markets?: number;
  /** Draw users from a pool of this size instead of one per transaction (0 = distinct). */
  sharedUsers?: number;
}

const DEFAULTS = { txs: 1000, seed: 1, tokens: 8, zipf: 1, markets: 2, sharedUsers: 0 };

/** Sizes are log-uniform between lo and hi whole tokens: small trades dominate, as on mainnet. */
function size(rng: Rng, lo: number, hi: number): number {
  const x = Math.exp(Math.log(lo) + rng() * (Math.log(hi) - Math.log(lo)));
  return Math.max(lo, Math.round(x * 100) / 100);
}

/** Pools are (i, i+1) for i < tokens-1; a pool index maps to its token pair. */
export function poolTokens(pool: number): [number, number] {
  return [pool, pool + 1];
}

export function dexOp(rng: Rng, user: number, pickPool: () => number, tokens: number): Operation {
  const kind = weightedChoice(rng, { swap: 90, add: 6, remove: 4 });
  const pool = pickPool();
  const [a, b] = poolTokens(pool);
  if (kind === "add") return { product: "dex", kind: "addLiquidity", user, tokens: [a, b], amount: size(rng, 10, 1000) };
  if (kind === "remove") {
    return {
      product: "dex",
      kind: "removeLiquidity",
      user,
      tokens: [a, b],
      provided: size(rng, 10, 1000),
      fraction: randomInt(rng, 10, 100) / 100,
    };
  }
  // One swap in five is two hops when a neighbouring pool exists.
  const forward = rng() < 0.5;
  let path = forward ? [a, b] : [b, a];
  if (rng() < 0.2) {
    const next = forward ? b + 1 : a - 1;
    if (next >= 0 && next < tokens) path = [...path, next];
  }
  return { product: "dex", kind: "swap", user, path, amountIn: size(rng, 0.1, 50) };
}

export function lendingOp(rng: Rng, user: number, market: number, victim: () => number): LendingOp {
  const kind = weightedChoice<LendingKind>(rng, {
    supply: 30,
    withdraw: 15,
    supplyCollateral: 8,
    borrow: 25,
    repay: 20,
    liquidate: 2,
  });
  const amount = size(rng, 1, 500);
  switch (kind) {
    case "supply":
    case "supplyCollateral":
      return { product: "lending", kind, user, market, amount };
    case "withdraw":
      return { product: "lending", kind, user, market, amount, position: { supplied: amount * 2 } };
    case "borrow":
      // Collateral worth four times the loan at the oracle's 1:1 price: well inside any LLTV.
      return { product: "lending", kind, user, market, amount, position: { collateral: amount * 4 } };
    case "repay":
      return { product: "lending", kind, user, market, amount, position: { collateral: amount * 4, borrowed: amount * 2 } };
    case "liquidate":
      return { product: "lending", kind, user, market, amount, victim: victim() };
  }
}

export function vaultOp(rng: Rng, user: number): VaultOp {
  const kind = weightedChoice<Exclude<VaultKind, "harvest">>(rng, { deposit: 45, mint: 10, withdraw: 30, redeem: 15 });
  const amount = size(rng, 1, 1000);
  if (kind === "withdraw" || kind === "redeem") return { product: "vault", kind, user, amount, held: amount * 2 };
  return { product: "vault", kind, user, amount };
}

/** Generates one block of operations; the same options give the same block. */
export function generateWorkload(options: WorkloadOptions): Workload {
  const o = { ...DEFAULTS, ...options };
  if (!Number.isInteger(o.txs) || o.txs < 1) throw new UsageError(`workload: txs must be a positive integer, got ${o.txs}`);
  if (!Number.isInteger(o.tokens) || o.tokens < 2) throw new UsageError(`workload: tokens must be >= 2, got ${o.tokens}`);
  if (!Number.isInteger(o.markets) || o.markets < 1) throw new UsageError(`workload: markets must be >= 1, got ${o.markets}`);
  const rng = createRng(o.seed);
  const pickPool = zipfSampler(o.tokens - 1, o.zipf, rng);
  const pickMarket = zipfSampler(o.markets, 1, rng);
  const distinct = o.sharedUsers === 0;
  // Victims of liquidations are users beyond those who send transactions.
  let nextVictim = distinct ? o.txs : o.sharedUsers;
  const victim = () => nextVictim++;
  const ops: Operation[] = [];
  let harvested = false;
  for (let i = 0; i < o.txs; i++) {
    const user = distinct ? i : randomInt(rng, 0, o.sharedUsers - 1);
    const product = o.kind === "mix" ? weightedChoice(rng, { dex: 50, lending: 30, vault: 20 }) : o.kind;
    if (product === "dex") ops.push(dexOp(rng, user, pickPool, o.tokens));
    else if (product === "lending") ops.push(lendingOp(rng, user, pickMarket(), victim));
    else if (!harvested && rng() < 0.02) {
      // One harvest per block, by a keeper, somewhere in the block.
      harvested = true;
      ops.push({ product: "vault", kind: "harvest", user, amount: 0 });
    } else ops.push(vaultOp(rng, user));
  }
  return {
    name: o.kind,
    seed: o.seed,
    params: { kind: o.kind, txs: o.txs, tokens: o.tokens, zipf: o.zipf, markets: o.markets, sharedUsers: o.sharedUsers },
    tokens: o.tokens,
    markets: o.markets,
    users: nextVictim,
    ops,
  };
}
