// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {InterestIndex} from "../../contracts/libraries/InterestIndex.sol";

/// @notice InterestIndex (contracts/libraries/InterestIndex.sol) on its own: rounding
/// directions, saturation, ordering of the two indices, and the epoch-end upper bound against
/// per-block compounding.
contract InterestIndexTest is TestBase {
    uint256 internal constant WAD = 1e18;
    uint256 internal constant MAX_RATE = 1e11; // the lending market's bound (about 315% a year)

    /// One step: the debt index grows by at least the exact linear growth (rounded up), the
    /// credit index by at most it (rounded down), both by at most one wei of rounding.
    function testFuzz_growRoundsDebtUpCreditDown(
        uint256 debtIndex,
        uint256 creditIndex,
        uint256 rate,
        uint256 creditRate,
        uint256 dt
    ) public pure {
        debtIndex = bound(debtIndex, WAD, 1 << 90);
        creditIndex = bound(creditIndex, 1, debtIndex);
        rate = bound(rate, 0, MAX_RATE);
        creditRate = bound(creditRate, 0, rate);
        dt = bound(dt, 0, 365 days);
        (uint256 d, uint256 c) = InterestIndex.grow(debtIndex, creditIndex, rate, creditRate, dt);
        uint256 exactDebtNum = debtIndex * rate * dt; // growth * WAD
        uint256 exactCreditNum = creditIndex * creditRate * dt;
        if (d < InterestIndex.MAX_INDEX) {
            assertGe((d - debtIndex) * WAD, exactDebtNum, "debt growth rounded down");
            assertLe((d - debtIndex) * WAD, exactDebtNum + WAD - 1, "debt growth over one wei");
        }
        if (c < InterestIndex.MAX_INDEX && d < InterestIndex.MAX_INDEX) {
            assertLe((c - creditIndex) * WAD, exactCreditNum, "credit growth rounded up");
            assertGe((c - creditIndex) * WAD + WAD, exactCreditNum + 1, "credit growth under one wei");
        }
        assertLe(d, InterestIndex.MAX_INDEX, "debt index above 96 bits");
        assertLe(c, InterestIndex.MAX_INDEX, "credit index above 96 bits");
    }

    /// Grows never decrease, never exceed 96 bits, keep credit <= debt when the credit rate is at
    /// most the debt rate, and never revert, even from the top of the range.
    function testFuzz_growSaturatesAndKeepsOrder(
        uint256 debtIndex,
        uint256 creditIndex,
        uint256 rate,
        uint256 creditRate,
        uint256 dt
    ) public pure {
        debtIndex = bound(debtIndex, 1, InterestIndex.MAX_INDEX);
        creditIndex = bound(creditIndex, 1, debtIndex);
        rate = bound(rate, 0, (1 << 40) - 1);
        creditRate = bound(creditRate, 0, rate);
        dt = bound(dt, 0, (1 << 40) - 1);
        (uint256 d, uint256 c) = InterestIndex.grow(debtIndex, creditIndex, rate, creditRate, dt);
        assertGe(d, debtIndex, "debt index fell");
        assertGe(c, creditIndex, "credit index fell");
        assertLe(d, InterestIndex.MAX_INDEX, "debt index above 96 bits");
        assertLe(c, d, "credit index above debt index");
        // Credit grows by no larger fraction than debt (the claims never outgrow the debt).
        assertLe((c - creditIndex) * debtIndex, (d - debtIndex) * creditIndex + debtIndex, "credit outgrew debt");
    }

    /// The epoch-end bound is at least what compounding the same rate in `n` steps reaches over
    /// the same time, up to the steps' own rounding (each rounds up by less than one wei: a
    /// tiny rate compounded in n steps can end n wei above the bound, never more), and at least
    /// the index.
    function testFuzz_upperBoundCoversCompounding(uint256 index, uint256 rate, uint256 dt, uint256 n) public pure {
        index = bound(index, WAD, 1 << 80);
        rate = bound(rate, 0, MAX_RATE);
        n = bound(n, 1, 50);
        dt = bound(dt, n, 7 days);
        uint256 bound_ = InterestIndex.upperBoundAt(index, rate, dt);
        assertGe(bound_, index, "bound below the index");
        uint256 step = dt / n;
        uint256 compounded = index;
        for (uint256 i = 0; i < n; ++i) {
            (compounded, ) = InterestIndex.grow(compounded, 0, rate, 0, i + 1 == n ? dt - step * (n - 1) : step);
        }
        assertGe(bound_ + n, compounded, "bound below per-step compounding beyond rounding");
    }

    /// Zero time or zero rate leaves the indices as they are; the bound is the index.
    function testFuzz_noTimeNoGrowth(uint256 debtIndex, uint256 creditIndex, uint256 rate) public pure {
        debtIndex = bound(debtIndex, 1, InterestIndex.MAX_INDEX);
        creditIndex = bound(creditIndex, 1, debtIndex);
        rate = bound(rate, 0, MAX_RATE);
        (uint256 d, uint256 c) = InterestIndex.grow(debtIndex, creditIndex, rate, rate, 0);
        assertEq(d, debtIndex, "debt index moved in no time");
        assertEq(c, creditIndex, "credit index moved in no time");
        assertEq(InterestIndex.upperBoundAt(debtIndex, rate, 0), debtIndex, "bound moved in no time");
        assertEq(InterestIndex.upperBoundAt(debtIndex, 0, 7 days), debtIndex, "bound moved at zero rate");
    }
}
