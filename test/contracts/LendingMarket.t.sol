// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {LayoutsBase} from "../utils/LayoutsBase.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {LendingMarket} from "../../contracts/lending/LendingMarket.sol";
import {ILendingMarket} from "../../contracts/interfaces/ILendingMarket.sol";
import {LendingStorageLib} from "../../contracts/lending/LendingStorageLib.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockPriceOracle} from "../../contracts/mocks/MockPriceOracle.sol";

/// @notice Shared fixture: a 4-shard market, 2000 loan units per collateral unit, LLTV 80%,
/// both tokens' layouts registered (OpenZeppelin ERC20: balances slot 0, allowances slot 1)
/// unless `_useLayouts` is overridden.
abstract contract LendingFixture is AccessCheck, LayoutsBase {
    uint256 internal constant K = 4;
    uint256 internal constant PRICE = 2000e36;
    uint256 internal constant YEAR = 365 days;

    MockERC20 internal loan;
    MockERC20 internal coll;
    MockPriceOracle internal oracle;
    LendingMarket internal market;
    uint256 internal now_ = 1_700_000_000;

    function _deploy() internal {
        vm.warp(now_);
        loan = new MockERC20("Loan", "LOAN", 18);
        coll = new MockERC20("Collateral", "COLL", 18);
        oracle = new MockPriceOracle(PRICE);
        _newLayouts();
        _registerLayout(loan);
        _registerLayout(coll);
        market = _newMarket(uint256(0.02e18) / YEAR, uint256(0.1e18) / YEAR, uint256(1e18) / YEAR);
    }

    /// A K-shard market on the fixture's tokens with the given kinked rates (kink at 80%).
    function _newMarket(uint256 base, uint256 slope1, uint256 slope2) internal returns (LendingMarket) {
        return
            new LendingMarket(
                LendingMarket.Params({
                    loanToken: loan,
                    collateralToken: coll,
                    oracle: oracle,
                    shardCount: K,
                    lltv: 0.8e18,
                    liquidationBonus: 1.05e18,
                    maxPriceAge: 1 hours,
                    baseRate: base,
                    slope1: slope1,
                    slope2: slope2,
                    kink: 0.8e18
                }),
                address(this),
                ITokenLayoutRegistry(address(layouts))
            );
    }

    /// A user in shard `s` (addresses 0x1000 + 4j + s).
    function _user(uint256 s, uint256 j) internal pure returns (address) {
        return address(uint160(0x10000 + 4 * j + s));
    }

    function _fund(address user, uint256 loanAmount, uint256 collAmount) internal {
        _mintAndApprove(loan, user, loanAmount, address(market));
        _mintAndApprove(coll, user, collAmount, address(market));
    }

    function _nextBlock(uint256 dt) internal {
        now_ += dt;
        vm.warp(now_);
        vm.roll(vm.getBlockNumber() + 1);
        oracle.setPrice(oracle.price());
    }
}

