// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IIrm} from "@morpho-org/morpho-blue/src/interfaces/IIrm.sol";
import {MarketParams, Market} from "@morpho-org/morpho-blue/src/interfaces/IMorpho.sol";

/// @notice Kinked IRM for the Morpho Blue gas baseline, with the same parameters as the
/// LendingMarket it is benchmarked against (so both do comparable work per accrual).
contract MorphoBenchIrm is IIrm {
    uint256 public immutable baseRate;
    uint256 public immutable slope1;
    uint256 public immutable slope2;
    uint256 public immutable kink;

    /// @param base Rate at 0% utilization (per second, 1e18 scale).
    /// @param s1 Rate added up to the kink.
    /// @param s2 Rate added above the kink.
    /// @param k Kink utilization.
    constructor(uint256 base, uint256 s1, uint256 s2, uint256 k) {
        baseRate = base;
        slope1 = s1;
        slope2 = s2;
        kink = k;
    }

    /// @inheritdoc IIrm
    function borrowRate(MarketParams calldata, Market calldata market) external view returns (uint256) {
        return _rate(market);
    }

    /// @inheritdoc IIrm
    function borrowRateView(MarketParams calldata, Market calldata market) external view returns (uint256) {
        return _rate(market);
    }

    function _rate(Market calldata market) internal view returns (uint256) {
        uint256 u =
            market.totalSupplyAssets == 0 ? 0 : (uint256(market.totalBorrowAssets) * 1e18) / market.totalSupplyAssets;
        if (u > 1e18) u = 1e18;
        if (u <= kink) return baseRate + (slope1 * u) / kink;
        return baseRate + slope1 + (slope2 * (u - kink)) / (1e18 - kink);
    }
}
