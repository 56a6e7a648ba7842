/** The two designs the benchmark compares, each a driver per product. */
import { disjointDexDriver } from "./drivers/disjoint-dex.js";
import { disjointLendingDriver } from "./drivers/disjoint-lending.js";
import { disjointVaultDriver } from "./drivers/disjoint-vault.js";
import { morphoBlueDriver } from "./drivers/morpho-blue.js";
import { ozErc4626Driver } from "./drivers/oz-erc4626.js";
import type { Design } from "./drivers/types.js";
import { uniswapV2Driver } from "./drivers/uniswap-v2.js";

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
