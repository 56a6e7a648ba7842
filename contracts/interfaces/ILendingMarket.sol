// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessDeclaring} from "./IAccessDeclaring.sol";

/// @title ILendingMarket
/// @notice An isolated lending market whose users' operations touch disjoint storage: positions
/// per user, totals in K shards, liquidity in K escrows, interest indices advanced once per block
/// from stored rates that `refreshRates` (anyone, once per epoch) refreshes from the shards. See
/// docs/lending.md.
interface ILendingMarket is IAccessDeclaring {
    /// @notice One shard as returned by `shardTotals`.
    struct ShardTotals {
        uint256 supplyShares;
        uint256 borrowShares;
        uint256 badDebtEvents;
        uint256 cash;
        uint256 badDebt;
    }

    /// @notice A user's position as returned by `position`.
    struct Position {
        uint256 supplyShares;
        uint128 borrowShares;
        uint128 collateral;
    }

    /// @notice The index snapshot as unpacked from storage.
    struct Snapshot {
        uint256 supplyIndex;
        uint256 borrowIndex;
        uint256 lastUpdate;
        uint256 flags;
    }

    /// @notice The stored rates (slot 4): set at each refresh from the shards' totals, applied to
    /// elapsed time in between. `epoch` is the number (timestamp / epochLength) of the epoch of
    /// the last refresh; `utilization` is the utilization that refresh saw.
    struct RateBook {
        uint40 borrowRate;
        uint40 supplyRate;
        uint64 utilization;
        uint40 epoch;
        uint32 epochLength;
    }

    /// @dev Owner-set caps; read by supply and borrow only while the snapshot's CAPPED flag is set.
    struct Config {
        uint128 supplyCap;
        uint128 borrowCap;
    }

    /// @notice `declareAccess` was asked about a function the market does not have.
    error UnknownSelector(bytes4 selector);
    /// @notice `sources` names a shard at or above the shard count.
    error InvalidSources(uint256 sources);

    /// @notice Supplies `assets` of the loan asset from the caller, into the caller's shard.
    /// @param assets Amount to supply.
    /// @return shares Supply shares minted (rounded down).
    function supply(uint256 assets) external returns (uint256 shares);

    /// @notice Withdraws supplied loan assets to `receiver`.
    /// @param assets Amount to withdraw; type(uint256).max withdraws the whole position.
    /// @param receiver Recipient of the tokens.
    /// @param sources Bit i set lets the withdrawal draw on escrow shard i once the caller's own
    /// shard runs dry (the fallback; see docs/lending.md). 0 uses the own shard only.
    /// @return withdrawn Assets sent.
    /// @return shares Supply shares burned (rounded up).
    function withdraw(
        uint256 assets,
        address receiver,
        uint256 sources
    ) external returns (uint256 withdrawn, uint256 shares);

    /// @notice Deposits collateral from the caller into the caller's escrow shard.
    /// @dev Touches only the caller's collateral slot: no snapshot, no shard total.
    /// @param assets Amount of collateral.
    function depositCollateral(uint256 assets) external;

    /// @notice Withdraws collateral; the position must stay healthy.
    /// @param assets Amount of collateral.
    /// @param receiver Recipient of the tokens.
    function withdrawCollateral(uint256 assets, address receiver) external;

    /// @notice Borrows loan assets against the caller's collateral.
    /// @param assets Amount to borrow.
    /// @param receiver Recipient of the tokens.
    /// @param sources Fallback escrow shards, as in withdraw.
    /// @return shares Borrow shares minted (rounded up).
    function borrow(uint256 assets, address receiver, uint256 sources) external returns (uint256 shares);

    /// @notice Repays debt of `onBehalf` with the caller's loan assets.
    /// @param assets Amount to repay; type(uint256).max repays the whole debt.
    /// @param onBehalf Borrower whose debt is reduced.
    /// @return repaid Assets taken from the caller.
    /// @return shares Borrow shares burned (rounded down unless the whole debt is repaid).
    function repay(uint256 assets, address onBehalf) external returns (uint256 repaid, uint256 shares);

    /// @notice Repays part or all of an unhealthy position's debt and seizes collateral worth
    /// the repaid value times the liquidation bonus. If the collateral runs out, the rest of the
    /// debt is bad debt: it leaves the books now and is charged to all suppliers at the next
    /// block's snapshot.
    /// @param borrower The unhealthy position.
    /// @param assets Debt to repay; type(uint256).max repays as much as the collateral covers.
    /// @return repaid Assets taken from the liquidator.
    /// @return seized Collateral sent to the liquidator.
    /// @return badDebt Debt written off.
    function liquidate(
        address borrower,
        uint256 assets
    ) external returns (uint256 repaid, uint256 seized, uint256 badDebt);

    /// @notice Takes this block's snapshot if no interaction has yet (anyone may call).
    function accrue() external;

    /// @notice Refreshes the stored rates from the K shards' totals (reads every shard: its
    /// cost grows with K; see bench/results/gas-lending.md). Anyone may call it, at most once
    /// per rate epoch, and only as the block's first interaction with the market, so that it
    /// reads the totals as they stood before the block (no flash-loaned deposit or borrow can
    /// move it). Until it is called in an epoch, the previous rates' epoch has ended and
    /// suppliers are credited nothing (docs/lending.md, "Stored rates").
    function refreshRates() external;

    /// @notice Pauses or resumes supply and borrow (withdraw, repay, collateral and
    /// liquidation stay open so that users can always leave and positions can be closed).
    /// @param paused_ The new flag.
    function setPaused(bool paused_) external;

