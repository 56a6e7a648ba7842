import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import Dex from "./Dex.js";
import DexBatch from "./DexBatch.js";
import Lending from "./Lending.js";
import TokenLayouts from "./TokenLayouts.js";
import Vault from "./Vault.js";

/** The whole suite: the token layout registry and the three product modules, each with its own parameters. */
const Suite = buildModule("DisjointSuite", (m) => {
  const { registry } = m.useModule(TokenLayouts);
  const { factory, router, pair } = m.useModule(Dex);
  const { market } = m.useModule(Lending);
  const { vault } = m.useModule(Vault);
  return { registry, factory, router, pair, market, vault };
});
export default Suite;

/** The suite and, on the DEX's two tokens, a batch pool (`suite deploy` with `dex.batchShards` in its parameters). */
export const SuiteWithBatch = buildModule("DisjointSuiteWithBatch", (m) => {
  const suite = m.useModule(Suite);
  const { batchPool } = m.useModule(DexBatch);
  return { ...suite, batchPool };
});
