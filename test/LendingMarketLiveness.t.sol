// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LendingFixture} from "./LendingMarket.t.sol";
import {LendingMarket} from "../contracts/lending/LendingMarket.sol";

/// @notice Issue #22, "a fresh or emptied market can be bricked for ever": the attack as the
/// review described it, then every exit and every owner control after it.
/// @notice A fixture that can redeploy its market with a flat borrow rate.
abstract contract LivenessBase is LendingFixture {
    uint256 internal constant MAX_RATE = 1e11;

    /// Replaces the market by one whose borrow rate is `rate` per second at any utilization.
    function _deployAtRate(uint256 rate) internal {
        market = new LendingMarket(
            LendingMarket.Params({
                loanToken: loan,
                collateralToken: coll,
                oracle: oracle,
                shardCount: K,
                lltv: 0.8e18,
                liquidationBonus: 1.05e18,
                maxPriceAge: 1 hours,
                baseRate: rate,
                slope1: 0,
                slope2: 0,
                kink: 0.8e18
            }),
            address(this),
            layouts
        );
    }
}

contract LendingBrickRegressionTest is LivenessBase {
    address internal attacker;
    address internal lender;
    address internal borrower;
    address internal holder;
    address internal liquidator;

    function setUp() public {
        _deploy();
        attacker = _user(0, 0);
        lender = _user(1, 0);
        borrower = _user(2, 0);
        holder = _user(3, 0);
        liquidator = _user(3, 1);
        _fund(attacker, 1e18, 1e18);
        _fund(lender, 1_000e18, 0);
        _fund(borrower, 1_000e18, 10e18);
        _fund(holder, 0, 10e18);
        _fund(liquidator, 1_000e18, 0);
    }

    /// Supply 1 wei (1 share), donate 0.2 of the loan token to one's own escrow, borrow it back.
    function _attack() internal {
        vm.startPrank(attacker);
        market.supply(1);
        require(loan.transfer(market.escrowOf(market.shardOf(attacker)), 0.2e18), "donation");
        market.depositCollateral(1e18);
        market.borrow(0.2e18, attacker, 0);
        vm.stopPrank();
    }

    function test_donationSelfBorrowDoesNotBrickTheMarket() public {
        _attack();
        _nextBlock(12);
        vm.prank(holder);
        market.depositCollateral(10e18); // never accrued, so it always worked: funds walk in
        market.accrue(); // reverted with "index overflow" before the fix
        LendingMarket.Snapshot memory snap = market.snapshot();
        assertLe(snap.supplyIndex, snap.borrowIndex, "suppliers earned more than borrowers pay");

        // A debt-free position's collateral comes back.
        vm.prank(holder);
        market.withdrawCollateral(10e18, holder);
        assertEq(coll.balanceOf(holder), 10e18, "debt-free collateral not returned");
        // Honest users can use the market: supply, borrow, repay, withdraw.
        vm.prank(lender);
        market.supply(100e18);
        vm.startPrank(borrower);
        market.depositCollateral(10e18);
        market.borrow(10e18, borrower, 1 << 1);
        vm.stopPrank();
        _nextBlock(1 days);
        vm.startPrank(borrower);
        market.repay(type(uint256).max, borrower);
        market.withdrawCollateral(10e18, borrower);
        vm.stopPrank();
        (, , , , uint256 cash, ) = market.totals();
        uint256 claim = (market.position(lender).supplyShares * market.snapshot().supplyIndex) / 1e18;
        vm.prank(lender);
        (uint256 out, ) = market.withdraw(claim < cash ? claim : cash, lender, 0xf);
        assertGe(out + 2, 100e18, "lender lost principal");
        // The owner's controls work.
        market.setPaused(true);
        market.setPaused(false);
        market.setCaps(1e30, 1e30);
        market.setCaps(type(uint128).max, type(uint128).max);

        // Years later the market still accrues, and the attacker's position can be liquidated.
        _nextBlock(3 * YEAR);
        market.accrue();
        oracle.setPrice(1e33);
        vm.prank(liquidator);
        market.liquidate(attacker, type(uint256).max);
        _nextBlock(1 hours); // the next rate refresh charges the bad debt
        market.accrue();
        // The bad debt left by the attacker's own loan was charged to the remaining supply.
        assertLe(_claimOf(attacker), 1, "attacker kept a claim");
    }

    /// The same attack at the highest rate the market accepts, the attacker alone for 20 years
    /// of blocks: accrual never reverts, and the supply index never outgrows the borrow index.
    function test_donationSelfBorrowAtMaxRateNeverReverts() public {
        _deployAtRate(MAX_RATE);
        _fund(attacker, 1e18, 1e18);
        _attack();
        for (uint256 i = 0; i < 200; ++i) {
            _nextBlock(YEAR / 10);
            market.accrue();
            LendingMarket.Snapshot memory snap = market.snapshot();
            assertLe(snap.supplyIndex, snap.borrowIndex, "supply index above borrow index");
        }
        // 1 wei of supply earns at most what 1 wei lent at the borrow rate owes, whatever the
        // debt the donation backs.
        assertLe(_claimOf(attacker), market.snapshot().borrowIndex / 1e18 + 1, "1 wei earned on the donation");
    }

    function _claimOf(address user) internal view returns (uint256) {
        return (market.position(user).supplyShares * market.snapshot().supplyIndex) / 1e18;
    }
}

