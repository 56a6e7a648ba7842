// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./Vm.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {TokenLayoutRegistry} from "../../contracts/tokens/TokenLayoutRegistry.sol";

/// @notice A token layout registry for tests whose products take one: the registry, the switch
/// that runs a test without it (every token access then declared whole), and MockERC20's layout.
abstract contract LayoutsBase is TestBase {
    /// MockERC20 is OpenZeppelin's ERC20: `_balances` at slot 0, `_allowances` at slot 1.
    uint256 internal constant MOCK_BALANCES_SLOT = 0;
    uint256 internal constant MOCK_ALLOWANCES_SLOT = 1;

    /// The registry (the zero address when `_useLayouts()` is false).
    TokenLayoutRegistry internal layouts;

    /// Whether the products get a registry with their tokens' layouts (false: no registry).
    function _useLayouts() internal pure virtual returns (bool) {
        return true;
    }

    /// Deploys the registry, owned by this test, unless `_useLayouts()` is false.
    function _newLayouts() internal {
        if (_useLayouts()) layouts = new TokenLayoutRegistry(address(this));
    }

    /// Registers `token`'s layout, unless `_useLayouts()` is false.
    function _registerLayout(MockERC20 token) internal {
        if (_useLayouts()) layouts.register(address(token), MOCK_BALANCES_SLOT, MOCK_ALLOWANCES_SLOT);
    }
}
