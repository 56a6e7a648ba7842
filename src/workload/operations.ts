/**
 * Design-independent operations of a workload. A driver for each design (the disjoint suite,
 * or the incumbents) turns an operation into a setup (done in earlier blocks) and one
 * transaction of the measured block, so both designs run exactly the same workload.
 *
 * Users are indices; a driver maps them to addresses. Amounts are in whole tokens (the
 * driver scales them by the token's decimals).
 */

export type Product = "dex" | "lending" | "vault";

/** Swap `amountIn` of path[0] along path (token indices); one hop per consecutive pair. */
export interface SwapOp {
  product: "dex";
  kind: "swap";
  user: number;
  path: number[];
  amountIn: number;
}

/** Add liquidity to the pool of tokens (a, b), `amount` of each token. */
export interface AddLiquidityOp {
  product: "dex";
  kind: "addLiquidity";
  user: number;
  tokens: [number, number];
  amount: number;
}

/** Remove `fraction` of the liquidity the user provided in setup to pool (a, b). */
export interface RemoveLiquidityOp {
  product: "dex";
  kind: "removeLiquidity";
  user: number;
  tokens: [number, number];
  /** Liquidity the setup gives the user first, per token. */
  provided: number;
  fraction: number;
}

export type LendingKind = "supply" | "withdraw" | "supplyCollateral" | "borrow" | "repay" | "liquidate";

/**
 * One lending operation on market `market`. For withdraw/borrow/repay the setup first gives
 * the user the position the operation needs (`position`); liquidate names the `victim` whose
 * position the setup makes unhealthy.
 */
export interface LendingOp {
  product: "lending";
  kind: LendingKind;
  user: number;
  market: number;
  amount: number;
  position?: { supplied?: number; collateral?: number; borrowed?: number };
  victim?: number;
}

export type VaultKind = "deposit" | "withdraw" | "redeem" | "mint" | "harvest";

/** One vault operation; withdraw/redeem users get `held` assets deposited in setup. */
export interface VaultOp {
  product: "vault";
  kind: VaultKind;
  user: number;
  amount: number;
  held?: number;
}

export type Operation = SwapOp | AddLiquidityOp | RemoveLiquidityOp | LendingOp | VaultOp;

/**
 * A transaction a design's driver puts at the head of the measured block, before the
 * workload's operations, and that is not one of them (e.g. the batch DEX keeper's settlement
 * of the previous batch). It is counted in the block like any other transaction.
 */
export interface PrologueOp {
  product: Product;
  kind: "prologue";
  /** What the transaction does, e.g. "batch settlement". */
  what: string;
}

/** A seeded, reproducible block of operations. */
export interface Workload {
  name: string;
  seed: number;
  /** Everything the generator was asked for, so a workload can be regenerated. */
  params: Record<string, number | string>;
  /** Token count of the DEX universe, market count of the lending universe. */
  tokens: number;
  markets: number;
  /** Distinct users the operations name (indices 0..users-1). */
  users: number;
  ops: Operation[];
}
