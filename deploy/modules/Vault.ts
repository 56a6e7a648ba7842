import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import TokenLayouts from "./TokenLayouts.js";

/**
 * The ERC-4626 vault. Deployed with the deployer as owner so that the deposit limit and the
 * performance fee can be set in the same deployment, then ownership is offered to `owner`
 * (two-step: `owner` calls acceptOwnership). The strategy is not set here: a strategy names
 * its vault, so it is deployed after the vault and set by the owner.
 */
export default buildModule("DisjointVault", (m) => {
  const deployer = m.getAccount(0);
  const { registry } = m.useModule(TokenLayouts);
  const vault = m.contract("DisjointVault", [
    m.getParameter<string>("asset"),
    m.getParameter<string>("name"),
    m.getParameter<string>("symbol"),
    m.getParameter<bigint>("shardCount"),
    deployer,
    m.getParameter<string>("feeRecipient"),
    registry,
  ]);
  const limit = m.call(vault, "setDepositLimit", [m.getParameter<bigint>("depositLimit")], { id: "SetDepositLimit" });
  const fee = m.call(vault, "setPerformanceFee", [m.getParameter<bigint>("performanceFeeBps")], { id: "SetPerformanceFee" });
  m.call(vault, "transferOwnership", [m.getParameter<string>("owner")], { id: "OfferOwnership", after: [limit, fee] });
  return { vault };
});