/// @notice Observed storage accesses are a subset of declareAccess; conflict-freedom across shards.
contract LendingAccessTest is LendingFixture {
    error NotDeclared(address account, bytes32 slot, bool write);

    function setUp() public {
        _deploy();
        for (uint256 s = 0; s < K; ++s) {
            for (uint256 j = 0; j < 3; ++j) _fund(_user(s, j), 1_000_000e18, 1_000e18);
        }
    }

    function _declaredMode(
        IAccessDeclaring.Access[] memory decl,
        address account,
        bytes32 slot
    ) internal pure returns (uint8 mode) {
        for (uint256 i = 0; i < decl.length; ++i) {
            if (decl[i].account == account && (decl[i].slot == slot || decl[i].slot == bytes32(type(uint256).max))) {
                mode |= decl[i].mode;
            }
        }
    }

    function _checkAccount(IAccessDeclaring.Access[] memory decl, address account) internal returns (bytes32[] memory) {
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(account);
        for (uint256 i = 0; i < reads.length; ++i) {
            if (_declaredMode(decl, account, reads[i]) == 0) revert NotDeclared(account, reads[i], false);
        }
        for (uint256 i = 0; i < writes.length; ++i) {
            if (_declaredMode(decl, account, writes[i]) & 6 == 0) revert NotDeclared(account, writes[i], true);
        }
        return writes;
    }

    /// Runs `data` from `sender` and checks every access against the declaration; returns the
    /// market's and the loan token's written slots.
    function _run(address sender, bytes memory data) internal returns (bytes32[] memory mw, bytes32[] memory tw) {
        IAccessDeclaring.Access[] memory decl = market.declareAccess(sender, data);
        vm.record();
        vm.prank(sender);
        (bool ok, bytes memory ret) = address(market).call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(ret, 0x20), mload(ret))
            }
        }
        mw = _checkAccount(decl, address(market));
        tw = _checkAccount(decl, address(loan));
        _checkAccount(decl, address(coll));
        _checkAccount(decl, address(oracle));
    }

    function _has(bytes32[] memory xs, bytes32 x) internal pure returns (bool) {
        for (uint256 i = 0; i < xs.length; ++i) if (xs[i] == x) return true;
        return false;
    }

    /// Every path, both as the block's first interaction (snapshot taken) and later in the block.
    function test_observedWithinDeclared_everyPath() public {
        address a = _user(0, 0);
        address b = _user(1, 0);
        address c = _user(2, 0);
        for (uint256 round = 0; round < 2; ++round) {
            _nextBlock(1 days);
            bool first = true;
            bytes32[] memory mw;
            if (round == 1) {
                // The rate refresh, first in its block: takes the snapshot and writes the rates.
                (mw, ) = _run(b, abi.encodeCall(market.refreshRates, ()));
                assertTrue(_has(mw, bytes32(uint256(4))), "the refresh writes the rates");
                first = false;
            }
            (mw, ) = _run(a, abi.encodeCall(market.supply, (10_000e18)));
            assertTrue(_has(mw, bytes32(uint256(3))) == first, "snapshot written by the first only");
            first = false;
            (mw, ) = _run(b, abi.encodeCall(market.supply, (5_000e18)));
            assertTrue(!_has(mw, bytes32(uint256(3))), "snapshot not rewritten");
            _run(_user(2, 1), abi.encodeCall(market.supply, (1_500e18)));
            _run(c, abi.encodeCall(market.depositCollateral, (10e18)));
            _run(c, abi.encodeCall(market.borrow, (1_000e18, c, 0)));
            // Shard 2 holds only 500 more: borrowing 2,000 needs the fallback to shards 0 and 1.
            _run(c, abi.encodeCall(market.borrow, (2_000e18, c, (1 << 0) | (1 << 1))));
            _run(a, abi.encodeCall(market.repay, (500e18, c)));
            _run(c, abi.encodeCall(market.repay, (100e18, c)));
            _run(c, abi.encodeCall(market.withdrawCollateral, (1e18, c)));
            _run(b, abi.encodeCall(market.withdraw, (1_000e18, b, 1 << 2)));
            _run(a, abi.encodeCall(market.accrue, ()));
            _run(c, abi.encodeCall(market.repay, (type(uint256).max, c)));
            _run(c, abi.encodeCall(market.withdrawCollateral, (9e18, c)));
            _run(a, abi.encodeCall(market.withdraw, (type(uint256).max, a, 0xf)));
        }
        _run(address(this), abi.encodeCall(market.setPaused, (true)));
        _run(address(this), abi.encodeCall(market.setPaused, (false)));
        _run(address(this), abi.encodeCall(market.setCaps, (1e30, 1e30)));
        _run(address(this), abi.encodeCall(market.transferOwnership, (a)));
        _run(a, abi.encodeCall(market.acceptOwnership, ()));
        _run(a, abi.encodeCall(market.renounceOwnership, ()));
    }

    /// Issue #18: an ordinary operation that is the first of a new rate epoch (the stored rates'
    /// epoch has ended) reads no shard but its own; only `refreshRates` reads them all.
    function test_firstOfAnEpochReadsNoOtherShard() public {
        _run(_user(1, 0), abi.encodeCall(market.supply, (10_000e18)));
        _nextBlock(2 hours);
        address a = _user(0, 0);
        IAccessDeclaring.Access[] memory decl = market.declareAccess(a, abi.encodeCall(market.supply, (1e18)));
        vm.record();
        vm.prank(a);
        market.supply(1e18);
        (bytes32[] memory reads, ) = vm.accesses(address(market));
        _checkAccount(decl, address(market));
        for (uint256 s = 1; s < K; ++s) {
            assertTrue(!_has(reads, bytes32(5 + 2 * s)), "an ordinary operation read another shard");
        }
        _nextBlock(1);
        vm.record();
        market.refreshRates();
        (reads, ) = vm.accesses(address(market));
        for (uint256 s = 0; s < K; ++s) assertTrue(_has(reads, bytes32(5 + 2 * s)), "the refresh reads every shard");
    }

    /// LendingStorageLib names the slots the market really uses.
    function test_storageLibNamesTheSlots() public {
        address a = _user(1, 0);
        _run(a, abi.encodeCall(market.supply, (10_000e18)));
        _run(a, abi.encodeCall(market.depositCollateral, (10e18)));
        _run(a, abi.encodeCall(market.borrow, (1_000e18, a, 0)));
        LendingMarket.Position memory p = market.position(a);
        LendingMarket.ShardTotals memory t = market.shardTotals(1);
        uint256 pos = uint256(vm.load(address(market), LendingStorageLib.positionSlot(a)));
        uint256 loanWord = uint256(vm.load(address(market), LendingStorageLib.loanSlot(a)));
        uint256 shard = uint256(vm.load(address(market), LendingStorageLib.shardSlot(1)));
        uint256 rates = uint256(vm.load(address(market), bytes32(LendingStorageLib.RATES)));
        assertEq(pos & LendingStorageLib.SUPPLY_SHARES_MASK, p.supplyShares, "position slot");
        assertEq(LendingStorageLib.supplyTag(pos), 2, "position slot: shard tag (shard 1 + 1)");
        assertEq(loanWord & ((1 << 112) - 1), p.borrowShares, "loan slot: borrow shares");
        assertEq(LendingStorageLib.loanTag(loanWord), 2, "loan slot: shard tag (shard 1 + 1)");
        assertEq(loanWord >> 128, p.collateral, "loan slot: collateral");
        uint256 snapWord = uint256(vm.load(address(market), bytes32(LendingStorageLib.SNAPSHOT)));
        (uint256 count, uint256 next) = LendingStorageLib.shardCounts(snapWord);
        assertEq(count, K, "snapshot slot: shard count");
        assertEq(next, K, "snapshot slot: next shard count");
        assertEq(shard & ((1 << 112) - 1), t.supplyShares, "shard slot: supply shares");
        assertEq((shard >> 112) & ((1 << 112) - 1), t.borrowShares, "shard slot: borrow shares");
        assertEq(rates & ((1 << 40) - 1), market.rates().borrowRate, "rates slot");
    }

    /// Liquidation with bad debt, then the next block's snapshot socializing it.
    function test_observedWithinDeclared_liquidationAndBadDebt() public {
        address lender = _user(0, 0);
        address borrower = _user(1, 0);
        address liquidator = _user(2, 0);
        _run(lender, abi.encodeCall(market.supply, (100_000e18)));
        _run(borrower, abi.encodeCall(market.depositCollateral, (10e18)));
        _run(borrower, abi.encodeCall(market.borrow, (15_000e18, borrower, 1)));
        _nextBlock(1);
        oracle.setPrice(1000e36); // collateral now worth 10,000 < 15,000 debt
        (bytes32[] memory mw, ) = _run(liquidator, abi.encodeCall(market.liquidate, (borrower, type(uint256).max)));
        assertTrue(_has(mw, bytes32(uint256(134))), "the liquidation books its bad debt as pending");
        assertEq(market.badDebtSocialized(), 0, "bad debt is not socialized in the liquidation's block");
        (, , , , , uint256 pending) = market.totals();
        assertGt0(pending);
        _nextBlock(1);
        (mw, ) = _run(lender, abi.encodeCall(market.accrue, ()));
        assertTrue(_has(mw, bytes32(uint256(134))), "next snapshot socializes");
        assertTrue(!_has(mw, bytes32(uint256(4))), "but leaves the rates to refreshRates");
        (, , , , , pending) = market.totals();
        assertEq(pending, 0, "no pending after the snapshot");
    }

    function assertGt0(uint256 x) internal pure {
        assertTrue(x > 0, "expected > 0");
    }

    /// After the block's snapshot, users of different shards write pairwise disjoint slots, in
    /// the market and in the loan token, and never a slot another reads.
    function test_differentShardsTouchDisjointSlots() public {
        // Give every shard liquidity and each shard-2 borrower collateral.
        for (uint256 s = 0; s < K; ++s) _run(_user(s, 1), abi.encodeCall(market.supply, (50_000e18)));
        _run(_user(2, 0), abi.encodeCall(market.depositCollateral, (10e18)));
        _run(_user(3, 0), abi.encodeCall(market.depositCollateral, (10e18)));
        _run(_user(3, 0), abi.encodeCall(market.borrow, (1_000e18, _user(3, 0), 0)));
        _nextBlock(1 hours);
        _run(_user(0, 2), abi.encodeCall(market.accrue, ())); // the block's one snapshot write

        bytes[4] memory calls = [
            abi.encodeCall(market.supply, (1_000e18)),
            abi.encodeCall(market.withdraw, (1_000e18, _user(1, 1), 0)),
            abi.encodeCall(market.borrow, (2_000e18, _user(2, 0), 0)),
            abi.encodeCall(market.repay, (500e18, _user(3, 0)))
        ];
        address[4] memory senders = [_user(0, 0), _user(1, 1), _user(2, 0), _user(3, 0)];
        bytes32[][4] memory marketWrites;
        bytes32[][4] memory tokenWrites;
        for (uint256 i = 0; i < 4; ++i) (marketWrites[i], tokenWrites[i]) = _run(senders[i], calls[i]);
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 j = i + 1; j < 4; ++j) {
                for (uint256 x = 0; x < marketWrites[i].length; ++x) {
                    assertTrue(!_has(marketWrites[j], marketWrites[i][x]), "market slot written by two shards");
                }
                for (uint256 x = 0; x < tokenWrites[i].length; ++x) {
                    assertTrue(!_has(tokenWrites[j], tokenWrites[i][x]), "token slot written by two shards");
                }
            }
        }
        // No tx after the snapshot read another shard's slots: redo with recorded reads.
        vm.record();
        vm.prank(_user(0, 0));
        market.supply(1e18);
        (bytes32[] memory reads, ) = vm.accesses(address(market));
        for (uint256 i = 0; i < reads.length; ++i) {
            uint256 slot = uint256(reads[i]);
            if (slot >= 5 && slot < 5 + 2 * K) assertTrue(slot == 5 || slot == 6, "read another shard");
        }
    }

    function test_declareAccessRejectsUnknownSelector() public {
        vm.expectRevert(abi.encodeWithSelector(ILendingMarket.UnknownSelector.selector, bytes4(0xdeadbeef)));
        market.declareAccess(address(1), hex"deadbeef");
    }

    function test_declareAccessRejectsInvalidSources() public {
        bytes memory data = abi.encodeCall(market.withdraw, (1, address(1), 1 << K));
        vm.expectRevert(abi.encodeWithSelector(ILendingMarket.InvalidSources.selector, uint256(1 << K)));
        market.declareAccess(address(1), data);
    }
}

