// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {BatchBase} from "../utils/BatchBase.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {DisjointBatchPool} from "../../contracts/dex/DisjointBatchPool.sol";
import {DisjointFactory} from "../../contracts/dex/DisjointFactory.sol";
import {DisjointRouter} from "../../contracts/dex/DisjointRouter.sol";
import {IDisjointRouter} from "../../contracts/dex/interfaces/IDisjointRouter.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";

/// @notice Batch orders through DisjointRouter (`submitBatchOrder`, the pool's `submitFor` and
/// `setOperator`): the order is the trader's, paid from and to the trader; operators only;
/// deadline; and the router's declaration (the pool's) covers what the call touches, exactly
/// on the tokens, under another order earlier in the block.
contract BatchRouterTest is BatchBase, AccessCheck {
    DisjointRouter internal router;

    function setUp() public {
        _deployTokens();
        pool = _newPool(1_000_000e18, 1_000_000e18);
        router = new DisjointRouter(address(new DisjointFactory(ITokenLayoutRegistry(address(layouts)))), 100);
        vm.roll(100);
        vm.warp(1_000);
    }

    /// `who` holds `amount` of both tokens, allows the pool, and allows the router as operator.
    function _ready(address who, uint256 amount) internal {
        _fund(who, amount);
        vm.prank(who);
        pool.setOperator(address(router), true);
    }

    function _data(bool zeroForOne, uint256 amount, uint256 minOut) internal view returns (bytes memory) {
        return
            abi.encodeCall(
                DisjointRouter.submitBatchOrder,
                (address(pool), block.number, zeroForOne, amount, minOut, block.timestamp)
            );
    }

    function test_orderThroughRouterIsTheTradersAndPaysTheTrader() public {
        address a = _trader(1);
        address b = _trader(2);
        _ready(a, 10e18);
        _ready(b, 10e18);
        vm.prank(a);
        router.submitBatchOrder(address(pool), block.number, true, 4e18, 0, block.timestamp);
        vm.prank(b);
        router.submitBatchOrder(address(pool), block.number, false, 3e18, 0, block.timestamp);
        uint256 batch = block.number;
        (uint256 amountIn, , bool sells1, ) = pool.orderOf(batch, a);
        assertEq(amountIn, 4e18, "a's order");
        assertTrue(!sells1, "a sells token0");
        assertEq(token0.balanceOf(a), 6e18, "input taken from a");
        assertEq(token0.balanceOf(address(router)), 0, "nothing passes through the router");
        (uint256 count, uint256 sum0, ) = pool.shardBatch(batch, pool.shardOf(a));
        assertGe(count, 1, "a's shard counts the order");
        assertGe(sum0, 4e18, "a's shard sums its input");

        vm.roll(batch + 1);
        address[] memory t = new address[](2);
        (t[0], t[1]) = (a, b);
        pool.settle(batch, _lists(pool, t));
        (, , , uint256 pot0, uint256 pot1) = pool.resultOf(batch);
        pool.claim(batch, a);
        pool.claim(batch, b);
        assertEq(token1.balanceOf(a), 10e18 + pot1, "a is paid its fill (the only token0 seller)");
        assertEq(token0.balanceOf(b), 10e18 + pot0, "b is paid its fill (the only token1 seller)");
        assertGt(pot1, 0, "a filled");
    }

    function test_onlyOperatorsSubmitFor() public {
        address a = _trader(1);
        _mintAndApprove(token0, a, 10e18, address(pool));
        // Not allowed yet: neither the router nor anyone else can spend a's tokens.
        vm.prank(a);
        vm.expectRevert(DisjointBatchPool.NotOperator.selector);
        router.submitBatchOrder(address(pool), block.number, true, 1e18, 0, block.timestamp);
        vm.prank(address(0xBAD));
        vm.expectRevert(DisjointBatchPool.NotOperator.selector);
        pool.submitFor(a, block.number, true, 1e18, 0);
        // Allowed, then revoked.
        vm.prank(a);
        pool.setOperator(address(router), true);
        assertTrue(pool.isOperator(a, address(router)), "allowed");
        vm.prank(a);
        pool.setOperator(address(router), false);
        vm.prank(a);
        vm.expectRevert(DisjointBatchPool.NotOperator.selector);
        router.submitBatchOrder(address(pool), block.number, true, 1e18, 0, block.timestamp);
        // An operator of a is not an operator of b.
        vm.prank(a);
        pool.setOperator(address(router), true);
        address b = _trader(2);
        vm.prank(b);
        vm.expectRevert(DisjointBatchPool.NotOperator.selector);
        router.submitBatchOrder(address(pool), block.number, true, 1e18, 0, block.timestamp);
    }

    function test_deadlineAndWrongBatchRevert() public {
        address a = _trader(1);
        _ready(a, 10e18);
        vm.prank(a);
        vm.expectRevert(IDisjointRouter.Expired.selector);
        router.submitBatchOrder(address(pool), block.number, true, 1e18, 0, block.timestamp - 1);
        vm.prank(a);
        vm.expectRevert(abi.encodeWithSelector(DisjointBatchPool.WrongBatch.selector, block.number - 1, block.number));
        router.submitBatchOrder(address(pool), block.number - 1, true, 1e18, 0, block.timestamp);
    }

    function test_routerDeclarationCoversTheOrderUnderAnEarlierOrder() public {
        address a = _trader(1);
        address b = _trader(5); // another order of the block runs first
        _ready(a, 10e18);
        _ready(b, 10e18);
        bytes memory da = _data(true, 1e18, 0);
        bytes memory db = _data(false, 2e18, 0);
        IAccessDeclaring.Access[] memory decA = router.declareAccess(a, da);
        IAccessDeclaring.Access[] memory decB = router.declareAccess(b, db);
        _recordedCall(address(router), b, db);
        assertTrue(_covered(decB, address(pool)), "b: pool");
        _assertExactSlots(decB, address(token1), "b: token1");
        _recordedCall(address(router), a, da);
        assertTrue(_covered(decA, address(pool)), "a: pool");
        _assertExactSlots(decA, address(token0), "a: token0");
        assertTrue(_covered(decA, address(router)), "a: the router touches no storage");
    }

    function test_setOperatorDeclaredExactly() public {
        address a = _trader(1);
        bytes memory d = abi.encodeCall(DisjointBatchPool.setOperator, (address(router), true));
        IAccessDeclaring.Access[] memory dec = pool.declareAccess(a, d);
        _recordedCall(address(pool), a, d);
        _assertExactSlots(dec, address(pool), "setOperator");
    }
}
