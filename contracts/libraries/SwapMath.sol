// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title SwapMath
/// @notice Constant-product quote math with Uniswap V2's 0.30% fee, to the wei.
/// @dev Rounding: `getAmountOut` rounds down (the trader receives less), `getAmountIn`
/// rounds up (the trader pays more), so the pool never loses to rounding.
library SwapMath {
    /// @notice The input amount was zero.
    error InsufficientInputAmount();
    /// @notice The output amount was zero.
    error InsufficientOutputAmount();
    /// @notice A reserve was zero, or the output would drain a reserve.
    error InsufficientLiquidity();

    /// @dev Fee numerator and denominator: amounts in are counted at 997/1000.
    uint256 internal constant FEE_NUMERATOR = 997;
    uint256 internal constant FEE_DENOMINATOR = 1000;

    /// @notice The most `amountIn` of one token buys from a pool with these reserves.
    function getAmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        if (amountIn == 0) revert InsufficientInputAmount();
        if (reserveIn == 0 || reserveOut == 0) revert InsufficientLiquidity();
        uint256 amountInWithFee = amountIn * FEE_NUMERATOR;
        return (amountInWithFee * reserveOut) / (reserveIn * FEE_DENOMINATOR + amountInWithFee);
    }

    /// @notice The least input that buys `amountOut` from a pool with these reserves.
    function getAmountIn(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        if (amountOut == 0) revert InsufficientOutputAmount();
        if (reserveIn == 0 || reserveOut <= amountOut) revert InsufficientLiquidity();
        return (reserveIn * amountOut * FEE_DENOMINATOR) / ((reserveOut - amountOut) * FEE_NUMERATOR) + 1;
    }
}
