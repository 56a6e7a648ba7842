// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DisjointVault} from "../../contracts/vault/DisjointVault.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {VaultMockStrategy} from "../../contracts/mocks/VaultMockStrategy.sol";
import {VaultHandler} from "./DisjointVault.t.sol";

/// @notice Random actions by honest users, attackers and the owner (issue #22): the vault
/// handler's deposits, mints, exits, transfers, allocations, gains and losses (from
/// DisjointVault.t.sol), plus flash-funded round trips through another shard, donations to
/// the vault, the escrows and the strategy, partial and total strategy losses reported now or
/// later, an illiquid strategy, long idle periods, unlock-period changes and shard-count growth.
contract VaultLivenessHandler is VaultHandler {
    /// A flash-funded round trip that ended with more assets than it started with.
    bool public attackerProfited;
    /// Round trips that went through (the attack was tried, not skipped).
    uint256 public roundTrips;

    /// Borrowed capital: deposit for an own address in one shard, move the shares to an own
    /// address in another shard, redeem there, repay; the attacker keeps what is left.
    function flashRoundTrip(uint256 fromShard, uint256 assets) external {
        address a = address(uint160(0xA000 + (fromShard % SHARDS)));
        address b = address(uint160(0xA000 + ((fromShard + 1) % SHARDS)));
        assets = bound(assets, 1, 1e26);
        uint256 shares = vault.previewDeposit(assets);
        if (shares == 0) return;
        token.mint(a, assets);
        vm.startPrank(a);
        token.approve(address(vault), assets);
        vault.deposit(assets, a);
        vault.transfer(b, shares);
        vm.stopPrank();
        uint256 max = vault.maxRedeem(b);
        if (max == 0) return;
        vm.prank(b);
        uint256 out = vault.redeem(max, b, b);
        if (out > assets) attackerProfited = true;
        ++roundTrips;
    }

    function donate(uint256 where, uint256 amount) external {
        amount = bound(amount, 0, 1e24);
        uint256 w = where % (SHARDS + 2);
        address to = w < SHARDS ? vault.escrowOf(w) : (w == SHARDS ? address(vault) : address(strategy));
        token.mint(to, amount);
    }

    /// A partial or total loss, harvested now or left for later.
    function lose(uint256 loss, bool harvestNow) external {
        strategy.lose(bound(loss, 0, token.balanceOf(address(strategy))));
        if (harvestNow) vault.harvest();
    }

    function setLiquidity(uint256 cap) external {
        uint256 c = cap % 3;
        strategy.setLiquidityCap(c == 0 ? 0 : (c == 1 ? bound(cap, 0, 1e24) : type(uint256).max));
    }

    /// Governance grows the shard count under load (up to 16 here, to keep the run short).
    function growShards(uint256 by) external {
        uint256 n = vault.shardCount();
        if (n >= 16) return;
        vault.setShardCount(n + bound(by, 1, 16 - n));
    }

    function setUnlockPeriod(uint32 period) external {
        vault.setProfitUnlockPeriod(uint32(bound(period, vault.MIN_UNLOCK_PERIOD(), vault.MAX_UNLOCK_PERIOD())));
    }

    function wait(uint256 dt) external {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + (dt % 4 == 0 ? bound(dt, 1, 3650 days) : bound(dt, 1, 1 hours)));
    }
}

