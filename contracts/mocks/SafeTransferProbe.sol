// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title SafeTransferProbe
/// @notice Test helper for fork tests: moves this contract's own token balance, once through
/// SafeERC20 and once through a plain IERC20 call, to show how tokens without a return value
/// (USDT) behave. Holds no storage, so its code can be placed at any address with hardhat_setCode.
contract SafeTransferProbe {
    using SafeERC20 for IERC20;

    /// @notice Transfers `amount` of `token` held by this contract to `to` through SafeERC20.
    /// @param token The token to move.
    /// @param to The recipient.
    /// @param amount The amount, in the token's units.
    function send(IERC20 token, address to, uint256 amount) external {
        token.safeTransfer(to, amount);
    }

    /// @notice Transfers through a plain IERC20 call, which decodes a bool the token may not return.
    /// @param token The token to move.
    /// @param to The recipient.
    /// @param amount The amount, in the token's units.
    /// @return ok The decoded return value.
    function sendUnchecked(IERC20 token, address to, uint256 amount) external returns (bool ok) {
        ok = token.transfer(to, amount);
    }
}
