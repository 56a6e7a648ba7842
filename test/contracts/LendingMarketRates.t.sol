// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LendingActorsFixture} from "./LendingMarket.t.sol";
import {LendingMarket} from "../../contracts/lending/LendingMarket.sol";

interface VmState {
    function snapshotState() external returns (uint256);
    function revertToState(uint256 id) external returns (bool);
}

/// @notice Stored rates refreshed by `refreshRates` (issue #18): what a stale rate lets an
/// attacker do, and the staleness rule. Lender L (1,000) and borrower B (400: 40% utilization)
/// set the scene; the default epoch is 1 hour; the rates are refreshed at the first block of
/// each epoch by a keeper unless a test says otherwise.
contract LendingStaleRateTest is LendingActorsFixture {
    VmState internal constant state = VmState(address(uint160(uint256(keccak256("hevm cheat code")))));
    uint256 internal constant EPOCH = 1 hours;

    function setUp() public {
        _deployWithActors();
        vm.prank(lender);
        market.supply(1_000e18);
        vm.startPrank(borrower);
        market.depositCollateral(1e18);
        market.borrow(400e18, borrower, 1);
        vm.stopPrank();
        _toEpochEnd(0);
        market.refreshRates(); // refreshed at 40%
        _toEpochEnd(12); // the last block of the epoch
    }

    /// Moves to `before` seconds before the next epoch boundary (0: the boundary itself).
    function _toEpochEnd(uint256 before) internal {
        uint256 boundary = (now_ / EPOCH + 1) * EPOCH;
        _nextBlock(boundary - before - now_);
    }

    function _claim(address user) internal view returns (uint256) {
        return (market.position(user).supplyShares * market.snapshot().supplyIndex) / 1e18;
    }

    function _wealth(address user) internal view returns (uint256) {
        (uint256 debt, ) = market.health(user, PRICE);
        return loan.balanceOf(user) + _claim(user) - debt;
    }

    function _assertSolvent() internal view {
        (, , uint256 supplied, uint256 borrowed, uint256 cash, uint256 pending) = market.totals();
        assertGe(cash + borrowed + pending, supplied, "claims exceed holdings + debt");
    }

    /// A utilization spike: the attacker, also a lender, borrows in the epoch's last block so
    /// that the refresh sees 95% and sets a steep rate for the next epoch, refreshes itself
    /// first in the next block and repays right after. The repayment settles at the epoch-end
    /// index: the attacker pays the steep rate for the whole epoch, so it pays at least what its
    /// supply earns from it.
    function test_utilizationSpikeAroundRefreshDoesNotPay() public {
        vm.prank(attacker);
        market.supply(1_000e18);
        _toEpochEnd(0);
        market.refreshRates();
        _toEpochEnd(12);
        market.accrue();
        uint256 start = _wealth(attacker);
        uint256 rateBefore = market.rates().borrowRate;
        vm.startPrank(attacker);
        market.depositCollateral(10e18);
        market.borrow(1_500e18, attacker, 0xf); // 1,900 of 2,000 borrowed: 95%
        vm.stopPrank();
        _toEpochEnd(0);
        vm.startPrank(attacker);
        market.refreshRates(); // first in the block: sees the spike
        market.repay(type(uint256).max, attacker);
        vm.stopPrank();
        assertGt(market.rates().borrowRate, rateBefore, "the spike did raise the stored rate");
        _toEpochEnd(0);
        market.refreshRates(); // the next refresh sees the spike gone
        assertLe(_wealth(attacker), start, "the spike paid");
        _assertSolvent();
    }

    /// A flash-loaned deposit around a refresh: the refresh must be the block's first
    /// interaction, so a deposit in the same block cannot precede it (the call reverts), and a
    /// deposit and withdrawal after it change nothing; the refresh of the next block sees
    /// exactly the totals it would have seen without them.
    function test_flashDepositAroundRefreshChangesNothing() public {
        _toEpochEnd(0);
        uint256 id = state.snapshotState();
        _nextBlock(12);
        market.refreshRates();
        LendingMarket.RateBook memory control = market.rates();
        state.revertToState(id);

        vm.startPrank(attacker);
        market.supply(1e27); // the block's first interaction
        vm.expectRevert(LendingMarket.RefreshNotFirstInBlock.selector);
        market.refreshRates();
        market.withdraw(type(uint256).max, attacker, 0xf);
        vm.stopPrank();
        _nextBlock(12);
        market.refreshRates();
        LendingMarket.RateBook memory r = market.rates();
        assertEq(r.utilization, control.utilization, "utilization moved by a flash deposit");
        assertEq(r.borrowRate, control.borrowRate, "borrow rate moved by a flash deposit");
        assertEq(r.supplyRate, control.supplyRate, "supply rate moved by a flash deposit");

        // After the refresh, within its block: the rates are fixed for the epoch.
        vm.startPrank(attacker);
        market.supply(1e27);
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.RatesFresh.selector, r.epoch));
        market.refreshRates();
        market.withdraw(type(uint256).max, attacker, 0xf);
        vm.stopPrank();
        assertEq(market.rates().borrowRate, control.borrowRate, "rate moved after the refresh");
        _assertSolvent();
    }

    /// A deposit held across one block boundary (in the last block of the epoch, withdrawn after
    /// the refresh) lowers the utilization that refresh sees, so the supply rate of that epoch:
    /// the lenders are credited less (at most the epoch's interest on the debt, B x r_b x E,
    /// which stays in the escrows). It does not lower the borrow rate: that follows the higher
    /// of two consecutive refreshes. Held across two consecutive refreshes it does lower the
    /// next epoch's borrow rate, by at most debt x (rate at the true utilization - rate at the
    /// diluted one) x one epoch. The stated risks; docs/lending.md computes them. No one is
    /// credited more than the debt pays.
    function test_depositBracketingRefreshes() public {
        uint256 rateBefore = market.rates().borrowRate;
        vm.prank(attacker);
        market.supply(1e27);
        _toEpochEnd(0);
        market.refreshRates();
        vm.prank(attacker);
        market.withdraw(type(uint256).max, attacker, 0xf);
        LendingMarket.RateBook memory r = market.rates();
        assertLe(r.utilization, 1e12, "the deposit diluted the refresh's utilization");
        assertGe(r.borrowRate, rateBefore, "one bracketed refresh lowered the borrow rate");

        // Control: the next epoch without a second bracket.
        _toEpochEnd(12);
        uint256 id = state.snapshotState();
        _nextBlock(12);
        market.refreshRates();
        uint256 honestRate = market.rates().borrowRate;
        (uint256 debtStart, ) = market.health(borrower, PRICE);
        _toEpochEnd(0);
        market.accrue();
        uint256 honestClaim = _claim(lender);
        (uint256 honestDebt, ) = market.health(borrower, PRICE);
        state.revertToState(id);

        // Attack: the same deposit bracketing the second refresh too.
        vm.prank(attacker);
        market.supply(1e27);
        _nextBlock(12);
        market.refreshRates();
        vm.prank(attacker);
        market.withdraw(type(uint256).max, attacker, 0xf);
        uint256 dilutedRate = market.rates().borrowRate;
        assertLt(dilutedRate, honestRate, "two bracketed refreshes lower the rate (the stated risk)");
        _toEpochEnd(0);
        market.accrue();
        (uint256 debt, ) = market.health(borrower, PRICE);
        uint256 shortfall = honestClaim - _claim(lender);
        uint256 saving = honestDebt - debt;
        uint256 creditBound = (debtStart * honestRate * EPOCH) / 1e18 + 1;
        uint256 savingBound = (debtStart * (honestRate - dilutedRate) * EPOCH) / 1e18 + 1;
        emit log_named_uint("lenders' shortfall over the epoch (wei)", shortfall);
        emit log_named_uint("bound B x r_b x E (wei)", creditBound);
        emit log_named_uint("borrower's saving over the epoch (wei)", saving);
        emit log_named_uint("bound B x (r_b - r_diluted) x E (wei)", savingBound);
        assertLe(shortfall, creditBound, "lenders' shortfall beyond the computed bound");
        assertLe(saving, savingBound, "borrower's saving beyond the computed bound");
        _assertSolvent();
    }

    /// A borrower racing a refresh, fresh epoch: a large borrow mid-epoch pays the stored
    /// (lower) rate until the epoch ends, and repaying just before the next refresh still
    /// settles at the epoch-end index. The lenders' shortfall against rates recomputed every
    /// block is at most borrowed x (new rate - stored rate) x (time left in the epoch).
    function test_borrowerRacingARefresh() public {
        _toEpochEnd(0);
        market.refreshRates();
        LendingMarket.RateBook memory stored = market.rates();
        _nextBlock(EPOCH / 2);
        uint256 claimBefore = _claim(lender);
        vm.startPrank(attacker);
        market.depositCollateral(10e18);
        market.borrow(550e18, attacker, 0xf); // 950 of 1,000: 95%
        vm.stopPrank();
        _toEpochEnd(12);
        vm.prank(attacker);
        (uint256 repaid, ) = market.repay(type(uint256).max, attacker);
        // Repaying in the epoch's last block costs interest to the epoch's end at the stored rate.
        uint256 atStored = (550e18 * uint256(stored.borrowRate) * (EPOCH / 2)) / 1e18;
        assertGe(repaid, 550e18 + atStored, "racing the refresh dodged interest");
        _toEpochEnd(0);
        market.refreshRates();
        uint256 claimAfter = _claim(lender);
        // The lender earned at least the stored supply rate over the half epoch.
        assertGe(
            claimAfter - claimBefore + 1,
            (claimBefore * uint256(stored.supplyRate) * (EPOCH / 2)) / 1e18,
            "lender"
        );
        uint256 fresh = market.borrowRate(0.95e18);
        uint256 bound = (550e18 * (fresh - uint256(stored.borrowRate)) * (EPOCH / 2)) / 1e18;
        emit log_named_uint("lenders' shortfall bound (wei)", bound);
        _assertSolvent();
    }

    /// A borrower racing a refresh in a stale epoch (no one has refreshed yet): it borrows at
    /// the stale borrow rate and repays just before someone refreshes. It pays the stored rate
    /// for the time it held the debt; the lenders are credited nothing while the rates are
    /// stale, so nothing is over-credited, and the interest paid stays in the escrows.
    function test_borrowerRacingARefreshInAStaleEpoch() public {
        _toEpochEnd(0); // no refresh: the epoch's rates are stale from here on
        LendingMarket.RateBook memory stored = market.rates();
        market.accrue();
        uint256 claimBefore = _claim(lender);
        vm.startPrank(attacker);
        market.depositCollateral(10e18);
        market.borrow(550e18, attacker, 0xf); // 95%: the next refresh would raise the rate
        vm.stopPrank();
        _nextBlock(EPOCH / 2);
        vm.prank(attacker);
        (uint256 repaid, ) = market.repay(type(uint256).max, attacker);
        uint256 atStored = (550e18 * uint256(stored.borrowRate) * (EPOCH / 2)) / 1e18;
        assertGe(repaid, 550e18 + atStored, "the stale period was interest-free");
        assertEq(_claim(lender), claimBefore, "lenders credited while the rates are stale");
        _nextBlock(12);
        market.refreshRates();
        // The refresh sees the utilization as it was (40%, plus the stale period's uncredited interest).
        assertLe(market.rates().utilization, 0.4001e18, "the race left the utilization where it was");
        _assertSolvent();
    }

    /// The staleness rule: while no one refreshes, the borrow index keeps growing at the stored
    /// rate and the supply index stands still; a refresh restarts the supply credit. A refresh
    /// is accepted once per epoch, first in its block.
    function test_stalenessRule() public {
        _toEpochEnd(0);
        market.accrue();
        uint256 claim0 = _claim(lender);
        (uint256 debt0, ) = market.health(borrower, PRICE);
        LendingMarket.RateBook memory stored = market.rates();
        _nextBlock(3 * EPOCH);
        vm.expectRevert(LendingMarket.RefreshNotFirstInBlock.selector);
        vm.prank(lender);
        this.accrueThenRefresh();
        market.accrue();
        assertEq(_claim(lender), claim0, "supply credited while stale");
        (uint256 debt1, ) = market.health(borrower, PRICE);
        assertGe(
            debt1,
            debt0 + (debt0 * uint256(stored.borrowRate) * 3 * EPOCH) / 1e18,
            "debt grows at the stored rate"
        );
        _nextBlock(12);
        market.refreshRates();
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.RatesFresh.selector, block.timestamp / EPOCH));
        market.refreshRates();
        _nextBlock(600);
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.RatesFresh.selector, block.timestamp / EPOCH));
        market.refreshRates();
        market.accrue();
        assertGt(_claim(lender), claim0, "a refresh restarts the supply credit");
        _assertSolvent();
    }

    /// Helper for `test_stalenessRule`: an interaction, then a refresh in the same block.
    function accrueThenRefresh() external {
        market.accrue();
        market.refreshRates();
    }

    event log_named_uint(string key, uint256 val);

    function assertGt(uint256 a, uint256 b, string memory what) internal pure {
        if (a <= b) revert AssertionFailed(what, a, b);
    }

    function assertLt(uint256 a, uint256 b, string memory what) internal pure {
        if (a >= b) revert AssertionFailed(what, a, b);
    }
}