/// @notice Liveness invariants of the vault (docs/vault.md, "Liveness"): every holder can
/// exit up to what the vault can pay; the harvest and the owner's emergency functions never
/// revert; flash-funded round trips through another shard never profit. Exits and owner calls
/// are probed inside a call that reverts afterwards, so the probe leaves no trace.
contract DisjointVaultLivenessTest is TestBase {
    VaultLivenessHandler internal handler;
    DisjointVault internal vault;
    MockERC20 internal token;
    VaultMockStrategy internal strategy;

    error Probed(bool ok, bytes ret);

    function setUp() public {
        handler = new VaultLivenessHandler();
        vault = handler.vault();
        token = handler.token();
        strategy = handler.strategy();
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// Runs `data` on the vault from `from`, then reverts with the outcome.
    function probeAndRevert(address from, bytes calldata data) external {
        vm.prank(from);
        (bool ok, bytes memory ret) = address(vault).call(data);
        revert Probed(ok, ret);
    }

    function _probe(address from, bytes memory data) internal returns (bool ok, bytes memory ret) {
        try this.probeAndRevert(from, data) {
            revert("probe did not revert");
        } catch (bytes memory reason) {
            bytes memory body = new bytes(reason.length - 4);
            for (uint256 i = 0; i < body.length; ++i) body[i] = reason[i + 4];
            (ok, ret) = abi.decode(body, (bool, bytes));
        }
    }

    /// Assets the vault can pay out now: every escrow's idle plus the strategy's liquidity (up to the debt).
    function _payable() internal view returns (uint256 liquidity) {
        for (uint256 k = 0; k < vault.shardCount(); ++k) {
            (, uint256 idle) = vault.shardState(k);
            liquidity += idle;
        }
        (uint256 debt, , , , ) = vault.ledger();
        liquidity += Math.min(debt, strategy.maxWithdraw());
    }

    function _holders() internal view returns (address[] memory h) {
        uint256 n = handler.actorCount();
        h = new address[](n + 5);
        for (uint256 i = 0; i < n; ++i) h[i] = handler.actors(i);
        h[n] = address(0xFEE);
        for (uint256 k = 0; k < 4; ++k) h[n + 1 + k] = address(uint160(0xA000 + k));
    }

    /// Every holder can exit up to what the vault can pay: maxWithdraw is its claim capped by
    /// the vault's liquidity, and redeeming maxRedeem goes through and pays previewRedeem.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 40
    function invariant_everyHolderCanExitUpToWhatTheVaultCanPay() public {
        address[] memory h = _holders();
        uint256 liquidity = _payable();
        for (uint256 i = 0; i < h.length; ++i) {
            uint256 claim = vault.convertToAssets(vault.balanceOf(h[i]));
            assertEq(vault.maxWithdraw(h[i]), Math.min(claim, liquidity), "maxWithdraw != min(claim, liquidity)");
            uint256 shares = vault.maxRedeem(h[i]);
            uint256 expected = vault.previewRedeem(shares);
            if (expected == 0) continue;
            (bool ok, bytes memory ret) = _probe(h[i], abi.encodeCall(vault.redeem, (shares, h[i], h[i])));
            assertTrue(ok, "redeem(maxRedeem) reverted");
            assertEq(abi.decode(ret, (uint256)), expected, "redeem paid other than previewRedeem");
        }
    }

    /// With a liquid strategy, all holders together can leave: the holders' claims at the
    /// end price never exceed what the vault holds (idle plus debt), so no holder is left
    /// owed after the others exit. The vault is solvent at the end of its schedule.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 40
    function invariant_solventAtTheEndPrice() public view {
        address[] memory h = _holders();
        (, , uint256 end, , ) = vault.priceSchedule();
        uint256 owed;
        for (uint256 i = 0; i < h.length; ++i) owed += (vault.balanceOf(h[i]) * end) / vault.PRICE_ONE();
        assertLe(owed, vault.totalAssets(), "holders owed more than the vault holds");
        uint256 idle;
        for (uint256 k = 0; k < vault.shardCount(); ++k) {
            (, uint256 i) = vault.shardState(k);
            idle += i;
            assertGe(token.balanceOf(vault.escrowOf(k)), i, "escrow holds less than its shard's idle");
        }
        (uint256 debt, , , , ) = vault.ledger();
        assertEq(vault.totalAssets(), idle + debt, "totalAssets != idle + debt");
        assertTrue(!handler.attackerProfited(), "a flash round trip profited");
        assertTrue(!handler.userFavoured(), "a conversion favoured the user");
    }

    /// No sequence makes the harvest or the owner's emergency functions revert.
    /// forge-config: default.invariant.runs = 16
    /// forge-config: default.invariant.depth = 40
    function invariant_harvestAndOwnerFunctionsAlwaysWork() public {
        address owner = address(handler);
        (bool ok, ) = _probe(owner, abi.encodeCall(vault.harvest, ()));
        assertTrue(ok, "harvest reverted");
        (ok, ) = _probe(owner, abi.encodeCall(vault.setDepositLimit, (0)));
        assertTrue(ok, "setDepositLimit(0) reverted");
        (ok, ) = _probe(owner, abi.encodeCall(vault.setPerformanceFee, (0)));
        assertTrue(ok, "setPerformanceFee reverted");
        (ok, ) = _probe(owner, abi.encodeCall(vault.setProfitUnlockPeriod, (6 hours)));
        assertTrue(ok, "setProfitUnlockPeriod reverted");
        (ok, ) = _probe(owner, abi.encodeCall(vault.transferOwnership, (address(0xB055))));
        assertTrue(ok, "transferOwnership reverted");
        (uint256 debt, , , , ) = vault.ledger();
        uint256 back = Math.min(debt, strategy.maxWithdraw());
        (ok, ) = _probe(owner, abi.encodeCall(vault.deallocate, (0, back)));
        assertTrue(ok, "deallocate of the strategy's liquidity reverted");
    }

    /// The handler's actions go through in a fixed run that covers each kind (not vacuous).
    function test_handlerActionsGoThrough() public {
        handler.deposit(0, 50e18);
        handler.deposit(1, 30e18);
        handler.deposit(5, 7e18);
        handler.flashRoundTrip(0, 20e18);
        handler.allocate(0, 40e18);
        handler.setLiquidity(0); // illiquid strategy
        handler.flashRoundTrip(1, 30e18);
        handler.donate(2, 1e18);
        handler.donate(5, 3e18);
        handler.wait(4); // a long idle period
        handler.harvestGain(2e18);
        handler.transfer(0, 3, 1e21);
        handler.lose(type(uint256).max, false); // total loss, not yet harvested
        handler.redeem(1, 1e22);
        handler.lose(0, true);
        handler.setLiquidity(2);
        handler.setUnlockPeriod(0);
        handler.growShards(3);
        handler.wait(1);
        handler.deposit(2, 5e18);
        handler.withdraw(5, 1e18);
        assertEq(handler.roundTrips(), 2, "a round trip was skipped");
        invariant_everyHolderCanExitUpToWhatTheVaultCanPay();
        invariant_solventAtTheEndPrice();
        invariant_harvestAndOwnerFunctionsAlwaysWork();
    }
}
