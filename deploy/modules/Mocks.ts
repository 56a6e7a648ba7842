import { buildModule } from "@nomicfoundation/hardhat-ignition/modules";

/**
 * Local-only stand-ins for the external contracts the suite needs: a loan token, a collateral
 * token and a price oracle. `suite deploy` deploys this module first, into the same deployment,
 * when the parameters file has a `local` section and leaves those addresses out.
 */
export default buildModule("DisjointMocks", (m) => {
  const loanToken = m.contract(
    "MockERC20",
    [m.getParameter("loanName", "Loan USD"), m.getParameter("loanSymbol", "lUSD"), m.getParameter("loanDecimals", 6)],
    { id: "LoanToken" },
  );
  const collateralToken = m.contract(
    "MockERC20",
    [
      m.getParameter("collateralName", "Collateral ETH"),
      m.getParameter("collateralSymbol", "cETH"),
      m.getParameter("collateralDecimals", 18),
    ],
    { id: "CollateralToken" },
  );
  // Price of one collateral unit in loan units, 1e36-scaled (see IPriceOracle).
  const oracle = m.contract("MockPriceOracle", [m.getParameter<bigint>("price")], { id: "PriceOracle" });
  return { loanToken, collateralToken, oracle };
});
