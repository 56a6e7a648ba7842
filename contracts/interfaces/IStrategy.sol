// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessDeclaring} from "./IAccessDeclaring.sol";

/// @title IStrategy
/// @notice What the disjoint vault needs from the place it lends its idle assets to. An adapter
/// (for example over the suite's lending market) holds the vault's assets, values them, and
/// gives them back on demand. Only the vault calls the state-changing functions.
/// @dev The vault keeps its own record of what it lent (its debt) and learns gains and losses
/// only through `totalAssets()` at harvest; the strategy needs no accounting of its own beyond
/// what valuing its position requires.
interface IStrategy {
    /// @notice The token the strategy takes and returns; equal to the vault's asset.
    function asset() external view returns (address);

    /// @notice The only address allowed to call `deposit` and `withdraw`.
    function vault() external view returns (address);

    /// @notice The value, in assets, of everything the strategy holds for the vault now,
    /// rounded down. Read by the vault's harvest only.
    function totalAssets() external view returns (uint256);

    /// @notice How many assets `withdraw` can deliver now without reverting (liquidity),
    /// rounded down.
    function maxWithdraw() external view returns (uint256);

    /// @notice Takes `assets` that the vault has already transferred to the strategy and puts
    /// them to work. Called by the vault right after the transfer.
    /// @param assets The amount just received.
    function deposit(uint256 assets) external;

    /// @notice Sends exactly `assets` to `receiver`, or reverts.
    /// @param assets The amount to deliver.
    /// @param receiver Who receives the assets.
    function withdraw(uint256 assets, address receiver) external;

    /// @notice Every storage location of the strategy and of the contracts it calls, the asset
    /// token included, that a call of `selector` (one of `deposit`, `withdraw`, `totalAssets`,
    /// `maxWithdraw`) may touch, in the IAccessDeclaring conventions. Two asset-token slots are
    /// the vault's to declare, since only the vault knows them: the balance of `withdraw`'s
    /// receiver, and the vault's own transfer to the strategy before `deposit`.
    /// @param selector The IStrategy function the vault will call.
    /// @return accesses The locations, each listed once.
    function declareStrategyAccess(bytes4 selector) external view returns (IAccessDeclaring.Access[] memory accesses);
}
