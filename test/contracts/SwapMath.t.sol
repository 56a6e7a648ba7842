// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {SwapMathHarness} from "../../contracts/mocks/SwapMathHarness.sol";

/// @notice Fuzz tests of SwapMath against Uniswap V2's formula and its rounding promises.
contract SwapMathTest is TestBase {
    SwapMathHarness internal math;

    function setUp() public {
        math = new SwapMathHarness();
    }

    /// V2's UniswapV2Library.getAmountOut, written out independently as the reference.
    function v2AmountOut(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) internal pure returns (uint256) {
        uint256 numerator = amountIn * 997 * reserveOut;
        uint256 denominator = reserveIn * 1000 + amountIn * 997;
        return numerator / denominator;
    }

    function testFuzz_amountOutMatchesV2(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public view {
        amountIn = bound(amountIn, 1, type(uint112).max);
        reserveIn = bound(reserveIn, 1, type(uint112).max);
        reserveOut = bound(reserveOut, 1, type(uint112).max);
        assertEq(
            math.getAmountOut(amountIn, reserveIn, reserveOut),
            v2AmountOut(amountIn, reserveIn, reserveOut),
            "out"
        );
    }

    /// After a swap at the quoted price, the fee-adjusted product never falls.
    function testFuzz_amountOutKeepsK(uint256 amountIn, uint256 reserveIn, uint256 reserveOut) public view {
        amountIn = bound(amountIn, 1, type(uint112).max);
        reserveIn = bound(reserveIn, 1000, type(uint112).max);
        reserveOut = bound(reserveOut, 1000, type(uint112).max);
        uint256 out = math.getAmountOut(amountIn, reserveIn, reserveOut);
        uint256 adjustedIn = (reserveIn + amountIn) * 1000 - amountIn * 3;
        uint256 adjustedOut = (reserveOut - out) * 1000;
        assertTrue(adjustedIn * adjustedOut >= reserveIn * reserveOut * 1_000_000, "k fell");
    }

    /// Paying getAmountIn buys at least the amount asked for, and one wei less would not.
    function testFuzz_amountInIsLeastSufficient(uint256 amountOut, uint256 reserveIn, uint256 reserveOut) public view {
        reserveIn = bound(reserveIn, 1000, type(uint104).max);
        reserveOut = bound(reserveOut, 1000, type(uint104).max);
        amountOut = bound(amountOut, 1, reserveOut - 1);
        uint256 amountIn = math.getAmountIn(amountOut, reserveIn, reserveOut);
        assertGe(v2AmountOut(amountIn, reserveIn, reserveOut), amountOut, "in too small");
        if (amountIn >= 2) {
            // V2's floor + 1 is at most one wei above the least sufficient input, so two wei
            // less must not be enough.
            assertTrue(v2AmountOut(amountIn - 2, reserveIn, reserveOut) < amountOut, "in too large");
        }
    }
}
