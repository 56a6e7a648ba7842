// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @dev Morpho Blue's MarketParams and Market, declared here so the selectors match.
struct MorphoMarketParams {
    address loanToken;
    address collateralToken;
    address oracle;
    address irm;
    uint256 lltv;
}

struct MorphoMarket {
    uint128 totalSupplyAssets;
    uint128 totalSupplyShares;
    uint128 totalBorrowAssets;
    uint128 totalBorrowShares;
    uint128 lastUpdate;
    uint128 fee;
}

/// @title BenchMorphoIrm
/// @notice A fixed borrow rate per second for Morpho Blue markets in benchmarks (Morpho's
/// IIrm). Its storage is one immutable, so it adds no slot to a transaction. Benchmark use only.
contract BenchMorphoIrm {
    uint256 private immutable _ratePerSecond;

    /// @param ratePerSecond Borrow rate per second, scaled by 1e18.
    constructor(uint256 ratePerSecond) {
        _ratePerSecond = ratePerSecond;
    }

    /// @notice The borrow rate; Morpho calls this on every accrual.
    function borrowRate(MorphoMarketParams calldata, MorphoMarket calldata) external view returns (uint256) {
        return _ratePerSecond;
    }

    /// @notice The borrow rate, without side effects.
    function borrowRateView(MorphoMarketParams calldata, MorphoMarket calldata) external view returns (uint256) {
        return _ratePerSecond;
    }
}
