// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title BatchEscrow
/// @notice Holds the orders' inputs and the fills of one shard of a DisjointBatchPool. Orders of
/// the shard pay into it and are paid out of it, so submitting and claiming write this escrow's
/// token balances, never one balance that every trader of the pool writes. It has no code path
/// of its own: at construction it lets its deployer (the pool) move both tokens.
contract BatchEscrow {
    /// @param token0 The pool's token0.
    /// @param token1 The pool's token1.
    constructor(IERC20 token0, IERC20 token1) {
        SafeERC20.forceApprove(token0, msg.sender, type(uint256).max);
        SafeERC20.forceApprove(token1, msg.sender, type(uint256).max);
    }
}
