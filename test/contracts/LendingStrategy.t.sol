// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessCheck} from "../utils/AccessCheck.sol";
import {DisjointVault} from "../../contracts/vault/DisjointVault.sol";
import {IDisjointVault} from "../../contracts/interfaces/IDisjointVault.sol";
import {LendingStrategy} from "../../contracts/vault/LendingStrategy.sol";
import {LendingMarket} from "../../contracts/lending/LendingMarket.sol";
import {IPriceOracle} from "../../contracts/lending/IPriceOracle.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {IStrategy} from "../../contracts/interfaces/IStrategy.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {MockPriceOracle} from "../../contracts/mocks/MockPriceOracle.sol";
import {LayoutsBase} from "../utils/LayoutsBase.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";

/// @notice A DisjointVault (4 shards) lending through LendingStrategy to a 4-shard LendingMarket.
abstract contract LendingStrategySetup is AccessCheck, LayoutsBase {
    uint256 internal constant YEAR = 365 days;
    uint256 internal constant SHARDS = 4;
    address internal constant FEE = address(0xFEE);
    address internal constant ALICE = address(0xA11CE); // vault shard 2
    address internal constant BOB = address(0xB0B); // vault shard 3
    address internal constant BORROWER = address(0xB0770);
    address internal constant LIQUIDATOR = address(0x1D);
    MockERC20 internal token;
    MockERC20 internal collateral;
    MockPriceOracle internal oracle;
    LendingMarket internal market;
    DisjointVault internal vault;
    LendingStrategy internal strategy;

    function _deploy(uint256 sources) internal {
        vm.warp(1_700_000_000);
        token = new MockERC20("Asset", "AST", 18);
        collateral = new MockERC20("Collateral", "COL", 18);
        oracle = new MockPriceOracle(1e36);
        _newLayouts();
        _registerLayout(token);
        _registerLayout(collateral);
        market = new LendingMarket(
            LendingMarket.Params({
                loanToken: IERC20(address(token)),
                collateralToken: IERC20(address(collateral)),
                oracle: IPriceOracle(address(oracle)),
                shardCount: SHARDS,
                lltv: 0.8e18,
                liquidationBonus: 1.05e18,
                maxPriceAge: 365 days,
                baseRate: uint256(0.02e18) / YEAR,
                slope1: uint256(0.1e18) / YEAR,
                slope2: uint256(1e18) / YEAR,
                kink: 0.8e18
            }),
            address(this),
            ITokenLayoutRegistry(address(layouts))
        );
        vault = new DisjointVault(
            token,
            "Disjoint Vault",
            "djV",
            SHARDS,
            address(this),
            FEE,
            ITokenLayoutRegistry(address(layouts))
        );
        strategy = new LendingStrategy(market, address(vault), sources, ITokenLayoutRegistry(address(layouts)));
        vault.setStrategy(strategy);
    }

    function _deposit(address who, uint256 assets) internal returns (uint256 shares) {
        _mintAndApprove(token, who, assets, address(vault));
        vm.prank(who);
        shares = vault.deposit(assets, who);
    }

    function _borrow(uint256 collateralAmount, uint256 assets) internal {
        _mintAndApprove(collateral, BORROWER, collateralAmount, address(market));
        vm.startPrank(BORROWER);
        token.approve(address(market), type(uint256).max);
        market.depositCollateral(collateralAmount);
        market.borrow(assets, BORROWER, (1 << SHARDS) - 1);
        vm.stopPrank();
    }

    function _nextBlock(uint256 dt) internal {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + dt);
        oracle.setPrice(oracle.price()); // keep the feed fresh
    }

    /// The adapter's view of this block's index must equal what the market then takes.
    function _assertViewMatchesAccrual() internal {
        uint256 viewed = strategy.totalAssets();
        uint256 viewedMax = strategy.maxWithdraw();
        market.accrue();
        assertEq(strategy.totalAssets(), viewed, "totalAssets view != value after accrual");
        assertEq(strategy.maxWithdraw(), viewedMax, "maxWithdraw view != value after accrual");
    }

    /// Market shard slots (5 .. 5 + 2K) a strategy withdrawal declares as written. A shard's
    /// cash is its escrow's token balance, so drawing on fallback shards writes no market slot.
    function _declaredShardWrites() internal view returns (uint256 n) {
        IAccessDeclaring.Access[] memory d = strategy.declareStrategyAccess(IStrategy.withdraw.selector);
        for (uint256 i = 0; i < d.length; ++i) {
            uint256 slot = uint256(d[i].slot);
            if (d[i].account == address(market) && slot >= 5 && slot < 5 + 2 * SHARDS && d[i].mode & 2 != 0) ++n;
        }
    }
}

