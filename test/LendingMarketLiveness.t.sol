// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LendingFixture} from "./LendingMarket.t.sol";
import {LendingMarket} from "../contracts/lending/LendingMarket.sol";

/// @notice Issue #22, "a fresh or emptied market can be bricked for ever": the attack as the
/// review described it, then every exit and every owner control after it.
contract LendingBrickRegressionTest is LendingFixture {
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
        _nextBlock(12);
        market.accrue();
        vm.prank(attacker);
        market.withdraw(type(uint256).max, attacker, 0xf);
    }
}
