// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TestBase} from "./Vm.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";

/// @notice Observed-within-declared checks for Solidity tests: run a call with storage recording
/// on, then ask whether every slot an account read or wrote is in the call's declared list.
/// Reads may be covered by any mode; writes need WRITE or SNAPSHOT (docs/access-lists.md).
abstract contract AccessCheck is TestBase {
    uint8 internal constant ANY_MODE = 7;
    uint8 internal constant WRITE_OR_SNAPSHOT = 6;

    /// Calls `target` as `sender` with storage recording on; a revert is re-raised as is.
    function _recordedCall(address target, address sender, bytes memory data) internal {
        vm.record();
        vm.prank(sender);
        (bool ok, bytes memory ret) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 32), mload(ret))
            }
        }
    }

    /// Whether `d` declares `slot` of `account` (or the whole account) with a mode in `anyOf`.
    function _has(
        IAccessDeclaring.Access[] memory d,
        address account,
        bytes32 slot,
        uint8 anyOf
    ) internal pure returns (bool) {
        for (uint256 j = 0; j < d.length; ++j) {
            if (d[j].account != account) continue;
            if ((d[j].slot == slot || d[j].slot == bytes32(type(uint256).max)) && (d[j].mode & anyOf) != 0) return true;
        }
        return false;
    }

    /// Whether `d` covers the given reads and writes of `account`.
    function _covered(
        IAccessDeclaring.Access[] memory d,
        address account,
        bytes32[] memory reads,
        bytes32[] memory writes
    ) internal pure returns (bool) {
        for (uint256 i = 0; i < reads.length; ++i) if (!_has(d, account, reads[i], ANY_MODE)) return false;
        for (uint256 i = 0; i < writes.length; ++i) if (!_has(d, account, writes[i], WRITE_OR_SNAPSHOT)) return false;
        return true;
    }

    /// Whether `d` covers everything recorded for `account` since the last vm.record().
    function _covered(IAccessDeclaring.Access[] memory d, address account) internal returns (bool) {
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(account);
        return _covered(d, account, reads, writes);
    }

    /// Asserts that the slots `d` declares for `account` are exactly the slots recorded for it
    /// since the last vm.record() (reads and writes together), none of them ANY_SLOT, and that
    /// every recorded write is declared with WRITE.
    function _assertExactSlots(IAccessDeclaring.Access[] memory d, address account, string memory what) internal {
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(account);
        uint256 declared;
        for (uint256 j = 0; j < d.length; ++j) {
            if (d[j].account != account) continue;
            ++declared;
            assertTrue(d[j].slot != bytes32(type(uint256).max), string.concat(what, ": whole account declared"));
            assertTrue(
                _in(reads, d[j].slot) || _in(writes, d[j].slot),
                string.concat(what, ": declared slot not touched")
            );
        }
        assertTrue(declared > 0, string.concat(what, ": nothing declared"));
        for (uint256 i = 0; i < reads.length; ++i) {
            assertTrue(_has(d, account, reads[i], ANY_MODE), string.concat(what, ": read not declared"));
        }
        for (uint256 i = 0; i < writes.length; ++i) {
            assertTrue(_has(d, account, writes[i], 2), string.concat(what, ": write not declared as WRITE"));
        }
    }

    function _in(bytes32[] memory xs, bytes32 x) internal pure returns (bool) {
        for (uint256 i = 0; i < xs.length; ++i) if (xs[i] == x) return true;
        return false;
    }
}
