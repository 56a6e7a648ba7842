/** Market parameters both lending designs share in the benchmark, so they do comparable work. */
const WAD = 10n ** 18n;
const YEAR = 365n * 24n * 3600n;

/** Loan and collateral priced 1:1 (Morpho's oracle scale is 1e36). */
export const PRICE_ONE = 10n ** 36n;
/** The price after the drop that makes the liquidation victims liquidatable. */
export const PRICE_AFTER_DROP = (PRICE_ONE * 9n) / 10n;
export const LLTV = (86n * WAD) / 100n;
export const LIQUIDATION_BONUS = (105n * WAD) / 100n;
/** Kinked rate model, per second: 2% base, +10% to the 80% kink, +100% above it (a year's worth). */
export const RATES = { base: (2n * WAD) / 100n / YEAR, slope1: WAD / 10n / YEAR, slope2: WAD / YEAR, kink: (8n * WAD) / 10n };
/** Liquidity supplied before the block, per market. */
export const LIQUIDITY = 1_000_000;
/** Victims borrow this fraction of their collateral's value; after the drop they are past the LLTV. */
export const VICTIM_LTV = 0.85;
