// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";

/// @notice OpenZeppelin's ERC4626 over `asset_`, unchanged: the gas benchmark's baseline only.
contract OZVault is ERC4626 {
    /// @param asset_ The underlying token.
    constructor(IERC20 asset_) ERC20("OZ Vault", "ozV") ERC4626(asset_) {}
}
