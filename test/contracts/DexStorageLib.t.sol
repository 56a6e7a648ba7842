// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DexBase} from "../utils/DexBase.sol";
import {BatchBase} from "../utils/BatchBase.sol";
import {DexStorageLib} from "../../contracts/dex/libraries/DexStorageLib.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";

/// @notice Every named slot of DexStorageLib for the pair and the factory holds what their
/// getters say it holds: each is written through the contracts' own functions and read back
/// with `vm.load`.
contract DexStorageLibPairTest is DexBase {
    address internal constant BOB = address(0xB0B);
    uint256 internal constant MASK112 = (1 << 112) - 1;

    DisjointPair internal shard0;
    DisjointPair internal shard1;

    function setUp() public {
        _deployDex();
        shard0 = DisjointPair(factory.createShardedPair(address(tokenA), address(tokenB), 2));
        shard1 = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 1));
        vm.roll(block.number + 1);
    }

    function _word(address at, bytes32 slot) internal view returns (uint256) {
        return uint256(vm.load(at, slot));
    }

    function test_factorySlots() public {
        assertEq(
            _word(address(factory), DexStorageLib.factoryGetPairSlot(address(tokenA), address(tokenB))),
            uint160(address(shard0)),
            "getPair[a][b]"
        );
        assertEq(
            _word(address(factory), DexStorageLib.factoryGetPairSlot(address(tokenB), address(tokenA))),
            uint160(address(shard0)),
            "getPair[b][a]"
        );
        assertEq(
            _word(address(factory), DexStorageLib.FACTORY_ALL_PAIRS_SLOT),
            factory.allPairsLength(),
            "allPairs length"
        );
        assertEq(factory.allPairsLength(), 2, "two shards");
        for (uint256 i = 0; i < 2; ++i) {
            assertEq(
                _word(address(factory), DexStorageLib.factoryAllPairsSlot(i)),
                uint160(factory.allPairs(i)),
                "allPairs[i]"
            );
        }
        assertEq(
            _word(address(factory), DexStorageLib.FACTORY_SHARD_ADMIN_SLOT),
            uint160(factory.shardAdmin()),
            "admin"
        );
        factory.setShardAdmin(BOB);
        assertEq(_word(address(factory), DexStorageLib.FACTORY_SHARD_ADMIN_SLOT), uint160(BOB), "admin after set");
    }

    function test_pairPoolSlots() public {
        _seed(shard0, 100e18, 300e18, address(this));
        vm.warp(block.timestamp + 60);
        vm.roll(block.number + 1);
        tokenA.mint(address(shard0), 1e18);
        shard0.sync(); // accumulates 60 seconds of price, then writes the new reserves
        (uint112 r0, uint112 r1, uint32 ts) = shard0.getReserves();
        uint256 w = _word(address(shard0), DexStorageLib.PAIR_RESERVES_SLOT);
        assertEq(w & MASK112, r0, "reserve0");
        assertEq((w >> 112) & MASK112, r1, "reserve1");
        assertEq(w >> 224, ts, "timestamp");
        assertGt0(shard0.price0CumulativeLast());
        assertEq(
            _word(address(shard0), DexStorageLib.PAIR_PRICE0_CUMULATIVE_SLOT),
            shard0.price0CumulativeLast(),
            "price0"
        );
        assertEq(
            _word(address(shard0), DexStorageLib.PAIR_PRICE1_CUMULATIVE_SLOT),
            shard0.price1CumulativeLast(),
            "price1"
        );
        factory.addShards(address(tokenA), address(tokenB), 3);
        (uint256 prevCount, uint256 count, uint256 fromBlock) = shard0.shardInfo();
        assertEq(count, 3, "three shards pending");
        uint256 info = _word(address(shard0), DexStorageLib.PAIR_SHARD_INFO_SLOT);
        assertEq(info & 0xff, prevCount, "prevCount");
        assertEq((info >> 8) & 0xff, count, "count");
        assertEq((info >> 16) & type(uint64).max, fromBlock, "fromBlock");
        (bytes32 reserves, bytes32 price0, bytes32 price1, bytes32 shards) = shard0.poolSlots();
        assertEqSlot(reserves, DexStorageLib.PAIR_RESERVES_SLOT, "poolSlots reserves");
        assertEqSlot(price0, DexStorageLib.PAIR_PRICE0_CUMULATIVE_SLOT, "poolSlots price0");
        assertEqSlot(price1, DexStorageLib.PAIR_PRICE1_CUMULATIVE_SLOT, "poolSlots price1");
        assertEqSlot(shards, DexStorageLib.PAIR_SHARD_INFO_SLOT, "poolSlots shards");
    }

    function testFuzz_pairLPSlots(uint256 ownerKey, address spender, uint256 allowed, uint96 moved) public {
        ownerKey = bound(ownerKey, 1, 1e70);
        address owner = vm.addr(ownerKey);
        vm.assume(spender != address(0) && spender != owner);
        uint256 liquidity = _seed(shard1, 50e18, 50e18, owner);
        assertEq(_word(address(shard1), DexStorageLib.PAIR_TOTAL_SUPPLY_SLOT), shard1.totalSupply(), "totalSupply");
        assertEq(_word(address(shard1), DexStorageLib.pairBalanceSlot(owner)), liquidity, "owner's balance");
        assertEq(_word(address(shard1), DexStorageLib.pairBalanceSlot(address(0))), 1000, "locked minimum");
        moved = uint96(bound(moved, 1, liquidity));
        vm.prank(owner);
        shard1.transfer(spender, moved);
        assertEq(
            _word(address(shard1), DexStorageLib.pairBalanceSlot(spender)),
            shard1.balanceOf(spender),
            "spender's balance"
        );
        assertEq(
            _word(address(shard1), DexStorageLib.pairBalanceSlot(owner)),
            liquidity - moved,
            "owner after transfer"
        );
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                shard1.DOMAIN_SEPARATOR(),
                keccak256(abi.encode(shard1.PERMIT_TYPEHASH(), owner, spender, allowed, 0, type(uint256).max))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(ownerKey, digest);
        shard1.permit(owner, spender, allowed, type(uint256).max, v, r, s);
        assertEq(_word(address(shard1), DexStorageLib.pairNonceSlot(owner)), 1, "nonce after a permit");
        assertEq(shard1.nonces(owner), 1, "getter agrees");
        assertEq(_word(address(shard1), DexStorageLib.pairAllowanceSlot(owner, spender)), allowed, "allowance");
        assertEqSlot(shard1.nonceSlot(owner), DexStorageLib.pairNonceSlot(owner), "nonceSlot agrees");
    }

    function assertEqSlot(bytes32 a, bytes32 b, string memory what) internal pure {
        assertEq(uint256(a), uint256(b), what);
    }

    function assertGt0(uint256 x) internal pure {
        assertTrue(x > 0, "non-zero");
    }
}

