// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {LendingFixture, LendingHandlerBase} from "./LendingMarket.t.sol";
import {LendingMarket} from "../../contracts/lending/LendingMarket.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockPriceOracle} from "../../contracts/mocks/MockPriceOracle.sol";

/// @notice Issue #22, "a fresh or emptied market can be bricked for ever": the attack as the
/// review described it, then every exit and every owner control after it.
/// @notice A fixture that can redeploy its market with a flat borrow rate.
abstract contract LivenessBase is LendingFixture {
    uint256 internal constant MAX_RATE = 1e11;

    /// User j of shard s, funded with loan and collateral tokens.
    function _funded(uint256 s, uint256 j, uint256 loanAmount, uint256 collAmount) internal returns (address user) {
        user = _user(s, j);
        _fund(user, loanAmount, collAmount);
    }

    /// Replaces the market by one whose borrow rate is `rate` per second at any utilization.
    function _deployAtRate(uint256 rate) internal {
        market = _newMarket(rate, 0, 0);
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
        (attacker, lender, borrower) = (
            _funded(0, 0, 1e18, 1e18),
            _funded(1, 0, 1_000e18, 0),
            _funded(2, 0, 1_000e18, 10e18)
        );
        (holder, liquidator) = (_funded(3, 0, 0, 10e18), _funded(3, 1, 1_000e18, 0));
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
        _mintAndApprove(loan, _user(2, 0), debt, address(market));
        vm.startPrank(_user(2, 0));
        // The borrower is deep underwater: a liquidator takes everything, then the lender exits
        // with what the escrows hold.
        market.liquidate(borrower, type(uint256).max);
        vm.stopPrank();
        _nextBlock(1 days);
        market.accrue();
        (, , , , uint256 cash, ) = market.totals();
        uint256 claim = (market.position(lender).supplyShares * market.snapshot().supplyIndex) / 1e18;
        uint256 out = claim < cash ? claim : cash;
        // (After decades at the highest rate the bad debt exceeds the lender's claim: the claim
        // left may be dust, and the proceeds stay in the escrows; docs/lending.md, "Liveness".)
        if (out != 0) {
            vm.prank(lender);
            market.withdraw(out, lender, 0xf);
        }
    }
}