/// @notice The same observed-within-declared checks with no token layout registry: every
/// token access is declared as the whole account (ANY_SLOT), as before registries existed.
contract LendingAccessUnregisteredTest is LendingAccessTest {
    function _useLayouts() internal pure override returns (bool) {
        return false;
    }

    function test_tokensDeclaredAsWholeAccount() public view {
        IAccessDeclaring.Access[] memory d = market.declareAccess(_user(0, 0), abi.encodeCall(market.supply, (1e18)));
        bool whole;
        for (uint256 i = 0; i < d.length; ++i) {
            if (d[i].account == address(loan)) {
                assertTrue(d[i].slot == bytes32(type(uint256).max), "exact slot without a registry");
                whole = true;
            }
        }
        assertTrue(whole, "loan token not declared");
    }
}

/// @notice With registered layouts, the token slots declared are exactly the token slots a
/// call touches: the sender's and the escrow's balances and the allowance it spends.
contract LendingExactTokenSlotsTest is LendingFixture {
    function setUp() public {
        _deploy();
        for (uint256 s = 0; s < K; ++s) _fund(_user(s, 0), 1_000_000e18, 1_000e18);
        _fund(_user(2, 1), 1_000_000e18, 0);
        // A finite allowance: transferFrom then writes it.
        vm.prank(_user(1, 0));
        loan.approve(address(market), 1e30);
    }

    function _exact(address sender, bytes memory data, string memory what) internal {
        IAccessDeclaring.Access[] memory d = market.declareAccess(sender, data);
        _recordedCall(address(market), sender, data);
        _assertExactSlots(d, address(loan), what);
    }

    function test_supplyWithdrawBorrowRepayDeclareExactLoanSlots() public {
        address a = _user(0, 0);
        address b = _user(1, 0);
        address c = _user(2, 0);
        _exact(a, abi.encodeCall(market.supply, (10_000e18)), "supply");
        _exact(b, abi.encodeCall(market.supply, (10_000e18)), "supply, finite allowance");
        _exact(b, abi.encodeCall(market.withdraw, (1_000e18, address(0xCAFE), 0)), "withdraw");
        _exact(_user(2, 1), abi.encodeCall(market.supply, (5_000e18)), "supply into shard 2");
        vm.prank(c);
        market.depositCollateral(10e18);
        _exact(c, abi.encodeCall(market.borrow, (1_000e18, c, 0)), "borrow");
        _exact(a, abi.encodeCall(market.repay, (500e18, c)), "repay for another");
        // Shard 2's escrow pays its 4,500, shard 0's the rest.
        _exact(c, abi.encodeCall(market.borrow, (12_000e18, c, 1)), "borrow with fallback");
    }

    function test_collateralPathsDeclareExactCollateralSlots() public {
        address c = _user(2, 0);
        IAccessDeclaring.Access[] memory d = market.declareAccess(c, abi.encodeCall(market.depositCollateral, (5e18)));
        _recordedCall(address(market), c, abi.encodeCall(market.depositCollateral, (5e18)));
        _assertExactSlots(d, address(coll), "depositCollateral");
        d = market.declareAccess(c, abi.encodeCall(market.withdrawCollateral, (1e18, address(0xCAFE))));
        _recordedCall(address(market), c, abi.encodeCall(market.withdrawCollateral, (1e18, address(0xCAFE))));
        _assertExactSlots(d, address(coll), "withdrawCollateral");
    }

    function test_liquidationDeclaresExactSlotsOfBothTokens() public {
        address lender = _user(0, 0);
        address borrower = _user(1, 0);
        address liquidator = _user(2, 0);
        vm.prank(lender);
        market.supply(100_000e18);
        vm.startPrank(borrower);
        market.depositCollateral(10e18);
        market.borrow(15_000e18, borrower, 1);
        vm.stopPrank();
        _nextBlock(1);
        oracle.setPrice(1800e36); // 14,400 of borrowing power for 15,000 of debt
        bytes memory data = abi.encodeCall(market.liquidate, (borrower, 1_000e18));
        IAccessDeclaring.Access[] memory d = market.declareAccess(liquidator, data);
        _recordedCall(address(market), liquidator, data);
        _assertExactSlots(d, address(loan), "liquidate, loan token");
        _assertExactSlots(d, address(coll), "liquidate, collateral");
    }
}

