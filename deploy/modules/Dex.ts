import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import TokenLayouts from "./TokenLayouts.js";

/**
 * The DEX: factory, router, and one sharded pair. The deployer creates the pair (the factory's
 * shard admin may) and then hands the shard admin role to `owner`.
 */
export default buildModule("DisjointDex", (m) => {
  const tokenA = m.getParameter<string>("tokenA");
  const tokenB = m.getParameter<string>("tokenB");
  const owner = m.getParameter<string>("owner");

  const { registry } = m.useModule(TokenLayouts);
  const factory = m.contract("DisjointFactory", [registry]);
  const router = m.contract("DisjointRouter", [factory, m.getParameter<bigint>("maxTradeBps")]);
  const created = m.call(factory, "createShardedPair", [tokenA, tokenB, m.getParameter<bigint>("pairShards")], { id: "CreatePair" });
  const pairAddress = m.readEventArgument(created, "PairCreated", "pair", { id: "PairAddress" });
  const pair = m.contractAt("DisjointPair", pairAddress, { id: "Pair" });
  m.call(factory, "setShardAdmin", [owner], { id: "HandShardAdmin", after: [created] });
  return { factory, router, pair };
});
