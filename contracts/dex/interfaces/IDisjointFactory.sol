// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IDisjointFactory
/// @notice Deploys pairs with Uniswap V2's factory interface, plus shards: several
/// independent pools of the same token pair.
interface IDisjointFactory {
    /// @notice Shard 0 of a token pair was created (Uniswap V2's event; `count` is allPairsLength).
    event PairCreated(address indexed token0, address indexed token1, address pair, uint256 count);
    /// @notice A shard of a token pair was created.
    event ShardCreated(address indexed token0, address indexed token1, address shard, uint256 index);
    /// @notice The shard count of a token pair changes to `count` from block `fromBlock` on.
    event ShardCountSet(address indexed token0, address indexed token1, uint256 count, uint256 fromBlock);

    /// @notice Shard 0 of the pair of `tokenA` and `tokenB`, in either order, or zero.
    function getPair(address tokenA, address tokenB) external view returns (address pair);
    /// @notice The `index`-th pool (every shard of every pair) ever created.
    function allPairs(uint256 index) external view returns (address pair);
    /// @notice The number of pools (every shard of every pair) ever created.
    function allPairsLength() external view returns (uint256);
    /// @notice Creates shard 0 of a new token pair.
    function createPair(address tokenA, address tokenB) external returns (address pair);
    /// @notice The shard count in force in this block for the pair (0 if it does not exist).
    function shardsOf(address tokenA, address tokenB) external view returns (uint256);
    /// @notice Shard `index` of the pair, or zero if it was not created.
    function getShard(address tokenA, address tokenB, uint256 index) external view returns (address);
    /// @notice Shard admin only: creates a new token pair with `count` shards (in force from the next block).
    function createShardedPair(address tokenA, address tokenB, uint256 count) external returns (address pair);
    /// @notice Shard admin only: grows a pair to `count` shards (in force from the next block).
    function addShards(address tokenA, address tokenB, uint256 count) external;
    /// @notice Who may create shards.
    function shardAdmin() external view returns (address);
    /// @notice Shard admin only: hands the role on (zero renounces it).
    function setShardAdmin(address admin) external;
}