    /// @notice Sets the market-wide caps. Each shard may hold at most cap / K, so the market
    /// never exceeds the cap while no operation reads another shard.
    /// @param supplyCap Cap on supplied assets (type(uint128).max = none).
    /// @param borrowCap Cap on borrowed assets (type(uint128).max = none).
    function setCaps(uint128 supplyCap, uint128 borrowCap) external;

    /// @notice Sets the rate epoch: the rates are refreshed from the shards at most once per
    /// `epochLength` seconds. Refreshes them now from the current totals (reading every shard).
    /// @param epochLength Seconds, 1 (refresh at every new timestamp) to MAX_RATE_EPOCH.
    function setRateEpoch(uint256 epochLength) external;

    /// @notice The stored rates and the epoch of their last refresh.
    /// @return The rate book.
    function rates() external view returns (RateBook memory);

    /// @notice Whether supply and borrow are paused.
    /// @return True when paused.
    function paused() external view returns (bool);

    /// @notice Grows the shard count to `count` (owner). The new shards' escrows are created at
    /// once; the count takes force from the next timestamp (the next block's snapshot promotes
    /// it). Existing positions keep the shard they are tagged with; new ones spread over all
    /// `count` shards. Shrinking is refused: positions tagged to the upper shards, and the cash
    /// in their escrows, would be stranded (docs/lending.md, "Elastic shards").
    /// @param count The new count, above the current one and at most MAX_SHARDS.
    function setShardCount(uint256 count) external;

    /// @notice The shard count in force in this block.
    /// @return K, the number of shards new positions spread over now.
    function shardCount() external view returns (uint256);

    /// @notice The shard count from the next timestamp on (equal to `shardCount()` unless a
    /// change is pending): every shard below it has its escrow.
    /// @return The count of shards with an escrow.
    function nextShardCount() external view returns (uint256);

    /// @notice The shard of `user`'s supply position: the one it is tagged with, else (no
    /// supply yet) the address modulo the count in force.
    /// @param user Any account.
    /// @return The shard index.
    function shardOf(address user) external view returns (uint256);

    /// @notice The shard of `user`'s loan position (collateral and debt), as `shardOf`. The two
    /// differ only if the count grew between the opening of the two positions.
    /// @param user Any account.
    /// @return The shard index.
    function loanShardOf(address user) external view returns (uint256);

    /// @notice Raw storage words at `slots` (as Morpho Blue's `extSloads`): what the market's
    /// declarer and off-chain tools read, at the slots `LendingStorageLib` names.
    /// @param slots Storage slots of the market.
    /// @return values The words stored there.
    function extsload(bytes32[] calldata slots) external view returns (bytes32[] memory values);

    /// @notice The escrow contract of shard `s`: the market's CREATE child at nonce s + 2
    /// (EscrowShards; nonce 1 is the declarer), computed without a storage read.
    /// @param s Shard index.
    /// @return The escrow's address.
    function escrowOf(uint256 s) external view returns (address);

    /// @notice The stored snapshot (as of the last interaction, not accrued to now).
    /// @return snap Supply index, borrow index (1e18 scale) and timestamp.
    function snapshot() external view returns (Snapshot memory snap);

    /// @notice One shard's totals.
    /// @param s Shard index.
    /// @return t The shard's books; `cash` is its escrow's loan-token balance.
    function shardTotals(uint256 s) external view returns (ShardTotals memory t);

    /// @notice A user's position.
    /// @param user Any account.
    /// @return The position.
    function position(address user) external view returns (Position memory);

    /// @notice Owner controls.
    /// @return The config.
    function getConfig() external view returns (Config memory);

    /// @notice Bad debt already charged to suppliers.
    /// @return Cumulative socialized bad debt, in loan assets.
    function badDebtSocialized() external view returns (uint256);

    /// @notice Sums of the shards, at the stored snapshot's indices.
    /// @return supplyShares Total supply shares.
    /// @return borrowShares Total borrow shares.
    /// @return supplyAssets Total supply in assets (rounded down), before pending bad debt.
    /// @return borrowAssets Total debt in assets (rounded up).
    /// @return cash Loan assets held by the escrows.
    /// @return pendingBadDebt Bad debt recorded but not yet charged to suppliers.
    function totals()
        external
        view
        returns (
            uint256 supplyShares,
            uint256 borrowShares,
            uint256 supplyAssets,
            uint256 borrowAssets,
            uint256 cash,
            uint256 pendingBadDebt
        );

    /// @notice The most `user` may owe at `price` before becoming liquidatable.
    /// @param user Any account.
    /// @param price Oracle price (1e36 scale).
    /// @return debt Current debt at the stored borrow index (rounded up).
    /// @return maxDebt Collateral value times LLTV (rounded down).
    function health(address user, uint256 price) external view returns (uint256 debt, uint256 maxDebt);

    /// @notice Borrow rate per second at a utilization (1e18 scale).
    /// @param utilization Borrowed over supplied, at most 1e18.
    /// @return The rate per second.
    function borrowRate(uint256 utilization) external view returns (uint256);

    /// @notice The indices the next interaction in this block will use (the stored snapshot
    /// advanced to now by the stored rates, refreshed and charged with pending bad debt when due),
    /// computed without writing; what a strategy values a supply position at.
    /// @return supplyIndex Supply index (1e18 scale).
    /// @return borrowIndex Borrow index (1e18 scale).
    function previewIndices() external view returns (uint256 supplyIndex, uint256 borrowIndex);
}
