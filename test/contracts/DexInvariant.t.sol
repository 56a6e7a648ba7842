// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DexBase} from "../utils/DexBase.sol";
import {TestBase} from "../utils/Vm.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {DisjointFactory} from "../../contracts/dex/DisjointFactory.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {DisjointRouter} from "../../contracts/dex/DisjointRouter.sol";

/// @notice Drives random swaps (shard rule and explicit shards, both directions, exact in and
/// out), liquidity adds and removes by three LPs on a two-shard pair, and checks after each
/// step that k did not fall on a swap and the value of a share did not fall on mint or burn.
contract DexHandler is TestBase {
    DisjointRouter internal immutable router;
    MockERC20 internal immutable tokenA;
    MockERC20 internal immutable tokenB;
    DisjointPair[2] internal shards;
    address[3] internal actors = [address(0x1001), address(0x1002), address(0x1003)];

    /// @notice Steps that broke a rule (must stay 0).
    uint256 public violations;
    /// @notice Steps that ran, per kind: swaps, mints, burns.
    uint256 public swaps;
    uint256 public mints;
    uint256 public burns;

    constructor(DisjointRouter router_, MockERC20 a, MockERC20 b, DisjointPair s0, DisjointPair s1) {
        router = router_;
        (tokenA, tokenB) = (a, b);
        shards = [s0, s1];
        for (uint256 i = 0; i < 3; ++i) {
            vm.startPrank(actors[i]);
            a.approve(address(router_), type(uint256).max);
            b.approve(address(router_), type(uint256).max);
            s0.approve(address(router_), type(uint256).max);
            s1.approve(address(router_), type(uint256).max);
            vm.stopPrank();
        }
        a.approve(address(router_), type(uint256).max);
        b.approve(address(router_), type(uint256).max);
    }

    function shardAt(uint256 i) external view returns (DisjointPair) {
        return shards[i];
    }

    function actorAt(uint256 i) external view returns (address) {
        return actors[i];
    }

    function _state() internal view returns (uint256[2] memory k, uint256[2] memory supply) {
        for (uint256 i = 0; i < 2; ++i) {
            (uint112 r0, uint112 r1, ) = shards[i].getReserves();
            k[i] = uint256(r0) * r1;
            supply[i] = shards[i].totalSupply();
        }
    }

    function _path(bool aToB) internal view returns (address[] memory p) {
        p = new address[](2);
        (p[0], p[1]) = aToB ? (address(tokenA), address(tokenB)) : (address(tokenB), address(tokenA));
    }

    /// Swaps: k of every shard must not fall.
    function swap(uint256 amount, bool aToB, bool exactIn, uint256 shardSeed, bool explicit) external {
        amount = bound(amount, 1e3, 5e18);
        (uint256[2] memory kBefore, ) = _state();
        tokenA.mint(address(this), 1e22);
        tokenB.mint(address(this), 1e22);
        address[] memory p = _path(aToB);
        uint256[] memory shard = new uint256[](1);
        shard[0] = shardSeed % 2;
        if (exactIn && explicit) {
            router.swapExactTokensForTokensOnShards(amount, 0, p, shard, address(0xdead), block.timestamp);
        } else if (exactIn) {
            router.swapExactTokensForTokens(amount, 0, p, address(0xdead), block.timestamp);
        } else if (explicit) {
            router.swapTokensForExactTokensOnShards(
                amount,
                type(uint256).max,
                p,
                shard,
                address(0xdead),
                block.timestamp
            );
        } else {
            router.swapTokensForExactTokens(amount, type(uint256).max, p, address(0xdead), block.timestamp);
        }
        (uint256[2] memory kAfter, ) = _state();
        for (uint256 i = 0; i < 2; ++i) if (kAfter[i] < kBefore[i]) ++violations;
        ++swaps;
        vm.warp(block.timestamp + 13);
    }

    /// Adds: the value of a share (sqrt(k) / supply) must not fall.
    function add(uint256 actorSeed, uint256 amountA, uint256 amountB) external {
        address actor = actors[actorSeed % 3];
        amountA = bound(amountA, 1e6, 1e21);
        amountB = bound(amountB, 1e6, 1e21);
        tokenA.mint(actor, amountA);
        tokenB.mint(actor, amountB);
        (uint256[2] memory kBefore, uint256[2] memory sBefore) = _state();
        vm.prank(actor);
        router.addLiquidity(address(tokenA), address(tokenB), amountA, amountB, 0, 0, actor, block.timestamp);
        _checkShareValue(kBefore, sBefore);
        ++mints;
    }

    /// Removes: the value of a share must not fall.
    function remove(uint256 actorSeed, uint256 fraction) external {
        address actor = actors[actorSeed % 3];
        (, address home) = router.homeShard(address(tokenA), address(tokenB), actor);
        uint256 balance = DisjointPair(home).balanceOf(actor);
        uint256 liquidity = (balance * bound(fraction, 1, 100)) / 100;
        if (liquidity == 0) return;
        (uint256[2] memory kBefore, uint256[2] memory sBefore) = _state();
        vm.prank(actor);
        router.removeLiquidity(address(tokenA), address(tokenB), liquidity, 0, 0, actor, block.timestamp);
        _checkShareValue(kBefore, sBefore);
        ++burns;
    }

    /// sqrt(k)/s must not fall: k' * s^2 >= k * s'^2 (compared in 512 bits by halving).
    function _checkShareValue(uint256[2] memory kBefore, uint256[2] memory sBefore) internal {
        (uint256[2] memory kAfter, uint256[2] memory sAfter) = _state();
        for (uint256 i = 0; i < 2; ++i) {
            if (sBefore[i] == 0 || sAfter[i] == 0) continue;
            // Values are below 2**140 here, so the products fit after dividing by 2**20.
            uint256 lhs = (kAfter[i] >> 20) * ((sBefore[i] * sBefore[i]) >> 20);
            uint256 rhs = (kBefore[i] >> 20) * ((sAfter[i] * sAfter[i]) >> 20);
            // Allow the truncation of the shifts: 2 parts in 2**40.
            if (lhs + (lhs >> 38) < rhs) ++violations;
        }
    }
}

