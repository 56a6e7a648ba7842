// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/Vm.sol";
import {ReentrancyLockTransient} from "../contracts/libraries/ReentrancyLockTransient.sol";

/// @notice A contract with two locked functions, one of which calls back into itself.
contract LockedHarness is ReentrancyLockTransient {
    uint256 public calls;
    bool public sawLocked;

    function touch() external nonReentrant {
        sawLocked = _reentrancyLocked();
        ++calls;
    }

    function reenter() external nonReentrant {
        this.touch();
    }

    function reenterCaught() external nonReentrant returns (bool reverted) {
        try this.touch() {} catch (bytes memory reason) {
            reverted = bytes4(reason) == ReentrancyGuardReentrantCall.selector;
        }
    }

    /// The transient word at `slot`, read from inside a locked function.
    function flagAt(bytes32 slot) external nonReentrant returns (bool set) {
        assembly ("memory-safe") {
            set := tload(slot)
        }
    }

    function locked() external view returns (bool) {
        return _reentrancyLocked();
    }
}

/// @notice The transient lock: the documented slot, reentry rejected, flag cleared after the
/// call so a later call in the same transaction succeeds.
contract ReentrancyLockTransientTest is TestBase {
    LockedHarness internal h;

    function setUp() public {
        h = new LockedHarness();
    }

    function test_slotIsTheDocumentedDerivation() public {
        bytes32 derived = bytes32(uint256(uint72(bytes9(keccak256("_REENTRANCY_GUARD_SLOT")))));
        assertTrue(derived == bytes32(uint256(0x929eee149b4bd21268)), "slot");
        // The flag is seen at that slot from inside a locked function.
        assertTrue(h.flagAt(derived), "flag set at the documented slot");
    }

    function test_reentryReverts() public {
        vm.expectRevert(ReentrancyLockTransient.ReentrancyGuardReentrantCall.selector);
        h.reenter();
    }

    function test_reentryCaughtInsideTheLock() public {
        assertTrue(h.reenterCaught(), "inner call rejected with ReentrancyGuardReentrantCall");
        assertEq(h.calls(), 0, "inner body did not run");
    }

    function test_lockedDuringBodyClearedAfter() public {
        assertTrue(!h.locked(), "unlocked before");
        h.touch();
        assertTrue(h.sawLocked(), "locked inside the body");
        assertTrue(!h.locked(), "cleared after the call");
        h.touch(); // same transaction: the flag was cleared, not left for the tx end
        assertEq(h.calls(), 2, "second call ran");
    }
}
