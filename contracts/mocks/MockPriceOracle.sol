// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceOracle} from "../lending/IPriceOracle.sol";

/// @notice Settable price feed for tests: the price and the time it claims to be from, packed in
/// one slot as a real feed's round data would be (so that a read costs one storage load).
contract MockPriceOracle is IPriceOracle {
    error PriceTooLarge();

    uint216 internal _price;
    uint40 internal _updatedAt;

    /// @param price_ Initial price (1e36 scale), stamped now.
    constructor(uint256 price_) {
        setPrice(price_);
    }

    /// @notice Sets the price, stamped with the current block's timestamp.
    /// @param price_ New price (1e36 scale).
    function setPrice(uint256 price_) public {
        _set(price_, block.timestamp);
    }

    /// @notice Sets the price and an arbitrary observation time (to simulate a stale feed).
    /// @param price_ New price (1e36 scale).
    /// @param updatedAt_ Observation time.
    function setPriceAt(uint256 price_, uint256 updatedAt_) external {
        _set(price_, updatedAt_);
    }

    /// @notice The current price (1e36 scale).
    /// @return The price.
    function price() external view returns (uint256) {
        return _price;
    }

    /// @notice When the current price was observed.
    /// @return The timestamp.
    function updatedAt() external view returns (uint256) {
        return _updatedAt;
    }

    /// @inheritdoc IPriceOracle
    function latestPrice() external view returns (uint256, uint256) {
        return (_price, _updatedAt);
    }

    function _set(uint256 price_, uint256 updatedAt_) internal {
        if (price_ > type(uint216).max || updatedAt_ > type(uint40).max) revert PriceTooLarge();
        _price = uint216(price_);
        _updatedAt = uint40(updatedAt_);
    }
}
