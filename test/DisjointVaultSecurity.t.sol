// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultSetup} from "./DisjointVault.t.sol";
import {IStrategy} from "../contracts/interfaces/IStrategy.sol";

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
