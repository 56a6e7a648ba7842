// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/Vm.sol";
import {IAccessDeclaring} from "../contracts/interfaces/IAccessDeclaring.sol";
import {AccessList} from "../contracts/libraries/AccessList.sol";

/// @notice The access-list builder: one entry per (account, slot) with the modes OR-ed, in
/// first-added order, whatever the starting capacity (it grows, never reverts).
contract AccessListTest is TestBase {
    using AccessList for AccessList.Builder;

    function test_constantsFollowIAccessDeclaring() public pure {
        assertEq(AccessList.READ, 1, "READ");
        assertEq(AccessList.WRITE, 2, "WRITE");
        assertEq(AccessList.SNAPSHOT, 4, "SNAPSHOT");
        assertEq(AccessList.READ_WRITE, AccessList.READ | AccessList.WRITE, "READ_WRITE");
        assertEq(AccessList.READ_SNAPSHOT, AccessList.READ | AccessList.SNAPSHOT, "READ_SNAPSHOT");
        assertEq(uint256(AccessList.ANY_SLOT), type(uint256).max, "ANY_SLOT");
    }

    function test_mergesRepeatedLocation() public pure {
        AccessList.Builder memory list = AccessList.create(4);
        list.add(address(1), bytes32(uint256(7)), AccessList.READ);
        list.add(address(2), bytes32(uint256(7)), AccessList.WRITE);
        list.add(address(1), bytes32(uint256(7)), AccessList.SNAPSHOT);
        list.add(address(1), bytes32(uint256(8)), AccessList.READ);
        IAccessDeclaring.Access[] memory a = list.finish();
        assertEq(a.length, 3, "entries");
        assertTrue(a[0].account == address(1) && a[0].slot == bytes32(uint256(7)), "first location");
        assertEq(a[0].mode, AccessList.READ_SNAPSHOT, "modes OR-ed");
        assertEq(a[1].mode, AccessList.WRITE, "other account kept apart");
        assertTrue(a[2].slot == bytes32(uint256(8)), "other slot kept apart");
    }

    function test_growsFromZeroCapacity() public pure {
        AccessList.Builder memory list = AccessList.create(0);
        for (uint256 i = 0; i < 37; ++i) list.add(address(uint160(i + 1)), bytes32(i), AccessList.READ);
        IAccessDeclaring.Access[] memory a = list.finish();
        assertEq(a.length, 37, "entries");
        for (uint256 i = 0; i < 37; ++i) {
            assertTrue(a[i].account == address(uint160(i + 1)) && a[i].slot == bytes32(i), "order kept");
        }
    }

    function test_addAllMerges() public pure {
        IAccessDeclaring.Access[] memory other = new IAccessDeclaring.Access[](2);
        other[0] = IAccessDeclaring.Access(address(9), AccessList.ANY_SLOT, AccessList.READ);
        other[1] = IAccessDeclaring.Access(address(9), bytes32(0), AccessList.WRITE);
        AccessList.Builder memory list = AccessList.create(1);
        list.add(address(9), AccessList.ANY_SLOT, AccessList.WRITE);
        list.addAll(other);
        IAccessDeclaring.Access[] memory a = list.finish();
        assertEq(a.length, 2, "entries");
        assertEq(a[0].mode, AccessList.READ_WRITE, "merged with the list's entry");
    }

    /// Against a reference model: `n` adds drawn from a small set of locations (so repeats are
    /// common), any starting capacity. Every location appears once, with the OR of its modes,
    /// in first-added order.
    function testFuzz_matchesModel(uint256 seed, uint8 capacity, uint8 count) public pure {
        uint256 n = bound(count, 0, 60);
        AccessList.Builder memory list = AccessList.create(bound(capacity, 0, 8));
        // Model: locations are (account 1..4, slot 0..5) -> index 0..23; order of first add.
        uint8[24] memory modes;
        uint256[24] memory order;
        uint256 distinct;
        for (uint256 i = 0; i < n; ++i) {
            uint256 r = uint256(keccak256(abi.encode(seed, i)));
            uint256 loc = r % 24;
            uint8 mode = uint8(1 << ((r >> 8) % 3));
            if (modes[loc] == 0) order[distinct++] = loc;
            modes[loc] |= mode;
            list.add(address(uint160(1 + loc / 6)), bytes32(loc % 6), mode);
        }
        IAccessDeclaring.Access[] memory a = list.finish();
        assertEq(a.length, distinct, "one entry per location");
        for (uint256 j = 0; j < distinct; ++j) {
            uint256 loc = order[j];
            assertTrue(a[j].account == address(uint160(1 + loc / 6)), "account in first-added order");
            assertTrue(a[j].slot == bytes32(loc % 6), "slot in first-added order");
            assertEq(a[j].mode, modes[loc], "modes OR-ed");
        }
    }
}