/// @notice Lifecycle: deposit, allocation, interest, harvest, redeem; bad debt as a pro-rata loss;
/// a dry market.
contract LendingStrategyLifecycleTest is LendingStrategySetup {
    function setUp() public {
        _deploy((1 << SHARDS) - 1);
    }

    function test_constructorChecks() public {
        MockERC20 other = new MockERC20("Other", "O", 18);
        DisjointVault v2 = new DisjointVault(other, "V", "V", 2, address(this), FEE, ITokenLayoutRegistry(address(0)));
        vm.expectRevert(abi.encodeWithSelector(LendingStrategy.AssetMismatch.selector, address(other), address(token)));
        new LendingStrategy(market, address(v2), 0, ITokenLayoutRegistry(address(0)));
        vm.expectRevert(abi.encodeWithSelector(LendingStrategy.InvalidSources.selector, uint256(1 << SHARDS)));
        new LendingStrategy(market, address(vault), 1 << SHARDS, ITokenLayoutRegistry(address(0)));
        assertEq(strategy.sources() & (1 << strategy.ownShard()), 0, "own shard is not a fallback source");
        assertEq(strategy.sources() | (1 << strategy.ownShard()), (1 << SHARDS) - 1, "every other shard is");
    }

    function test_unknownSelectorReverts() public {
        vm.expectRevert(abi.encodeWithSelector(LendingStrategy.UnknownSelector.selector, IStrategy.asset.selector));
        strategy.declareStrategyAccess(IStrategy.asset.selector);
    }

    function test_onlyVault() public {
        vm.expectRevert(abi.encodeWithSelector(LendingStrategy.NotVault.selector, address(this)));
        strategy.deposit(1);
        vm.expectRevert(abi.encodeWithSelector(LendingStrategy.NotVault.selector, address(this)));
        strategy.withdraw(1, address(this));
    }

    function test_depositAllocateInterestHarvestRedeem() public {
        uint256 aliceShares = _deposit(ALICE, 100e18);
        _deposit(BOB, 50e18);
        _nextBlock(12);
        vault.allocate(vault.shardOf(ALICE), 80e18);
        assertEq(strategy.totalAssets(), 80e18, "supplied at index 1");
        assertEq(market.position(address(strategy)).supplyShares, 80e18, "market position");
        assertEq(vault.totalAssets(), 150e18, "allocation moves no value");

        _borrow(100e18, 40e18);
        _nextBlock(1 hours);
        market.refreshRates(); // a keeper: the rates see the 50% utilization
        _nextBlock(30 days);
        uint256 value = strategy.totalAssets();
        assertTrue(value > 80e18, "interest accrued in the view");
        _assertViewMatchesAccrual();

        (uint256 profit, uint256 loss) = vault.harvest();
        assertEq(profit, value - 80e18, "profit = value - debt");
        assertEq(loss, 0, "no loss");
        (uint256 debt, , , , ) = vault.ledger();
        assertEq(debt, value, "debt marked to the market");

        _nextBlock(7 hours); // profit unlocked
        // The borrower repays (with interest) so the market has the liquidity to pay Alice.
        uint256 owed = (uint256(market.position(BORROWER).borrowShares) * market.snapshot().borrowIndex) / 1e18 + 1e18;
        token.mint(BORROWER, owed);
        vm.prank(BORROWER);
        market.repay(type(uint256).max, BORROWER);

        uint256 expected = vault.previewRedeem(aliceShares);
        assertTrue(expected > 100e18, "Alice earned");
        assertEq(vault.maxRedeem(ALICE), aliceShares, "enough liquidity for all her shares");
        vm.prank(ALICE);
        uint256 got = vault.redeem(aliceShares, ALICE, ALICE);
        assertEq(got, expected, "redeem = preview");
        assertEq(token.balanceOf(ALICE), got, "paid from escrow and market");
        // Alice's 20e18 idle were all paid, the strategy paid the rest.
        (, uint256 idle) = vault.shardState(vault.shardOf(ALICE));
        assertEq(idle, 0, "escrow emptied first");
        (debt, , , , ) = vault.ledger();
        assertEq(debt, value - (got - 20e18), "debt reduced by the strategy's part");
        assertLe(debt, strategy.totalAssets() + 1, "books within rounding of the position");
    }

    function test_badDebtIsALossSharedProRata() public {
        _deposit(ALICE, 100e18);
        _deposit(BOB, 50e18);
        _nextBlock(12);
        vault.allocate(vault.shardOf(ALICE), 100e18);
        _borrow(100e18, 75e18);
        _nextBlock(12);
        oracle.setPrice(0.1e36); // collateral now worth 10e18 against ~75e18 of debt
        _mintAndApprove(token, LIQUIDATOR, 100e18, address(market));
        vm.prank(LIQUIDATOR);
        (, , uint256 badDebt) = market.liquidate(BORROWER, type(uint256).max);
        assertTrue(badDebt > 60e18, "bad debt left");

        uint256 totalBefore = vault.totalAssets();
        uint256 aliceBefore = vault.convertToAssets(vault.balanceOf(ALICE));
        uint256 bobBefore = vault.convertToAssets(vault.balanceOf(BOB));
        _nextBlock(12); // the market charges the bad debt at this block's snapshot
        uint256 value = strategy.totalAssets();
        assertTrue(value < 100e18 - 60e18, "the view charges the pending bad debt");
        _assertViewMatchesAccrual();

        (uint256 profit, uint256 loss) = vault.harvest();
        assertEq(profit, 0, "no profit");
        assertEq(loss, 100e18 - value, "loss = debt - value");
        uint256 totalAfter = vault.totalAssets();
        assertEq(totalAfter, totalBefore - loss, "total assets lowered by the loss");
        uint256 aliceAfter = vault.convertToAssets(vault.balanceOf(ALICE));
        uint256 bobAfter = vault.convertToAssets(vault.balanceOf(BOB));
        // Pro rata: each holder keeps totalAfter / totalBefore of its assets, whatever its shard
        // (Bob's assets were all idle in his escrow; Alice's had been lent).
        assertLe(_diff(aliceAfter, (aliceBefore * totalAfter) / totalBefore), 2, "Alice pro rata");
        assertLe(_diff(bobAfter, (bobBefore * totalAfter) / totalBefore), 2, "Bob pro rata");
        assertTrue(bobAfter < bobBefore, "Bob shares the loss");
    }

    function test_dryMarketMaxWithdrawHonestAndVaultError() public {
        _deposit(ALICE, 100e18);
        _nextBlock(12);
        vault.allocate(vault.shardOf(ALICE), 100e18);
        _borrow(100e18, 70e18); // market cash left: 30e18
        _nextBlock(12);
        uint256 cash = 30e18;
        assertEq(strategy.maxWithdraw(), cash, "liquidity, not the position, bounds maxWithdraw");
        assertTrue(strategy.totalAssets() > cash, "the position is worth more");
        assertEq(vault.maxWithdraw(ALICE), cash, "vault's maxWithdraw = idle 0 + market liquidity");
        uint256 maxRedeem = vault.maxRedeem(ALICE);

        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IDisjointVault.InsufficientLiquidity.selector, cash + 1, cash));
        vault.withdraw(cash + 1, ALICE, ALICE);

        vm.prank(ALICE);
        vault.redeem(maxRedeem, ALICE, ALICE); // exactly what maxRedeem promised goes through
        assertLe(cash - token.balanceOf(ALICE), 1, "paid the market's liquidity");
        uint256 left = strategy.maxWithdraw();
        assertLe(left, 1, "market dry");
        vm.prank(ALICE);
        vm.expectRevert(abi.encodeWithSelector(IDisjointVault.InsufficientLiquidity.selector, 1e18, left));
        vault.withdraw(1e18, ALICE, ALICE);
    }

    function test_ownShardOnlyIgnoresOtherShardsCash() public {
        _deploy(0); // no fallback: only the adapter's own market shard
        _deposit(ALICE, 100e18);
        _nextBlock(12);
        vault.allocate(vault.shardOf(ALICE), 100e18);
        // Another lender's cash in a different market shard does not count.
        address lender = address(uint160(strategy.ownShard() + 1 + 0x1000 * SHARDS)); // shard own+1 mod K
        if (market.shardOf(lender) == strategy.ownShard()) lender = address(uint160(lender) + 1);
        _mintAndApprove(token, lender, 50e18, address(market));
        vm.prank(lender);
        market.supply(50e18);
        assertEq(strategy.maxWithdraw(), 100e18, "own shard's cash only");
        assertEq(_declaredShardWrites(), 1, "withdraw writes only the own shard's totals");
    }

    function _diff(uint256 a, uint256 b) internal pure returns (uint256) {
        return a > b ? a - b : b - a;
    }
}

