// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchBase} from "../utils/BatchBase.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";
import {SwapMathHarness} from "../../contracts/mocks/SwapMathHarness.sol";

/// @notice Unit tests of the batch pool: every path and revert of submit, settle, claim, mint
/// and burn; the clearing rule's cases; limits; the sandwich and front-running attempts.
contract BatchPoolTest is BatchBase {
    SwapMathHarness internal math;
    uint256 internal constant R = 1_000_000e18;

    function setUp() public {
        _deployTokens();
        pool = _newPool(R, R);
        math = new SwapMathHarness();
        vm.roll(100);
    }

    function _pair(address a, address b) internal pure returns (address[] memory t) {
        t = new address[](2);
        (t[0], t[1]) = (a, b);
    }

    /// Rolls to the next block and settles the previous one's batch.
    function _settleNext(address[] memory traders) internal {
        vm.roll(block.number + 1);
        pool.settle(block.number - 1, _lists(pool, traders));
    }

    function _settleOne(address trader) internal {
        address[] memory t = _one(trader);
        pool.settle(block.number - 1, _lists(pool, t));
    }

    // ------------------------------------------------------------------ submit

    function test_submitWritesOrderShardAndEscrow() public {
        address a = _trader(1);
        _submit(pool, a, true, 5e18, 1);
        (uint256 amountIn, uint256 minOut, bool sells1, bool excluded) = pool.orderOf(block.number, a);
        assertEq(amountIn, 5e18, "amountIn");
        assertEq(minOut, 1, "minOut");
        assertTrue(!sells1 && !excluded, "flags");
        (uint256 count, uint256 sum0, uint256 sum1) = pool.shardBatch(block.number, pool.shardOf(a));
        assertEq(count, 1, "count");
        assertEq(sum0, 5e18, "sum0");
        assertEq(sum1, 0, "sum1");
        assertEq(token0.balanceOf(pool.escrowFor(block.number, pool.shardOf(a))), 5e18 + 1, "escrowed (and the dust)");
        assertEq(pool.lastOrderBatch(), block.number, "lastOrderBatch");
    }

    function test_submitReverts() public {
        address a = _trader(1);
        _mintAndApprove(token0, a, 10e18, address(pool));
        vm.startPrank(a);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.WrongBatch.selector, block.number + 1, block.number));
        pool.submit(block.number + 1, true, 1e18, 0);
        vm.expectRevert(DisjointBatchPool.BadAmount.selector);
        pool.submit(block.number, true, 0, 0);
        vm.expectRevert(DisjointBatchPool.BadAmount.selector);
        pool.submit(block.number, true, uint256(type(uint112).max) + 1, 0);
        vm.expectRevert(DisjointBatchPool.BadAmount.selector);
        pool.submit(block.number, true, 1, uint256(type(uint112).max) + 1);
        pool.submit(block.number, true, 1e18, 0);
        vm.expectRevert(DisjointBatchPool.OrderExists.selector);
        pool.submit(block.number, false, 1e18, 0);
        vm.stopPrank();
    }

    function test_batchChainRecordsPreviousOrderBatch() public {
        _submit(pool, _trader(1), true, 1e18, 0);
        uint256 first = block.number;
        vm.roll(block.number + 3);
        _submit(pool, _trader(2), true, 1e18, 0);
        _submit(pool, _trader(3), true, 1e18, 0);
        assertEq(pool.prevOrderBatch(block.number), first, "prev");
        assertEq(pool.lastOrderBatch(), block.number, "last");
    }

    // ------------------------------------------------------------------ settle

    function test_oneSidedBatchFillsAtTheNetTrade() public {
        address a = _trader(1);
        address b = _trader(2);
        _submit(pool, a, true, 3e18, 0);
        _submit(pool, b, true, 1e18, 0);
        address[] memory t = new address[](2);
        (t[0], t[1]) = (a, b);
        uint256 k0 = _k(pool);
        vm.roll(block.number + 1);
        pool.settle(block.number - 1, _lists(pool, t));
        uint256 out = math.getAmountOut(4e18, R, R);
        (bool settled, uint256 in0, , , uint256 pot1) = pool.resultOf(block.number - 1);
        assertTrue(settled, "settled");
        assertEq(in0, 4e18, "in0");
        assertEq(pot1, out, "the pool's output on the whole net input");
        assertGe(_k(pool), k0, "k");
        pool.claim(block.number - 1, a);
        pool.claim(block.number - 1, b);
        assertEq(token1.balanceOf(a), (3e18 * out) / 4e18, "a pro rata");
        assertEq(token1.balanceOf(b), (1e18 * out) / 4e18, "b pro rata");
        (uint112 r0, uint112 r1) = pool.getReserves();
        assertEq(r0, token0.balanceOf(address(pool)), "reserve0 = balance");
        assertEq(r1, token1.balanceOf(address(pool)), "reserve1 = balance");
        assertEq(_escrowed(pool, token0) + _escrowed(pool, token1), 0, "escrows empty after claims");
    }

    function test_balancedFlowsCrossWithoutThePool() public {
        address a = _trader(1);
        address b = _trader(2);
        _submit(pool, a, true, 2e18, 0);
        _submit(pool, b, false, 2e18, 0);
        _settleNext(_pair(a, b));
        (uint112 r0, uint112 r1) = pool.getReserves();
        assertEq(r0, R, "reserve0 untouched");
        assertEq(r1, R, "reserve1 untouched");
        pool.claim(block.number - 1, a);
        pool.claim(block.number - 1, b);
        assertEq(token1.balanceOf(a), 2e18, "a gets b's input: no fee on matched volume");
        assertEq(token0.balanceOf(b), 2e18, "b gets a's input");
    }

    function test_opposedFlowsBeatSequentialV2() public {
        // 10 token0 against 4 token1: the pool trades only the imbalance.
        address a = _trader(1);
        address b = _trader(2);
        _submit(pool, a, true, 10e18, 0);
        _submit(pool, b, false, 4e18, 0);
        _settleNext(_pair(a, b));
        pool.claim(block.number - 1, a);
        pool.claim(block.number - 1, b);
        // V2 in this order: a first, then b on the moved reserves.
        uint256 aV2 = math.getAmountOut(10e18, R, R);
        uint256 bV2 = math.getAmountOut(4e18, R - aV2, R + 10e18);
        assertGe(token1.balanceOf(a), aV2, "a at least V2");
        assertGe(token0.balanceOf(b) + token1.balanceOf(a), aV2 + bV2, "total at least V2");
        // The matched 4 + 4 pay no fee: together they save about 0.3% of 8 tokens.
        assertGe(token0.balanceOf(b) + token1.balanceOf(a), aV2 + bV2 + 2e16, "saving on the matched volume");
    }

    function test_limitsExcludeAndRefundInFull() public {
        address a = _trader(1);
        address greedy = _trader(2);
        _submit(pool, a, true, 1000e18, 0);
        // Wants more than the spot price even before impact: cannot fill.
        _submit(pool, greedy, true, 10e18, 10e18);
        _settleNext(_pair(a, greedy));
        (, , , bool excluded) = pool.orderOf(block.number - 1, greedy);
        assertTrue(excluded, "greedy excluded");
        pool.claim(block.number - 1, greedy);
        assertEq(token0.balanceOf(greedy), 10e18, "refund in full");
        assertEq(token1.balanceOf(greedy), 0, "no fill");
        pool.claim(block.number - 1, a);
        assertEq(token1.balanceOf(a), math.getAmountOut(1000e18, R, R), "a clears alone");
    }

    function test_limitAtTheClearingIsFilled() public {
        address a = _trader(1);
        uint256 out = math.getAmountOut(7e18, R, R);
        _submit(pool, a, true, 7e18, out);
        vm.roll(block.number + 1);
        _settleOne(a);
        pool.claim(block.number - 1, a);
        assertEq(token1.balanceOf(a), out, "filled exactly at its limit");
    }

    function test_exclusionCascadesAcrossSides() public {
        // A seller of token1 with a tight limit leaves; then the token0 side moves the price.
        address s0 = _trader(1);
        address s1 = _trader(2);
        _submit(pool, s0, true, 100e18, 0);
        _submit(pool, s1, false, 50e18, 50e18); // wants 1:1, impossible while token0 floods in? no: better
        _settleNext(_pair(s0, s1));
        (, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) = pool.resultOf(block.number - 1);
        // Net token0 in excess: token0 is cheap, so s1 gets more than 50 token0 and stays in.
        assertEq(in0, 100e18, "in0");
        assertEq(in1, 50e18, "in1");
        assertGe(pot0, 50e18, "s1 within limit");
        assertGe(pot1, 50e18, "s0 gets at least s1's input");
    }

    function test_settleReverts() public {
        address a = _trader(1);
        _submit(pool, a, true, 1e18, 0);
        uint256 batch = block.number;
        address[][] memory lists = _lists(pool, _one(a));
        vm.expectRevert(DisjointBatchPool.TooEarly.selector);
        pool.settle(batch, lists);
        vm.roll(batch + 1);
        // Wrong number of lists, wrong count, wrong shard, missing order.
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BadOrderList.selector, 1));
        pool.settle(batch, new address[][](1));
        uint256 s = pool.shardOf(a);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BadOrderList.selector, s));
        pool.settle(batch, new address[][](SHARDS));
        address[][] memory bad = new address[][](SHARDS);
        bad[s] = _one(_sameShard(a, 1));
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BadOrderList.selector, s));
        pool.settle(batch, bad);
        bad[s] = _one(_otherShard(a));
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BadOrderList.selector, s));
        pool.settle(batch, bad);
        // An empty batch.
        vm.expectRevert(DisjointBatchPool.NoOrders.selector);
        pool.settle(batch - 1, new address[][](SHARDS));
        pool.settle(batch, lists);
        vm.expectRevert(DisjointBatchPool.AlreadySettled.selector);
        pool.settle(batch, lists);
        // Expired.
        _submit(pool, a, true, 1e18, 0);
        uint256 late = block.number;
        vm.roll(late + WINDOW + 1);
        lists = _lists(pool, _one(a));
        vm.expectRevert(DisjointBatchPool.Expired.selector);
        pool.settle(late, lists);
    }

    function test_settleRejectsDuplicatesAndDisorder() public {
        address a = _trader(4);
        address b = _sameShard(a, 1);
        _submit(pool, a, true, 1e18, 0);
        _submit(pool, b, true, 1e18, 0);
        uint256 batch = block.number;
        vm.roll(batch + 1);
        uint256 s = pool.shardOf(a);
        address[][] memory lists = new address[][](SHARDS);
        lists[s] = new address[](2);
        (lists[s][0], lists[s][1]) = (a, a);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BadOrderList.selector, s));
        pool.settle(batch, lists);
        (lists[s][0], lists[s][1]) = a < b ? (b, a) : (a, b);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BadOrderList.selector, s));
        pool.settle(batch, lists);
        (lists[s][0], lists[s][1]) = a < b ? (a, b) : (b, a);
        pool.settle(batch, lists);
    }

    function test_settleNeedsLiquidity() public {
        DisjointBatchPool empty = _newPool(0, 0);
        _submit(empty, _trader(1), true, 1e18, 0);
        vm.roll(block.number + 1);
        address[][] memory lists = _lists(empty, _one(_trader(1)));
        vm.expectRevert(DisjointBatchPool.NoLiquidity.selector);
        empty.settle(block.number - 1, lists);
    }

    function test_batchesSettleInOrder() public {
        _submit(pool, _trader(1), true, 1e18, 0);
        uint256 first = block.number;
        vm.roll(first + 1);
        _submit(pool, _trader(2), false, 1e18, 0);
        uint256 second = block.number;
        vm.roll(second + 1);
        address[][] memory l2 = _lists(pool, _one(_trader(2)));
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.EarlierBatchPending.selector, first));
        pool.settle(second, l2);
        pool.settle(first, _lists(pool, _one(_trader(1))));
        pool.settle(second, l2);
        assertEq(pool.lastSettled(), second, "lastSettled");
    }

    function test_expiredEarlierBatchDoesNotBlock() public {
        _submit(pool, _trader(1), true, 1e18, 0);
        uint256 first = block.number;
        vm.roll(first + WINDOW);
        _submit(pool, _trader(2), false, 1e18, 0);
        uint256 second = block.number;
        vm.roll(first + WINDOW + 1);
        pool.settle(second, _lists(pool, _one(_trader(2))));
        // The expired batch refunds; it can never settle now.
        pool.claim(first, _trader(1));
        assertEq(token0.balanceOf(_trader(1)), 1e18, "refund after expiry");
    }

    function test_tooManyRoundsRefundsTheBatch() public {
        // Orders whose exclusions alternate sides: each exclusion moves the price past the next
        // limit. Whatever the count of rounds, every fill is within its limit.
        for (uint256 i = 0; i < 40; ++i) {
            bool side = i % 2 == 0;
            uint256 amount = (i + 1) * 2000e18;
            uint256 minOut = (amount * (1000 - (12 * (40 - i)) / 10)) / 1000;
            _submit(pool, _trader(i), side, amount, minOut);
        }
        address[] memory t = new address[](40);
        for (uint256 i = 0; i < 40; ++i) t[i] = _trader(i);
        vm.roll(block.number + 1);
        uint256 k0 = _k(pool);
        pool.settle(block.number - 1, _lists(pool, t));
        assertGe(_k(pool), k0, "k");
        for (uint256 i = 0; i < 40; ++i) {
            (uint256 amountIn, uint256 minOut, bool sells1, bool excluded) = pool.orderOf(block.number - 1, t[i]);
            pool.claim(block.number - 1, t[i]);
            uint256 got = sells1 ? token0.balanceOf(t[i]) : token1.balanceOf(t[i]);
            uint256 back = sells1 ? token1.balanceOf(t[i]) : token0.balanceOf(t[i]);
            if (excluded) assertEq(back, amountIn, "refund in full");
            else assertGe(got, minOut, "fill within limit");
        }
    }

    // ------------------------------------------------------------------ claim

    function test_claimPaths() public {
        address a = _trader(1);
        _submit(pool, a, true, 1e18, 0);
        uint256 batch = block.number;
        vm.expectRevert(DisjointBatchPool.NotClaimable.selector);
        pool.claim(batch, a);
        vm.expectRevert(DisjointBatchPool.NotClaimable.selector);
        pool.claim(batch, _trader(9));
        vm.roll(batch + WINDOW);
        vm.expectRevert(DisjointBatchPool.NotClaimable.selector);
        pool.claim(batch, a);
        vm.roll(batch + WINDOW + 1);
        pool.claim(batch, a);
        assertEq(token0.balanceOf(a), 1e18, "refund");
        vm.expectRevert(DisjointBatchPool.NotClaimable.selector);
        pool.claim(batch, a);
    }

    function test_claimManyDelivers() public {
        address[] memory t = new address[](3);
        for (uint256 i = 0; i < 3; ++i) {
            t[i] = _trader(i + 1);
            _submit(pool, t[i], i != 1, 1e18, 0);
        }
        vm.roll(block.number + 1);
        pool.settle(block.number - 1, _lists(pool, t));
        pool.claimMany(block.number - 1, t);
        assertGt(token1.balanceOf(t[0]), 0, "t0 paid");
        assertGt(token0.balanceOf(t[1]), 0, "t1 paid");
        assertEq(_escrowed(pool, token0) + _escrowed(pool, token1), 0, "escrows emptied");
    }

    // ------------------------------------------------------------------ liquidity

    function test_liquidityMovesOnlyWithoutPendingBatch() public {
        address lp2 = address(0xB0B);
        uint256 minted = _addLiquidity(pool, lp2, 10e18, 10e18);
        assertEq(minted, (10e18 * pool.totalShares()) / (R + 10e18), "pro rata");
        _submit(pool, _trader(1), true, 1e18, 0);
        vm.prank(LP);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BatchPending.selector, block.number));
        pool.burn(1e18, 0, 0, LP);
        vm.prank(LP);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BatchPending.selector, block.number));
        pool.mint(1e18, 1e18, 0, LP);
        vm.roll(block.number + 1);
        vm.prank(LP);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BatchPending.selector, block.number - 1));
        pool.burn(1e18, 0, 0, LP);
        _settleOne(_trader(1));
        vm.prank(lp2);
        (uint256 o0, uint256 o1) = pool.burn(minted, 0, 0, lp2);
        assertLe(o0 + o1, 20e18 + 1e15, "no profit from the round trip beyond fees earned");
    }

    function test_liquidityReverts() public {
        DisjointBatchPool empty = _newPool(0, 0);
        _mintAndApprove(token0, LP, 10, address(empty));
        _mintAndApprove(token1, LP, 10, address(empty));
        vm.startPrank(LP);
        vm.expectRevert(DisjointBatchPool.Slippage.selector);
        empty.mint(10, 10, 0, LP);
        vm.expectRevert(DisjointBatchPool.InsufficientShares.selector);
        pool.burn(0, 0, 0, LP);
        vm.expectRevert(DisjointBatchPool.Slippage.selector);
        pool.burn(1e18, 2e18, 0, LP);
        vm.expectRevert(DisjointBatchPool.InsufficientShares.selector);
        pool.burn(R * 10, 0, 0, LP);
        vm.stopPrank();
        _fund(address(this), 1e18);
        vm.expectRevert(DisjointBatchPool.Slippage.selector);
        pool.mint(1e18, 1e18, 1e30, address(this));
        vm.expectRevert(DisjointBatchPool.Slippage.selector);
        pool.mint(1e18, 0, 0, address(this));
        assertEq(pool.shares(address(0)), pool.MINIMUM_SHARES(), "locked shares");
    }

    function test_constructorChecks() public {
        vm.expectRevert(DisjointBatchPool.BadConfig.selector);
        new DisjointBatchPool(address(token0), address(token0), 4, 10, layouts);
        vm.expectRevert(DisjointBatchPool.BadConfig.selector);
        new DisjointBatchPool(address(token0), address(0), 4, 10, layouts);
        vm.expectRevert(DisjointBatchPool.BadConfig.selector);
        new DisjointBatchPool(address(token0), address(token1), 0, 10, layouts);
        vm.expectRevert(DisjointBatchPool.BadConfig.selector);
        new DisjointBatchPool(address(token0), address(token1), 129, 10, layouts);
        vm.expectRevert(DisjointBatchPool.BadConfig.selector);
        new DisjointBatchPool(address(token0), address(token1), 4, 0, layouts);
    }

    function test_quoteMatchesSettlement() public {
        address[] memory t = new address[](4);
        for (uint256 i = 0; i < 4; ++i) {
            t[i] = _trader(i + 10);
            _submit(pool, t[i], i % 3 != 0, (i + 1) * 1e18, 0);
        }
        (uint256 q0, uint256 q1, uint256 qPot0, uint256 qPot1) = pool.quote(block.number);
        vm.roll(block.number + 1);
        pool.settle(block.number - 1, _lists(pool, t));
        (, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) = pool.resultOf(block.number - 1);
        assertEq(q0, in0, "in0");
        assertEq(q1, in1, "in1");
        assertEq(qPot0, pot0, "pot0");
        assertEq(qPot1, pot1, "pot1");
    }

    // ------------------------------------------------------------------ attacks

    /// An attacker buys and sells around a large victim order in the same batch: all three
    /// clear at one price, so the attacker's two legs cancel and it ends with no more value
    /// than it put in, while the victim gets what it gets alone (to rounding).
    function test_sandwichInOneBatchLoses() public {
        DisjointBatchPool clean = _newPool(R, R);
        address victim = _trader(1);
        address buy = _trader(2);
        address sell = _trader(3);
        uint256 v = 50_000e18;
        _submit(pool, victim, true, v, 0);
        _submit(clean, victim, true, v, 0);
        // Front leg: sell token0 too (what a sandwich does first); back leg: buy it back.
        _submit(pool, buy, true, 20_000e18, 0);
        _submit(pool, sell, false, 20_000e18, 0);
        address[] memory t = new address[](3);
        (t[0], t[1], t[2]) = (victim, buy, sell);
        vm.roll(block.number + 1);
        pool.settle(block.number - 1, _lists(pool, t));
        clean.settle(block.number - 1, _lists(clean, _one(victim)));
        pool.claimMany(block.number - 1, t);
        uint256 victimAlone = token1.balanceOf(victim);
        clean.claim(block.number - 1, victim);
        victimAlone = token1.balanceOf(victim) - victimAlone;
        // Attacker: put in 20,000 of each token; value what comes back at the clearing price.
        (, uint256 in0, , , uint256 pot1) = pool.resultOf(block.number - 1);
        uint256 got0 = token0.balanceOf(sell);
        uint256 got1 = token1.balanceOf(buy);
        uint256 valueOut = got1 + (got0 * pot1) / in0;
        uint256 valueIn = 20_000e18 + (20_000e18 * pot1) / in0;
        assertLe(valueOut, valueIn, "the sandwich does not profit");
        // The victim's price is unchanged by the attacker's wash: within a millionth.
        uint256 victimWith = token1.balanceOf(victim) - victimAlone;
        assertGe(victimWith * 1_000_000, victimAlone * 999_999, "victim unharmed");
    }

    /// Every other path to the reserves between a batch's orders and its settlement fails or
    /// leaves the batch's price unchanged: liquidity moves revert, a later batch cannot settle
    /// first, a donation does not count, and a V2-style swap does not exist on a batch pool.
    function test_frontRunOfPendingBatchFails() public {
        DisjointBatchPool clean = _newPool(R, R);
        address victim = _trader(1);
        address attacker = _trader(2);
        _submit(pool, victim, true, 10_000e18, 0);
        _submit(clean, victim, true, 10_000e18, 0);
        uint256 batch = block.number;
        vm.roll(batch + 1);
        // 1. The LP pulls depth out ahead of the settlement.
        vm.prank(LP);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.BatchPending.selector, batch));
        pool.burn(R / 2, 0, 0, LP);
        // 2. The attacker trades in the next batch and tries to settle it first.
        _submit(pool, attacker, true, 10_000e18, 0);
        vm.roll(batch + 2);
        address[][] memory al = _lists(pool, _one(attacker));
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.EarlierBatchPending.selector, batch));
        pool.settle(batch + 1, al);
        // 3. A donation to the pool does not move the price the batch clears at.
        token1.mint(address(pool), 1000e18);
        // 4. No atomic swap: the pool has no swap function.
        (bool ok, ) = address(pool).call(
            abi.encodeWithSignature("swap(uint256,uint256,address,bytes)", 1, 0, attacker, "")
        );
        assertTrue(!ok, "no swap entry point");
        pool.settle(batch, _lists(pool, _one(victim)));
        clean.settle(batch, _lists(clean, _one(victim)));
        (, , , , uint256 pot1) = pool.resultOf(batch);
        (, , , , uint256 cleanPot1) = clean.resultOf(batch);
        assertEq(pot1, cleanPot1, "victim's fill as if nobody had tried");
        // The attacker's own batch then clears after the victim's, on the moved curve.
        pool.settle(batch + 1, al);
        (, , , , uint256 aPot1) = pool.resultOf(batch + 1);
        assertLt(aPot1, pot1, "the attacker trades behind the victim, at a worse price");
    }

    function _sameShard(address a, uint256 n) internal pure returns (address) {
        return address(uint160(a) + uint160(SHARDS * n));
    }

    function _otherShard(address a) internal pure returns (address) {
        return address(uint160(a) + 1);
    }
}
