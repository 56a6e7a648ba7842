// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LendingStorageLib
/// @notice The storage slots of `LendingMarket`, named once (as Morpho Blue's MorphoStorageLib
/// does), and the bit fields packed in them: the market, its declarer (`LendingDeclarer`), the
/// strategies that declare their calls into a market, and the tests use these instead of slot
/// numbers. The layout is part of the access-list interface; `test/contracts/LendingMarket.t.sol`
/// checks it against observed accesses.
/// @dev Slot map: 0 owner, 1 pending owner (Ownable2Step); 2 caps; 3 snapshot (supplyIndex 96,
/// borrowIndex 96, lastUpdate 40, flags 8, shard count 8, next shard count 8); 4 rates
/// (borrowRate, supplyRate, utilization, epoch, epochLength); 5 + 2i shard i < 16 (supplyShares,
/// borrowShares, badDebtEvents), 6 + 2i its bad debt; 37 the positions mapping (per user: the
/// supply word `supplyShares (248) | shard tag (8)`, then the loan word `borrowShares (112) |
/// shard tag (16) | collateral (128)`; a tag is shard + 1, 0 until the position is first
/// written); shards 16..63 at 38 + 2(i - 16); 134 the bad-debt book.
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

    /// @notice Snapshot word: the shard count in force (bits 240..247) and the count that takes
    /// force at the next timestamp (bits 248..255; equal unless a change is pending).
    uint256 internal constant SHARD_COUNT_SHIFT = 240;
    uint256 internal constant NEXT_SHARD_COUNT_SHIFT = 248;
    /// @notice Supply word: the shard tag in the top byte.
    uint256 internal constant SUPPLY_TAG_SHIFT = 248;
    uint256 internal constant SUPPLY_SHARES_MASK = (1 << SUPPLY_TAG_SHIFT) - 1;
    /// @notice Loan word: the shard tag in bits 112..127.
    uint256 internal constant LOAN_TAG_SHIFT = 112;

    /// @notice Shard `s`'s first slot (share totals, bad-debt events); its bad debt follows it.
    function shardSlot(uint256 s) internal pure returns (bytes32) {
        return bytes32(s < LOW_SHARDS ? SHARDS + 2 * s : HIGH_SHARDS + 2 * (s - LOW_SHARDS));
    }

    /// @notice Shard `s`'s second slot (cumulative bad debt).
    function shardBadDebtSlot(uint256 s) internal pure returns (bytes32) {
        return bytes32(uint256(shardSlot(s)) + 1);
    }

    /// @notice `user`'s supply word: supply shares and the supply position's shard tag.
    function positionSlot(address user) internal pure returns (bytes32) {
        return keccak256(abi.encode(user, POSITIONS));
    }

    /// @notice `user`'s loan: borrow shares, the loan's shard tag and collateral.
    function loanSlot(address user) internal pure returns (bytes32) {
        return bytes32(uint256(positionSlot(user)) + 1);
    }

    /// @notice The shard counts packed in a snapshot word: in force before the word's
    /// `lastUpdate` timestamp ends, and from the next timestamp on.
    function shardCounts(uint256 snapshotWord) internal pure returns (uint256 count, uint256 next) {
        count = (snapshotWord >> SHARD_COUNT_SHIFT) & 0xff;
        next = snapshotWord >> NEXT_SHARD_COUNT_SHIFT;
    }

    /// @notice The shard tag (shard + 1, 0 if none yet) of a supply word.
    function supplyTag(uint256 supplyWord) internal pure returns (uint256) {
        return supplyWord >> SUPPLY_TAG_SHIFT;
    }

    /// @notice The shard tag (shard + 1, 0 if none yet) of a loan word.
    function loanTag(uint256 loanWord) internal pure returns (uint256) {
        return (loanWord >> LOAN_TAG_SHIFT) & 0xffff;
    }
}
