// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token: anyone may mint or burn anyone's balance. Tests only.
contract VaultAsset is ERC20 {
    uint8 private immutable _dec;

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _dec = decimals_;
    }

    /// @notice Token decimals.
    function decimals() public view override returns (uint8) {
        return _dec;
    }

    /// @notice Mints `amount` to `to`.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` from `from`.
    /// @param from Holder.
    /// @param amount Amount.
    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }
}
