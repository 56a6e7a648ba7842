// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IAccessDeclaring} from "./IAccessDeclaring.sol";
import {IStrategy} from "./IStrategy.sol";

/// @title IDisjointVault
/// @notice The disjoint vault beyond ERC-4626: shard-only exits, the report (harvest), the
/// strategy, the price schedule, the owner's settings, shards and escrows. See docs/vault.md.
interface IDisjointVault is IERC4626, IAccessDeclaring {
    /// @notice A harvest booked `profit` or `loss`; `fee` assets of profit were paid as `feeShares`.
    event Harvested(uint256 profit, uint256 loss, uint256 fee, uint256 feeShares);
    /// @notice `assets` moved from shard `shard`'s escrow to the strategy.
    event Allocated(uint256 indexed shard, uint256 assets);
    /// @notice `assets` moved from the strategy to shard `shard`'s escrow.
    event Deallocated(uint256 indexed shard, uint256 assets);
    /// @notice The strategy was set.
    event StrategySet(address indexed strategy);
    /// @notice The deposit limit (total assets) was set.
    event DepositLimitSet(uint256 limit);
    /// @notice The performance fee was set.
    event PerformanceFeeSet(uint16 bps);
    /// @notice The profit unlock period was set.
    event ProfitUnlockPeriodSet(uint32 period);
    /// @notice A harvest set the price schedule: from `startPrice` now to `endPrice` after the period.
    event PriceScheduled(uint256 startPrice, uint256 endPrice, uint256 unlockPeriod);
    /// @notice The shard count grows to `count` from block `fromBlock` on.
    event ShardCountSet(uint256 count, uint256 fromBlock);
    /// @notice Ownership transfer started.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);
    /// @notice Ownership transferred.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    error InvalidShardCount(uint256 count);
    error InvalidAddress();
    error EscrowAddressMismatch(uint256 shard);
    error ExceededMaxDeposit(address receiver, uint256 assets, uint256 max);
    error ExceededMaxMint(address receiver, uint256 shares, uint256 max);
    error ExceededMaxWithdraw(address owner, uint256 assets, uint256 max);
    error ExceededMaxRedeem(address owner, uint256 shares, uint256 max);
    error ZeroShares();
    error ZeroAssets();
    error InsufficientBalance(address account, uint256 balance, uint256 needed);
    error InsufficientAllowance(address spender, uint256 allowance, uint256 needed);
    error InsufficientLiquidity(uint256 needed, uint256 available);
    error NotOwner(address caller);
    error NotPendingOwner(address caller);
    error NoStrategy();
    error StrategyInUse(uint256 debt);
    error StrategyMismatch();
    error InvalidShard(uint256 shard);
    error FeeTooHigh(uint16 bps);
    error UnlockPeriodTooShort(uint32 period, uint32 min);
    error UnlockPeriodTooLong(uint32 period, uint32 max);
    error UnknownSelector(bytes4 selector);
    error ShardCountChangePending(uint256 fromBlock);

    /// @notice `withdraw` paid only from `owner_`'s shard escrow: reverts with
    /// InsufficientLiquidity instead of falling back to the strategy and the other shards, so
    /// its declared access list names no other shard and no shared slot but the price word,
    /// which it only reads (see docs/vault.md).
    /// @param assets Amount of assets.
    /// @param receiver Who receives the assets.
    /// @param owner_ Whose shares are burnt.
    /// @return shares Shares burnt.
    function withdrawFromShard(uint256 assets, address receiver, address owner_) external returns (uint256 shares);

    /// @notice `redeem` paid only from `owner_`'s shard escrow (no fallback).
    /// @param shares Amount of shares.
    /// @param receiver Who receives the assets.
    /// @param owner_ Whose shares are burnt.
    /// @return assets Assets paid.
    function redeemFromShard(uint256 shares, address receiver, address owner_) external returns (uint256 assets);

    /// @notice The report: the one operation that aggregates the shards. Books the
    /// strategy's gain or loss since the last report and sets the price schedule from the
    /// vault's real totals: the price now stays where it is (or drops at once to what the
    /// assets cover, on a loss), and rises linearly to the end price (every asset counted)
    /// over the unlock period. The performance fee on the gain is minted as shares to
    /// feeRecipient, worth the fee at the end price.
    /// @return profit Gain since the last harvest.
    /// @return loss Loss since the last harvest.
    function harvest() external returns (uint256 profit, uint256 loss);

