// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title ReentrancyLockTransient
/// @notice The suite's one reentrancy lock: a `nonReentrant` modifier on a transient-storage
/// flag (EIP-1153), set for the body of a locked function and cleared when it returns. No
/// persistent storage: the lock adds no slot to any access list.
/// @dev Transient slot map (one word, this contract's transient storage):
///     `_REENTRANCY_LOCK_SLOT = uint72(bytes9(keccak256("_REENTRANCY_GUARD_SLOT")))`
///     = 0x929eee149b4bd21268 (Solady's ReentrancyGuardTransient slot): 1 while a locked
///     function runs, 0 otherwise. A 9-byte slot keeps the lock's code short and is far from
///     any slot a contract would pick by hand (0, 1, ...).
/// The modifier calls two private functions rather than holding the body: measured, the
/// inlined body saved the vault 48 gas per call but made the optimizer split the batch pool's
/// `submit` store of its shard sums into three SSTOREs (test/contracts/BatchAccess.t.sol caught it), and
/// cost 600 bytes in the vault and the market.
/// The error keeps OpenZeppelin's name (ReentrancyGuardReentrantCall), so callers and tests that
/// know OpenZeppelin's guard decode it unchanged.
/// Conflict argument: transient storage is per transaction, so two transactions of one block
/// never conflict on the lock; nothing here needs declaring.
abstract contract ReentrancyLockTransient {
    /// @dev The transient slot of the flag (derivation above).
    uint256 private constant _REENTRANCY_LOCK_SLOT = 0x929eee149b4bd21268;

    /// @notice A locked function was entered while another one of this contract was running.
    error ReentrancyGuardReentrantCall();

    /// @dev Reverts with ReentrancyGuardReentrantCall if a locked function of this contract is
    /// already running in this transaction; else sets the flag for the body and clears it.
    modifier nonReentrant() {
        _lockEnter();
        _;
        _lockExit();
    }

    /// @dev Whether a locked function of this contract is running (for read-only guards).
    function _reentrancyLocked() internal view returns (bool entered) {
        assembly ("memory-safe") {
            entered := tload(_REENTRANCY_LOCK_SLOT)
        }
    }

    function _lockEnter() private {
        bool entered;
        assembly ("memory-safe") {
            entered := tload(_REENTRANCY_LOCK_SLOT)
        }
        if (entered) revert ReentrancyGuardReentrantCall();
        assembly ("memory-safe") {
            tstore(_REENTRANCY_LOCK_SLOT, 1)
        }
    }

    function _lockExit() private {
        assembly ("memory-safe") {
            tstore(_REENTRANCY_LOCK_SLOT, 0)
        }
    }
}
