// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IDisjointCallee} from "../dex/interfaces/IDisjointCallee.sol";
import {IDisjointPair} from "../dex/interfaces/IDisjointPair.sol";

/// @notice Test flash-swap receiver. Modes: 0 repays `repay0`/`repay1` to the pair; 1 also
/// tries to re-enter the pair's `swap`; 2 re-enters `sync`; 3 repays nothing.
contract FlashSwapCallee is IDisjointCallee {
    /// @notice Arguments of the last callback.
    address public lastSender;
    /// @notice Amount0 of the last callback.
    uint256 public lastAmount0;
    /// @notice Amount1 of the last callback.
    uint256 public lastAmount1;

    /// @inheritdoc IDisjointCallee
    function uniswapV2Call(address sender, uint256 amount0, uint256 amount1, bytes calldata data) external {
        (uint256 mode, uint256 repay0, uint256 repay1) = abi.decode(data, (uint256, uint256, uint256));
        lastSender = sender;
        lastAmount0 = amount0;
        lastAmount1 = amount1;
        IDisjointPair pair = IDisjointPair(msg.sender);
        if (mode == 1) pair.swap(0, 1, address(this), "");
        if (mode == 2) pair.sync();
        if (mode == 3) return;
        if (repay0 > 0) IERC20(pair.token0()).transfer(msg.sender, repay0);
        if (repay1 > 0) IERC20(pair.token1()).transfer(msg.sender, repay1);
    }
}