    /// @notice Lends `assets` of shard `shard`'s idle assets to the strategy.
    /// @param shard The shard whose escrow pays.
    /// @param assets Amount.
    function allocate(uint256 shard, uint256 assets) external;

    /// @notice Takes `assets` back from the strategy into shard `shard`'s escrow.
    /// @param shard The shard whose escrow receives.
    /// @param assets Amount (at most the debt).
    function deallocate(uint256 shard, uint256 assets) external;

    /// @notice Sets the strategy; only while nothing is lent.
    /// @param newStrategy The strategy (its asset and vault must match), or zero.
    function setStrategy(IStrategy newStrategy) external;

    /// @notice Caps total assets at `limit` (type(uint256).max: no cap). Enforced per shard:
    /// each shard's shares may be worth at most limit / shardCount.
    /// @param limit The cap in assets.
    function setDepositLimit(uint256 limit) external;

    /// @notice Sets the performance fee on harvested profit.
    /// @param bps Fee in basis points, at most MAX_FEE_BPS.
    function setPerformanceFee(uint16 bps) external;

    /// @notice Sets how long reported profit takes to unlock, MIN_UNLOCK_PERIOD to
    /// MAX_UNLOCK_PERIOD (a period of 0 would let a deposit before a harvest and a redeem after
    /// it take profit). The price now is kept: the rest of the rise restarts from now.
    /// @param period Seconds.
    function setProfitUnlockPeriod(uint32 period) external;

    /// @notice Starts handing the manager role to `newOwner`.
    /// @param newOwner The next owner; must call acceptOwnership.
    function transferOwnership(address newOwner) external;

    /// @notice Completes an ownership transfer; callable by the pending owner only.
    function acceptOwnership() external;

    /// @notice The shard of `account`: the one assigned when it first received shares (kept
    /// when the shard count grows), else its address modulo the shard count in force.
    /// @param account Any address.
    function shardOf(address account) external view returns (uint256);

    /// @notice The escrow of shard `shard`: this vault for shard 0 (it pays that shard's exits
    /// by `transfer`), else the address of this contract's CREATE at nonce `shard`.
    /// @param shard Shard index (< MAX_SHARDS).
    function escrowOf(uint256 shard) external view returns (address escrow);

    /// @notice Shard `shard`'s share supply and idle assets.
    /// @param shard Shard index.
    function shardState(uint256 shard) external view returns (uint256 supply, uint256 idle);

    /// @notice The price schedule: the price now, the start price at the last report, the end
    /// price (reached `unlockPeriod` seconds after it), all scaled by PRICE_ONE.
    function priceSchedule()
        external
        view
        returns (uint256 current, uint256 start, uint256 end, uint256 lastReport, uint256 unlockPeriod);

    /// @notice The deposit limit (type(uint256).max: none).
    function depositLimit() external view returns (uint256);

    /// @notice Strategy debt, profit still locked (assets: the holders' worth at the end price
    /// minus their worth now), last report time, unlock period, fee.
    function ledger()
        external
        view
        returns (uint256 debt, uint256 lockedProfit, uint256 lastReport, uint256 unlockPeriod, uint256 feeBps);

    /// @notice The strategy idle assets are lent to (zero until set).
    function strategy() external view returns (IStrategy);

    /// @notice The manager: harvests, allocates, sets limits and fees.
    function owner() external view returns (address);

    /// @notice The address a two-step ownership transfer waits for.
    function pendingOwner() external view returns (address);

    /// @notice Number of shards and escrows (including a pending increase).
    function shardCount() external view returns (uint256);

    /// @notice Grows the shard count to `count` from the next block on (governance decides:
    /// see docs/vault.md, "Elastic shards"). Creates the new shards' escrows now. Accounts
    /// that already hold a shard keep it; new accounts spread over all `count` shards.
    /// Declarations made before the change takes effect name both candidate shards of a new
    /// account.
    /// @param count The new count: more than the current one, at most MAX_SHARDS.
    function setShardCount(uint256 count) external;

    /// @notice Receives the performance fee, as shares.
    function feeRecipient() external view returns (address);
}
