// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BenchToken
/// @notice A mintable ERC-20 for workloads and benchmarks: anyone may mint, and the funder
/// may set allowances on a user's behalf so that setting up thousands of users takes a few
/// transactions. Test and benchmark use only; never deployed as part of the suite.
contract BenchToken is ERC20 {
    uint8 private immutable _decimals;

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mints `amount` to each of `users`, and lets `spender` spend it on their behalf.
    /// @param users Accounts to fund.
    /// @param amount Tokens for each account.
    /// @param spender Account allowed to spend each user's tokens (zero address for none).
    function fund(address[] calldata users, uint256 amount, address spender) external {
        for (uint256 i = 0; i < users.length; ++i) {
            _mint(users[i], amount);
            if (spender != address(0)) _approve(users[i], spender, type(uint256).max);
        }
    }

    /// @notice Mints `amount` to `to`.
    /// @param to Recipient.
    /// @param amount Tokens to mint.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
