// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IPriceOracle
/// @notice Price feed of a lending market: how many loan-asset units one collateral-asset unit is worth.
interface IPriceOracle {
    /// @notice The latest price and when it was observed.
    /// @return price Loan-asset units per collateral-asset unit, scaled by 1e36 (so that
    /// `collateral * price / 1e36` is the collateral's value in loan-asset units).
    /// @return updatedAt Timestamp of the observation; the market rejects prices older than its
    /// maximum age.
    function latestPrice() external view returns (uint256 price, uint256 updatedAt);
}