/// @notice Observed storage accesses of vault operations that reach the strategy lie within the
/// vault's declarations (which merge the adapter's), on the vault, the adapter, the market, the
/// token, and the escrows of both.
contract LendingStrategyAccessTest is LendingStrategySetup {
    function setUp() public {
        _deploy((1 << SHARDS) - 1);
        _deposit(ALICE, 100e18);
        _deposit(BOB, 50e18);
        _nextBlock(12);
        vault.allocate(vault.shardOf(ALICE), 90e18);
        _borrow(100e18, 40e18);
        _nextBlock(1 days);
    }

    function _check(address sender, bytes memory data) internal returns (IAccessDeclaring.Access[] memory d) {
        d = vault.declareAccess(sender, data);
        _recordedCall(address(vault), sender, data);
        (bytes32[] memory r, bytes32[] memory w) = vm.accesses(address(market));
        assertTrue(r.length > 0, "the call did not reach the market");
        assertTrue(_covered(d, address(vault)), "vault access not declared");
        assertTrue(_covered(d, address(strategy)), "adapter access not declared");
        assertTrue(_covered(d, address(market)), "market access not declared");
        assertTrue(_covered(d, address(token)), "token access not declared");
        for (uint256 k = 0; k < SHARDS; ++k) {
            // The vault's escrow 0 is the vault itself (checked above).
            if (k != 0) {
                (r, w) = vm.accesses(vault.escrowOf(k));
                assertEq(r.length + w.length, 0, "vault escrow storage touched");
            }
            (r, w) = vm.accesses(market.escrowOf(k));
            assertEq(r.length + w.length, 0, "market escrow storage touched");
        }
    }

    function test_harvestFirstInMarketBlock() public {
        _check(address(this), abi.encodeCall(vault.harvest, ()));
    }

    function test_allocateAndDeallocate() public {
        _check(address(this), abi.encodeCall(vault.allocate, (vault.shardOf(BOB), 10e18)));
        _check(address(this), abi.encodeCall(vault.deallocate, (vault.shardOf(BOB), 30e18)));
        _nextBlock(12);
        _check(address(this), abi.encodeCall(vault.deallocate, (0, 5e18)));
    }

    function test_withdrawAndRedeemWithFallback() public {
        // Alice's escrow holds 10e18: both exits need the strategy, drawing on several market shards.
        _check(ALICE, abi.encodeCall(vault.withdraw, (25e18, ALICE, ALICE)));
        _check(ALICE, abi.encodeCall(vault.redeem, (vault.balanceOf(ALICE) / 4, ALICE, ALICE)));
        _nextBlock(12);
        _check(ALICE, abi.encodeCall(vault.redeem, (vault.balanceOf(ALICE) / 4, BOB, ALICE)));
    }

    function test_strategyDeclarationsNameTheAdapterShardAndSources() public view {
        IAccessDeclaring.Access[] memory d = strategy.declareStrategyAccess(IStrategy.withdraw.selector);
        uint256 own = strategy.ownShard();
        // Fallback shards pay from their escrows: their balances (the whole token if unregistered).
        for (uint256 k = 0; k < SHARDS; ++k) {
            bytes32 slot =
                _useLayouts() ? keccak256(abi.encode(market.escrowOf(k), uint256(0))) : bytes32(type(uint256).max);
            assertTrue(_exactHas(d, address(token), slot, 2), "escrow balance in the token");
        }
        assertEq(_declaredShardWrites(), 1, "no other shard's totals are written");
        assertTrue(_has(d, address(market), bytes32(5 + 2 * own), 2), "own shard's totals");
        bytes32 pos = keccak256(abi.encode(address(strategy), uint256(37)));
        assertTrue(_has(d, address(market), pos, 2), "adapter's position");
        d = strategy.declareStrategyAccess(IStrategy.maxWithdraw.selector);
        assertTrue(_has(d, address(market), pos, 1), "views read the position");
    }

    /// Whether `d` names exactly (`account`, `slot`) with a mode in `anyOf` (no whole-account match).
    function _exactHas(
        IAccessDeclaring.Access[] memory d,
        address account,
        bytes32 slot,
        uint8 anyOf
    ) internal pure returns (bool) {
        for (uint256 j = 0; j < d.length; ++j) {
            if (d[j].account == account && d[j].slot == slot && (d[j].mode & anyOf) != 0) return true;
        }
        return false;
    }
}

