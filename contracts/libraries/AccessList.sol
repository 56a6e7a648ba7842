// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";

/// @title AccessList
/// @notice The suite's one kit for `IAccessDeclaring.declareAccess`: the mode bits, the
/// whole-account marker, and a builder that collects entries in memory, one per
/// (account, slot), OR-ing the modes of repeated locations.
/// @dev Usage:
///     using AccessList for AccessList.Builder;
///     AccessList.Builder memory list = AccessList.create(8);
///     list.add(address(this), bytes32(SLOT_TOTAL), AccessList.WRITE);
///     list.add(token, AccessList.ANY_SLOT, AccessList.READ_WRITE);
///     return list.finish();
/// When full, the builder GROWS (room n -> 2n + 1) rather than reverting. Argument: a
/// declaration must be a superset of what the call touches (IAccessDeclaring), and it is read
/// off-chain by `eth_call`, where memory is cheap. A capacity is an estimate written by hand
/// beside code that changes (shard counts, path lengths, strategies that add their own
/// entries); a revert on a low estimate turns a harmless under-sizing into a failed
/// declaration, which clients then replace by "touches everything" or drop. Growing keeps
/// the answer exact whatever the estimate; a good estimate only saves the copy. Nothing here
/// runs inside a state-changing transaction.
/// Merging is quadratic in the list length, which stays in the tens.
library AccessList {
    /// @notice Mode bit: the call may read the slot.
    uint8 internal constant READ = 1;
    /// @notice Mode bit: the call may write the slot (implies READ: a write pays for the
    /// original value).
    uint8 internal constant WRITE = 2;
    /// @notice Mode bit: a per-block snapshot slot, written at most once per block from the
    /// state before the block (two SNAPSHOT accesses commute; see IAccessDeclaring).
    uint8 internal constant SNAPSHOT = 4;
    /// @notice READ | WRITE.
    uint8 internal constant READ_WRITE = 3;
    /// @notice READ | SNAPSHOT.
    uint8 internal constant READ_SNAPSHOT = 5;
    /// @notice The slot value that declares an account's whole storage.
    bytes32 internal constant ANY_SLOT = bytes32(type(uint256).max);

    /// @notice A list under construction: `items[0:length]` are the entries so far.
    struct Builder {
        IAccessDeclaring.Access[] items;
        uint256 length;
    }

    /// @notice An empty list with room for `capacity` entries before it first grows.
    /// @param capacity The expected number of entries (a hint; any value is correct).
    /// @return list The empty list.
    function create(uint256 capacity) internal pure returns (Builder memory list) {
        list.items = new IAccessDeclaring.Access[](capacity);
    }

    /// @notice Adds `mode` for (`account`, `slot`): ORs it into the existing entry for that
    /// location, else appends one, first growing the room to 2n + 1 if the list is full.
    /// @param list The list.
    /// @param account The contract whose storage is touched.
    /// @param slot The slot, or ANY_SLOT.
    /// @param mode Bit set of READ, WRITE and SNAPSHOT.
    function add(Builder memory list, address account, bytes32 slot, uint8 mode) internal pure {
        uint256 n = list.length;
        IAccessDeclaring.Access[] memory items = list.items;
        for (uint256 i = 0; i < n; ++i) {
            IAccessDeclaring.Access memory e = items[i];
            if (e.account == account && e.slot == slot) {
                e.mode |= mode;
                return;
            }
        }
        if (n == items.length) {
            IAccessDeclaring.Access[] memory grown = new IAccessDeclaring.Access[](2 * n + 1);
            for (uint256 i = 0; i < n; ++i) grown[i] = items[i];
            list.items = items = grown;
        }
        items[n] = IAccessDeclaring.Access(account, slot, mode);
        list.length = n + 1;
    }

    /// @notice Adds every entry of `other`, merging as `add` does.
    /// @param list The list.
    /// @param other Entries to add (for instance a dependency's own declaration).
    function addAll(Builder memory list, IAccessDeclaring.Access[] memory other) internal pure {
        for (uint256 i = 0; i < other.length; ++i) {
            add(list, other[i].account, other[i].slot, other[i].mode);
        }
    }

    /// @notice The entries, each location once, in the order first added.
    /// @dev Trims the backing array in place: add nothing to `list` afterwards.
    /// @param list The list.
    /// @return items The entries.
    function finish(Builder memory list) internal pure returns (IAccessDeclaring.Access[] memory items) {
        items = list.items;
        uint256 n = list.length;
        assembly ("memory-safe") {
            mstore(items, n)
        }
    }
}
