// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {MockERC20} from "./MockERC20.sol";

/// @notice Test token that, once armed, calls back into a target during `transferFrom`
/// (like a token with transfer hooks), to test reentrancy locks. Tests only.
contract VaultReentrantToken is MockERC20 {
    address private _hookTarget;
    bytes private _hookData;

    constructor() MockERC20("Reentrant", "RE", 18) {}

    /// @notice Arms the callback.
    /// @param target_ Contract to call back.
    /// @param data_ Calldata of the callback.
    function arm(address target_, bytes calldata data_) external {
        _hookTarget = target_;
        _hookData = data_;
    }

    /// @notice ERC-20 transferFrom that first runs the armed callback, bubbling its revert.
    /// @param from Holder.
    /// @param to Receiver.
    /// @param amount Amount.
    /// @return Whether the transfer succeeded.
    function transferFrom(address from, address to, uint256 amount) public override returns (bool) {
        address t = _hookTarget;
        if (t != address(0)) {
            _hookTarget = address(0);
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory ret) = t.call(_hookData);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
        }
        return super.transferFrom(from, to, amount);
    }
}
