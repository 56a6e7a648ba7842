// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LayoutsBase} from "./LayoutsBase.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";

/// @notice Shared setup of the batch pool's Solidity tests: two sorted tokens with registered
/// layouts, pools of 4 shards and a 10-block settlement window, and helpers that submit orders
/// and build a batch's settlement lists.
abstract contract BatchBase is LayoutsBase {
    uint256 internal constant SHARDS = 4;
    uint256 internal constant WINDOW = 10;
    address internal constant LP = address(0xA11CE);

    MockERC20 internal token0;
    MockERC20 internal token1;
    DisjointBatchPool internal pool;

    function _deployTokens() internal {
        _newLayouts();
        MockERC20 a = new MockERC20("A", "A", 18);
        MockERC20 b = new MockERC20("B", "B", 18);
        (token0, token1) = address(a) < address(b) ? (a, b) : (b, a);
        _registerLayout(a);
        _registerLayout(b);
    }

    function _newPool(uint256 r0, uint256 r1) internal returns (DisjointBatchPool p) {
        p = new DisjointBatchPool(
            address(token0),
            address(token1),
            SHARDS,
            WINDOW,
            ITokenLayoutRegistry(address(layouts))
        );
        if (r0 > 0) _addLiquidity(p, LP, r0, r1);
    }

    function _addLiquidity(DisjointBatchPool p, address who, uint256 a0, uint256 a1) internal returns (uint256) {
        // The first mint also leaves 1 wei in each escrow.
        _mintAndApprove(token0, who, a0 + 4 * SHARDS, address(p));
        _mintAndApprove(token1, who, a1 + 4 * SHARDS, address(p));
        vm.prank(who);
        return p.mint(a0, a1, 0, who);
    }

    /// Mints `amount` of both tokens to `who`, who lets `pool` spend them.
    function _fund(address who, uint256 amount) internal {
        _mintAndApprove(token0, who, amount, address(pool));
        _mintAndApprove(token1, who, amount, address(pool));
    }

    function _trader(uint256 i) internal pure returns (address) {
        return address(uint160(0x100000 + i * 7919));
    }

    /// Mints the input to `who` and submits its order for the current block.
    function _submit(DisjointBatchPool p, address who, bool zeroForOne, uint256 amountIn, uint256 minOut) internal {
        _mintAndApprove(zeroForOne ? token0 : token1, who, amountIn, address(p));
        vm.prank(who);
        p.submit(block.number, zeroForOne, amountIn, minOut);
    }

    /// The settlement lists of `traders` (any order): per shard, ascending addresses.
    function _lists(DisjointBatchPool p, address[] memory traders) internal view returns (address[][] memory lists) {
        uint256 shards = p.SHARDS();
        lists = new address[][](shards);
        uint256[] memory counts = new uint256[](shards);
        for (uint256 i = 0; i < traders.length; ++i) ++counts[p.shardOf(traders[i])];
        for (uint256 s = 0; s < shards; ++s) lists[s] = new address[](counts[s]);
        uint256[] memory filled = new uint256[](shards);
        for (uint256 i = 0; i < traders.length; ++i) {
            uint256 s = p.shardOf(traders[i]);
            address[] memory l = lists[s];
            // Insertion in ascending order.
            uint256 j = filled[s]++;
            while (j > 0 && l[j - 1] > traders[i]) {
                l[j] = l[j - 1];
                --j;
            }
            l[j] = traders[i];
        }
    }

    /// Sum of every escrow's balance of `t`, less the first mint's 1 wei dust in each.
    function _escrowed(DisjointBatchPool p, MockERC20 t) internal view returns (uint256 sum) {
        uint256 dust = p.totalShares() > 0 ? 1 : 0;
        for (uint256 s = 0; s < 2 * p.SHARDS(); ++s) sum += t.balanceOf(p.escrowOf(s)) - dust;
    }

    function _k(DisjointBatchPool p) internal view returns (uint256) {
        (uint112 r0, uint112 r1) = p.getReserves();
        return uint256(r0) * r1;
    }

    function _one(address a) internal pure returns (address[] memory l) {
        l = new address[](1);
        l[0] = a;
    }

    function assertGt(uint256 left, uint256 right, string memory what) internal pure {
        if (left <= right) revert AssertionFailed(what, left, right);
    }

    function assertLt(uint256 left, uint256 right, string memory what) internal pure {
        if (left >= right) revert AssertionFailed(what, left, right);
    }
}