/// @notice The fixture with three funded actors: a lender (shard 0), a borrower (shard 1) and an
/// attacker (shard 2).
abstract contract LendingActorsFixture is LendingFixture {
    address internal lender;
    address internal borrower;
    address internal attacker;

    function _deployWithActors() internal {
        _deploy();
        lender = _user(0, 0);
        borrower = _user(1, 0);
        attacker = _user(2, 0);
        _fund(lender, 1e30, 0);
        _fund(borrower, 1e30, 1e30);
        _fund(attacker, 1e30, 1e30);
    }
}

/// @notice Rounding and same-block safety, fuzzed.
contract LendingFuzzTest is LendingActorsFixture {
    function setUp() public {
        _deployWithActors();
    }

    /// Moves both indices away from 1 by borrowing and letting time pass.
    function _age(uint256 supplied, uint256 borrowedBps, uint256 dt) internal {
        supplied = bound(supplied, 1e18, 1e27);
        vm.prank(lender);
        market.supply(supplied);
        uint256 borrowed = (supplied * bound(borrowedBps, 1, 10_000)) / 10_000;
        vm.startPrank(borrower);
        market.depositCollateral(borrowed); // ample: 2000 loan units each
        market.borrow(borrowed, borrower, 0xf);
        vm.stopPrank();
        _nextBlock(bound(dt, 1, 5 * YEAR));
        market.accrue();
    }

    function testFuzz_supplyThenWithdrawAllNeverGains(uint256 s, uint256 b, uint256 dt, uint256 amount) public {
        _age(s, b, dt);
        amount = bound(amount, 1e6, 1e27);
        uint256 before = loan.balanceOf(attacker);
        vm.startPrank(attacker);
        market.supply(amount);
        market.withdraw(type(uint256).max, attacker, 0xf);
        vm.stopPrank();
        uint256 afterBal = loan.balanceOf(attacker);
        assertLe(afterBal, before, "supply/withdraw gained");
        // And loses at most the interest until the epoch's end (new supply is priced at the
        // epoch-end index) plus the value of one share (rounding), not more.
        uint256 index = market.snapshot().supplyIndex;
        LendingMarket.RateBook memory rb = market.rates();
        uint256 end = (uint256(rb.epoch) + 1) * rb.epochLength;
        uint256 xs = uint256(rb.supplyRate) * (end > block.timestamp ? end - block.timestamp : 0);
        // (The epoch-end index is rounded up by one unit: worth amount / index.)
        uint256 premium = (amount * (xs + (xs * xs) / 1e18 + 1)) / 1e18 + amount / index + 1;
        assertLe(before - afterBal, premium + index / 1e18 + 2, "lost more than the epoch's interest and rounding");
    }

    function testFuzz_withdrawBurnsAtLeastMinted(uint256 s, uint256 b, uint256 dt, uint256 amount) public {
        _age(s, b, dt);
        amount = bound(amount, 1e6, 1e27);
        vm.startPrank(attacker);
        uint256 minted = market.supply(amount);
        // Withdrawing the same assets needs at least the shares minted, so it fails or burns all.
        try market.withdraw(amount, attacker, 0xf) returns (uint256, uint256 burned) {
            assertGe(burned, minted, "withdraw burned fewer shares than supply minted");
        } catch {}
        vm.stopPrank();
    }

    function testFuzz_borrowThenRepayAllCostsAtLeastBorrowed(uint256 s, uint256 b, uint256 dt, uint256 amount) public {
        _age(s, b, dt);
        (, , , , uint256 cash, ) = market.totals();
        vm.assume(cash > 0);
        amount = bound(amount, 1, cash < 1e24 ? cash : 1e24);
        vm.startPrank(attacker);
        market.depositCollateral(amount);
        uint256 before = loan.balanceOf(attacker);
        market.borrow(amount, attacker, 0xf);
        (uint256 repaid, ) = market.repay(type(uint256).max, attacker);
        vm.stopPrank();
        assertGe(repaid, amount, "repaid less than borrowed");
        assertLe(loan.balanceOf(attacker), before, "borrow/repay gained");
        assertEq(market.position(attacker).borrowShares, 0, "debt left");
    }

    /// Supply, borrow against collateral, withdraw: all in one block, the attacker ends with no
    /// more loan tokens than they put in, net of the debt they still owe.
    function testFuzz_sameBlockSupplyBorrowWithdrawExtractsNothing(
        uint256 s,
        uint256 b,
        uint256 dt,
        uint256 x,
        uint256 y
    ) public {
        _age(s, b, dt);
        x = bound(x, 1e18, 1e26);
        uint256 lenderClaim = _claim(lender);
        vm.startPrank(attacker);
        uint256 start = loan.balanceOf(attacker);
        market.supply(x);
        market.depositCollateral(x);
        (, , , , uint256 cash, ) = market.totals();
        uint256 maxDebt = (x * 2000 * 8) / 10;
        y = bound(y, 1, cash < maxDebt ? cash : maxDebt);
        market.borrow(y, attacker, 0xf);
        try market.withdraw(type(uint256).max, attacker, 0xf) {} catch {}
        vm.stopPrank();
        uint256 debt = _debt(attacker);
        assertLe(loan.balanceOf(attacker), start + debt, "extracted value");
        assertGe(_claim(lender), lenderClaim, "lender lost value");
    }

    /// A price drop inside a block is seen at once: borrowing against the old price fails and
    /// the position becomes liquidatable in the same block.
    function testFuzz_priceDropInsideBlockCannotBeArbitraged(uint256 collateral, uint256 dropBps) public {
        vm.prank(lender);
        market.supply(1e27);
        collateral = bound(collateral, 1e15, 1e22);
        dropBps = bound(dropBps, 100, 9_000);
        vm.startPrank(borrower);
        market.depositCollateral(collateral);
        uint256 maxOld = (((collateral * PRICE) / 1e36) * 0.8e18) / 1e18;
        market.borrow(maxOld / 2, borrower, 0xf);
        vm.stopPrank();
        oracle.setPrice((PRICE * (10_000 - dropBps)) / 10_000); // same block
        uint256 maxNew = (((collateral * oracle.price()) / 1e36) * 0.8e18) / 1e18;
        vm.prank(borrower);
        try market.borrow(maxOld - maxOld / 2, borrower, 0xf) {
            assertLe(maxOld, maxNew, "borrowed against the pre-drop price");
        } catch {}
        (uint256 debt, uint256 maxDebt) = market.health(borrower, oracle.price());
        if (debt > maxDebt) {
            vm.prank(attacker);
            market.liquidate(borrower, type(uint256).max);
        }
    }

    /// The interest index is fixed within a block: nothing accrues between two calls of one block.
    function testFuzz_indexConstantWithinBlock(uint256 s, uint256 b, uint256 dt) public {
        _age(s, b, dt);
        LendingMarket.Snapshot memory first = market.snapshot();
        vm.prank(attacker);
        market.supply(1e18);
        vm.prank(borrower);
        market.repay(type(uint256).max, borrower);
        LendingMarket.Snapshot memory second = market.snapshot();
        assertEq(first.supplyIndex, second.supplyIndex, "supply index moved within a block");
        assertEq(first.borrowIndex, second.borrowIndex, "borrow index moved within a block");
    }

    /// The kinked model is monotone in utilization and continuous at the kink.
    function testFuzz_rateMonotoneAndContinuous(uint256 u1, uint256 u2) public view {
        u1 = bound(u1, 0, 1e18);
        u2 = bound(u2, u1, 1e18);
        assertLe(market.borrowRate(u1), market.borrowRate(u2), "rate fell as utilization rose");
        uint256 atKink = market.borrowRate(0.8e18);
        assertEq(atKink, market.baseRate() + market.slope1(), "rate at the kink");
        assertLe(market.borrowRate(0.8e18 + 1) - atKink, 1, "jump above the kink");
    }

    /// Without bad debt, neither index ever falls, and the borrow index grows at least as fast
    /// as the supply index (suppliers never earn more than borrowers pay).
    function testFuzz_indicesMonotone(uint256 s, uint256 b, uint256 dt, uint256 dt2) public {
        _age(s, b, dt);
        LendingMarket.Snapshot memory a = market.snapshot();
        _nextBlock(bound(dt2, 1, YEAR));
        market.accrue();
        LendingMarket.Snapshot memory c = market.snapshot();
        assertGe(c.supplyIndex, a.supplyIndex, "supply index fell");
        assertGe(c.borrowIndex, a.borrowIndex, "borrow index fell");
        (, , uint256 supplied, uint256 borrowed, uint256 cash, ) = market.totals();
        assertGe(cash + borrowed, supplied, "books do not cover supply");
    }

    function _claim(address user) internal view returns (uint256) {
        return (uint256(market.position(user).supplyShares) * market.snapshot().supplyIndex) / 1e18;
    }

    function _debt(address user) internal view returns (uint256 debt) {
        (debt, ) = market.health(user, PRICE);
    }
}

