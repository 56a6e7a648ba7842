// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DexBase} from "../utils/DexBase.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {SwapMathHarness} from "../../contracts/mocks/SwapMathHarness.sol";

/// @notice Fuzz tests of the pool math: k never falls on a swap, the quote is the most a
/// swap can take, LP shares are proportional and a mint-then-burn never profits.
contract DexFuzzTest is DexBase {
    DisjointPair internal pair;
    SwapMathHarness internal math;
    address internal constant LP = address(0x1111);

    function setUp() public {
        _deployDex();
        pair = DisjointPair(factory.createPair(address(tokenA), address(tokenB)));
        math = new SwapMathHarness();
    }

    function _k() internal view returns (uint256) {
        (uint112 r0, uint112 r1, ) = pair.getReserves();
        return uint256(r0) * r1;
    }

    /// A swap at SwapMath's quote succeeds, k does not fall, and one wei more out fails.
    function testFuzz_swapKeepsK(uint256 r0, uint256 r1, uint256 amountIn, bool zeroForOne) public {
        r0 = bound(r0, 1e4, type(uint96).max);
        r1 = bound(r1, 1e4, type(uint96).max);
        amountIn = bound(amountIn, 1, type(uint96).max);
        _seed(pair, r0, r1, LP);
        uint256 kBefore = _k();
        (uint256 rIn, uint256 rOut) = zeroForOne ? (r0, r1) : (r1, r0);
        uint256 out = math.getAmountOut(amountIn, rIn, rOut);
        vm.assume(out > 0);
        (zeroForOne ? tokenA : tokenB).mint(address(pair), amountIn);
        (uint256 out0, uint256 out1) = zeroForOne ? (uint256(0), out) : (out, uint256(0));
        if (out + 1 < rOut) {
            vm.expectRevert(DisjointPair.K.selector);
            pair.swap(zeroForOne ? 0 : out + 1, zeroForOne ? out + 1 : 0, address(this), "");
        }
        pair.swap(out0, out1, address(this), "");
        assertGe(_k(), kBefore, "k fell");
        (uint112 n0, uint112 n1, ) = pair.getReserves();
        assertEq(n0, tokenA.balanceOf(address(pair)), "reserve0 != balance0");
        assertEq(n1, tokenB.balanceOf(address(pair)), "reserve1 != balance1");
    }

    /// A second deposit at the pool's ratio gets shares in proportion to it, and burning
    /// them at once returns exactly their pro-rata share, never more than was deposited.
    function testFuzz_sharesProportional(uint256 r0, uint256 r1, uint256 fraction) public {
        r0 = bound(r0, 1e6, type(uint96).max);
        r1 = bound(r1, 1e6, type(uint96).max);
        fraction = bound(fraction, 1, 1e18);
        _seed(pair, r0, r1, LP);
        uint256 supply = pair.totalSupply();
        uint256 d0 = (r0 * fraction) / 1e18;
        uint256 d1 = (r1 * fraction) / 1e18;
        vm.assume(d0 > 0 && d1 > 0);
        uint256 expected = (d0 * supply) / r0 < (d1 * supply) / r1 ? (d0 * supply) / r0 : (d1 * supply) / r1;
        vm.assume(expected > 0);
        uint256 minted = _seed(pair, d0, d1, address(this));
        assertEq(minted, expected, "shares not pro rata");
        uint256 e0 = (minted * (r0 + d0)) / (supply + minted);
        uint256 e1 = (minted * (r1 + d1)) / (supply + minted);
        vm.assume(e0 > 0 && e1 > 0); // otherwise burn reverts InsufficientLiquidityBurned
        pair.transfer(address(pair), minted);
        (uint256 got0, uint256 got1) = pair.burn(address(this));
        assertLe(got0, d0, "burn profit on token0");
        assertLe(got1, d1, "burn profit on token1");
        // Burning pays the share of the pool, floored: minted / (supply + minted) of each side.
        assertEq(got0, e0, "burn not pro rata on token0");
        assertEq(got1, e1, "burn not pro rata on token1");
    }

    /// The router's getAmountsOut over two hops is SwapMath chained, and the swap pays it.
    function testFuzz_routerTwoHopMatchesMath(uint256 amountIn, uint256 rAB, uint256 rBC) public {
        rAB = bound(rAB, 1e6, type(uint96).max);
        rBC = bound(rBC, 1e6, type(uint96).max);
        amountIn = bound(amountIn, 1e3, type(uint96).max);
        _seed(pair, rAB, rAB / 2 + 1, LP);
        DisjointPair bc = DisjointPair(factory.createPair(address(tokenB), address(tokenC)));
        _seed(bc, rBC, rBC, LP);
        uint256 mid = math.getAmountOut(amountIn, rAB, rAB / 2 + 1);
        vm.assume(mid > 0);
        uint256 out = math.getAmountOut(mid, rBC, rBC);
        vm.assume(out > 0);
        uint256[] memory q = router.getAmountsOut(amountIn, _path(address(tokenA), address(tokenB), address(tokenC)));
        assertEq(q[1], mid, "hop 1");
        assertEq(q[2], out, "hop 2");
        tokenA.mint(address(this), amountIn);
        tokenA.approve(address(router), amountIn);
        router.swapExactTokensForTokens(
            amountIn,
            out,
            _path(address(tokenA), address(tokenB), address(tokenC)),
            address(0xC0FFEE),
            block.timestamp
        );
        assertEq(tokenC.balanceOf(address(0xC0FFEE)), out, "paid");
    }
}
