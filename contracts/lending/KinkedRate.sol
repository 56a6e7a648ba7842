// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title KinkedRate
/// @notice Utilization-based borrow rate with one kink: a gentle slope up to the target
/// utilization, a steep one above it. All rates are per second, scaled by 1e18.
library KinkedRate {
    uint256 internal constant WAD = 1e18;

    /// @notice The borrow rate per second at `utilization` (1e18 = 100%).
    /// @param utilization Borrowed over supplied, scaled by 1e18, at most 1e18.
    /// @param base Rate at 0% utilization.
    /// @param slope1 Rate added between 0% and the kink (reached in full at the kink).
    /// @param slope2 Rate added between the kink and 100% (reached in full at 100%).
    /// @param kink Target utilization, 0 < kink < 1e18.
    function borrowRate(
        uint256 utilization,
        uint256 base,
        uint256 slope1,
        uint256 slope2,
        uint256 kink
    ) internal pure returns (uint256) {
        if (utilization <= kink) return base + (slope1 * utilization) / kink;
        return base + slope1 + (slope2 * (utilization - kink)) / (WAD - kink);
    }
}