/// @notice What every invariant handler of the market holds: the market, its tokens and oracle,
/// the users it acts for, and its own clock.
abstract contract LendingHandlerBase is TestBase {
    LendingMarket internal immutable market;
    MockERC20 internal immutable loan;
    MockERC20 internal immutable coll;
    MockPriceOracle internal immutable oracle;
    address[] internal users;
    uint256 public time;
    uint256 public calls;

    constructor(LendingMarket m, MockERC20 l, MockERC20 c, MockPriceOracle o, address[] memory u, uint256 t) {
        market = m;
        loan = l;
        coll = c;
        oracle = o;
        users = u;
        time = t;
    }

    function userCount() external view returns (uint256) {
        return users.length;
    }

    function userAt(uint256 i) external view returns (address) {
        return users[i];
    }

    function _pick(uint256 seed) internal view returns (address) {
        return users[seed % users.length];
    }
}

/// @notice Drives many users through random operation sequences for the invariant tests.
contract LendingHandler is LendingHandlerBase {
    bool public healthyLiquidated;
    uint256 public okBorrows;
    uint256 public okLiquidations;
    uint256 public badDebts;
    /// Ghosts, from the amounts each call returns: loan assets supplied net of withdrawals, and
    /// lent net of repayments (repay and liquidation).
    int256 public netSupplied;
    int256 public netLent;

    constructor(
        LendingMarket m,
        MockERC20 l,
        MockERC20 c,
        MockPriceOracle o,
        address[] memory u,
        uint256 t
    ) LendingHandlerBase(m, l, c, o, u, t) {}

    /// The runner may reset the block environment between calls: pin the handler's clock.
    modifier clock() {
        vm.warp(time);
        _;
    }

    function supply(uint256 u, uint256 amount) external clock {
        calls++;
        address user = _pick(u);
        amount = bound(amount, 1e9, 1e24);
        loan.mint(user, amount);
        vm.prank(user);
        market.supply(amount);
        netSupplied += int256(amount);
    }

    function withdraw(uint256 u, uint256 amount, bool everything) external clock {
        calls++;
        address user = _pick(u);
        amount = everything ? type(uint256).max : bound(amount, 1, 1e24);
        uint256 allShards = (1 << market.shardCount()) - 1;
        vm.prank(user);
        try market.withdraw(amount, user, allShards) returns (uint256 withdrawn, uint256) {
            netSupplied -= int256(withdrawn);
        } catch {}
    }

    function depositCollateral(uint256 u, uint256 amount) external clock {
        calls++;
        address user = _pick(u);
        amount = bound(amount, 1, 1e21);
        coll.mint(user, amount);
        vm.prank(user);
        market.depositCollateral(amount);
    }

    function withdrawCollateral(uint256 u, uint256 amount) external clock {
        calls++;
        address user = _pick(u);
        uint256 have = market.position(user).collateral;
        if (have == 0) return;
        amount = bound(amount, 1, have);
        vm.prank(user);
        try market.withdrawCollateral(amount, user) {} catch {}
    }

    function borrow(uint256 u, uint256 amount) external clock {
        calls++;
        address user = _pick(u);
        market.accrue();
        (uint256 debt, uint256 maxDebt) = market.health(user, oracle.price());
        if (debt >= maxDebt) return;
        amount = bound(amount, 1, maxDebt - debt);
        uint256 all = (1 << market.shardCount()) - 1;
        vm.prank(user);
        try market.borrow(amount, user, all) {
            okBorrows++;
            netLent += int256(amount);
        } catch {}
    }

    function repay(uint256 u, uint256 p, uint256 amount, bool all) external clock {
        calls++;
        address onBehalf = _pick(u);
        address payer = _pick(p);
        amount = all ? type(uint256).max : bound(amount, 1, 1e24);
        loan.mint(payer, 1e25);
        vm.prank(payer);
        try market.repay(amount, onBehalf) returns (uint256 repaid, uint256) {
            netLent -= int256(repaid);
        } catch {}
    }

    function liquidate(uint256 u, uint256 l, uint256 amount) external clock {
        calls++;
        address borrower = _pick(u);
        address liquidator = _pick(l);
        amount = bound(amount, 1, type(uint128).max);
        market.accrue();
        (uint256 debt, uint256 maxDebt) = market.health(borrower, oracle.price());
        loan.mint(liquidator, 1e25);
        vm.prank(liquidator);
        try market.liquidate(borrower, amount) returns (uint256 repaid, uint256, uint256 bad) {
            okLiquidations++;
            netLent -= int256(repaid);
            if (bad > 0) badDebts++;
            if (debt <= maxDebt) healthyLiquidated = true;
        } catch {}
    }

    function passTime(uint256 dt) external {
        calls++;
        time += bound(dt, 1, 30 days);
        vm.warp(time);
        oracle.setPrice(oracle.price());
    }

    function movePrice(uint256 price) external clock {
        calls++;
        oracle.setPrice(bound(price, 100e36, 4000e36));
    }
}

