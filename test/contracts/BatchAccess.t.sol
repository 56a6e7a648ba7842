// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchBase} from "../utils/BatchBase.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";

/// @notice Observed ⊆ declared for every state-changing entry point of the batch pool, with
/// each declaration made at the start of the block and the call run after other transactions
/// of the block moved the state (another order first, an earlier batch settled first, the
/// settlement before a claim); and the disjointness of orders from different shards.
contract BatchAccessTest is BatchBase, AccessCheck {
    function setUp() public {
        _deployTokens();
        pool = _newPool(1_000_000e18, 1_000_000e18);
        vm.roll(100);
    }

    function _check(IAccessDeclaring.Access[] memory d, string memory what) internal {
        assertTrue(_covered(d, address(pool)), string.concat(what, ": pool"));
        assertTrue(_covered(d, address(token0)), string.concat(what, ": token0"));
        assertTrue(_covered(d, address(token1)), string.concat(what, ": token1"));
        for (uint256 s = 0; s < 2 * SHARDS; ++s) {
            assertTrue(_covered(d, pool.escrowOf(s)), string.concat(what, ": escrow"));
        }
    }

    /// `a` sells 5 token0 in this block's batch; rolls to the next block; returns the batch.
    function _orderThenRoll(address a) internal returns (uint256 batch) {
        _fund(a, 10e18);
        vm.prank(a);
        pool.submit(block.number, true, 5e18, 0);
        batch = block.number;
        vm.roll(batch + 1);
    }

    function _submitData(bool zeroForOne, uint256 amount) internal view returns (bytes memory) {
        return abi.encodeCall(DisjointBatchPool.submit, (block.number, zeroForOne, amount, 0));
    }

    function test_submitDeclaredFirstOrNotFirstInBlock() public {
        address a = _trader(1);
        address b = _trader(2);
        _fund(a, 10e18);
        _fund(b, 10e18);
        bytes memory da = _submitData(true, 1e18);
        bytes memory db = _submitData(false, 1e18);
        IAccessDeclaring.Access[] memory decA = pool.declareAccess(a, da);
        IAccessDeclaring.Access[] memory decB = pool.declareAccess(b, db);
        // a is the block's first order (takes the snapshot): its pool slots are exactly declared.
        _recordedCall(address(pool), a, da);
        _check(decA, "submit first");
        _recordedCall(address(pool), b, db);
        _check(decB, "submit second");
        (, bytes32[] memory writes) = vm.accesses(address(pool));
        assertEq(writes.length, 2, "a later order writes only its order and its shard's sums");
    }

    function test_submitFirstIsExact() public {
        address a = _trader(1);
        _fund(a, 10e18);
        bytes memory da = _submitData(true, 1e18);
        IAccessDeclaring.Access[] memory d = pool.declareAccess(a, da);
        _recordedCall(address(pool), a, da);
        // Pool: every declared slot is touched and every touched slot declared (the two
        // snapshot slots are written by this first order with SNAPSHOT, not WRITE).
        (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(address(pool));
        assertTrue(_covered(d, address(pool), reads, writes), "pool covered");
        uint256 declared;
        for (uint256 j = 0; j < d.length; ++j) {
            if (d[j].account != address(pool)) continue;
            ++declared;
            assertTrue(_in(reads, d[j].slot) || _in(writes, d[j].slot), "declared pool slot not touched");
        }
        assertEq(declared, 4, "order, shard sums and the two snapshots");

        // The token: exactly the sender's balance and allowance and the escrow's balance.
        _assertExactSlots(d, address(token0), "submit token0");
    }

    function test_ordersOfDifferentShardsWriteNoCommonSlot() public {
        address a = _trader(1);
        address b = _trader(2);
        assertTrue(pool.shardOf(a) != pool.shardOf(b), "different shards");
        IAccessDeclaring.Access[] memory x = pool.declareAccess(a, _submitData(true, 1e18));
        IAccessDeclaring.Access[] memory y = pool.declareAccess(b, _submitData(true, 1e18));
        for (uint256 i = 0; i < x.length; ++i) {
            if (x[i].mode & 2 == 0) continue; // reads and snapshots commute
            for (uint256 j = 0; j < y.length; ++j) {
                bool same = x[i].account == y[j].account && x[i].slot == y[j].slot;
                assertTrue(!same || y[j].mode & 2 == 0, "common written slot");
            }
        }
    }

    function test_settleDeclaredBeforeAnEarlierSettlementInTheBlock() public {
        address a = _trader(1);
        address b = _trader(2);
        _fund(b, 10e18);
        uint256 first = _orderThenRoll(a);
        vm.prank(b);
        pool.submit(block.number, false, 1e18, 2e18); // excluded at settlement
        vm.prank(a);
        pool.submit(block.number, true, 2e18, 0);
        uint256 second = block.number;
        vm.roll(second + 1);
        address[] memory t = new address[](2);
        (t[0], t[1]) = (a, b);
        bytes memory d2 = abi.encodeCall(DisjointBatchPool.settle, (second, _lists(pool, t)));
        IAccessDeclaring.Access[] memory dec = pool.declareAccess(address(this), d2);
        pool.settle(first, _lists(pool, _one(a)));
        _recordedCall(address(pool), address(this), d2);
        _check(dec, "settle");
        (, , , bool excluded) = pool.orderOf(second, b);
        assertTrue(excluded, "the exclusion write was exercised");
    }

    function test_claimDeclaredBeforeSettlementInTheBlock() public {
        address a = _trader(1);
        address b = _trader(2);
        address c = _trader(3);
        _fund(a, 10e18);
        _fund(b, 10e18);
        _fund(c, 10e18);
        vm.prank(a);
        pool.submit(block.number, true, 5e18, 0);
        vm.prank(b);
        pool.submit(block.number, false, 1e18, 2e18); // excluded: refund path
        vm.prank(c);
        pool.submit(block.number, false, 1e18, 0);
        uint256 batch = block.number;
        vm.roll(batch + 1);
        address[] memory t = new address[](3);
        (t[0], t[1], t[2]) = (a, b, c);
        bytes memory ca = abi.encodeCall(DisjointBatchPool.claim, (batch, a));
        bytes memory cb = abi.encodeCall(DisjointBatchPool.claim, (batch, b));
        address[] memory bc = new address[](1);
        bc[0] = c;
        bytes memory cc = abi.encodeCall(DisjointBatchPool.claimMany, (batch, bc));
        IAccessDeclaring.Access[] memory decA = pool.declareAccess(address(this), ca);
        IAccessDeclaring.Access[] memory decB = pool.declareAccess(address(this), cb);
        IAccessDeclaring.Access[] memory decC = pool.declareAccess(address(this), cc);
        pool.settle(batch, _lists(pool, t));
        _recordedCall(address(pool), address(this), ca);
        _check(decA, "claim fill");
        _recordedCall(address(pool), address(this), cb);
        _check(decB, "claim refund");
        _recordedCall(address(pool), address(this), cc);
        _check(decC, "claimMany");
    }

    function test_claimAfterExpiryDeclared() public {
        address a = _trader(1);
        _fund(a, 10e18);
        vm.prank(a);
        pool.submit(block.number, false, 5e18, 0);
        uint256 batch = block.number;
        vm.roll(batch + WINDOW + 1);
        bytes memory ca = abi.encodeCall(DisjointBatchPool.claim, (batch, a));
        IAccessDeclaring.Access[] memory d = pool.declareAccess(a, ca);
        _recordedCall(address(pool), a, ca);
        _check(d, "claim expired");
    }

    function test_liquidityDeclaredBeforeSettlementInTheBlock() public {
        address a = _trader(1);
        _fund(LP, 100e18);
        uint256 batch = _orderThenRoll(a);
        bytes memory m = abi.encodeCall(DisjointBatchPool.mint, (10e18, 10e18, 0, LP));
        bytes memory bu = abi.encodeCall(DisjointBatchPool.burn, (1e18, 0, 0, address(0xBEEF)));
        IAccessDeclaring.Access[] memory dm = pool.declareAccess(LP, m);
        IAccessDeclaring.Access[] memory db = pool.declareAccess(LP, bu);
        pool.settle(batch, _lists(pool, _one(a)));
        _recordedCall(address(pool), LP, m);
        _check(dm, "mint");
        _recordedCall(address(pool), LP, bu);
        _check(db, "burn");
    }

    function test_firstMintDeclared() public {
        DisjointBatchPool fresh = _newPool(0, 0);
        pool = fresh;
        _fund(LP, 100e18);
        bytes memory m = abi.encodeCall(DisjointBatchPool.mint, (10e18, 10e18, 0, LP));
        IAccessDeclaring.Access[] memory d = pool.declareAccess(LP, m);
        _recordedCall(address(pool), LP, m);
        _check(d, "first mint");
    }

    function test_withoutRegistryTokensAreWhole() public {
        DisjointBatchPool bare = new DisjointBatchPool(address(token0), address(token1), SHARDS, WINDOW, layoutsNone());
        IAccessDeclaring.Access[] memory d = bare.declareAccess(_trader(1), _submitData(true, 1e18));
        bool whole;
        for (uint256 i = 0; i < d.length; ++i) {
            if (d[i].account == address(token0) && d[i].slot == bytes32(type(uint256).max)) whole = true;
        }
        assertTrue(whole, "unregistered token declared whole");
        address[][] memory lists = new address[][](SHARDS);
        d = bare.declareAccess(address(this), abi.encodeCall(DisjointBatchPool.settle, (1, lists)));
        assertEq(d.length, 5 + SHARDS + 2, "settle: fixed slots, shard sums, two whole tokens");
    }

    function test_unknownSelectorReverts() public {
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.UnknownSelector.selector, bytes4(0x12345678)));
        pool.declareAccess(address(this), hex"12345678");
    }

    function layoutsNone() internal pure returns (ITokenLayoutRegistryLike) {
        return ITokenLayoutRegistryLike(address(0));
    }
}

import {ITokenLayoutRegistry as ITokenLayoutRegistryLike} from "../../contracts/tokens/ITokenLayoutRegistry.sol";