/// @notice The same checks with no token layout registry (every token access declared whole).
contract LendingStrategyAccessUnregisteredTest is LendingStrategyAccessTest {
    function _useLayouts() internal pure override returns (bool) {
        return false;
    }
}

/// @notice With registered layouts, a vault withdrawal that falls back to the strategy
/// declares exactly the token slots it touches: the vault escrow's balance and allowance, the
/// market escrows' balances and allowances, the receiver's balance.
contract LendingStrategyExactTokenSlotsTest is LendingStrategySetup {
    function setUp() public {
        _deploy(0);
        _deposit(ALICE, 100e18);
        _nextBlock(12);
        vault.allocate(vault.shardOf(ALICE), 90e18);
        _nextBlock(12);
    }

    function test_withdrawThroughStrategyDeclaresExactTokenSlots() public {
        bytes memory data = abi.encodeCall(vault.withdraw, (25e18, address(0xCAFE), ALICE));
        IAccessDeclaring.Access[] memory d = vault.declareAccess(ALICE, data);
        _recordedCall(address(vault), ALICE, data);
        // The other vault escrows are the last resort of the fallback (issue #22): declared,
        // as another transaction of the block may drain the strategy, but not reached here.
        uint256 own = vault.shardOf(ALICE);
        uint256 kept;
        for (uint256 j = 0; j < d.length; ++j) {
            bool otherEscrow;
            for (uint256 k = 0; k < vault.shardCount(); ++k) {
                if (k == own) continue;
                address e = vault.escrowOf(k);
                bool named =
                    d[j].slot == layouts.tokenSlot(address(token), e, address(0)) ||
                        d[j].slot == layouts.tokenSlot(address(token), e, address(vault));
                if (d[j].account == address(token) && named) otherEscrow = true;
            }
            if (!otherEscrow) d[kept++] = d[j];
        }
        // Every other escrow's balance and allowance to the vault, but escrow 0 (the vault itself,
        // which pays by transfer) has no allowance.
        uint256 others = 2 * (vault.shardCount() - 1) - (own == 0 ? 0 : 1);
        assertEq(d.length - kept, others, "other escrows' balance and allowance");
        assembly ("memory-safe") {
            mstore(d, kept)
        }
        _assertExactSlots(d, address(token), "withdraw with fallback");
    }
}