/// @notice Every named slot of DexStorageLib for the batch pool holds what its getters say:
/// orders, shard sums, the per-block snapshots, results and operator flags, read back with
/// `vm.load` after submits, a settlement and an operator approval.
contract DexStorageLibBatchPoolTest is BatchBase {
    uint256 internal constant MASK112 = (1 << 112) - 1;

    function setUp() public {
        _deployTokens();
        pool = _newPool(1_000_000e18, 1_000_000e18);
        vm.roll(100);
    }

    function _word(bytes32 slot) internal view returns (uint256) {
        return uint256(vm.load(address(pool), slot));
    }

    function test_scalarAndSharesSlots() public view {
        (uint112 r0, uint112 r1) = pool.getReserves();
        uint256 w = _word(DexStorageLib.POOL_RESERVES_SLOT);
        assertEq(w & MASK112, r0, "reserve0");
        assertEq((w >> 112) & MASK112, r1, "reserve1");
        assertEq(_word(DexStorageLib.POOL_TOTAL_SHARES_SLOT), pool.totalShares(), "totalShares");
        assertEq(_word(DexStorageLib.poolSharesSlot(LP)), pool.shares(LP), "LP's shares");
        assertTrue(pool.shares(LP) > 0, "LP holds shares");
    }

    function testFuzz_orderShardResultAndOperatorSlots(
        uint256 seed,
        uint96 amountA,
        uint96 amountB,
        address operator
    ) public {
        address a = _trader(bound(seed, 1, 1e6));
        address b = _trader(bound(seed, 1, 1e6) + 1);
        amountA = uint96(bound(amountA, 1e6, 1_000e18));
        amountB = uint96(bound(amountB, 1e6, 1_000e18));
        _submit(pool, a, true, amountA, 1);
        uint256 first = block.number;
        vm.roll(block.number + 1);
        pool.settle(first, _lists(pool, _one(a)));
        vm.roll(block.number + 1);
        _submit(pool, a, true, amountA, 0);
        _submit(pool, b, false, amountB, 0);
        uint256 batch = block.number;
        assertEq(_word(DexStorageLib.POOL_LAST_ORDER_BATCH_SLOT), pool.lastOrderBatch(), "lastOrderBatch");
        assertEq(pool.lastOrderBatch(), batch, "this batch");
        assertEq(_word(DexStorageLib.poolPrevOrderBatchSlot(batch)), first, "prevOrderBatch");
        // Here lastSettled (first) and lastOrderBatch (batch) differ, so each slot is told apart.
        assertEq(_word(DexStorageLib.POOL_LAST_SETTLED_SLOT), first, "lastSettled before the batch settles");
        _checkOrder(batch, a);
        _checkOrder(batch, b);
        for (uint256 s = 0; s < SHARDS; ++s) {
            (uint256 count, uint256 sum0, uint256 sum1) = pool.shardBatch(batch, s);
            uint256 sb = _word(DexStorageLib.poolShardBatchSlot(batch, s));
            assertEq(sb & type(uint32).max, count, "shard count");
            assertEq((sb >> 32) & MASK112, sum0, "shard sum0");
            assertEq((sb >> 144) & MASK112, sum1, "shard sum1");
        }
        vm.roll(block.number + 1);
        address[] memory both = new address[](2);
        (both[0], both[1]) = (a, b);
        pool.settle(batch, _lists(pool, both));
        assertEq(_word(DexStorageLib.POOL_LAST_SETTLED_SLOT), pool.lastSettled(), "lastSettled");
        assertEq(pool.lastSettled(), batch, "this batch settled");
        _checkResult(batch);
        _checkOperator(a, operator);
    }

    function _checkOrder(uint256 batch, address trader) internal view {
        (uint256 amountIn, uint256 minOut, bool sells1, ) = pool.orderOf(batch, trader);
        assertTrue(amountIn > 0, "an order");
        uint256 o = _word(DexStorageLib.poolOrderSlot(batch, trader));
        assertEq(o & MASK112, amountIn, "order amountIn");
        assertEq((o >> 112) & MASK112, minOut, "order minOut");
        assertEq((o >> 224) & 1, sells1 ? 1 : 0, "order direction flag");
    }

    function _checkResult(uint256 batch) internal view {
        (bool settled, uint256 in0, uint256 in1, uint256 pot0, uint256 pot1) = pool.resultOf(batch);
        assertTrue(settled, "settled");
        (bytes32 resultFirst, bytes32 resultSecond) = DexStorageLib.poolResultSlots(batch);
        uint256 r0 = _word(resultFirst);
        uint256 r1 = _word(resultSecond);
        assertEq(r0 & MASK112, pot1, "result pot1");
        assertEq((r0 >> 112) & MASK112, in0, "result in0");
        assertEq(r0 >> 224, 1, "result status");
        assertEq(r1 & MASK112, pot0, "result pot0");
        assertEq((r1 >> 112) & MASK112, in1, "result in1");
    }

    function _checkOperator(address trader, address operator) internal {
        vm.prank(trader);
        pool.setOperator(operator, true);
        assertEq(_word(DexStorageLib.poolOperatorSlot(trader, operator)), 1, "operator set");
        assertTrue(pool.isOperator(trader, operator), "getter agrees");
        vm.prank(trader);
        pool.setOperator(operator, false);
        assertEq(_word(DexStorageLib.poolOperatorSlot(trader, operator)), 0, "operator cleared");
    }
}
