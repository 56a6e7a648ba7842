// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessDeclaring} from "../interfaces/IAccessDeclaring.sol";

/// @title Counter
/// @notice A sample workload target for the conflict analyzer: one shared counter and one
/// counter per sender, with a declared access list.
contract Counter is IAccessDeclaring {
    /// @notice The shared counter; every `increment` writes it.
    uint256 public count;
    /// @notice Per-sender counters; `bump` writes only the sender's entry.
    mapping(address user => uint256 value) public perUser;

    /// @notice Thrown by `declareAccess` for a selector this contract does not declare.
    error UnknownSelector(bytes4 selector);

    /// @notice Adds one to the shared counter.
    function increment() external {
        count += 1;
    }

    /// @notice Adds one to the caller's own counter.
    function bump() external {
        perUser[msg.sender] += 1;
    }

    /// @inheritdoc IAccessDeclaring
    function declareAccess(address sender, bytes calldata data) external view returns (Access[] memory accesses) {
        bytes4 selector = bytes4(data[:4]);
        accesses = new Access[](1);
        if (selector == this.increment.selector) {
            accesses[0] = Access(address(this), bytes32(0), 2);
        } else if (selector == this.bump.selector) {
            accesses[0] = Access(address(this), keccak256(abi.encode(sender, uint256(1))), 2);
        } else {
            revert UnknownSelector(selector);
        }
    }
}
