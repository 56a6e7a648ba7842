// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {ILendingMarket} from "../../contracts/interfaces/ILendingMarket.sol";
import {LendingMarket} from "../../contracts/lending/LendingMarket.sol";
import {LendingFixture} from "./LendingMarket.t.sol";

/// @notice Elastic shards (issue #18 item 3; docs/lending.md "Elastic shards"): the owner grows
/// the shard count under load. Positions keep the shard they are tagged with, new ones spread
/// over the new count from the next timestamp on, every declaration covers what its call
/// touches across the change, and every shard's totals stay equal to its positions.
contract LendingElasticTest is LendingFixture {
    uint256 internal constant USERS = 16;
    uint256 internal constant NEW_K = 16;
    address[] internal users;

    error NotCovered(address account);

    function setUp() public {
        _deploy();
        for (uint256 i = 0; i < 2 * USERS; ++i) {
            address u = address(uint160(0x20000 + 7 * i));
            if (i < USERS) users.push(u);
            _fund(u, 1_000_000e18, 1_000e18);
        }
    }

    /// The i-th user who arrives after the change (no position before it).
    function _newcomer(uint256 i) internal pure returns (address) {
        return address(uint160(0x20000 + 7 * (USERS + i)));
    }

    /// Runs `data` from `sender` against a declaration computed earlier (`decl`), and checks
    /// that every storage access of the market, both tokens and the oracle is declared.
    function _runDeclared(IAccessDeclaring.Access[] memory decl, address sender, bytes memory data) internal {
        _recordedCall(address(market), sender, data);
        _check(decl, address(market));
        _check(decl, address(loan));
        _check(decl, address(coll));
        _check(decl, address(oracle));
    }

    function _run(address sender, bytes memory data) internal {
        _runDeclared(market.declareAccess(sender, data), sender, data);
    }

    function _check(IAccessDeclaring.Access[] memory decl, address account) internal {
        if (!_covered(decl, account)) revert NotCovered(account);
    }

    /// Every shard's totals equal the sums over the positions tagged to it, and each escrow
    /// holds exactly the collateral of the loans in its shard; holdings plus debt cover supply.
    function _checkShards(address[] memory all) internal view {
        uint256 k = market.nextShardCount();
        for (uint256 s = 0; s < k; ++s) {
            uint256 supplyShares;
            uint256 borrowShares;
            uint256 collateral;
            for (uint256 i = 0; i < all.length; ++i) {
                LendingMarket.Position memory p = market.position(all[i]);
                if (market.shardOf(all[i]) == s) supplyShares += p.supplyShares;
                if (market.loanShardOf(all[i]) == s) {
                    borrowShares += p.borrowShares;
                    collateral += p.collateral;
                }
            }
            LendingMarket.ShardTotals memory t = market.shardTotals(s);
            assertEq(t.supplyShares, supplyShares, "shard supply shares != its positions");
            assertEq(t.borrowShares, borrowShares, "shard borrow shares != its positions");
            assertEq(coll.balanceOf(market.escrowOf(s)), collateral, "escrow collateral != its loans");
        }
        (, , uint256 supplyAssets, uint256 borrowAssets, uint256 cash, uint256 pending) = market.totals();
        assertGe(cash + borrowAssets + pending, supplyAssets, "holdings + debt do not cover supply");
        (uint256 si, uint256 bi) = market.previewIndices();
        assertLe(si, bi, "supply index above borrow index");
    }

    function _everyone(uint256 newcomers) internal view returns (address[] memory all) {
        all = new address[](USERS + newcomers);
        for (uint256 i = 0; i < USERS; ++i) all[i] = users[i];
        for (uint256 i = 0; i < newcomers; ++i) all[USERS + i] = _newcomer(i);
    }

    /// Ordinary traffic for one block: every third user supplies, borrowers borrow and repay,
    /// lenders withdraw.
    function _traffic(uint256 round) internal {
        for (uint256 i = round % 3; i < USERS; i += 3) {
            address u = users[i];
            _run(u, abi.encodeCall(market.supply, (1_000e18 + i)));
            if (i % 2 == 0) {
                _run(u, abi.encodeCall(market.borrow, (300e18, u, 0)));
                _run(u, abi.encodeCall(market.repay, (100e18, u)));
            } else {
                _run(u, abi.encodeCall(market.withdraw, (500e18, u, 0)));
            }
        }
    }

    function test_resizeUnderLoad() public {
        address[] memory before = _everyone(0);
        // Before: 32 users over 4 shards, lenders and borrowers, across blocks.
        for (uint256 i = 0; i < USERS; ++i) {
            address u = users[i];
            _run(u, abi.encodeCall(market.supply, (20_000e18)));
            if (i % 2 == 0) _run(u, abi.encodeCall(market.depositCollateral, (10e18)));
        }
        for (uint256 round = 0; round < 2; ++round) {
            _nextBlock(1 hours);
            _run(users[0], abi.encodeCall(market.refreshRates, ()));
            _traffic(round);
            _checkShards(before);
        }
        uint256[] memory supplyShard = new uint256[](USERS);
        uint256[] memory loanShard = new uint256[](USERS);
        for (uint256 i = 0; i < USERS; ++i) {
            supplyShard[i] = market.shardOf(users[i]);
            loanShard[i] = market.loanShardOf(users[i]);
            assertEq(supplyShard[i], uint160(users[i]) % K, "tagged by the count in force");
        }

        // Block B: traffic, then the owner grows 4 -> 16, then more traffic in the same block.
        _nextBlock(1 hours);
        _traffic(0);
        _run(address(this), abi.encodeCall(market.setShardCount, (NEW_K)));
        assertEq(market.shardCount(), K, "the change waits for the next timestamp");
        assertEq(market.nextShardCount(), NEW_K, "pending count");
        for (uint256 s = K; s < NEW_K; ++s) {
            assertEq(loan.allowance(market.escrowOf(s), address(market)), type(uint256).max, "new escrow approved");
            assertEq(coll.allowance(market.escrowOf(s), address(market)), type(uint256).max, "new escrow approved");
        }
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.ShardCountChangePending.selector, NEW_K));
        market.setShardCount(32);
        _traffic(1);
        // A newcomer of block B lands by the old count; its declaration names both candidates.
        address early = _newcomer(0);
        _run(early, abi.encodeCall(market.supply, (5_000e18)));
        assertEq(market.shardOf(early), uint160(early) % K, "a newcomer of the change's block lands by the old count");
        // Declared in block B (pending), run in the next block (in force): still covered.
        IAccessDeclaring.Access[] memory declSupply = market.declareAccess(
            _newcomer(1),
            abi.encodeCall(market.supply, (5_000e18))
        );
        IAccessDeclaring.Access[] memory declCollateral = market.declareAccess(
            _newcomer(2),
            abi.encodeCall(market.depositCollateral, (10e18))
        );
        _checkShards(_everyone(1));

        // After: the new count is in force from the next timestamp.
        _nextBlock(12);
        _runDeclared(declSupply, _newcomer(1), abi.encodeCall(market.supply, (5_000e18)));
        _runDeclared(declCollateral, _newcomer(2), abi.encodeCall(market.depositCollateral, (10e18)));
        assertEq(market.shardCount(), NEW_K, "in force");
        assertEq(market.shardOf(_newcomer(1)), uint160(_newcomer(1)) % NEW_K, "newcomers spread over 16");
        assertEq(market.loanShardOf(_newcomer(2)), uint160(_newcomer(2)) % NEW_K, "newcomers spread over 16");
        uint256 upper;
        for (uint256 i = 3; i < USERS; ++i) {
            address n = _newcomer(i);
            _run(n, abi.encodeCall(market.supply, (2_000e18)));
            _run(n, abi.encodeCall(market.depositCollateral, (1e18)));
            _run(n, abi.encodeCall(market.borrow, (200e18, n, 0)));
            assertEq(market.shardOf(n), uint160(n) % NEW_K, "by the new count");
            if (market.shardOf(n) >= K) ++upper;
        }
        assertTrue(upper > 0, "some newcomers land in the new shards");
        for (uint256 round = 0; round < 2; ++round) {
            _traffic(round);
            _nextBlock(1 hours);
            _run(users[1], abi.encodeCall(market.refreshRates, ()));
        }
        // Existing positions kept their shards.
        for (uint256 i = 0; i < USERS; ++i) {
            assertEq(market.shardOf(users[i]), supplyShard[i], "a supply position moved");
            if (i % 2 == 0) assertEq(market.loanShardOf(users[i]), loanShard[i], "a loan moved");
        }
        address[] memory all = _everyone(USERS);
        _checkShards(all);

        // Shrinking is refused, and so is more than MAX_SHARDS.
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.ShardCountNotIncreased.selector, NEW_K, 8));
        market.setShardCount(8);
        vm.expectRevert(abi.encodeWithSelector(LendingMarket.InvalidParams.selector, "shardCount"));
        market.setShardCount(65);

        // Everyone exits: debts repaid, collateral back, supply withdrawn from any shard.
        _nextBlock(1 days);
        uint256 allShards = (1 << NEW_K) - 1;
        for (uint256 i = 0; i < all.length; ++i) {
            address u = all[i];
            LendingMarket.Position memory p = market.position(u);
            if (p.borrowShares != 0) _run(u, abi.encodeCall(market.repay, (type(uint256).max, u)));
            if (p.collateral != 0) _run(u, abi.encodeCall(market.withdrawCollateral, (p.collateral, u)));
        }
        for (uint256 i = 0; i < all.length; ++i) {
            address u = all[i];
            if (market.position(u).supplyShares != 0) {
                _run(u, abi.encodeCall(market.withdraw, (type(uint256).max, u, allShards)));
            }
        }
        _checkShards(all);
        (uint256 supplyShares, uint256 borrowShares, , , , ) = market.totals();
        assertEq(supplyShares + borrowShares, 0, "everyone left");
    }

    /// `setShardCount` itself: owner only, declared (new escrows and their approvals).
    function test_setShardCountDeclaredAndOwnerOnly() public {
        vm.prank(users[0]);
        vm.expectRevert();
        market.setShardCount(8);
        _run(address(this), abi.encodeCall(market.setShardCount, (8)));
        IAccessDeclaring.Access[] memory d = market.declareAccess(
            address(this),
            abi.encodeCall(market.setShardCount, (9))
        );
        assertTrue(_has(d, market.escrowOf(8), bytes32(type(uint256).max), WRITE_OR_SNAPSHOT), "new escrow declared");
        _nextBlock(1);
        _run(address(this), abi.encodeCall(market.setShardCount, (64)));
        assertEq(market.nextShardCount(), 64, "grown to the maximum");
        vm.expectRevert(abi.encodeWithSelector(ILendingMarket.InvalidSources.selector, uint256(1) << 64));
        market.declareAccess(users[0], abi.encodeCall(market.withdraw, (1, users[0], uint256(1) << 64)));
    }
}
