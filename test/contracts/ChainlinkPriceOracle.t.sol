// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {ChainlinkPriceOracle} from "../../contracts/lending/ChainlinkPriceOracle.sol";
import {AggregatorV3Interface} from "../../contracts/lending/AggregatorV3Interface.sol";
import {MockAggregatorV3} from "../../contracts/mocks/MockAggregatorV3.sol";

/// @notice ChainlinkPriceOracle: scaling to 1e36 and every rejection, on mock feeds.
contract ChainlinkPriceOracleTest is TestBase {
    uint256 internal constant NOW = 1_700_000_000;
    uint256 internal constant HEARTBEAT = 3600;
    uint256 internal constant GRACE = 3600;

    MockAggregatorV3 internal feed;
    MockAggregatorV3 internal sequencer;
    ChainlinkPriceOracle internal oracle; // L1: no sequencer feed
    ChainlinkPriceOracle internal l2; // with the sequencer feed
    MockAggregatorV3 internal f8 = new MockAggregatorV3(8);

    function setUp() public {
        vm.warp(NOW);
        feed = new MockAggregatorV3(8);
        feed.setAnswer(7, 3000e8, NOW - 60); // ETH / USD = 3,000
        sequencer = new MockAggregatorV3(0);
        sequencer.setRound(3, 0, NOW - 2 * GRACE, NOW - 2 * GRACE, 3); // up for two grace periods
        // WETH (18 decimals) collateral, USDC (6 decimals) loan.
        oracle = new ChainlinkPriceOracle(feed, AggregatorV3Interface(address(0)), HEARTBEAT, 0, 18, 6);
        l2 = new ChainlinkPriceOracle(feed, sequencer, HEARTBEAT, GRACE, 18, 6);
    }

    function test_scalesToTheMarketsUnit() public view {
        (uint256 price, uint256 updatedAt) = oracle.latestPrice();
        // 1 WETH (1e18) is worth 3,000 USDC (3000e6): price = 3000e6 * 1e36 / 1e18.
        assertEq(price, 3000e6 * 1e18, "price");
        assertEq((1e18 * price) / 1e36, 3000e6, "value of one WETH in USDC units");
        assertEq(updatedAt, NOW - 60, "updatedAt");
        assertEq(oracle.multiplier(), 1e16, "multiplier");
        assertEq(oracle.divisor(), 1, "divisor");
        (uint256 p2, ) = l2.latestPrice();
        assertEq(p2, price, "same price with an up sequencer");
    }

    /// A negative exponent divides and rounds down: never above the exact value.
    function testFuzz_divisorRoundsDown(uint256 answer) public {
        answer = bound(answer, 1, uint256(type(int256).max));
        MockAggregatorV3 f = new MockAggregatorV3(18);
        f.setAnswer(1, int256(answer), NOW);
        // 36 + 0 - 36 - 18 = -18: price = answer / 1e18.
        ChainlinkPriceOracle o = new ChainlinkPriceOracle(f, AggregatorV3Interface(address(0)), HEARTBEAT, 0, 36, 0);
        (uint256 price, ) = o.latestPrice();
        assertEq(price, answer / 1e18, "rounded down");
        assertLe(price * 1e18, answer, "never above the answer");
    }

    /// The scaled price is exact (no rounding) whenever the exponent is non-negative.
    function testFuzz_multiplierIsExact(uint256 answer, uint8 collDec, uint8 loanDec) public {
        answer = bound(answer, 1, 1e18); // times at most 10**58 (loan 30, collateral 0 decimals)
        collDec = uint8(bound(collDec, 0, 24));
        loanDec = uint8(bound(loanDec, collDec, 30));
        f8.setAnswer(1, int256(answer), NOW);
        ChainlinkPriceOracle o = new ChainlinkPriceOracle(
            f8,
            AggregatorV3Interface(address(0)),
            HEARTBEAT,
            0,
            collDec,
            loanDec
        );
        (uint256 price, ) = o.latestPrice();
        uint256 exp = 36 + uint256(loanDec) - collDec - 8;
        assertEq(price, answer * 10 ** exp, "exact");
    }

    function test_rejectsANonPositiveAnswer() public {
        feed.setAnswer(8, 0, NOW);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.NonPositiveAnswer.selector, int256(0)));
        oracle.latestPrice();
        feed.setAnswer(9, -1, NOW);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.NonPositiveAnswer.selector, int256(-1)));
        oracle.latestPrice();
    }

    function test_rejectsAnIncompleteRound() public {
        feed.setRound(9, 3000e8, NOW, 0, 9); // no update time
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.IncompleteRound.selector, uint80(9), uint80(9), 0));
        oracle.latestPrice();
        feed.setRound(9, 3000e8, NOW, NOW, 8); // answered in an older round
        vm.expectRevert(
            abi.encodeWithSelector(ChainlinkPriceOracle.IncompleteRound.selector, uint80(9), uint80(8), NOW)
        );
        oracle.latestPrice();
    }

    function test_rejectsAStaleAnswerAfterTheHeartbeat() public {
        feed.setAnswer(8, 3000e8, NOW - HEARTBEAT); // exactly one heartbeat old: accepted
        oracle.latestPrice();
        feed.setAnswer(8, 3000e8, NOW - HEARTBEAT - 1);
        vm.expectRevert(
            abi.encodeWithSelector(ChainlinkPriceOracle.StaleAnswer.selector, NOW - HEARTBEAT - 1, HEARTBEAT, NOW)
        );
        oracle.latestPrice();
    }

    function test_rejectsAnAnswerFromTheFuture() public {
        feed.setAnswer(8, 3000e8, NOW + 1);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.FutureAnswer.selector, NOW + 1, NOW));
        oracle.latestPrice();
    }

    function test_rejectsAPriceThatOverflows() public {
        int256 huge = int256(type(uint256).max / 1e16 + 1);
        feed.setAnswer(8, huge, NOW);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.PriceOverflow.selector, huge));
        oracle.latestPrice();
    }

    function test_rejectsADownSequencer() public {
        sequencer.setRound(4, 1, NOW - 10, NOW - 10, 4);
        vm.expectRevert(ChainlinkPriceOracle.SequencerDown.selector);
        l2.latestPrice();
        oracle.latestPrice(); // the L1 oracle does not look at the sequencer
    }

    function test_rejectsAnUnknownSequencerStatus() public {
        sequencer.setRound(0, 0, 0, 0, 0);
        vm.expectRevert(ChainlinkPriceOracle.SequencerStatusUnknown.selector);
        l2.latestPrice();
    }

    function test_rejectsPricesDuringTheGracePeriod() public {
        sequencer.setRound(4, 0, NOW - GRACE, NOW - GRACE, 4); // up exactly one grace period: still refused
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.SequencerGracePeriod.selector, NOW - GRACE, GRACE));
        l2.latestPrice();
        sequencer.setRound(4, 0, NOW + 5, NOW + 5, 4); // a restart time after now
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.SequencerGracePeriod.selector, NOW + 5, GRACE));
        l2.latestPrice();
        sequencer.setRound(4, 0, NOW - GRACE - 1, NOW - GRACE - 1, 4);
        l2.latestPrice();
    }

    function test_rejectsBadConfiguration() public {
        AggregatorV3Interface none = AggregatorV3Interface(address(0));
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.InvalidConfig.selector, "feed"));
        new ChainlinkPriceOracle(none, none, HEARTBEAT, 0, 18, 6);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.InvalidConfig.selector, "heartbeat"));
        new ChainlinkPriceOracle(feed, none, 0, 0, 18, 6);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.InvalidConfig.selector, "gracePeriod"));
        new ChainlinkPriceOracle(feed, none, HEARTBEAT, 1, 18, 6);
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.InvalidConfig.selector, "decimals"));
        new ChainlinkPriceOracle(feed, none, HEARTBEAT, 0, 0, 50); // 10**(36 + 50 - 8) does not fit
        vm.expectRevert(abi.encodeWithSelector(ChainlinkPriceOracle.InvalidConfig.selector, "decimals"));
        new ChainlinkPriceOracle(feed, none, HEARTBEAT, 0, 255, 0);
    }
}
