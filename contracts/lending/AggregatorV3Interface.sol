// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title AggregatorV3Interface
/// @notice The read side of a Chainlink data feed (its proxy), as the adapter uses it. Written
/// from the published function signatures; only the functions this project calls are listed.
// Chainlink publishes the interface under this name.
// solhint-disable-next-line interface-starts-with-i
interface AggregatorV3Interface {
    /// @notice Number of decimals of `answer`.
    /// @return The decimals.
    function decimals() external view returns (uint8);

    /// @notice Human-readable name of the feed, e.g. "ETH / USD".
    /// @return The description.
    function description() external view returns (string memory);

    /// @notice The latest round.
    /// @return roundId Round id (phase in the top 16 bits, aggregator round below).
    /// @return answer The answer, `decimals()` decimals.
    /// @return startedAt When the round started (for an L2 sequencer-uptime feed: when the status changed).
    /// @return updatedAt When the answer was last updated; 0 for a round that is not complete.
    /// @return answeredInRound The round in which the answer was computed (legacy; equals roundId on OCR feeds).
    function latestRoundData()
        external
        view
        returns (uint80 roundId, int256 answer, uint256 startedAt, uint256 updatedAt, uint80 answeredInRound);
}