/// @notice The rate bound and its horizon: below MAX_RATE no index can reach 2^96 within
/// ln(2^96 / 1e18) / MAX_RATE seconds; beyond, accrual saturates and every exit still works.
contract LendingRateBoundTest is LivenessBase {
    uint256 internal constant INDEX_MAX = (1 << 96) - 1;

    function setUp() public {
        _deploy();
    }

    function test_rateAboveBoundRejected() public {
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.InvalidParams.selector, "rate"));
        this.deployAtRate(MAX_RATE + 1);
        this.deployAtRate(MAX_RATE);
    }

    function deployAtRate(uint256 rate) external {
        _deployAtRate(rate);
    }

    /// Full utilization at the highest rate: borrowed every wei there is.
    function _saturate() internal returns (address lender, address borrower) {
        _deployAtRate(MAX_RATE);
        lender = _user(0, 0);
        borrower = _user(1, 0);
        _fund(lender, 1_000e18, 0);
        _fund(borrower, 0, 1_000e18);
        vm.prank(lender);
        market.supply(1_000e18);
        vm.startPrank(borrower);
        market.depositCollateral(1_000e18);
        market.borrow(1_000e18, borrower, 1);
        vm.stopPrank();
    }

    /// Within the horizon (7.9 years at 1e11 per second), daily accrual at full utilization keeps
    /// both indices below 2^96 and below the analytic bound 1e18 * e^(rate * t).
    function test_noIndexOverflowWithinHorizon() public {
        _saturate();
        uint256 horizon = (25_09 * 1e18) / 100 / MAX_RATE; // ln(2^96 / 1e18) = 25.095...
        uint256 steps = horizon / 1 days;
        for (uint256 i = 0; i < steps; ++i) {
            _nextBlock(1 days);
            market.accrue();
        }
        LendingMarket.Snapshot memory snap = market.snapshot();
        assertLe(snap.borrowIndex, INDEX_MAX - 1, "borrow index saturated within the horizon");
        assertLe(snap.supplyIndex, snap.borrowIndex, "supply index above borrow index");
    }

    /// Far past the horizon, accrual saturates at 2^96 - 1; it never reverts, and repay,
    /// liquidation, withdrawals and the owner's controls still work.
    function test_accrualSaturatesSafely() public {
        (address lender, address borrower) = _saturate();
        for (uint256 i = 0; i < 60; ++i) {
            _nextBlock(YEAR / 2);
            market.accrue();
        }
        LendingMarket.Snapshot memory snap = market.snapshot();
        assertEq(snap.borrowIndex, INDEX_MAX, "borrow index not saturated");
        assertLe(snap.supplyIndex, INDEX_MAX, "supply index out of range");
        _nextBlock(1 days);
        market.accrue();
        market.setPaused(true);
        market.setCaps(1e30, 1e30);
        (uint256 debt, ) = market.health(borrower, PRICE);
        loan.mint(_user(2, 0), debt);
        vm.startPrank(_user(2, 0));
        loan.approve(address(market), type(uint256).max);
        // The borrower is deep underwater: a liquidator takes everything, then the lender exits
        // with what the escrows hold.
        market.liquidate(borrower, type(uint256).max);
        vm.stopPrank();
        _nextBlock(1 days);
        market.accrue();
        (, , , , uint256 cash, ) = market.totals();
        uint256 claim = (market.position(lender).supplyShares * market.snapshot().supplyIndex) / 1e18;
        uint256 out = claim < cash ? claim : cash;
        assertGe(out, 1_000e18, "the lender cannot take out the cash the liquidation brought in");
        vm.prank(lender);
        market.withdraw(out, lender, 0xf);
    }
}
