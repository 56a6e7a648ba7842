// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceOracle} from "../lending/IPriceOracle.sol";

/// @notice Settable price feed for tests: the price, and the time it claims to be from.
contract MockPriceOracle is IPriceOracle {
    uint256 public price;
    uint256 public updatedAt;

    /// @param price_ Initial price (1e36 scale), stamped now.
    constructor(uint256 price_) {
        setPrice(price_);
    }

    /// @notice Sets the price, stamped with the current block's timestamp.
    /// @param price_ New price (1e36 scale).
    function setPrice(uint256 price_) public {
        price = price_;
        updatedAt = block.timestamp;
    }

    /// @notice Sets the price and an arbitrary observation time (to simulate a stale feed).
    /// @param price_ New price (1e36 scale).
    /// @param updatedAt_ Observation time.
    function setPriceAt(uint256 price_, uint256 updatedAt_) external {
        price = price_;
        updatedAt = updatedAt_;
    }

    /// @inheritdoc IPriceOracle
    function latestPrice() external view returns (uint256, uint256) {
        return (price, updatedAt);
    }
}
