// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchBase} from "../utils/BatchBase.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";
import {DisjointFactory} from "../../contracts/dex/DisjointFactory.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";
import {SwapMath} from "../../contracts/libraries/SwapMath.sol";

/// @notice Random orders (limits binding or not) by eight traders, block rolls, settlements of
/// the oldest pending batch, claims (fills, exclusions, expiries), liquidity moves and atomic
/// swaps by the same users on an ordinary pair of the same tokens. Counts every broken rule.
contract BatchHandler is BatchBase {
    DisjointPair internal immutable pair;

    struct Open {
        uint256 batch;
        address trader;
        uint256 amountIn;
        uint256 minOut;
        bool sells1;
    }

    Open[] internal _open;
    uint256[] internal _batches;
    mapping(uint256 batch => address[]) internal _tradersOf;
    uint256 internal _nextBatch; // index into _batches of the oldest batch not yet handled

    /// @notice Broken rules (must stay 0).
    uint256 public violations;
    uint256 public settles;
    uint256 public fills;
    uint256 public refunds;
    uint256 public swaps;

    constructor(DisjointBatchPool p, DisjointPair v2, MockERC20 t0, MockERC20 t1) {
        (pool, pair, token0, token1) = (p, v2, t0, t1);
    }

    function _actor(uint256 seed) internal pure returns (address) {
        return address(uint160(0x7000 + (seed % 8) * 4099));
    }

    function openCount() external view returns (uint256) {
        return _open.length;
    }

    function openAt(uint256 i) external view returns (Open memory) {
        return _open[i];
    }

    function submit(uint256 actorSeed, bool zeroForOne, uint256 amount, uint256 limitBps) external {
        address who = _actor(actorSeed);
        (uint256 existing, , , ) = pool.orderOf(block.number, who);
        if (existing != 0) return;
        amount = bound(amount, 1e15, 2e22);
        limitBps = bound(limitBps, 0, 10_100);
        // Below 9,000 bps: no limit; above: a limit near the 1:1 spot price.
        uint256 minOut = limitBps < 9000 ? 0 : (amount * limitBps) / 10_000;
        _submit(pool, who, zeroForOne, amount, minOut);
        _open.push(Open(block.number, who, amount, minOut, !zeroForOne));
        if (_tradersOf[block.number].length == 0) _batches.push(block.number);
        _tradersOf[block.number].push(who);
    }

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 4));
    }

    function settle() external {
        while (_nextBatch < _batches.length) {
            uint256 b = _batches[_nextBatch];
            if (block.number <= b) return;
            if (block.number > b + pool.SETTLE_WINDOW()) {
                ++_nextBatch; // expired: its orders are refunded on claim
                continue;
            }
            address[] memory t = _tradersOf[b];
            address[][] memory lists = new address[][](pool.SHARDS());
            uint256[] memory counts = new uint256[](lists.length);
            for (uint256 i = 0; i < t.length; ++i) ++counts[pool.shardOf(t[i])];
            for (uint256 s = 0; s < lists.length; ++s) lists[s] = new address[](counts[s]);
            for (uint256 i = 0; i < t.length; ++i) {
                uint256 s = pool.shardOf(t[i]);
                address[] memory l = lists[s];
                uint256 j = --counts[s];
                l[j] = t[i];
            }
            for (uint256 s = 0; s < lists.length; ++s) _sort(lists[s]);
            (uint112 r0, uint112 r1) = pool.getReserves();
            pool.settle(b, lists);
            (uint112 n0, uint112 n1) = pool.getReserves();
            if (uint256(n0) * n1 < uint256(r0) * r1) ++violations;
            ++settles;
            ++_nextBatch;
            return;
        }
    }

    function claim(uint256 index) external {
        if (_open.length == 0) return;
        uint256 i = index % _open.length;
        Open memory o = _open[i];
        (bool settled, , , , ) = pool.resultOf(o.batch);
        if (!settled && block.number <= o.batch + pool.SETTLE_WINDOW()) return;
        (MockERC20 tin, MockERC20 tout) = o.sells1 ? (token1, token0) : (token0, token1);
        uint256 in0 = tin.balanceOf(o.trader);
        uint256 out0 = tout.balanceOf(o.trader);
        (, , , bool excluded) = pool.orderOf(o.batch, o.trader);
        pool.claim(o.batch, o.trader);
        uint256 back = tin.balanceOf(o.trader) - in0;
        uint256 got = tout.balanceOf(o.trader) - out0;
        if (!settled || excluded) {
            if (back != o.amountIn || got != 0) ++violations;
            ++refunds;
        } else {
            if (got < o.minOut || back != 0) ++violations;
            ++fills;
        }
        _open[i] = _open[_open.length - 1];
        _open.pop();
    }

    function mint(uint256 amount) external {
        amount = bound(amount, 1e18, 1e22);
        _fund(LP, amount);
        vm.prank(LP);
        try pool.mint(amount, amount, 0, LP) {} catch {}
    }

    function burn(uint256 fraction) external {
        uint256 held = pool.shares(LP);
        if (held == 0) return;
        vm.prank(LP);
        try pool.burn((held * bound(fraction, 1, 100)) / 1000 + 1, 0, 0, LP) {} catch {}
    }

    function atomicSwap(uint256 actorSeed, bool zeroForOne, uint256 amount) external {
        address who = _actor(actorSeed);
        amount = bound(amount, 1e15, 1e21);
        (uint112 r0, uint112 r1, ) = pair.getReserves();
        (uint256 rin, uint256 rout) = zeroForOne ? (uint256(r0), uint256(r1)) : (uint256(r1), uint256(r0));
        uint256 out = SwapMath.getAmountOut(amount, rin, rout);
        if (out == 0) return;
        (zeroForOne ? token0 : token1).mint(address(pair), amount);
        vm.prank(who);
        pair.swap(zeroForOne ? 0 : out, zeroForOne ? out : 0, who, "");
        ++swaps;
    }

    function _sort(address[] memory l) internal pure {
        for (uint256 i = 1; i < l.length; ++i) {
            address x = l[i];
            uint256 j = i;
            while (j > 0 && l[j - 1] > x) {
                l[j] = l[j - 1];
                --j;
            }
            l[j] = x;
        }
    }
}

