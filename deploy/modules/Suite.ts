import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import Dex from "./Dex.js";
import Lending from "./Lending.js";
import TokenLayouts from "./TokenLayouts.js";
import Vault from "./Vault.js";

/** The whole suite: the token layout registry and the three product modules, each with its own parameters. */
export default buildModule("DisjointSuite", (m) => {
  const { registry } = m.useModule(TokenLayouts);
  const { factory, router, pair } = m.useModule(Dex);
  const { market } = m.useModule(Lending);
  const { vault } = m.useModule(Vault);
  return { registry, factory, router, pair, market, vault };
});
