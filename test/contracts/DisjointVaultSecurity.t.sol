// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultSetup} from "./DisjointVault.t.sol";
import {IStrategy} from "../../contracts/interfaces/IStrategy.sol";
import {IDisjointVault} from "../../contracts/interfaces/IDisjointVault.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";

/// @notice Regression tests of issue #22's vault findings, written as the attacks were
/// reported (each failed on the code of 4c2bf17).
contract DisjointVaultSecurityTest is VaultSetup {
    // Shard = address % 4: the victim and the attacker's second address share shard 1.
    address internal constant VICTIM = address(0xB1);
    address internal constant ATTACKER_A = address(0xA0);
    address internal constant ATTACKER_B = address(0xA1);

    function setUp() public {
        _deploy();
    }

    /// Deposit X into shard A, move the shares to an own address in shard B, redeem from B:
    /// the round trip must leave B's holders able to exit in full.
    function _crossShardRoundTrip(uint256 x) internal {
        assertEq(vault.shardOf(VICTIM), vault.shardOf(ATTACKER_B), "setup: same shard");
        assertTrue(vault.shardOf(ATTACKER_A) != vault.shardOf(ATTACKER_B), "setup: other shard");
        uint256 shares = _deposit(ATTACKER_A, x);
        vm.prank(ATTACKER_A);
        vault.transfer(ATTACKER_B, shares);
        vm.prank(ATTACKER_B);
        uint256 out = vault.redeem(shares, ATTACKER_B, ATTACKER_B);
        assertLe(out, x, "the round trip paid the attacker more than it put in");
    }

    function _victimExitsInFull(uint256 deposited) internal {
        uint256 owed = vault.previewRedeem(vault.balanceOf(VICTIM));
        assertGe(owed + 1, deposited, "setup: victim's shares lost value");
        assertEq(vault.maxWithdraw(VICTIM), owed, "maxWithdraw below the victim's claim");
        assertEq(vault.maxRedeem(VICTIM), vault.balanceOf(VICTIM), "maxRedeem below the victim's shares");
        uint256 shares = vault.balanceOf(VICTIM);
        vm.prank(VICTIM);
        uint256 paid = vault.redeem(shares, VICTIM, VICTIM);
        assertEq(paid, owed, "victim paid less than its claim");
        assertEq(token.balanceOf(VICTIM), paid, "victim did not receive the assets");
    }

    /// No strategy at all: B's holders' claim must still be payable.
    function test_crossShardRoundTripDoesNotBlockExits_noStrategy() public {
        vault.setStrategy(IStrategy(address(0)));
        _deposit(VICTIM, 10e18);
        _crossShardRoundTrip(10e18);
        _victimExitsInFull(10e18);
    }

    /// A strategy that holds the rest of the assets but cannot pay anything out now.
    function test_crossShardRoundTripDoesNotBlockExits_illiquidStrategy() public {
        _deposit(VICTIM, 10e18);
        address other = address(0xC2); // shard 2
        _deposit(other, 50e18);
        vault.allocate(vault.shardOf(other), 50e18);
        strategy.setLiquidityCap(0);
        _crossShardRoundTrip(10e18);
        _victimExitsInFull(10e18);
    }

    /// Repeated every block, with borrowed capital: B's holders still exit.
    function test_crossShardRoundTripRepeated() public {
        _deposit(VICTIM, 10e18);
        for (uint256 i = 0; i < 5; ++i) {
            _crossShardRoundTrip(2e18);
            _nextBlock();
        }
        _victimExitsInFull(10e18);
    }

    /// The deposit-limit lever: a flash-funded round trip through another shard leaves every
    /// shard's room as it was (only holding shares in a shard fills its part, as a direct
    /// deposit for a receiver there would).
    function test_crossShardRoundTripLeavesEveryShardsDepositRoom() public {
        vault.setDepositLimit(400e18); // 100e18 per shard
        _deposit(VICTIM, 10e18);
        uint256[4] memory room;
        for (uint256 k = 0; k < 4; ++k) room[k] = vault.maxDeposit(address(uint160(0xC0 + k)));
        _crossShardRoundTrip(60e18);
        for (uint256 k = 0; k < 4; ++k) {
            assertEq(vault.maxDeposit(address(uint160(0xC0 + k))), room[k], "a shard's room moved");
        }
    }

    /// Low: a deposit just before a harvest and a redeem just after it, in one block, must not
    /// take a share of the profit, whatever unlock period the owner is allowed to set.
    function test_unlockPeriodZeroCannotBeSandwiched() public {
        _deposit(address(0xC2), 1000e18);
        vault.allocate(2, 1000e18);
        _nextBlock();
        // Period 0 is either refused or harmless; the shortest allowed period is tried too.
        try vault.setProfitUnlockPeriod(0) {} catch {}
        _sandwichHarvest();
        uint32 shortest = 1;
        while (true) {
            try vault.setProfitUnlockPeriod(shortest) {
                break;
            } catch {
                shortest *= 2;
            }
        }
        _nextBlock();
        _sandwichHarvest();
    }

    function _sandwichHarvest() internal {
        address jit = address(0xD3); // shard 3
        uint256 paidIn = 1000e18;
        uint256 shares = _deposit(jit, paidIn);
        strategy.gain(100e18);
        vault.harvest();
        vm.prank(jit);
        uint256 out = vault.redeem(shares, jit, jit);
        assertLe(out, paidIn, "a same-block deposit/redeem around a harvest took profit");
    }
}

