// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title BenchMorphoOracle
/// @notice A settable price for Morpho Blue markets in benchmarks (Morpho's IOracle: the
/// price of one collateral unit in loan units, scaled by 1e36). Benchmark use only.
contract BenchMorphoOracle {
    /// @notice The current price, scaled by 1e36.
    uint256 public price;

    /// @param initialPrice Price scaled by 1e36.
    constructor(uint256 initialPrice) {
        price = initialPrice;
    }

    /// @notice Sets the price.
    /// @param newPrice Price scaled by 1e36.
    function setPrice(uint256 newPrice) external {
        price = newPrice;
    }
}
