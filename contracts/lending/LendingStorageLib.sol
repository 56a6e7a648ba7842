// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LendingStorageLib
/// @notice The storage slots of `LendingMarket`, named once (as Morpho Blue's MorphoStorageLib
/// does): the market's access declarations, the strategies that declare their calls into a
/// market, and the tests use these instead of slot numbers. The layout is part of the
/// access-list interface; `test/contracts/LendingMarket.t.sol` checks it against observed accesses.
/// @dev Slot map: 0 owner, 1 pending owner (Ownable2Step); 2 caps; 3 snapshot (supplyIndex,
/// borrowIndex, lastUpdate, flags); 4 rates (borrowRate, supplyRate, utilization, epoch,
/// epochLength); 5 + 2i shard i < 16 (supplyShares, borrowShares, badDebtEvents), 6 + 2i its bad
/// debt; 37 the positions mapping; shards 16..63 at 38 + 2(i - 16); 134 the bad-debt book.
library LendingStorageLib {
    uint256 internal constant OWNER = 0;
    uint256 internal constant PENDING_OWNER = 1;
    uint256 internal constant CONFIG = 2;
    uint256 internal constant SNAPSHOT = 3;
    uint256 internal constant RATES = 4;
    /// @notice Shards 0..15 sit before the positions mapping, 16..63 after it, so that the slots
    /// of markets with K <= 16 never moved.
    uint256 internal constant LOW_SHARDS = 16;
    uint256 internal constant MAX_SHARDS = 64;
    uint256 internal constant SHARDS = 5;
    uint256 internal constant POSITIONS = SHARDS + 2 * LOW_SHARDS;
    uint256 internal constant HIGH_SHARDS = POSITIONS + 1;
    uint256 internal constant BAD_DEBT_BOOK = HIGH_SHARDS + 2 * (MAX_SHARDS - LOW_SHARDS);

    /// @notice Shard `s`'s first slot (share totals, bad-debt events); its bad debt follows it.
    function shardSlot(uint256 s) internal pure returns (bytes32) {
        return bytes32(s < LOW_SHARDS ? SHARDS + 2 * s : HIGH_SHARDS + 2 * (s - LOW_SHARDS));
    }

    /// @notice Shard `s`'s second slot (cumulative bad debt).
    function shardBadDebtSlot(uint256 s) internal pure returns (bytes32) {
        return bytes32(uint256(shardSlot(s)) + 1);
    }

    /// @notice `user`'s supply shares.
    function positionSlot(address user) internal pure returns (bytes32) {
        return keccak256(abi.encode(user, POSITIONS));
    }

    /// @notice `user`'s loan: borrow shares and collateral.
    function loanSlot(address user) internal pure returns (bytes32) {
        return bytes32(uint256(positionSlot(user)) + 1);
    }
}
