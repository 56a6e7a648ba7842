// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LendingActorsFixture} from "./LendingMarket.t.sol";
import {LendingMarket} from "../../contracts/lending/LendingMarket.sol";

interface VmState {
    function snapshotState() external returns (uint256);
    function revertToState(uint256 id) external returns (bool);
}

/// @notice Stored rates (issue #18): what a rate one epoch stale lets an attacker do. Lender L
/// (1,000) and borrower B (400: 40% utilization) set the scene; the default epoch is 1 hour.
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
        market.accrue(); // refreshed at 40%
        _toEpochEnd(12); // the last block of the epoch
    }

    /// Moves to `before` seconds before the next epoch boundary (0: the boundary itself).
    function _toEpochEnd(uint256 before) internal {
        uint256 boundary = (now_ / EPOCH + 1) * EPOCH;
        _nextBlock(boundary - before - now_);
    }

    function _wealth(address user) internal view returns (uint256) {
        (uint256 debt, ) = market.health(user, PRICE);
        uint256 claim = (market.position(user).supplyShares * market.snapshot().supplyIndex) / 1e18;
        return loan.balanceOf(user) + claim - debt;
    }

    function _assertSolvent() internal view {
        (, , uint256 supplied, uint256 borrowed, uint256 cash, uint256 pending) = market.totals();
        assertGe(cash + borrowed + pending, supplied, "claims exceed holdings + debt");
    }

    /// A utilization spike: the attacker, also a lender, borrows 500 in the epoch's last block,
    /// so that the refresh sees 90% and sets a steep rate for the next epoch, and repays in the
    /// refresh's block. The repayment settles at the epoch-end index: the attacker pays the
    /// steep rate for the whole epoch, so it pays at least what its supply earns from it.
    function test_utilizationSpikeAroundRefreshDoesNotPay() public {
        vm.prank(attacker);
        market.supply(1_000e18);
        _toEpochEnd(12);
        market.accrue();
        uint256 start = _wealth(attacker);
        uint256 rateBefore = market.rates().borrowRate;
        vm.startPrank(attacker);
        market.depositCollateral(10e18);
        market.borrow(1_500e18, attacker, 0xf); // 1,900 of 2,000 borrowed: 95%
        vm.stopPrank();
        _toEpochEnd(0);
        vm.prank(attacker);
        market.repay(type(uint256).max, attacker); // the epoch's first interaction: refresh, then repay
        assertGt(market.rates().borrowRate, rateBefore, "the spike did raise the stored rate");
        _toEpochEnd(0);
        market.accrue(); // the next refresh sees the spike gone
        assertLe(_wealth(attacker), start, "the spike paid");
        _assertSolvent();
    }

    /// A flash-loaned deposit around a refresh: inside the refresh's own block it changes
    /// nothing, because the refresh reads the totals before the block.
    function test_flashDepositInRefreshBlockChangesNothing() public {
        _toEpochEnd(0);
        uint256 id = state.snapshotState();
        market.accrue();
        LendingMarket.RateBook memory control = market.rates();
        state.revertToState(id);
        vm.startPrank(attacker);
        market.supply(1e27); // the block's (and epoch's) first interaction
        market.withdraw(type(uint256).max, attacker, 0xf);
        vm.stopPrank();
        LendingMarket.RateBook memory r = market.rates();
        assertEq(r.utilization, control.utilization, "utilization moved by a flash deposit");
        assertEq(r.borrowRate, control.borrowRate, "rate moved by a flash deposit");
    }

    /// The same deposit held across the boundary (in the last block of the epoch, withdrawn in
    /// the refresh's block) lowers the utilization the refresh sees, but not the borrow rate:
    /// that follows the higher of two refreshes, so a deposit must stay a whole epoch (and be
    /// real liquidity for it) to lower it. Suppliers are credited less for one epoch; no one is
    /// credited more than the debt pays.
    function test_depositAcrossRefreshCannotLowerTheBorrowRate() public {
        uint256 rateBefore = market.rates().borrowRate;
        vm.prank(attacker);
        market.supply(1e27);
        _toEpochEnd(0);
        vm.prank(attacker);
        market.withdraw(type(uint256).max, attacker, 0xf);
        LendingMarket.RateBook memory r = market.rates();
        assertLe(r.utilization, 1e12, "the deposit diluted the refresh's utilization");
        assertGe(r.borrowRate, rateBefore, "a one-block deposit lowered the borrow rate");
        _toEpochEnd(0);
        market.accrue();
        _assertSolvent();
    }

    /// A borrower racing a refresh: a large borrow mid-epoch pays the stored (lower) rate until
    /// the epoch ends, and repaying just before the refresh still settles at the epoch-end
    /// index. The lenders' shortfall against rates recomputed every block is at most
    /// borrowed * (new rate - stored rate) * (time left in the epoch); nothing is over-credited.
    function test_borrowerRacingARefresh() public {
        _toEpochEnd(0);
        market.accrue();
        LendingMarket.RateBook memory stored = market.rates();
        _nextBlock(EPOCH / 2);
        uint256 claimBefore = (market.position(lender).supplyShares * market.snapshot().supplyIndex) / 1e18;
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
        market.accrue();
        uint256 claimAfter = (market.position(lender).supplyShares * market.snapshot().supplyIndex) / 1e18;
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

    event log_named_uint(string key, uint256 val);

    function assertGt(uint256 a, uint256 b, string memory what) internal pure {
        if (a <= b) revert AssertionFailed(what, a, b);
    }
}