/// @notice Random actions by honest users and attackers on a market at extreme rates; each
/// action that liveness promises must succeed is checked in place and a failure recorded.
contract LivenessHandler is LendingHandlerBase {
    address internal immutable owner;
    /// The first broken promise, for the invariant's message; 0 while none.
    uint256 public broken;
    string public brokenWhat;
    uint256 public exits;
    uint256 public collateralExits;

    constructor(
        LendingMarket m,
        MockERC20 l,
        MockERC20 c,
        MockPriceOracle o,
        address owner_,
        address[] memory u,
        uint256 t
    ) LendingHandlerBase(m, l, c, o, u, t) {
        owner = owner_;
    }

    modifier clock() {
        vm.warp(time);
        calls++;
        _;
        // Accrual never reverts, whatever came before.
        try market.accrue() {} catch {
            _break("accrue reverted");
        }
    }

    function _break(string memory what) internal {
        if (broken == 0) {
            broken = calls;
            brokenWhat = what;
        }
    }

    function _all() internal view returns (uint256) {
        return (1 << market.nextShardCount()) - 1;
    }

    function _fund(address user, uint256 loanAmount, uint256 collAmount) internal {
        if (loanAmount != 0) loan.mint(user, loanAmount);
        if (collAmount != 0) coll.mint(user, collAmount);
    }

    function supply(uint256 u, uint256 amount) external clock {
        address user = _pick(u);
        amount = bound(amount, 1, 1e24);
        _fund(user, amount, 0);
        vm.prank(user);
        try market.supply(amount) {} catch {}
    }

    function borrow(uint256 u, uint256 collateral, uint256 amount) external clock {
        address user = _pick(u);
        collateral = bound(collateral, 1, 1e22);
        _fund(user, 0, collateral);
        vm.startPrank(user);
        market.depositCollateral(collateral); // never accrues: always works
        try market.borrow(bound(amount, 1, 1e24), user, _all()) {} catch {}
        vm.stopPrank();
    }

    function repay(uint256 u, uint256 p, uint256 amount, bool all) external clock {
        address onBehalf = _pick(u);
        address payer = _pick(p);
        _fund(payer, 1e27, 0);
        vm.prank(payer);
        try market.repay(all ? type(uint256).max : bound(amount, 1, 1e24), onBehalf) {} catch {}
    }

    function liquidate(uint256 u, uint256 l) external clock {
        address borrower = _pick(u);
        address liquidator = _pick(l);
        _fund(liquidator, 1e27, 0);
        vm.prank(liquidator);
        try market.liquidate(borrower, type(uint256).max) {} catch {}
    }

    /// Attacker: cash donated to an escrow (it backs no share).
    function donate(uint256 s, uint256 amount) external clock {
        amount = bound(amount, 1, 1e22);
        loan.mint(market.escrowOf(s % market.shardCount()), amount);
    }

    /// Attacker: the #22 attack, 1 wei supplied, a donation, the donation borrowed back.
    function selfBorrow(uint256 u, uint256 amount) external clock {
        address user = _pick(u);
        amount = bound(amount, 1e15, 1e22);
        _fund(user, 1 + amount, amount);
        vm.startPrank(user);
        try market.supply(1) {} catch {}
        require(loan.transfer(market.escrowOf(market.shardOf(user)), amount), "donation");
        market.depositCollateral(amount);
        try market.borrow(amount, user, 0) {} catch {}
        vm.stopPrank();
    }

    /// Attacker: a flash-funded round trip inside one block (supply, borrow, repay, withdraw)
    /// never ends with more loan tokens than it started with.
    function flashRoundTrip(uint256 u, uint256 amount, uint256 frac) external clock {
        address user = _pick(u);
        amount = bound(amount, 1e18, 1e26);
        _fund(user, amount, amount);
        market.accrue();
        uint256 before = _wealth(user);
        vm.startPrank(user);
        try market.supply(amount) {
            market.depositCollateral(amount);
            try market.borrow((amount * bound(frac, 1, 100)) / 100, user, _all()) {
                market.repay(type(uint256).max, user);
            } catch {}
            try market.withdraw(type(uint256).max, user, _all()) {} catch {}
        } catch {}
        vm.stopPrank();
        if (_wealth(user) > before) _break("flash round trip gained");
    }

    /// Every holder can exit up to what the market can pay: min(claim, all escrows' cash).
    function exit(uint256 u) external clock {
        address user = _pick(u);
        market.accrue();
        uint256 claim = _claim(user);
        (, , , , uint256 cash, ) = market.totals();
        uint256 amount = claim < cash ? claim : cash;
        if (amount == 0) return;
        uint256 all = _all(); // (an external call: not between prank and withdraw)
        vm.prank(user);
        try market.withdraw(amount, user, all) {
            exits++;
        } catch {
            _break("a holder could not withdraw what the market holds");
        }
    }

    /// A debt-free position's collateral is always withdrawable, paused or not, at any price.
    function exitCollateral(uint256 u) external clock {
        address user = _pick(u);
        LendingMarket.Position memory p = market.position(user);
        if (p.borrowShares != 0 || p.collateral == 0) return;
        vm.prank(user);
        try market.withdrawCollateral(p.collateral, user) {
            collateralExits++;
        } catch {
            _break("debt-free collateral could not be withdrawn");
        }
    }

    /// The owner's emergency functions always work.
    function ownerControls(bool pause, uint256 cap, uint256 epoch) external clock {
        vm.startPrank(owner);
        try market.setPaused(pause) {} catch {
            _break("setPaused reverted");
        }
        uint128 c = cap % 2 == 0 ? type(uint128).max : uint128(bound(cap, 1, 1e30));
        try market.setCaps(c, c) {} catch {
            _break("setCaps reverted");
        }
        try market.setRateEpoch(bound(epoch, 1, 7 days)) {} catch {
            _break("setRateEpoch reverted");
        }
        vm.stopPrank();
    }

    /// Elastic shards: the owner grows the count under load (at most once per timestamp).
    function growShards(uint256 count) external clock {
        uint256 next = market.nextShardCount();
        if (next == market.MAX_SHARDS() || next != market.shardCount()) return;
        count = bound(count, next + 1, market.MAX_SHARDS()); // (before the prank: an external call)
        vm.prank(owner);
        try market.setShardCount(count) {} catch {
            _break("setShardCount reverted");
        }
    }

    /// Long idle periods, up to five years at once.
    function passTime(uint256 dt, bool long) external {
        calls++;
        time += long ? bound(dt, 1 days, 5 * 365 days) : bound(dt, 1, 2 hours);
        vm.warp(time);
        vm.roll(vm.getBlockNumber() + 1);
        oracle.setPrice(oracle.price());
        try market.accrue() {} catch {
            _break("accrue reverted after idle time");
        }
    }

    /// Extreme prices: from 1e-6 to 1e6 loan units per collateral unit.
    function movePrice(uint256 price) external clock {
        oracle.setPrice(bound(price, 1e30, 1e42));
    }

    function _claim(address user) internal view returns (uint256) {
        return (market.position(user).supplyShares * market.snapshot().supplyIndex) / 1e18;
    }

    /// Loan tokens held plus the supply claim minus the debt (at this block's indices).
    function _wealth(address user) internal view returns (uint256) {
        (uint256 debt, ) = market.health(user, 1);
        uint256 gross = loan.balanceOf(user) + _claim(user);
        return gross > debt ? gross - debt : 0;
    }
}

