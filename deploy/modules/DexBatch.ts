import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import TokenLayouts from "./TokenLayouts.js";

/**
 * A batch pool of the DEX (contracts/dex/DisjointBatchPool.sol) for one token pair: `batchShards`
 * trader shards (1 to 128; few for small batches, more for large ones: bench/results/batch-dex.md)
 * and a settlement window of `settleWindow` blocks. It has no owner; liquidity is added by
 * calling `mint` (the first provider also leaves 1 wei of each token in each escrow).
 */
export default buildModule("DisjointDexBatch", (m) => {
  const tokenA = m.getParameter<string>("tokenA");
  const tokenB = m.getParameter<string>("tokenB");
  const { registry } = m.useModule(TokenLayouts);
  const batchPool = m.contract("DisjointBatchPool", [
    tokenA,
    tokenB,
    m.getParameter<bigint>("batchShards", 8n),
    m.getParameter<bigint>("settleWindow", 256n),
    registry,
  ]);
  return { batchPool, registry };
});
