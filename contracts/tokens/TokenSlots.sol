// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ITokenLayoutRegistry} from "./ITokenLayoutRegistry.sol";
import {AccessList} from "../libraries/AccessList.sol";

/// @title TokenSlots
/// @notice The token storage slots a transfer touches, for `declareAccess` views: exact slots
/// when the token's layout is registered, the whole account (ANY_SLOT) otherwise.
/// @dev Views only (declarations are computed off-chain); nothing here runs in a transaction.
library TokenSlots {
    /// @notice A token and, when known, its layout.
    /// @param token The token contract.
    /// @param exact Whether the layout is registered (false: every slot is ANY_SLOT).
    /// @param balancesSlot Slot index of the balances mapping.
    /// @param allowancesSlot Slot index of the allowances mapping.
    struct Layout {
        address token;
        bool exact;
        uint256 balancesSlot;
        uint256 allowancesSlot;
    }

    /// @notice The layout of `token` in `registry` (no registry: whole account).
    /// @param registry The registry, or the zero address.
    /// @param token The token.
    /// @return layout The layout.
    function load(ITokenLayoutRegistry registry, address token) internal view returns (Layout memory layout) {
        layout.token = token;
        if (address(registry) == address(0)) return layout;
        (layout.exact, layout.balancesSlot, layout.allowancesSlot) = registry.layoutOf(token);
    }

    /// @notice The slot of `balanceOf[account]`, or ANY_SLOT.
    /// @param layout The token's layout.
    /// @param account The holder.
    /// @return The slot.
    function balance(Layout memory layout, address account) internal pure returns (bytes32) {
        if (!layout.exact) return AccessList.ANY_SLOT;
        return keccak256(abi.encode(account, layout.balancesSlot));
    }

    /// @notice The slot of `allowance[owner][spender]`, or ANY_SLOT.
    /// @param layout The token's layout.
    /// @param owner The holder.
    /// @param spender The spender.
    /// @return The slot.
    function allowance(Layout memory layout, address owner, address spender) internal pure returns (bytes32) {
        if (!layout.exact) return AccessList.ANY_SLOT;
        return keccak256(abi.encode(spender, keccak256(abi.encode(owner, layout.allowancesSlot))));
    }
}
