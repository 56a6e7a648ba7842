// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title VaultStorageLib
/// @notice The storage map of DisjointVault: one named constant per slot and a getter per
/// mapping or array entry, as Morpho Blue's MorphoStorageLib and Uniswap v4's StateLibrary
/// give theirs. The vault's access declarations (`declareAccess`) name slots through it, and
/// so can any tool that reads the vault's storage (`eth_getStorageAt`) or builds its access
/// lists. test/contracts/VaultStorageLib.t.sol checks every constant against the compiled layout by
/// writing through the vault and reading the slot back.
/// @dev Layout (DisjointVault's state variables in declaration order; immutables take none):
///
/// | slot   | variable        | content                                                        |
/// | ------ | --------------- | -------------------------------------------------------------- |
/// | 0..63  | `_shards[k]`    | shard k: `{uint128 supply, uint128 idle}`                      |
/// | 64     | `_price`        | the price schedule word (LIMITED bit 0, unlock period 24 bits, |
/// |        |                 | last report 40 bits, end price 95 bits, start price 95 bits)   |
/// | 65     | `_depositLimit` | the deposit limit (read only when LIMITED is set)              |
/// | 66     | `_ledger`       | `{uint128 debt, uint16 performanceFeeBps}`                     |
/// | 67     | `_balances`     | mapping: balance (low 128 bits), shard + 1 (top byte)          |
/// | 68     | `allowance`     | mapping(owner => mapping(spender => uint256))                  |
/// | 69     | `strategy`      | the strategy's address                                         |
/// | 70     | `owner`         | the manager                                                    |
/// | 71     | `pendingOwner`  | the two-step ownership transfer's target                       |
/// | 72, 73 | `_name`, `_symbol` | strings                                                     |
/// | 74     | `_shardConfig`  | `{uint8 count, uint8 next, uint64 fromBlock}`                  |
library VaultStorageLib {
    /// @notice First shard slot: shard k lives at SHARDS_SLOT + k.
    uint256 internal constant SHARDS_SLOT = 0;
    /// @notice The price schedule word: read by every user operation, written by reports and settings.
    bytes32 internal constant PRICE_SLOT = bytes32(uint256(64));
    /// @notice The deposit limit.
    bytes32 internal constant DEPOSIT_LIMIT_SLOT = bytes32(uint256(65));
    /// @notice The ledger: strategy debt and performance fee.
    bytes32 internal constant LEDGER_SLOT = bytes32(uint256(66));
    /// @notice Base slot of the share balances mapping.
    uint256 internal constant BALANCES_SLOT = 67;
    /// @notice Base slot of the share allowances mapping.
    uint256 internal constant ALLOWANCE_SLOT = 68;
    /// @notice The strategy.
    bytes32 internal constant STRATEGY_SLOT = bytes32(uint256(69));
    /// @notice The owner (manager).
    bytes32 internal constant OWNER_SLOT = bytes32(uint256(70));
    /// @notice The pending owner.
    bytes32 internal constant PENDING_OWNER_SLOT = bytes32(uint256(71));
    /// @notice The shard count and a pending increase.
    bytes32 internal constant SHARD_CONFIG_SLOT = bytes32(uint256(74));

    /// @notice The slot of shard `k` (`{uint128 supply, uint128 idle}`).
    /// @param k Shard index, below MAX_SHARDS (64).
    function shardSlot(uint256 k) internal pure returns (bytes32) {
        return bytes32(SHARDS_SLOT + k);
    }

    /// @notice The slot of `account`'s share balance word.
    /// @param account Any address.
    function balanceSlot(address account) internal pure returns (bytes32) {
        return keccak256(abi.encode(account, BALANCES_SLOT));
    }

    /// @notice The slot of `owner`'s share allowance to `spender`.
    /// @param owner The shares' owner.
    /// @param spender The spender.
    function allowanceSlot(address owner, address spender) internal pure returns (bytes32) {
        return keccak256(abi.encode(spender, keccak256(abi.encode(owner, ALLOWANCE_SLOT))));
    }
}
