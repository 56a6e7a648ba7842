// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IAccessDeclaring
/// @notice A contract of the disjoint suite declares, before a transaction is sent, every
/// storage location that a call to it may read or write. Clients turn the answer into an
/// EIP-2930 access list; parallel schedulers take it as the transaction's lock set.
/// @dev Conventions shared by every product of the suite (see docs/access-lists.md):
/// - `slot == ANY_SLOT` declares the whole account: used for token contracts whose layout is
///   not registered in the product's token layout registry (contracts/tokens), and for other
///   foreign contracts. Registered tokens are declared slot by slot.
/// - `mode` is a bit set: READ = 1, WRITE = 2, SNAPSHOT = 4. WRITE implies READ (a write
///   pays for the original value). SNAPSHOT marks a per-block snapshot slot: written at most
///   once per block, by whichever transaction touches it first, with a value that depends
///   only on the state before the block and the block's environment; two SNAPSHOT accesses
///   therefore commute, and schedulers need not serialize them.
/// - A declaration is a superset of what the call touches from the state at the start of
///   the block, whatever transactions of the same block ran before it.
interface IAccessDeclaring {
    /// @notice One storage location that a call may touch.
    /// @param account The contract whose storage is touched.
    /// @param slot The storage slot, or ANY_SLOT for the whole account.
    /// @param mode Bit set of READ (1), WRITE (2) and SNAPSHOT (4).
    struct Access {
        address account;
        bytes32 slot;
        uint8 mode;
    }

    /// @notice The storage that `data`, sent by `sender` to this contract, may read or write.
    /// @param sender The transaction's `msg.sender` for this call.
    /// @param data The full calldata (selector and arguments) of the call.
    /// @return accesses Every location the call may touch, each listed once.
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory accesses);
}
