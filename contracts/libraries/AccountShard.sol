// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title AccountShard
/// @notice The shard of an account: its address modulo the shard count. Every product of the
/// suite assigns users to shards with this function, so a user's shard is the same in the
/// lending market, the vault and the batch pool for the same count.
/// @dev Slot map: none; the shard is a pure function of the address (nothing to read, nothing
/// to declare). A product that lets the count change keeps an account's first shard itself
/// (the vault tags it in the balance word).
/// Conflict argument: addresses are uniformly distributed, so two different users share a
/// shard with probability 1/K; users of different shards write different shard words and
/// escrow balances. One user is always in one shard: its own operations are ordered anyway.
library AccountShard {
    /// @notice The shard of `account` among `shards` (> 0) shards: uint160(account) % shards.
    /// @param account Any address.
    /// @param shards The shard count; zero reverts (division by zero).
    /// @return The shard index, below `shards`.
    function shardOf(address account, uint256 shards) internal pure returns (uint256) {
        return uint256(uint160(account)) % shards;
    }
}
