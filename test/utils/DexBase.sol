// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LayoutsBase} from "./LayoutsBase.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {DisjointFactory} from "../../contracts/dex/DisjointFactory.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {DisjointRouter} from "../../contracts/dex/DisjointRouter.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";

/// @notice Shared setup of the DEX's Solidity tests: a factory, a router (1% shard rule),
/// three tokens sorted by address (their layouts registered unless `_useLayouts` is
/// overridden), and helpers to seed pools directly.
abstract contract DexBase is LayoutsBase {
    DisjointFactory internal factory;
    DisjointRouter internal router;
    MockERC20 internal tokenA;
    MockERC20 internal tokenB;
    MockERC20 internal tokenC;

    function _deployDex() internal {
        _newLayouts();
        factory = new DisjointFactory(ITokenLayoutRegistry(address(layouts)));
        router = new DisjointRouter(address(factory), 100);
        MockERC20[3] memory t = [new MockERC20("A", "A", 18), new MockERC20("B", "B", 18), new MockERC20("C", "C", 18)];
        // Sort so that tokenA < tokenB < tokenC: token0 of every pair is the lower one.
        for (uint256 i = 0; i < 3; ++i) {
            for (uint256 j = i + 1; j < 3; ++j) {
                if (address(t[j]) < address(t[i])) (t[i], t[j]) = (t[j], t[i]);
            }
        }
        (tokenA, tokenB, tokenC) = (t[0], t[1], t[2]);
        for (uint256 i = 0; i < 3; ++i) _registerLayout(t[i]);
    }

    /// @dev Sends amounts straight to `pair` and mints its LP to `to`.
    function _seed(DisjointPair pair, uint256 amount0, uint256 amount1, address to) internal returns (uint256) {
        MockERC20(pair.token0()).mint(address(pair), amount0);
        MockERC20(pair.token1()).mint(address(pair), amount1);
        return pair.mint(to);
    }

    function _approveAll(address spender) internal {
        tokenA.approve(spender, type(uint256).max);
        tokenB.approve(spender, type(uint256).max);
        tokenC.approve(spender, type(uint256).max);
    }

    function _path(address a, address b) internal pure returns (address[] memory p) {
        p = new address[](2);
        (p[0], p[1]) = (a, b);
    }

    function _path(address a, address b, address c) internal pure returns (address[] memory p) {
        p = new address[](3);
        (p[0], p[1], p[2]) = (a, b, c);
    }
}