/// @notice The batch pool's invariants over the handler's random sequences.
contract BatchInvariantTest is BatchBase {
    BatchHandler internal handler;

    function setUp() public {
        _deployTokens();
        pool = _newPool(1_000_000e18, 1_000_000e18);
        DisjointFactory factory = new DisjointFactory(ITokenLayoutRegistry(address(layouts)));
        DisjointPair pair = DisjointPair(factory.createPair(address(token0), address(token1)));
        token0.mint(address(pair), 1_000_000e18);
        token1.mint(address(pair), 1_000_000e18);
        pair.mint(address(this));
        handler = new BatchHandler(pool, pair, token0, token1);
        vm.roll(10);
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// The handler's steps all run (so the invariants are not vacuous), and none broke a rule.
    function test_handlerStepsRun() public {
        for (uint256 i = 0; i < 6; ++i) handler.submit(i, i % 2 == 0, 1e18 * (i + 1), i == 3 ? 10_100 : 0);
        handler.atomicSwap(1, true, 1e18);
        handler.roll(1);
        handler.settle();
        for (uint256 i = 0; i < 6; ++i) handler.claim(0);
        handler.mint(1e18);
        handler.burn(10);
        assertEq(handler.settles(), 1, "settled");
        assertEq(handler.fills(), 5, "fills");
        assertEq(handler.refunds(), 1, "the limit order above spot is refunded");
        assertEq(handler.violations(), 0, "no rule broken");
        invariant_escrowsHoldWhatOpenOrdersAreOwed();
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 60
    function invariant_noRuleBroken() public view {
        assertEq(handler.violations(), 0, "k fell, a fill broke its limit, or a refund was partial");
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 60
    function invariant_reservesAreTheBalances() public view {
        (uint112 r0, uint112 r1) = pool.getReserves();
        assertEq(token0.balanceOf(address(pool)), r0, "token0");
        assertEq(token1.balanceOf(address(pool)), r1, "token1");
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 60
    function invariant_escrowsHoldWhatOpenOrdersAreOwed() public view {
        uint256 o0;
        uint256 o1;
        for (uint256 i = 0; i < handler.openCount(); ++i) {
            BatchHandler.Open memory o = handler.openAt(i);
            (bool settled, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) = pool.resultOf(o.batch);
            (, , , bool excluded) = pool.orderOf(o.batch, o.trader);
            if (!settled || excluded) {
                if (o.sells1) o1 += o.amountIn;
                else o0 += o.amountIn;
            } else if (o.sells1) {
                o0 += (o.amountIn * pot0) / in1;
            } else {
                o1 += (o.amountIn * pot1) / in0;
            }
        }
        assertEq(_escrowed(pool, token0), o0, "escrowed token0");
        assertEq(_escrowed(pool, token1), o1, "escrowed token1");
    }
}
