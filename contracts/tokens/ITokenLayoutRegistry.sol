// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ITokenLayoutRegistry
/// @notice Where a token keeps its balances and allowances, so that the suite's contracts can
/// declare the exact token slots a call touches instead of the token's whole account.
/// @dev A layout is two storage slot indices, with Solidity's mapping layout:
/// `balanceOf[account]` at keccak256(abi.encode(account, balancesSlot)) and
/// `allowance[owner][spender]` at keccak256(abi.encode(spender, keccak256(abi.encode(owner, allowancesSlot)))).
/// Entries are write-once: a declaration made against a registered layout never changes.
interface ITokenLayoutRegistry {
    /// @notice The registered layout of `token`.
    /// @param token The token contract.
    /// @return registered Whether a layout is registered (the slots are 0 otherwise).
    /// @return balancesSlot Slot index of the `mapping(address => uint256)` of balances.
    /// @return allowancesSlot Slot index of the `mapping(address => mapping(address => uint256))` of allowances.
    function layoutOf(
        address token
    ) external view returns (bool registered, uint256 balancesSlot, uint256 allowancesSlot);

    /// @notice The slot of `token`'s balance of `account` (`spender` zero) or of its allowance
    /// from `account` to `spender`; type(uint256).max (ANY_SLOT: the whole account) when `token`
    /// is not registered.
    /// @param token The token.
    /// @param account The holder (the owner, for an allowance).
    /// @param spender The spender, or zero for the balance.
    /// @return The storage slot in the token, or ANY_SLOT.
    function tokenSlot(address token, address account, address spender) external view returns (bytes32);
}
