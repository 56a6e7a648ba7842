// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IPriceOracle} from "./IPriceOracle.sol";
import {AggregatorV3Interface} from "./AggregatorV3Interface.sol";

/// @title ChainlinkPriceOracle
/// @notice IPriceOracle over one Chainlink feed that prices the collateral asset in the loan
/// asset's unit (e.g. ETH / USD for WETH collateral lent against a USD stablecoin). Every read
/// checks the answer (positive, complete round, not older than the feed's heartbeat, not from
/// the future) and, on an L2, that the sequencer is up and has been up for a grace period.
/// @dev The price is `answer * 10^(36 + loanDecimals - collateralDecimals - feedDecimals)`,
/// the 1e36 scale of IPriceOracle: `collateral * price / 1e36` is the collateral's value in
/// loan-asset units. When that exponent is negative the division rounds DOWN, so collateral is
/// never valued above the feed's answer (the direction that favours the market). Using one feed
/// assumes the loan asset is worth exactly the feed's quote unit (1 USDC = 1 USD): a depeg of the
/// loan asset is not seen by this oracle.
contract ChainlinkPriceOracle is IPriceOracle {
    /// @notice A constructor argument is unusable; `what` names it.
    error InvalidConfig(string what);
    /// @notice The feed's answer is zero or negative.
    error NonPositiveAnswer(int256 answer);
    /// @notice The latest round has no update time (not complete) or was answered in an older round.
    error IncompleteRound(uint80 roundId, uint80 answeredInRound, uint256 updatedAt);
    /// @notice The feed was last updated more than `heartbeat` seconds ago.
    error StaleAnswer(uint256 updatedAt, uint256 heartbeat, uint256 now_);
    /// @notice The feed claims an update time after the current block's.
    error FutureAnswer(uint256 updatedAt, uint256 now_);
    /// @notice The scaled price does not fit in uint256.
    error PriceOverflow(int256 answer);
    /// @notice The L2 sequencer-uptime feed reports the sequencer down.
    error SequencerDown();
    /// @notice The sequencer-uptime feed has no valid round yet (startedAt is 0).
    error SequencerStatusUnknown();
    /// @notice The sequencer came back up less than `gracePeriod` seconds ago.
    error SequencerGracePeriod(uint256 upSince, uint256 gracePeriod);

    /// @notice The price feed (a Chainlink proxy).
    AggregatorV3Interface public immutable feed;
    /// @notice The L2 sequencer-uptime feed, or address(0) on L1.
    AggregatorV3Interface public immutable sequencerUptimeFeed;
    /// @notice Oldest accepted answer, in seconds (the feed's heartbeat, plus any margin).
    uint256 public immutable heartbeat;
    /// @notice Seconds the sequencer must have been up before prices are accepted again.
    uint256 public immutable gracePeriod;
    /// @notice Multiplier from the feed's answer to the 1e36 scale (1 when `divisor` is used).
    uint256 public immutable multiplier;
    /// @notice Divisor from the feed's answer to the 1e36 scale, rounding down (1 when `multiplier` is used).
    uint256 public immutable divisor;

    /// @param feed_ The price feed: collateral priced in the loan asset's unit.
    /// @param sequencerUptimeFeed_ The L2 sequencer-uptime feed, or address(0) on L1.
    /// @param heartbeat_ Oldest accepted answer, in seconds (> 0).
    /// @param gracePeriod_ Seconds after a sequencer restart during which prices are refused
    /// (must be 0 without a sequencer feed).
    /// @param collateralDecimals Decimals of the collateral token.
    /// @param loanDecimals Decimals of the loan token.
    constructor(
        AggregatorV3Interface feed_,
        AggregatorV3Interface sequencerUptimeFeed_,
        uint256 heartbeat_,
        uint256 gracePeriod_,
        uint8 collateralDecimals,
        uint8 loanDecimals
    ) {
        if (address(feed_) == address(0)) revert InvalidConfig("feed");
        if (heartbeat_ == 0) revert InvalidConfig("heartbeat");
        if (address(sequencerUptimeFeed_) == address(0) && gracePeriod_ != 0) revert InvalidConfig("gracePeriod");
        uint256 up = 36 + uint256(loanDecimals);
        uint256 down = uint256(collateralDecimals) + uint256(feed_.decimals());
        // 10**77 is the largest power of ten below 2**256.
        if (up >= down ? up - down > 77 : down - up > 77) revert InvalidConfig("decimals");
        feed = feed_;
        sequencerUptimeFeed = sequencerUptimeFeed_;
        heartbeat = heartbeat_;
        gracePeriod = gracePeriod_;
        multiplier = up >= down ? 10 ** (up - down) : 1;
        divisor = up >= down ? 1 : 10 ** (down - up);
    }

    /// @inheritdoc IPriceOracle
    function latestPrice() external view returns (uint256 price, uint256 updatedAt) {
        if (address(sequencerUptimeFeed) != address(0)) _checkSequencer();
        (uint80 roundId, int256 answer, , uint256 updated, uint80 answeredInRound) = feed.latestRoundData();
        if (answer <= 0) revert NonPositiveAnswer(answer);
        if (updated == 0 || answeredInRound < roundId) revert IncompleteRound(roundId, answeredInRound, updated);
        if (updated > block.timestamp) revert FutureAnswer(updated, block.timestamp);
        if (block.timestamp - updated > heartbeat) revert StaleAnswer(updated, heartbeat, block.timestamp);
        uint256 a = uint256(answer);
        if (a > type(uint256).max / multiplier) revert PriceOverflow(answer);
        price = (a * multiplier) / divisor; // rounds down
        updatedAt = updated;
    }

    /// @dev The uptime feed answers 0 when the sequencer is up, 1 when down; startedAt is when
    /// that status began.
    function _checkSequencer() internal view {
        (, int256 status, uint256 startedAt, , ) = sequencerUptimeFeed.latestRoundData();
        if (startedAt == 0) revert SequencerStatusUnknown();
        if (status != 0) revert SequencerDown();
        if (startedAt > block.timestamp || block.timestamp - startedAt <= gracePeriod) {
            revert SequencerGracePeriod(startedAt, gracePeriod);
        }
    }
}
