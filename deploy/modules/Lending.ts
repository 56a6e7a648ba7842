import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";
import TokenLayouts from "./TokenLayouts.js";

/**
 * The lending market. It is deployed with the deployer as owner so that the caps can be set
 * in the same deployment, then ownership is offered to `owner` (Ownable2Step: `owner` calls
 * acceptOwnership; `suite deploy` does it when `owner` is one of its accounts).
 */
export default buildModule("DisjointLending", (m) => {
  const deployer = m.getAccount(0);
  const params = {
    loanToken: m.getParameter<string>("loanToken"),
    collateralToken: m.getParameter<string>("collateralToken"),
    oracle: m.getParameter<string>("oracle"),
    shardCount: m.getParameter<bigint>("shardCount"),
    lltv: m.getParameter<bigint>("lltv"),
    liquidationBonus: m.getParameter<bigint>("liquidationBonus"),
    maxPriceAge: m.getParameter<bigint>("maxPriceAge"),
    baseRate: m.getParameter<bigint>("baseRate"),
    slope1: m.getParameter<bigint>("slope1"),
    slope2: m.getParameter<bigint>("slope2"),
    kink: m.getParameter<bigint>("kink"),
  };
  const { registry } = m.useModule(TokenLayouts);
  const market = m.contract("LendingMarket", [params, deployer, registry]);
  const caps = m.call(market, "setCaps", [m.getParameter<bigint>("supplyCap"), m.getParameter<bigint>("borrowCap")], { id: "SetCaps" });
  m.call(market, "transferOwnership", [m.getParameter<string>("owner")], { id: "OfferOwnership", after: [caps] });
  return { market };
});
