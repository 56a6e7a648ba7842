// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title NestedStore
/// @notice A mock with nested mappings of structs, for the storage-slot decoder's tests.
contract NestedStore {
    /// @notice One position: three fields over two slots (`owner` and `flags` share a slot).
    struct Position {
        uint256 amount;
        address owner;
        uint64 flags;
    }

    /// @notice A plain value at slot 0.
    uint256 public total;
    /// @notice user => id => position, at slot 1.
    mapping(address user => mapping(uint256 id => Position)) public positions;
    /// @notice A fixed struct at slots 2-3.
    Position public last;

    /// @notice Stores a position for the caller and updates the totals.
    /// @param id Position id.
    /// @param amount Amount stored.
    function put(uint256 id, uint256 amount) external {
        Position storage p = positions[msg.sender][id];
        p.amount = amount;
        p.owner = msg.sender;
        p.flags = uint64(id);
        total += amount;
        last = p;
    }
}
