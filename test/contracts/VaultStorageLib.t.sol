// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {VaultSetup} from "./DisjointVault.t.sol";
import {VaultStorageLib} from "../../contracts/vault/VaultStorageLib.sol";

/// @notice Every named slot of VaultStorageLib holds what the vault's getters say it holds:
/// each is written through the vault's own functions and read back with `vm.load`.
contract VaultStorageLibTest is VaultSetup {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    function setUp() public {
        _deploy();
    }

    function _word(bytes32 slot) internal view returns (uint256) {
        return uint256(vm.load(address(vault), slot));
    }

    function test_scalarSlots() public {
        assertEq(_word(VaultStorageLib.OWNER_SLOT), uint160(vault.owner()), "owner");
        assertEq(_word(VaultStorageLib.STRATEGY_SLOT), uint160(address(vault.strategy())), "strategy");
        vault.transferOwnership(BOB);
        assertEq(_word(VaultStorageLib.PENDING_OWNER_SLOT), uint160(BOB), "pending owner");
        vault.setDepositLimit(123_456e18);
        assertEq(_word(VaultStorageLib.DEPOSIT_LIMIT_SLOT), 123_456e18, "deposit limit");
        vault.setPerformanceFee(777);
        assertEq((_word(VaultStorageLib.LEDGER_SLOT) >> 128) & 0xffff, 777, "fee in the ledger");
        uint256 config = _word(VaultStorageLib.SHARD_CONFIG_SLOT);
        assertEq(config & 0xff, SHARDS, "shard count");
        assertEq((config >> 8) & 0xff, SHARDS, "next shard count");
        assertEq(vault.shardCount(), SHARDS, "getter agrees");
    }

    function test_priceSlot() public {
        vault.setDepositLimit(1e30);
        _deposit(ALICE, 100e18);
        vault.allocate(vault.shardOf(ALICE), 50e18);
        strategy.gain(5e18);
        _nextBlock();
        vault.harvest();
        vm.warp(block.timestamp + 600); // part way through the unlock
        uint256 w = _word(VaultStorageLib.PRICE_SLOT);
        (uint256 current, uint256 start, uint256 end, uint256 lastReport, uint256 period) = vault.priceSchedule();
        assertTrue(end > start, "a gain is unlocking");
        assertTrue(current > start, "part way");
        assertEq(w >> 160, start, "start price");
        assertEq((w >> 65) & ((1 << 95) - 1), end, "end price");
        assertEq((w >> 25) & ((1 << 40) - 1), lastReport, "last report");
        assertEq((w >> 1) & ((1 << 24) - 1), period, "unlock period");
        assertEq(w & 1, 1, "LIMITED flag set");
        vault.setDepositLimit(type(uint256).max);
        assertEq(_word(VaultStorageLib.PRICE_SLOT) & 1, 0, "LIMITED flag cleared");
        assertEq(_word(VaultStorageLib.LEDGER_SLOT) & type(uint128).max, 50e18 + 5e18, "debt after the report");
    }

    function testFuzz_shardBalanceAndAllowanceSlots(address who, uint96 assets, uint256 allowed) public {
        vm.assume(who != address(0) && who != address(vault) && who.code.length == 0);
        assets = uint96(bound(assets, 1e6, 1e30));
        uint256 shares = _deposit(who, assets);
        uint256 k = vault.shardOf(who);
        uint256 bal = _word(VaultStorageLib.balanceSlot(who));
        assertEq(bal & type(uint128).max, shares, "balance bits");
        assertEq(bal >> 248, k + 1, "shard tag");
        for (uint256 j = 0; j < SHARDS; ++j) {
            uint256 sw = _word(VaultStorageLib.shardSlot(j));
            (uint256 supply, uint256 idle) = vault.shardState(j);
            assertEq(sw & type(uint128).max, supply, "shard supply");
            assertEq(sw >> 128, idle, "shard idle");
        }
        assertEq(_word(VaultStorageLib.shardSlot(k)) & type(uint128).max, shares, "the depositor's shard");
        vm.prank(who);
        vault.approve(BOB, allowed);
        assertEq(_word(VaultStorageLib.allowanceSlot(who, BOB)), allowed, "allowance");
        assertEq(vault.allowance(who, BOB), allowed, "getter agrees");
    }
}