/// @notice Invariants over random sequences of the handler's operations.
contract LendingInvariantTest is LendingFixture {
    LendingHandler internal handler;

    function setUp() public {
        _deploy();
        address[] memory users = new address[](8);
        for (uint256 i = 0; i < 8; ++i) users[i] = _user(i % K, i / K);
        handler = new LendingHandler(market, loan, coll, oracle, users, now_);
        for (uint256 i = 0; i < 8; ++i) {
            vm.startPrank(users[i]);
            loan.approve(address(market), type(uint256).max);
            coll.approve(address(market), type(uint256).max);
            vm.stopPrank();
        }
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 50
    function invariant_shardsSumToPositions() public view {
        uint256 supplyShares;
        uint256 borrowShares;
        for (uint256 i = 0; i < handler.userCount(); ++i) {
            LendingMarket.Position memory p = market.position(handler.userAt(i));
            supplyShares += p.supplyShares;
            borrowShares += p.borrowShares;
        }
        (uint256 s, uint256 b, , , , ) = market.totals();
        assertEq(s, supplyShares, "supply shares: shards != positions");
        assertEq(b, borrowShares, "borrow shares: shards != positions");
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 50
    function invariant_holdingsCoverWithdrawableSupply() public view {
        (, , uint256 supplyAssets, uint256 borrowAssets, , uint256 pending) = market.totals();
        uint256 held;
        uint256 heldCollateral;
        for (uint256 s = 0; s < K; ++s) {
            held += loan.balanceOf(market.escrowOf(s));
            heldCollateral += coll.balanceOf(market.escrowOf(s));
        }
        uint256 owed = supplyAssets > pending ? supplyAssets - pending : 0;
        assertGe(held + borrowAssets, owed, "holdings + debt do not cover supply");
        uint256 collateral;
        for (uint256 i = 0; i < handler.userCount(); ++i) {
            collateral += market.position(handler.userAt(i)).collateral;
        }
        assertEq(heldCollateral, collateral, "collateral held != pledged");
    }

    /// "Borrowed never exceeds supplied", exactly, in the loan assets that moved: the amount lent
    /// net of repayments never exceeds the amount supplied net of withdrawals, and the escrows
    /// hold exactly the difference (no donations in this handler). The same statement in value
    /// (borrow shares x borrow index <= supply shares x supply index) is not an invariant of the
    /// design, nor of Morpho's: interest charged to borrowers and not (yet) credited to lenders
    /// (the stale-rate lags, the epoch-end prices, rounding) stays in the escrows as surplus and
    /// can be lent again; what is exact in value is solvency,
    /// `invariant_holdingsCoverWithdrawableSupply` (docs/lending.md, "Rounding").
    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 50
    function invariant_borrowedNotAboveSupplied() public view {
        int256 supplied = handler.netSupplied();
        int256 lent = handler.netLent();
        assertTrue(lent <= supplied, "lent net of repayments > supplied net of withdrawals");
        uint256 held;
        for (uint256 s = 0; s < K; ++s) held += loan.balanceOf(market.escrowOf(s));
        assertTrue(int256(held) == supplied - lent, "escrows != supplied - lent");
    }

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 50
    function invariant_noHealthyPositionLiquidated() public view {
        assertTrue(!handler.healthyLiquidated(), "a healthy position was liquidated");
    }
}
