// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOracle} from "@morpho-org/morpho-blue/src/interfaces/IOracle.sol";

/// @notice Settable price for the Morpho Blue gas baseline.
contract MorphoBenchOracle is IOracle {
    /// @inheritdoc IOracle
    uint256 public price;

    /// @param price_ Initial price (1e36 scale).
    constructor(uint256 price_) {
        price = price_;
    }

    /// @notice Sets the price.
    /// @param price_ New price (1e36 scale).
    function setPrice(uint256 price_) external {
        price = price_;
    }
}
