// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {SwapMath} from "../libraries/SwapMath.sol";

/// @notice Exposes SwapMath's internal functions to tests.
contract SwapMathHarness {
    /// @notice See SwapMath.getAmountOut.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256) {
        return SwapMath.getAmountOut(amountIn, reserveIn, reserveOut);
    }

    /// @notice See SwapMath.getAmountIn.
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) external pure returns (uint256) {
        return SwapMath.getAmountIn(amountOut, reserveIn, reserveOut);
    }
}
