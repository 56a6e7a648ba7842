import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The token layout registry the products' `declareAccess` read (contracts/tokens). Deployed with
 * the deployer as owner; `suite deploy` then registers the layouts of the parameters file's
 * `tokenLayouts` (and of the local mock tokens) and offers ownership to `owner`.
 */
export default buildModule("DisjointTokenLayouts", (m) => {
  const registry = m.contract("TokenLayoutRegistry", [m.getAccount(0)]);
  return { registry };
});
