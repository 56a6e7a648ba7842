// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title ShardEscrow
/// @notice Holds the idle assets of one shard k > 0 of a DisjointVault (shard 0's escrow is
/// the vault itself). Deposits into a shard are
/// paid straight to its escrow, so a deposit writes only this escrow's balance in the asset
/// token, never one balance shared by every depositor. The escrow has no code path of its own:
/// at construction it lets its deployer (the vault) move its assets, and the vault does every
/// payout with `transferFrom`.
contract ShardEscrow {
    /// @param asset The token this escrow holds for the vault that deploys it.
    constructor(IERC20 asset) {
        SafeERC20.forceApprove(asset, msg.sender, type(uint256).max);
    }
}
