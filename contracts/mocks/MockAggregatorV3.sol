// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AggregatorV3Interface} from "../lending/AggregatorV3Interface.sol";

/// @notice A settable Chainlink-style feed for tests: every field of the latest round is set directly.
contract MockAggregatorV3 is AggregatorV3Interface {
    uint8 internal immutable _decimals;
    uint80 internal _roundId;
    int256 internal _answer;
    uint256 internal _startedAt;
    uint256 internal _updatedAt;
    uint80 internal _answeredInRound;

    /// @param decimals_ Decimals of the answers.
    constructor(uint8 decimals_) {
        _decimals = decimals_;
    }

    /// @notice Sets a complete round `roundId` with `answer`, started and updated at `updatedAt`.
    /// @param roundId Round id.
    /// @param answer Answer.
    /// @param updatedAt Update (and start) time.
    function setAnswer(uint80 roundId, int256 answer, uint256 updatedAt) external {
        setRound(roundId, answer, updatedAt, updatedAt, roundId);
    }

    /// @notice Sets every field of the latest round.
    /// @param roundId Round id.
    /// @param answer Answer.
    /// @param startedAt Start time.
    /// @param updatedAt Update time.
    /// @param answeredInRound Round the answer was computed in.
    function setRound(
        uint80 roundId,
        int256 answer,
        uint256 startedAt,
        uint256 updatedAt,
        uint80 answeredInRound
    ) public {
        _roundId = roundId;
        _answer = answer;
        _startedAt = startedAt;
        _updatedAt = updatedAt;
        _answeredInRound = answeredInRound;
    }

    /// @inheritdoc AggregatorV3Interface
    function decimals() external view returns (uint8) {
        return _decimals;
    }

    /// @inheritdoc AggregatorV3Interface
    function description() external pure returns (string memory) {
        return "mock";
    }

    /// @inheritdoc AggregatorV3Interface
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (_roundId, _answer, _startedAt, _updatedAt, _answeredInRound);
    }
}
