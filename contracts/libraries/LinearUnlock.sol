// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title LinearUnlock
/// @notice A time-derived price: it rises linearly from `start` at time `from` to `end` at
/// `from + period`, then stays at `end`. It is a pure function of the last report (start, end,
/// from, period) and the timestamp, so no user operation needs to write it: only a report does.
/// Rounding: down (the price never counts profit before its time), and exactly `end` once the
/// period is over. Losses are not scheduled: the reporter sets start = end = the lower price.
/// @dev Slot map: one word, held by the product (the vault's `_price`):
///
/// | bits     | field                                            |
/// | -------- | ------------------------------------------------ |
/// | 0        | free: one flag bit for the product (vault: LIMITED) |
/// | 1..24    | period, seconds (24 bits, about 194 days)        |
/// | 25..64   | from: the last report's timestamp (40 bits)      |
/// | 65..159  | end price (95 bits)                              |
/// | 160..254 | start price (95 bits)                            |
///
/// Conflict argument: user operations only read the word (one cold read gives the current
/// price); it is written by reports and settings, which are ordered against every user
/// operation by design and are rare.
library LinearUnlock {
    /// @notice Longest period (24 bits of seconds).
    uint256 internal constant MAX_PERIOD = (1 << 24) - 1;
    /// @notice Largest price a word stores (95 bits).
    uint256 internal constant MAX_PRICE = (1 << 95) - 1;
    uint256 internal constant FLAG = 1;
    uint256 private constant PERIOD_SHIFT = 1;
    uint256 private constant FROM_SHIFT = 25;
    uint256 private constant FROM_MASK = (1 << 40) - 1;
    uint256 private constant END_SHIFT = 65;
    uint256 private constant START_SHIFT = 160;

    /// @notice The price at time `t` (>= from) of the schedule start -> end (start <= end) over
    /// [from, from + period]: start + (end - start) * (t - from) / period, rounded down; end from
    /// from + period on (and for a zero period).
    /// @param start Price at `from`.
    /// @param end Price at and after `from + period` (not below `start`).
    /// @param from Start of the schedule (the last report).
    /// @param period Length of the schedule, seconds.
    /// @param t The time asked about.
    /// @return The price at `t`.
    function priceAt(
        uint256 start,
        uint256 end,
        uint256 from,
        uint256 period,
        uint256 t
    ) internal pure returns (uint256) {
        uint256 elapsed = t - from;
        if (elapsed >= period) return end;
        return start + ((end - start) * elapsed) / period;
    }

    /// @notice The schedule word for `start`, `end` (both <= MAX_PRICE), `from`, `period`
    /// (<= MAX_PERIOD) and the product's `flag` (0 or 1); `from` keeps its low 40 bits.
    /// @param start Start price.
    /// @param end End price.
    /// @param from Start time.
    /// @param period Unlock period.
    /// @param flag The product's flag bit.
    function pack(
        uint256 start,
        uint256 end,
        uint256 from,
        uint256 period,
        uint256 flag
    ) internal pure returns (uint256) {
        return
            (start << START_SHIFT) |
            (end << END_SHIFT) |
            ((from & FROM_MASK) << FROM_SHIFT) |
            (period << PERIOD_SHIFT) |
            flag;
    }

    /// @notice The price of schedule word `w` at this block's timestamp.
    /// @param w A schedule word.
    function priceNow(uint256 w) internal view returns (uint256) {
        uint256 start = startPrice(w);
        uint256 end = endPrice(w);
        if (start == end) return end;
        return priceAt(start, end, lastReport(w), unlockPeriod(w), block.timestamp);
    }

    /// @notice The start price of `w`.
    /// @param w A schedule word.
    function startPrice(uint256 w) internal pure returns (uint256) {
        return w >> START_SHIFT;
    }

    /// @notice The end price of `w`.
    /// @param w A schedule word.
    function endPrice(uint256 w) internal pure returns (uint256) {
        return (w >> END_SHIFT) & MAX_PRICE;
    }

    /// @notice The start time (last report) of `w`.
    /// @param w A schedule word.
    function lastReport(uint256 w) internal pure returns (uint256) {
        return (w >> FROM_SHIFT) & FROM_MASK;
    }

    /// @notice The period of `w`.
    /// @param w A schedule word.
    function unlockPeriod(uint256 w) internal pure returns (uint256) {
        return (w >> PERIOD_SHIFT) & MAX_PERIOD;
    }
}
