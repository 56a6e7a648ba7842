// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";
import {IStrategy} from "../interfaces/IStrategy.sol";
import {MockERC20} from "./MockERC20.sol";
import {ITokenLayoutRegistry} from "../tokens/ITokenLayoutRegistry.sol";
import {TokenSlots} from "../tokens/TokenSlots.sol";

/// @notice Test strategy that holds the vault's assets and can gain (`gain`: minted tokens)
/// and lose (`lose`: burnt tokens) on demand, with an optional liquidity cap. Tests only.
contract VaultMockStrategy is IStrategy {
    using SafeERC20 for IERC20;

    /// @notice Asset held.
    address public immutable asset;
    /// @notice The vault allowed to deposit and withdraw.
    address public immutable vault;
    /// @notice Withdrawable liquidity cap (type(uint256).max: all holdings).
    uint256 public liquidityCap = type(uint256).max;
    /// @notice Token layout registry its declarations use (zero: the asset's whole account).
    ITokenLayoutRegistry public tokenLayouts;

    error NotVault(address caller);
    error Illiquid(uint256 assets, uint256 available);

    /// @param asset_ The vault's asset (a MockERC20).
    /// @param vault_ The vault.
    constructor(address asset_, address vault_) {
        asset = asset_;
        vault = vault_;
    }

    /// @inheritdoc IStrategy
    function totalAssets() public view returns (uint256) {
        return IERC20(asset).balanceOf(address(this));
    }

    /// @inheritdoc IStrategy
    function maxWithdraw() public view returns (uint256) {
        uint256 held = totalAssets();
        return held < liquidityCap ? held : liquidityCap;
    }

    /// @inheritdoc IStrategy
    function deposit(uint256) external view {
        if (msg.sender != vault) revert NotVault(msg.sender);
    }

    /// @inheritdoc IStrategy
    function withdraw(uint256 assets, address receiver) external {
        if (msg.sender != vault) revert NotVault(msg.sender);
        uint256 available = maxWithdraw();
        if (assets > available) revert Illiquid(assets, available);
        IERC20(asset).safeTransfer(receiver, assets);
    }

    /// @inheritdoc IStrategy
    function declareStrategyAccess(bytes4 selector) external view returns (IAccessDeclaring.Access[] memory a) {
        bytes32 capSlot;
        assembly ("memory-safe") {
            capSlot := liquidityCap.slot
        }
        bool writes = selector == IStrategy.withdraw.selector || selector == IStrategy.deposit.selector;
        a = new IAccessDeclaring.Access[](2);
        a[0] = IAccessDeclaring.Access(asset, _ownBalanceSlot(), writes ? 2 : 1);
        a[1] = IAccessDeclaring.Access(address(this), capSlot, 1);
    }

    /// @dev This strategy's balance slot in the asset (the whole account without a registry).
    function _ownBalanceSlot() private view returns (bytes32) {
        return TokenSlots.balance(TokenSlots.load(tokenLayouts, asset), address(this));
    }

    /// @notice Test hook: the token layout registry the declarations use.
    /// @param registry The registry (the vault's), or zero.
    function setTokenLayouts(ITokenLayoutRegistry registry) external {
        tokenLayouts = registry;
    }

    /// @notice Test hook: the strategy earns `amount` (minted to it).
    /// @param amount Gain.
    function gain(uint256 amount) external {
        MockERC20(asset).mint(address(this), amount);
    }

    /// @notice Test hook: the strategy loses `amount` (burnt).
    /// @param amount Loss.
    function lose(uint256 amount) external {
        MockERC20(asset).burn(address(this), amount);
    }

    /// @notice Test hook: caps withdrawable liquidity.
    /// @param cap New cap.
    function setLiquidityCap(uint256 cap) external {
        liquidityCap = cap;
    }
}
