// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title DexStorageLib
/// @notice The storage map of the DEX's contracts (DisjointPair, DisjointBatchPool,
/// DisjointFactory): one named constant per slot and a getter per mapping entry, as Morpho
/// Blue's MorphoStorageLib and Uniswap v4's StateLibrary give theirs. The DEX's access
/// declarations (`declareAccess`) name slots through it, and so can any tool that reads the
/// DEX's storage (`eth_getStorageAt`) or builds its access lists.
/// test/contracts/DexStorageLib.t.sol checks every constant against the compiled layout by
/// writing through the contracts and reading the slot back.
/// @dev Solidity's derivations: a value of `mapping(K => V)` at base slot `p` lives at
/// `keccak256(abi.encode(key, p))`; a nested mapping's inner base is the outer entry's slot;
/// a dynamic array at `p` keeps its length at `p` and element `i` at `keccak256(abi.encode(p)) + i`;
/// a struct spanning two words takes the entry's slot and the slot after it. The getters hash
/// in scratch space (no memory allocation), as solady does.
///
/// DisjointPair (DisjointLPToken's variables first; immutables take none):
///
/// | slot | variable               | content                                                   |
/// | ---- | ---------------------- | --------------------------------------------------------- |
/// | 0    | `totalSupply`          | LP supply                                                 |
/// | 1    | `balanceOf`            | mapping(holder => uint256)                                |
/// | 2    | `allowance`            | mapping(owner => mapping(spender => uint256))             |
/// | 3    | `nonces`               | mapping(owner => uint256), EIP-2612                       |
/// | 4    | `_reserve0..`          | `{uint112 reserve0, uint112 reserve1, uint32 timestamp}`  |
/// | 5    | `price0CumulativeLast` | per-block snapshot (written by a block's first update)    |
/// | 6    | `price1CumulativeLast` | per-block snapshot                                        |
/// | 7    | `_shardInfo`           | `{uint8 prevCount, uint8 count, uint64 fromBlock}`        |
///
/// DisjointBatchPool:
///
/// | slot | variable          | content                                                        |
/// | ---- | ----------------- | -------------------------------------------------------------- |
/// | 0    | `_reserve0..`     | `{uint112 reserve0, uint112 reserve1}`                         |
/// | 1    | `totalShares`     | liquidity shares                                               |
/// | 2    | `shares`          | mapping(holder => uint256)                                     |
/// | 3    | `lastOrderBatch`  | per-block snapshot: the latest batch with an order             |
/// | 4    | `lastSettled`     | the latest settled batch                                       |
/// | 5    | `prevOrderBatch`  | mapping(batch => batch before it with orders), snapshot        |
/// | 6    | `_orders`         | mapping(batch => mapping(trader => `{uint112 amountIn,         |
/// |      |                   | uint112 minOut, uint8 flags}`))                                |
/// | 7    | `_shardBatches`   | mapping(batch => mapping(shard => `{uint32 count,              |
/// |      |                   | uint112 sum0, uint112 sum1}`))                                 |
/// | 8    | `_results`        | mapping(batch => two words: `{uint112 pot1, uint112 in0,       |
/// |      |                   | uint8 status}`, `{uint112 pot0, uint112 in1}`)                 |
/// | 9    | `isOperator`      | mapping(trader => mapping(operator => bool))                   |
///
/// DisjointFactory: 0 `getPair` (mapping(token => mapping(token => pair))), 1 `allPairs`
/// (dynamic array), 2 `shardAdmin`.
library DexStorageLib {
    // ---------------------------------------------------------------- DisjointPair

    /// @notice The pair's LP supply.
    bytes32 internal constant PAIR_TOTAL_SUPPLY_SLOT = bytes32(uint256(0));
    /// @notice Base slot of the pair's LP balances mapping.
    uint256 internal constant PAIR_BALANCES_SLOT = 1;
    /// @notice Base slot of the pair's LP allowances mapping.
    uint256 internal constant PAIR_ALLOWANCES_SLOT = 2;
    /// @notice Base slot of the pair's EIP-2612 nonces mapping.
    uint256 internal constant PAIR_NONCES_SLOT = 3;
    /// @notice The pair's reserves and last update's timestamp.
    bytes32 internal constant PAIR_RESERVES_SLOT = bytes32(uint256(4));
    /// @notice The pair's token0 price accumulator (a per-block snapshot).
    bytes32 internal constant PAIR_PRICE0_CUMULATIVE_SLOT = bytes32(uint256(5));
    /// @notice The pair's token1 price accumulator (a per-block snapshot).
    bytes32 internal constant PAIR_PRICE1_CUMULATIVE_SLOT = bytes32(uint256(6));
    /// @notice The pair's shard info (meaningful on shard 0: the shard count in force).
    bytes32 internal constant PAIR_SHARD_INFO_SLOT = bytes32(uint256(7));

    /// @notice The slot of `holder`'s LP balance in a pair: `keccak256(abi.encode(holder, 1))`.
    /// @param holder Any address.
    function pairBalanceSlot(address holder) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, holder)
            mstore(0x20, PAIR_BALANCES_SLOT)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The slot of `owner`'s LP allowance to `spender` in a pair:
    /// `keccak256(abi.encode(spender, keccak256(abi.encode(owner, 2))))`.
    /// @param owner The LP owner.
    /// @param spender The spender.
    function pairAllowanceSlot(address owner, address spender) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, owner)
            mstore(0x20, PAIR_ALLOWANCES_SLOT)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, spender)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The slot of `owner`'s permit nonce in a pair: `keccak256(abi.encode(owner, 3))`.
    /// @param owner The permit signer.
    function pairNonceSlot(address owner) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, owner)
            mstore(0x20, PAIR_NONCES_SLOT)
            slot := keccak256(0x00, 0x40)
        }
    }

    // ---------------------------------------------------------------- DisjointBatchPool

    /// @notice The batch pool's reserves.
    bytes32 internal constant POOL_RESERVES_SLOT = bytes32(uint256(0));
    /// @notice The batch pool's total liquidity shares.
    bytes32 internal constant POOL_TOTAL_SHARES_SLOT = bytes32(uint256(1));
    /// @notice Base slot of the batch pool's liquidity shares mapping.
    uint256 internal constant POOL_SHARES_SLOT = 2;
    /// @notice The latest batch that received an order (a per-block snapshot).
    bytes32 internal constant POOL_LAST_ORDER_BATCH_SLOT = bytes32(uint256(3));
    /// @notice The latest settled batch.
    bytes32 internal constant POOL_LAST_SETTLED_SLOT = bytes32(uint256(4));
    /// @notice Base slot of the mapping from a batch to the batch with orders before it.
    uint256 internal constant POOL_PREV_ORDER_BATCH_SLOT = 5;
    /// @notice Base slot of the orders mapping (batch => trader => order).
    uint256 internal constant POOL_ORDERS_SLOT = 6;
    /// @notice Base slot of the per-shard batch sums mapping (batch => shard => sums).
    uint256 internal constant POOL_SHARD_BATCHES_SLOT = 7;
    /// @notice Base slot of the settled results mapping (batch => two-word result).
    uint256 internal constant POOL_RESULTS_SLOT = 8;
    /// @notice Base slot of the operator approvals mapping (trader => operator => bool).
    uint256 internal constant POOL_OPERATORS_SLOT = 9;

    /// @notice The slot of `holder`'s liquidity shares: `keccak256(abi.encode(holder, 2))`.
    /// @param holder Any address.
    function poolSharesSlot(address holder) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, holder)
            mstore(0x20, POOL_SHARES_SLOT)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The slot of `prevOrderBatch[batch]`: `keccak256(abi.encode(batch, 5))`.
    /// @param batch A batch (block number).
    function poolPrevOrderBatchSlot(uint256 batch) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, batch)
            mstore(0x20, POOL_PREV_ORDER_BATCH_SLOT)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The slot of `trader`'s order in `batch`:
    /// `keccak256(abi.encode(trader, keccak256(abi.encode(batch, 6))))`.
    /// @param batch A batch (block number).
    /// @param trader The trader.
    function poolOrderSlot(uint256 batch, address trader) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, batch)
            mstore(0x20, POOL_ORDERS_SLOT)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, trader)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The slot of shard `shard`'s sums in `batch`:
    /// `keccak256(abi.encode(shard, keccak256(abi.encode(batch, 7))))`.
    /// @param batch A batch (block number).
    /// @param shard A trader shard.
    function poolShardBatchSlot(uint256 batch, uint256 shard) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, batch)
            mstore(0x20, POOL_SHARD_BATCHES_SLOT)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, shard)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The two slots of `batch`'s result: `first = keccak256(abi.encode(batch, 8))`
    /// (`pot1`, `in0`, `status`) and `second = first + 1` (`pot0`, `in1`).
    /// @param batch A batch (block number).
    function poolResultSlots(uint256 batch) internal pure returns (bytes32 first, bytes32 second) {
        assembly ("memory-safe") {
            mstore(0x00, batch)
            mstore(0x20, POOL_RESULTS_SLOT)
            first := keccak256(0x00, 0x40)
            second := add(first, 1)
        }
    }

    /// @notice The slot of whether `operator` may submit for `trader`:
    /// `keccak256(abi.encode(operator, keccak256(abi.encode(trader, 9))))`.
    /// @param trader The trader.
    /// @param operator The operator.
    function poolOperatorSlot(address trader, address operator) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, trader)
            mstore(0x20, POOL_OPERATORS_SLOT)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, operator)
            slot := keccak256(0x00, 0x40)
        }
    }

    // ---------------------------------------------------------------- DisjointFactory

    /// @notice Base slot of the factory's `getPair` mapping.
    uint256 internal constant FACTORY_GET_PAIR_SLOT = 0;
    /// @notice The factory's `allPairs` length; elements from `keccak256(abi.encode(1))`.
    bytes32 internal constant FACTORY_ALL_PAIRS_SLOT = bytes32(uint256(1));
    /// @notice The factory's shard admin.
    bytes32 internal constant FACTORY_SHARD_ADMIN_SLOT = bytes32(uint256(2));

    /// @notice The slot of `getPair[a][b]`: `keccak256(abi.encode(b, keccak256(abi.encode(a, 0))))`.
    /// @param a The first key.
    /// @param b The second key.
    function factoryGetPairSlot(address a, address b) internal pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            mstore(0x00, a)
            mstore(0x20, FACTORY_GET_PAIR_SLOT)
            mstore(0x20, keccak256(0x00, 0x40))
            mstore(0x00, b)
            slot := keccak256(0x00, 0x40)
        }
    }

    /// @notice The slot of `allPairs[i]`: `keccak256(abi.encode(1)) + i`.
    /// @param i An index.
    function factoryAllPairsSlot(uint256 i) internal pure returns (bytes32 slot) {
        bytes32 lengthSlot = FACTORY_ALL_PAIRS_SLOT;
        assembly ("memory-safe") {
            mstore(0x00, lengthSlot)
            slot := add(keccak256(0x00, 0x20), i)
        }
    }
}
