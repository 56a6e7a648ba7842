// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title InterestIndex
/// @notice A time-derived interest index: its value is a pure function of the last stored
/// value, a stored rate and the elapsed time, so that no ordinary operation needs a per-block
/// aggregate of the positions it prices (docs/lending.md, "Stored rates"; issue #19 item 4).
/// Indices are 1e18-scaled (1e18 = no growth), rates are per second in 1e18 scale, and every
/// index is kept below 2^96 (it fits a packed word with a second index and a timestamp).
/// @dev Conflict argument: a contract that stores (index, lastUpdate) and a rate, and advances
/// the index with `grow` at most once per timestamp, writes the index only from the state
/// before the block and `block.timestamp`; whichever transaction of a block does it writes the
/// same value, so those writes commute (docs/access-lists.md, rule 5).
/// Rounding: a debt index rounds up, a credit index down (the protocol's favour), and
/// `upperBoundAt` rounds up with a quadratic margin, so that it is at least what the index
/// reaches however often it is compounded over the same period.
library InterestIndex {
    uint256 internal constant WAD = 1e18;
    /// @notice The largest index (an index saturates here instead of overflowing its 96 bits).
    uint256 internal constant MAX_INDEX = (1 << 96) - 1;

    /// @notice Grows a debt index and a credit index over `dt` seconds, linearly (one
    /// compounding step): the debt index rounded up, the credit index down, each saturating at
    /// MAX_INDEX. When the debt index saturates, the credit growth of the step is cut in the
    /// same proportion, so that claims never outgrow the debt that backs them. Never reverts for
    /// indices below 2^96, rates below 2^40 and dt below 2^40 (the products fit 256 bits).
    /// @param debtIndex The borrow index before the step.
    /// @param creditIndex The supply index before the step.
    /// @param debtRate Borrow rate per second (1e18 scale).
    /// @param creditRate Supply rate per second (1e18 scale).
    /// @param dt Elapsed seconds.
    /// @return debtAfter The borrow index after `dt` (rounded up).
    /// @return creditAfter The supply index after `dt` (rounded down).
    function grow(
        uint256 debtIndex,
        uint256 creditIndex,
        uint256 debtRate,
        uint256 creditRate,
        uint256 dt
    ) internal pure returns (uint256 debtAfter, uint256 creditAfter) {
        if (dt == 0) return (debtIndex, creditIndex);
        uint256 debtGrowth = divUp(debtIndex * debtRate * dt, WAD);
        uint256 creditGrowth = (creditIndex * creditRate * dt) / WAD;
        if (debtGrowth > MAX_INDEX - debtIndex) {
            // Saturated: debt grows only this much, so credit grows by the same fraction.
            uint256 room = MAX_INDEX - debtIndex;
            creditGrowth = (creditGrowth * room) / debtGrowth;
            debtGrowth = room;
        }
        debtAfter = debtIndex + debtGrowth;
        creditAfter = creditIndex + creditGrowth;
        if (creditAfter > MAX_INDEX) creditAfter = MAX_INDEX;
    }

    /// @notice An upper bound on `index` compounded at `rate` for `dt` seconds, however often:
    /// `index * (1 + x + x^2)` with `x = rate * dt`, rounded up (e^x <= 1 + x + x^2 for
    /// x <= 1), capped at MAX_INDEX. The steps' own upward rounding (under one wei each) is not
    /// covered: n steps may end up to n wei above it (test/contracts/InterestIndex.t.sol). What a
    /// market prices new claims or leaving debt at when the rate is fixed until a known time.
    /// @param index The index now.
    /// @param rate Rate per second (1e18 scale).
    /// @param dt Seconds until the rate may change.
    /// @return The bound (at least `index`).
    function upperBoundAt(uint256 index, uint256 rate, uint256 dt) internal pure returns (uint256) {
        uint256 x = rate * dt;
        uint256 bound = index + divUp(index * (x + divUp(x * x, WAD)), WAD);
        return bound > MAX_INDEX ? MAX_INDEX : bound;
    }

    /// @notice `x / d` rounded up (0 for x = 0).
    function divUp(uint256 x, uint256 d) internal pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / d + 1;
    }
}
