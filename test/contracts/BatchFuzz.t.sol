// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchBase} from "../utils/BatchBase.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";

/// @notice Fuzz tests of the batch pool: the clearing is the same whatever the order in which
/// a batch's orders arrive (fills compared to the wei); k never falls at settlement; every fill
/// is within its limit and every excluded order is refunded in full; the escrows hold exactly
/// what the open orders are owed and the pool exactly its reserves, after every step.
contract BatchFuzzTest is BatchBase {
    struct Spec {
        address trader;
        bool zeroForOne;
        uint256 amountIn;
        uint256 minOut;
    }

    function setUp() public {
        _deployTokens();
        vm.roll(50);
    }

    /// Random orders: amounts from 1e12 to 2% of depth, about half with a limit near the spot
    /// price (some binding, some not).
    function _specs(uint256 seed, uint256 n, uint256 r) internal pure returns (Spec[] memory s) {
        s = new Spec[](n);
        for (uint256 i = 0; i < n; ++i) {
            uint256 h = uint256(keccak256(abi.encode(seed, i)));
            s[i].trader = _trader(i + 1);
            s[i].zeroForOne = h & 1 == 0;
            s[i].amountIn = 1e12 + ((h >> 8) % (r / 50));
            // Limits between 97% and 100.5% of the input at the 1:1 spot price.
            if ((h >> 128) % 2 == 0) s[i].minOut = (s[i].amountIn * (970 + ((h >> 136) % 36))) / 1000;
        }
    }

    function _traders(Spec[] memory s) internal pure returns (address[] memory t) {
        t = new address[](s.length);
        for (uint256 i = 0; i < s.length; ++i) t[i] = s[i].trader;
    }

    /// What the escrows owe the open orders of `batch`, per token.
    function _owed(DisjointBatchPool p, uint256 batch, Spec[] memory s) internal view returns (uint256 o0, uint256 o1) {
        (bool settled, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) = p.resultOf(batch);
        for (uint256 i = 0; i < s.length; ++i) {
            (uint256 amountIn, , bool sells1, bool excluded) = p.orderOf(batch, s[i].trader);
            if (amountIn == 0) continue;
            if (!settled || excluded) {
                if (sells1) o1 += amountIn;
                else o0 += amountIn;
            } else if (sells1) {
                o0 += (amountIn * pot0) / in1;
            } else {
                o1 += (amountIn * pot1) / in0;
            }
        }
    }

    function _checkBalances(DisjointBatchPool p, uint256 batch, Spec[] memory s) internal view {
        (uint112 r0, uint112 r1) = p.getReserves();
        assertEq(token0.balanceOf(address(p)), r0, "pool token0 = reserve0");
        assertEq(token1.balanceOf(address(p)), r1, "pool token1 = reserve1");
        (uint256 o0, uint256 o1) = _owed(p, batch, s);
        assertEq(_escrowed(p, token0), o0, "escrowed token0 = owed");
        assertEq(_escrowed(p, token1), o1, "escrowed token1 = owed");
    }

    /// The same orders, submitted in two different orders to two identical pools, clear at the
    /// same price and pay every trader the same amount to the wei.
    function testFuzz_clearingIgnoresOrderOfOrders(uint256 seed, uint256 n, uint256 rA, uint256 rB) public {
        n = bound(n, 2, 24);
        rA = bound(rA, 1e20, 1e27);
        rB = bound(rB, rA / 3, rA * 3);
        Spec[] memory s = _specs(seed, n, rA < rB ? rA : rB);
        DisjointBatchPool a = _newPool(rA, rB);
        DisjointBatchPool b = _newPool(rA, rB);
        uint256 batch = block.number;
        for (uint256 i = 0; i < n; ++i) _submit(a, s[i].trader, s[i].zeroForOne, s[i].amountIn, s[i].minOut);
        // A seeded shuffle for the second pool.
        uint256[] memory perm = new uint256[](n);
        for (uint256 i = 0; i < n; ++i) perm[i] = i;
        for (uint256 i = n - 1; i > 0; --i) {
            uint256 j = uint256(keccak256(abi.encode(seed, "p", i))) % (i + 1);
            (perm[i], perm[j]) = (perm[j], perm[i]);
        }
        for (uint256 i = 0; i < n; ++i) {
            Spec memory x = s[perm[i]];
            _submit(b, x.trader, x.zeroForOne, x.amountIn, x.minOut);
        }
        vm.roll(batch + 1);
        address[] memory t = _traders(s);
        a.settle(batch, _lists(a, t));
        b.settle(batch, _lists(b, t));
        _compareResults(a, b, batch);
        for (uint256 i = 0; i < n; ++i) _compareClaims(a, b, batch, t[i]);
    }

    function _compareResults(DisjointBatchPool a, DisjointBatchPool b, uint256 batch) internal view {
        (, uint256 a0, uint256 a1, uint256 aPot0, uint256 aPot1) = a.resultOf(batch);
        (, uint256 b0, uint256 b1, uint256 bPot0, uint256 bPot1) = b.resultOf(batch);
        assertEq(a0, b0, "in0");
        assertEq(a1, b1, "in1");
        assertEq(aPot0, bPot0, "pot0");
        assertEq(aPot1, bPot1, "pot1");
    }

    function _compareClaims(DisjointBatchPool a, DisjointBatchPool b, uint256 batch, address t) internal {
        uint256 before0 = token0.balanceOf(t);
        uint256 before1 = token1.balanceOf(t);
        a.claim(batch, t);
        uint256 gotA0 = token0.balanceOf(t) - before0;
        uint256 gotA1 = token1.balanceOf(t) - before1;
        b.claim(batch, t);
        assertEq(token0.balanceOf(t) - before0 - gotA0, gotA0, "same token0 fill");
        assertEq(token1.balanceOf(t) - before1 - gotA1, gotA1, "same token1 fill");
    }

    /// k never falls; fills are within limits; refunds are whole; escrows and reserves match
    /// the token balances after every submit, the settlement and every claim.
    function testFuzz_settlementKeepsKLimitsAndBalances(uint256 seed, uint256 n, uint256 r0, uint256 r1) public {
        n = bound(n, 1, 24);
        r0 = bound(r0, 1e20, 1e27);
        r1 = bound(r1, r0 / 3, r0 * 3);
        Spec[] memory s = _specs(seed, n, r0 < r1 ? r0 : r1);
        pool = _newPool(r0, r1);
        uint256 batch = block.number;
        for (uint256 i = 0; i < n; ++i) {
            _submit(pool, s[i].trader, s[i].zeroForOne, s[i].amountIn, s[i].minOut);
            _checkBalances(pool, batch, s);
        }
        vm.roll(batch + 1);
        uint256 k0 = _k(pool);
        pool.settle(batch, _lists(pool, _traders(s)));
        assertGe(_k(pool), k0, "k never falls");
        _checkBalances(pool, batch, s);
        for (uint256 i = 0; i < n; ++i) {
            (, , bool sells1, bool excluded) = pool.orderOf(batch, s[i].trader);
            pool.claim(batch, s[i].trader);
            uint256 got = sells1 ? token0.balanceOf(s[i].trader) : token1.balanceOf(s[i].trader);
            uint256 back = sells1 ? token1.balanceOf(s[i].trader) : token0.balanceOf(s[i].trader);
            if (excluded) {
                assertEq(back, s[i].amountIn, "refund in full");
                assertEq(got, 0, "nothing else");
            } else {
                assertGe(got, s[i].minOut, "fill within its limit");
                assertEq(back, 0, "no partial refund");
            }
            _checkBalances(pool, batch, s);
        }
    }

    /// The clearing rule itself: both sides trade at one price (to rounding), the pool's leg is
    /// V2's quote on the net input (so k does not fall), and no side gets more than exists.
    function testFuzz_clearingRule(uint256 r0, uint256 r1, uint256 in0, uint256 in1) public {
        pool = _newPool(1e18, 1e18);
        r0 = bound(r0, 1e6, type(uint104).max);
        r1 = bound(r1, 1e6, type(uint104).max);
        in0 = bound(in0, 0, type(uint104).max);
        in1 = bound(in1, 0, type(uint104).max);
        (uint256 pot0, uint256 pot1) = pool.clearing(r0, r1, in0, in1);
        // Pool's new reserves: it receives what the sides do not take and pays the rest.
        uint256 n0 = r0 + in0 - pot0;
        uint256 n1 = r1 + in1 - pot1;
        assertGe(n0 * n1, r0 * r1, "k");
        // One price: pot1 / in0 vs in1 / pot0 (token1 per token0), cross-multiplied, within
        // one unit of rounding on each side.
        if (in0 > 0 && in1 > 0 && pot0 > 0) {
            uint256 lhs = pot1 * pot0;
            uint256 rhs = in1 * in0;
            uint256 diff = lhs > rhs ? lhs - rhs : rhs - lhs;
            assertLe(diff, (in0 + in1 + pot0 + pot1) * 2, "uniform price to rounding");
        }
    }
}
