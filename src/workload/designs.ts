/** The designs the benchmarks compare, each a driver per product. */
import { InputError } from "../errors.js";
import { disjointBatchDexDriver } from "./drivers/disjoint-dex-batch.js";
import { disjointDexDriver } from "./drivers/disjoint-dex.js";
import { disjointLendingDriver } from "./drivers/disjoint-lending.js";
import { disjointVaultDriver } from "./drivers/disjoint-vault.js";
import { morphoBlueDriver } from "./drivers/morpho-blue.js";
import { ozErc4626Driver } from "./drivers/oz-erc4626.js";
import type { Design } from "./drivers/types.js";
import { uniswapV2Driver } from "./drivers/uniswap-v2.js";
import { generateWorkload } from "./generate.js";
import type { SwapOp, Workload } from "./operations.js";

/** Shard counts of the disjoint suite in the benchmark: the most each contract allows is 16. */
export const BENCH_SHARDS = 16;

export function disjointDesign(shards = BENCH_SHARDS): Design {
  return {
    name: "disjoint",
    drivers: { dex: disjointDexDriver(shards), lending: disjointLendingDriver(shards), vault: disjointVaultDriver(shards) },
  };
}

export function incumbentDesign(): Design {
  return {
    name: "incumbents",
    drivers: { dex: uniswapV2Driver(), lending: morphoBlueDriver(), vault: ozErc4626Driver() },
  };
}

/** Trader shards of the batch DEX pools in the benchmarks. */
export const BATCH_SHARDS = 32;

/**
 * The batch variant of the disjoint DEX (contracts/dex/DisjointBatchPool.sol): every swap is an
 * order of the block's batch, and the block carries first the keeper's settlement of the
 * previous batch. It takes single-hop swaps only (see `singleHopSwaps`).
 */
export function disjointBatchDesign(shards = BATCH_SHARDS): Design {
  return { name: "disjoint-batch", drivers: { dex: disjointBatchDexDriver(shards) } };
}

/**
 * The DEX workload a batch pool can take: the first `txs` swaps of a generated DEX workload
 * (liquidity operations left out), each cut to its first hop. Users stay distinct.
 */
export function singleHopSwaps(dex: Workload, txs: number): Workload {
  const swaps: SwapOp[] = dex.ops
    .filter((op): op is SwapOp => op.product === "dex" && op.kind === "swap")
    .slice(0, txs)
    .map((op) => ({ ...op, path: op.path.slice(0, 2) }));
  if (swaps.length < txs) throw new InputError(`${dex.name}: the workload has ${swaps.length} swaps, fewer than ${txs}`);
  return { ...dex, name: "dex single-hop swaps", ops: swaps, params: { ...dex.params, txs, singleHop: "yes" } };
}

/** The workloads the demo takes: the generator's kinds and the DEX's batch variant. */
export const DEMO_WORKLOADS = ["dex", "lending", "vault", "mix", "dex-batch"];

/**
 * The demo's workload and designs for `--workload name`: a generated workload on both designs,
 * or for dex-batch the same single-hop swaps on the batch pool, the shard pools and Uniswap V2.
 */
export function demoCase(name: string, txs: number, seed: number): { workload: Workload; designs: Design[] } {
  if (!DEMO_WORKLOADS.includes(name)) throw new InputError(`workload must be one of ${DEMO_WORKLOADS.join(", ")}, got "${name}"`);
  if (name === "dex-batch")
    return {
      workload: singleHopSwaps(generateWorkload({ kind: "dex", txs: Math.ceil(txs * 1.3), seed }), txs),
      designs: [disjointBatchDesign(), disjointDesign(), incumbentDesign()],
    };
  return { workload: generateWorkload({ kind: name as "dex", txs, seed }), designs: [disjointDesign(), incumbentDesign()] };
}
