// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice The suite's one plain test token (every contract test, TS test, bench and workload
/// deploys it): OpenZeppelin's ERC20 v5 with chosen decimals, and anyone may mint, burn and
/// fund. Storage: `_balances` at slot 0, `_allowances` at slot 1 (OpenZeppelin's layout, no
/// storage of its own), so token layout registries register it as (0, 1). Tokens with special
/// behaviour stay separate: FeeOnTransferToken, NoReturnToken, VaultReentrantToken.
contract MockERC20 is ERC20 {
    uint8 internal immutable DECIMALS;

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        DECIMALS = decimals_;
    }

    /// @notice Mints `amount` to `to`.
    /// @param to Recipient.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` from `from` (no allowance needed: a test token).
    /// @param from Holder.
    /// @param amount Amount.
    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }

    /// @notice Mints `amount` to each of `users` and, unless `spender` is zero, lets `spender`
    /// spend all of it (an infinite allowance): one transaction funds a workload's users.
    /// @param users Recipients.
    /// @param amount Amount each.
    /// @param spender Who may spend their tokens, or the zero address.
    function fund(address[] calldata users, uint256 amount, address spender) external {
        for (uint256 i = 0; i < users.length; ++i) {
            _mint(users[i], amount);
            if (spender != address(0)) _approve(users[i], spender, type(uint256).max);
        }
    }

    /// @notice The decimals given at deployment.
    /// @return The decimals.
    function decimals() public view override returns (uint8) {
        return DECIMALS;
    }
}