/// @notice Liveness invariants (docs/lending.md, "Liveness"): 12 users in 4 shards, attackers
/// among them, at the highest rate slope the market accepts.
contract LendingLivenessInvariantTest is LivenessBase {
    LivenessHandler internal handler;

    function setUp() public {
        _deploy();
        market = _newMarket(uint256(0.02e18) / YEAR, uint256(0.1e18) / YEAR, MAX_RATE - uint256(0.12e18) / YEAR);
        address[] memory users = new address[](12);
        for (uint256 i = 0; i < 12; ++i) {
            users[i] = _user(i % K, i / K);
            vm.startPrank(users[i]);
            loan.approve(address(market), type(uint256).max);
            coll.approve(address(market), type(uint256).max);
            vm.stopPrank();
        }
        handler = new LivenessHandler(market, loan, coll, oracle, address(this), users, now_);
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// No sequence makes accrual, a holder's exit up to the market's cash, a debt-free
    /// collateral withdrawal or an owner control revert.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_everyExitAndControlStaysLive() public view {
        assertEq(handler.broken(), 0, handler.brokenWhat());
    }

    /// Escrow holdings plus debt cover every supplier's claim (after pending bad debt), even with
    /// donations, self-borrows and stale rates: no one is credited interest no debt pays.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_holdingsCoverClaims() public view {
        (, , uint256 supplyAssets, uint256 borrowAssets, uint256 cash, uint256 pending) = market.totals();
        uint256 owed = supplyAssets > pending ? supplyAssets - pending : 0;
        assertGe(cash + borrowAssets, owed, "holdings + debt < claims");
    }

    /// The supply index never outgrows the borrow index, and neither leaves 96 bits.
    /// forge-config: default.invariant.runs = 48
    /// forge-config: default.invariant.depth = 60
    function invariant_indicesOrderedAndBounded() public view {
        LendingMarket.Snapshot memory snap = market.snapshot();
        assertLe(snap.supplyIndex, snap.borrowIndex, "supply index above borrow index");
        assertLe(snap.borrowIndex, (1 << 96) - 1, "borrow index out of range");
    }
}
