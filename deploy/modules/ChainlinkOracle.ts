import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * The lending market's ChainlinkPriceOracle (lending.chainlink in the parameters file). `suite
 * deploy` deploys it as a deployment of its own (`<id>-oracle`) before the suite, after checking
 * on the target chain that the feed answers and is fresh.
 */
export default buildModule("DisjointChainlinkOracle", (m) => {
  const oracle = m.contract("ChainlinkPriceOracle", [
    m.getParameter<string>("feed"),
    m.getParameter<string>("sequencerUptimeFeed"),
    m.getParameter<bigint>("heartbeat"),
    m.getParameter<bigint>("gracePeriod"),
    m.getParameter<number>("collateralDecimals"),
    m.getParameter<number>("loanDecimals"),
  ]);
  return { oracle };
});
