// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {LinearUnlock} from "../../contracts/libraries/LinearUnlock.sol";

/// @notice LinearUnlock: the price stays in [start, end], never decreases with time, is start
/// at the report and end from the period's end on, rounds down (never above the exact value,
/// less than one unit below it), and the schedule word round-trips every field.
contract LinearUnlockTest is TestBase {
    uint256 internal constant MAX = (1 << 95) - 1;

    function _schedule(
        uint256 a,
        uint256 b,
        uint256 period
    ) internal pure returns (uint256 start, uint256 end, uint256 p) {
        a = bound(a, 1, MAX);
        b = bound(b, 1, MAX);
        (start, end) = a <= b ? (a, b) : (b, a);
        p = bound(period, 1, LinearUnlock.MAX_PERIOD);
    }

    function testFuzz_boundedMonotoneAndEnds(
        uint256 a,
        uint256 b,
        uint256 period,
        uint256 from,
        uint256 dt1,
        uint256 dt2
    ) public pure {
        (uint256 start, uint256 end, uint256 p) = _schedule(a, b, period);
        from = bound(from, 0, type(uint40).max);
        dt1 = bound(dt1, 0, 2 * p);
        dt2 = bound(dt2, dt1, 2 * p);
        uint256 x1 = LinearUnlock.priceAt(start, end, from, p, from + dt1);
        uint256 x2 = LinearUnlock.priceAt(start, end, from, p, from + dt2);
        assertGe(x1, start, "not below start");
        assertLe(x2, end, "not above end");
        assertLe(x1, x2, "never decreases with time");
        assertEq(LinearUnlock.priceAt(start, end, from, p, from), start, "start at the report");
        assertEq(LinearUnlock.priceAt(start, end, from, p, from + p), end, "end at the period's end");
    }

    /// Rounded down: price * period <= exact numerator < (price + 1) * period.
    function testFuzz_roundsDown(uint256 a, uint256 b, uint256 period, uint256 dt) public pure {
        (uint256 start, uint256 end, uint256 p) = _schedule(a, b, period);
        dt = bound(dt, 0, p - 1);
        uint256 x = LinearUnlock.priceAt(start, end, 0, p, dt);
        uint256 exact = start * p + (end - start) * dt; // price * period, exactly
        assertLe(x * p, exact, "never above the exact price");
        assertGe((x + 1) * p, exact + 1, "less than one unit below");
    }

    function testFuzz_packRoundTrips(uint256 a, uint256 b, uint256 period, uint40 from, bool flag) public pure {
        (uint256 start, uint256 end, uint256 p) = _schedule(a, b, period);
        uint256 w = LinearUnlock.pack(start, end, from, p, flag ? 1 : 0);
        assertEq(LinearUnlock.startPrice(w), start, "start");
        assertEq(LinearUnlock.endPrice(w), end, "end");
        assertEq(LinearUnlock.lastReport(w), from, "from");
        assertEq(LinearUnlock.unlockPeriod(w), p, "period");
        assertEq(w & LinearUnlock.FLAG, flag ? 1 : 0, "flag");
    }

    function testFuzz_priceNowIsPriceAtNow(uint256 a, uint256 b, uint256 period, uint256 dt) public {
        (uint256 start, uint256 end, uint256 p) = _schedule(a, b, period);
        uint256 from = 1_000_000;
        dt = bound(dt, 0, 3 * p);
        vm.warp(from + dt);
        uint256 w = LinearUnlock.pack(start, end, from, p, 0);
        assertEq(LinearUnlock.priceNow(w), LinearUnlock.priceAt(start, end, from, p, from + dt), "priceNow");
    }

    function test_flatScheduleIsConstant() public pure {
        assertEq(LinearUnlock.priceAt(7e26, 7e26, 100, 3600, 100), 7e26, "at the report");
        assertEq(LinearUnlock.priceAt(7e26, 7e26, 100, 3600, 2000), 7e26, "mid-period");
    }

    function test_halfway() public pure {
        // 1e27 -> 2e27 over 3600 s: at 1800 s, 1.5e27; at 1 s, 1e27 + 1e27/3600 rounded down.
        assertEq(LinearUnlock.priceAt(1e27, 2e27, 0, 3600, 1800), 15e26, "halfway");
        assertEq(LinearUnlock.priceAt(1e27, 2e27, 0, 3600, 1), 1e27 + uint256(1e27) / 3600, "one second");
    }
}