/// @notice The invariants over the handler's random sequences.
contract DexInvariantTest is DexBase {
    DexHandler internal handler;
    DisjointPair internal s0;
    DisjointPair internal s1;

    function setUp() public {
        _deployDex();
        s0 = DisjointPair(factory.createShardedPair(address(tokenA), address(tokenB), 2));
        s1 = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 1));
        vm.roll(block.number + 1); // shard counts apply from the next block
        _seed(s0, 100e18, 100e18, address(this));
        _seed(s1, 40e18, 40e18, address(this));
        handler = new DexHandler(router, tokenA, tokenB, s0, s1);
    }

    /// The handler's steps do run (a handler whose calls all revert would make the
    /// invariants vacuous): one of each, with the counters and rules checked.
    function test_handlerStepsRun() public {
        handler.swap(1e18, true, true, 0, false);
        handler.swap(1e17, false, false, 1, true);
        handler.swap(1e17, true, true, 1, true);
        handler.swap(1e16, false, false, 0, false);
        handler.add(0, 1e18, 2e18);
        handler.add(1, 5e18, 5e18);
        handler.remove(0, 50);
        handler.remove(1, 100);
        assertEq(handler.swaps(), 4, "swaps");
        assertEq(handler.mints(), 2, "mints");
        assertEq(handler.burns(), 2, "burns");
        assertEq(handler.violations(), 0, "violations");
    }

    /// @notice The fuzzer calls only the handler.
    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_noRuleBroken() public view {
        assertEq(handler.violations(), 0, "k or share value fell");
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_reservesMatchBalances() public view {
        for (uint256 i = 0; i < 2; ++i) {
            DisjointPair s = handler.shardAt(i);
            (uint112 r0, uint112 r1, ) = s.getReserves();
            assertEq(r0, tokenA.balanceOf(address(s)), "reserve0");
            assertEq(r1, tokenB.balanceOf(address(s)), "reserve1");
        }
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_supplyIsSumOfBalances() public view {
        for (uint256 i = 0; i < 2; ++i) {
            DisjointPair s = handler.shardAt(i);
            uint256 sum = s.balanceOf(address(0)) + s.balanceOf(address(this)) + s.balanceOf(address(s));
            for (uint256 j = 0; j < 3; ++j) sum += s.balanceOf(handler.actorAt(j));
            assertEq(s.totalSupply(), sum, "supply");
            assertEq(s.balanceOf(address(0)), s.MINIMUM_LIQUIDITY(), "locked minimum");
        }
    }
}
