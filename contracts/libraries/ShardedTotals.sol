// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ShardedTotals
/// @notice Totals kept as K per-shard words, each word two 128-bit counters (low half and high
/// half), summed exactly only on rare events (a report, a rate refresh, a view). A user's
/// operation writes only its own shard's word, so users of different shards never write the
/// same slot; the exact total is the sum of the K words.
/// @dev Slot map: shard k's word is at `base + k * stride` (stride 1 for a contiguous array,
/// 2 when each shard has a second slot). Word layout: counter `low` in bits 0..127, counter
/// `high` in bits 128..255, which is exactly how Solidity packs `struct {uint128 a; uint128 b;}`
/// (first field low). So a product keeps its shards as a typed array of such structs, named as
/// it likes (the vault's `Shard {supply; idle}`), writes them through the struct on its hot
/// path, and uses `sum` on rare events: the struct form costs no gas against hand-written
/// code, and `add`/`sub` here are the checked form for products without a struct.
/// Conflict argument: each write touches one shard's slot; only `sum` reads all K, and a
/// product calls it on rare events, never on a user's operation.
library ShardedTotals {
    uint256 private constant LOW_MASK = 0xffffffffffffffffffffffffffffffff;

    /// @notice A counter left its 128 bits (add past 2**128 - 1, or sub below zero).
    error ShardCounterOverflow(uint256 k);

    /// @notice The slot of shard `k`'s word.
    /// @param base The slot of shard 0.
    /// @param stride Slots between consecutive shards (>= 1).
    /// @param k The shard.
    function slotOf(uint256 base, uint256 stride, uint256 k) internal pure returns (bytes32) {
        return bytes32(base + k * stride);
    }

    /// @notice Shard `k`'s two counters.
    /// @param base The slot of shard 0.
    /// @param stride Slots between consecutive shards.
    /// @param k The shard.
    /// @return low The low counter.
    /// @return high The high counter.
    function load(uint256 base, uint256 stride, uint256 k) internal view returns (uint256 low, uint256 high) {
        bytes32 slot = slotOf(base, stride, k);
        uint256 w;
        assembly ("memory-safe") {
            w := sload(slot)
        }
        return (w & LOW_MASK, w >> 128);
    }

    /// @notice Adds `dLow` and `dHigh` to shard `k`'s counters; reverts if either leaves 128 bits.
    /// @param base The slot of shard 0.
    /// @param stride Slots between consecutive shards.
    /// @param k The shard.
    /// @param dLow Added to the low counter.
    /// @param dHigh Added to the high counter.
    function add(uint256 base, uint256 stride, uint256 k, uint256 dLow, uint256 dHigh) internal {
        (uint256 low, uint256 high) = load(base, stride, k);
        low += dLow;
        high += dHigh;
        if (low > LOW_MASK || high > LOW_MASK) revert ShardCounterOverflow(k);
        _store(slotOf(base, stride, k), low | (high << 128));
    }

    /// @notice Subtracts `dLow` and `dHigh` from shard `k`'s counters; reverts below zero.
    /// @param base The slot of shard 0.
    /// @param stride Slots between consecutive shards.
    /// @param k The shard.
    /// @param dLow Subtracted from the low counter.
    /// @param dHigh Subtracted from the high counter.
    function sub(uint256 base, uint256 stride, uint256 k, uint256 dLow, uint256 dHigh) internal {
        (uint256 low, uint256 high) = load(base, stride, k);
        if (dLow > low || dHigh > high) revert ShardCounterOverflow(k);
        _store(slotOf(base, stride, k), (low - dLow) | ((high - dHigh) << 128));
    }

    /// @notice The exact sums of both counters over shards 0..n-1 (reads n slots: rare events only).
    /// @param base The slot of shard 0.
    /// @param stride Slots between consecutive shards.
    /// @param n The shard count.
    /// @return low Sum of the low counters (< n * 2**128: no overflow).
    /// @return high Sum of the high counters.
    function sum(uint256 base, uint256 stride, uint256 n) internal view returns (uint256 low, uint256 high) {
        assembly ("memory-safe") {
            let end := add(base, mul(n, stride))
            for {
                let s := base
            } lt(s, end) {
                s := add(s, stride)
            } {
                let w := sload(s)
                low := add(low, and(w, LOW_MASK))
                high := add(high, shr(128, w))
            }
        }
    }

    function _store(bytes32 slot, uint256 w) private {
        assembly ("memory-safe") {
            sstore(slot, w)
        }
    }
}
