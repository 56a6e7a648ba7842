// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisjointCallee
/// @notice Flash-swap receiver, with Uniswap V2's callee signature so existing V2 flash-swap
/// contracts work unchanged.
interface IDisjointCallee {
    /// @notice Called by a pair inside `swap` when `data` is not empty, after the outputs were
    /// sent and before the pair checks that it was paid.
    /// @param sender The `msg.sender` of the pair's `swap` call.
    /// @param amount0 The amount of token0 sent out.
    /// @param amount1 The amount of token1 sent out.
    /// @param data The `data` argument of `swap`.
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external;
}