/// @notice Elastic shards (issue #18 item 3): the owner grows the shard count under load; the
/// change applies from the next block, holders keep their shards, new accounts spread over
/// all of them, and declarations made while the change is pending name both candidates.
contract DisjointVaultElasticTest is VaultSetup {
    address[] internal holders;

    function setUp() public {
        _deploy();
        for (uint256 i = 0; i < 12; ++i) {
            address h = address(uint160(0x5000 + i * 13));
            holders.push(h);
            _deposit(h, 10e18 + i);
            _fund(h, 1e24);
        }
        vault.allocate(0, 5e18);
        _nextBlock();
    }

    function _assertShardSupplies() internal view {
        uint256 n = vault.shardCount();
        uint256 sum;
        for (uint256 k = 0; k < n; ++k) {
            uint256 held;
            for (uint256 i = 0; i < holders.length; ++i) {
                if (vault.shardOf(holders[i]) == k) held += vault.balanceOf(holders[i]);
            }
            (uint256 supply, ) = vault.shardState(k);
            assertEq(supply, held, "a shard's supply != its holders' balances");
            sum += held;
        }
        assertEq(vault.totalSupply(), sum, "totalSupply != sum of balances");
    }

    function test_growUnderLoad() public {
        uint256[] memory before = new uint256[](holders.length);
        for (uint256 i = 0; i < holders.length; ++i) before[i] = vault.shardOf(holders[i]);
        vault.setShardCount(16);
        assertEq(vault.shardCount(), 16, "count");
        vm.expectRevert(abi.encodeWithSelector(IDisjointVault.ShardCountChangePending.selector, block.number + 1));
        vault.setShardCount(32);
        // Same block: a new account still lands by the old count; its declaration names both.
        address early = address(uint160(0x6005)); // 0x6005 % 4 = 1, % 16 = 5
        _fund(early, 1e24);
        IAccessDeclaring.Access[] memory d = vault.declareAccess(early, abi.encodeCall(vault.deposit, (1e18, early)));
        assertTrue(_has(d, address(vault), bytes32(uint256(1)), 2), "old-count shard not declared");
        assertTrue(_has(d, address(vault), bytes32(uint256(5)), 2), "new-count shard not declared");
        vm.prank(early);
        vault.deposit(1e18, early);
        assertEq(vault.shardOf(early), 1, "early account not in its old-count shard");
        holders.push(early);
        _nextBlock();
        // From the next block: holders keep their shards; new accounts use all 16.
        for (uint256 i = 0; i < before.length; ++i) assertEq(vault.shardOf(holders[i]), before[i], "holder moved");
        for (uint256 i = 0; i < 20; ++i) {
            address u = address(uint160(0x7000 + i));
            uint256 shares = _deposit(u, 1e18 + i);
            assertEq(vault.shardOf(u), uint256(uint160(u)) % 16, "new account not spread over 16");
            holders.push(u);
            if (i % 3 == 0) {
                vm.prank(u);
                vault.transfer(holders[i % 12], shares / 2); // into an old shard
            }
        }
        for (uint256 k = 4; k < 16; ++k) {
            assertEq(token.allowance(vault.escrowOf(k), address(vault)), type(uint256).max, "new escrow");
        }
        _assertShardSupplies();
        strategy.gain(1e18);
        vault.harvest();
        vm.warp(block.timestamp + 6 hours);
        // Everyone exits in full.
        for (uint256 i = 0; i < holders.length; ++i) {
            uint256 shares = vault.balanceOf(holders[i]);
            if (shares == 0 || vault.previewRedeem(shares) == 0) continue;
            vm.prank(holders[i]);
            vault.redeem(shares, holders[i], holders[i]);
        }
        _assertShardSupplies();
        vm.expectRevert(abi.encodeWithSelector(IDisjointVault.InvalidShardCount.selector, 8));
        vault.setShardCount(8); // no shrinking
    }

    /// Observed ⊆ declared across the change: declared in the block that sets it, run in the next.
    function test_declaredAcrossTheChange() public {
        vault.setShardCount(8);
        address fresh = address(uint160(0x6006)); // 0x6006 % 4 = 2, % 8 = 6
        _fund(fresh, 1e24);
        bytes memory data = abi.encodeCall(vault.deposit, (1e18, fresh));
        IAccessDeclaring.Access[] memory d = vault.declareAccess(fresh, data);
        _nextBlock();
        _recordedCall(address(vault), fresh, data);
        (bytes32[] memory r, bytes32[] memory w) = vm.accesses(address(vault));
        assertTrue(_covered(d, address(vault), r, w), "vault access not declared");
        assertTrue(_covered(d, address(token)), "token access not declared");
        assertEq(vault.shardOf(fresh), 6, "fresh account not in its new-count shard");
        d = vault.declareAccess(address(this), abi.encodeCall(vault.setShardCount, (12)));
        _recordedCall(address(vault), address(this), abi.encodeCall(vault.setShardCount, (12)));
        assertTrue(_covered(d, address(token)), "new escrows' approvals not declared");
        (r, w) = vm.accesses(address(vault));
        assertTrue(_covered(d, address(vault), r, w), "setShardCount access not declared");
    }
}
