// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ShardEscrow
/// @notice One escrow shard: holds tokens for the contract that deploys it (its owner), so that
/// the owner's users pay into and are paid out of K different token balances instead of one.
/// It has no code path of its own: at construction it lets its deployer move `token0` and
/// `token1` without limit, and the owner does every payout with `transferFrom`. Deploy and
/// locate escrows with EscrowShards (contracts/libraries/EscrowShards.sol).
/// @dev Storage: none of its own. Slots it writes elsewhere: the allowance
/// `token.allowance[escrow][deployer]` of each token, once, at construction.
/// Conflict argument: an ERC-20 keeps a balance slot per holder, so transfers into and out of
/// different escrows write different slots of the token; users of different shards never
/// write the same token balance (the owner's own balance would be that one shared slot).
/// The allowance is infinite, so OpenZeppelin's ERC-20 (and most others) only read it.
contract ShardEscrow {
    /// @param token0 A token the deployer may move out of this escrow.
    /// @param token1 A second such token; a single-token owner passes `token0` again.
    constructor(IERC20 token0, IERC20 token1) {
        SafeERC20.forceApprove(token0, msg.sender, type(uint256).max);
        if (token1 != token0) SafeERC20.forceApprove(token1, msg.sender, type(uint256).max);
    }
}
