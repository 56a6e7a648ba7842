// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessDeclaring} from "../../interfaces/IAccessDeclaring.sol";

/// @title AccessListBuilder
/// @notice Collects IAccessDeclaring entries in memory, one per (account, slot), merging modes.
/// @dev For `declareAccess` views only: merging is quadratic in the list length, which stays
/// in the tens.
library AccessListBuilder {
    /// @notice More entries than the builder was sized for.
    error AccessListFull();

    uint8 internal constant READ = 1;
    uint8 internal constant WRITE = 2;
    uint8 internal constant SNAPSHOT = 4;
    /// @dev READ | WRITE.
    uint8 internal constant READ_WRITE = 3;
    /// @dev READ | SNAPSHOT.
    uint8 internal constant READ_SNAPSHOT = 5;
    bytes32 internal constant ANY_SLOT = bytes32(type(uint256).max);

    /// @notice A list under construction.
    struct List {
        IAccessDeclaring.Access[] items;
        uint256 length;
    }

    /// @notice An empty list with room for `capacity` entries.
    function create(uint256 capacity) internal pure returns (List memory list) {
        list.items = new IAccessDeclaring.Access[](capacity);
    }

    /// @notice Adds `mode` for (`account`, `slot`), merging with an existing entry.
    function add(List memory list, address account, bytes32 slot, uint8 mode) internal pure {
        uint256 n = list.length;
        for (uint256 i = 0; i < n; ++i) {
            IAccessDeclaring.Access memory e = list.items[i];
            if (e.account == account && e.slot == slot) {
                e.mode |= mode;
                return;
            }
        }
        if (n == list.items.length) revert AccessListFull();
        list.items[n] = IAccessDeclaring.Access(account, slot, mode);
        list.length = n + 1;
    }

    /// @notice Adds every entry of `other`.
    function addAll(List memory list, IAccessDeclaring.Access[] memory other) internal pure {
        for (uint256 i = 0; i < other.length; ++i) {
            add(list, other[i].account, other[i].slot, other[i].mode);
        }
    }

    /// @notice The entries, trimmed to the list's length.
    function finish(List memory list) internal pure returns (IAccessDeclaring.Access[] memory items) {
        items = list.items;
        uint256 n = list.length;
        assembly ("memory-safe") {
            mstore(items, n)
        }
    }
}
