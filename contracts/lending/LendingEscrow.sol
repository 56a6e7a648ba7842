// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title LendingEscrow
/// @notice One liquidity shard of a LendingMarket. It holds the tokens of the shard's users and
/// has no runtime logic: at creation it lets its market (the deployer) move both tokens, so a
/// transfer in or out touches only this escrow's balance in the token contract.
contract LendingEscrow {
    using SafeERC20 for IERC20;

    /// @param loanToken The market's loan asset.
    /// @param collateralToken The market's collateral asset.
    constructor(IERC20 loanToken, IERC20 collateralToken) {
        loanToken.forceApprove(msg.sender, type(uint256).max);
        collateralToken.forceApprove(msg.sender, type(uint256).max);
    }
}
