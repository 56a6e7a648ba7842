// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DexBase} from "../utils/DexBase.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {DisjointFactory} from "../../contracts/dex/DisjointFactory.sol";
import {DisjointRouter} from "../../contracts/dex/DisjointRouter.sol";

/// @notice Regression tests of issue #22's DEX findings (each failed on main at 4c2bf17):
/// declarations computed in the block that mined a shard-count change must cover the next
/// block, which runs under the new count; a permissionless createPair must not block
/// createShardedPair.
contract DexSecurityTest is DexBase, AccessCheck {
    DisjointPair[4] internal ab;
    address internal constant ATTACKER = address(0xBAD);
    uint256 internal constant DEADLINE = type(uint256).max;

    function setUp() public {
        _deployDex();
        ab[0] = DisjointPair(factory.createShardedPair(address(tokenA), address(tokenB), 3));
        ab[1] = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 1));
        ab[2] = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 2));
        vm.roll(block.number + 1);
        _seed(ab[0], 100e18, 100e18, address(this));
        _seed(ab[1], 30e18, 30e18, address(this));
        _seed(ab[2], 10e18, 10e18, address(this));
        tokenA.mint(address(this), 1_000e18);
        tokenB.mint(address(this), 1_000e18);
        _approveAll(address(router));
    }

    function _accounts() internal view returns (address[] memory a) {
        a = new address[](8);
        (a[0], a[1], a[2], a[3]) = (address(factory), address(router), address(tokenA), address(tokenB));
        (a[4], a[5], a[6]) = (address(ab[0]), address(ab[1]), address(ab[2]));
        a[7] = address(ab[3]);
    }

    function _runCovered(
        IAccessDeclaring.Access[] memory d,
        address sender,
        bytes memory data,
        string memory what
    ) internal {
        address[] memory accounts = _accounts();
        _recordedCall(address(router), sender, data);
        for (uint256 i = 0; i < accounts.length; ++i) {
            if (accounts[i] == address(0)) continue;
            assertTrue(
                _covered(d, accounts[i]),
                string.concat(what, " #", string(abi.encodePacked(bytes1(uint8(48 + i)))))
            );
        }
    }

    /// An owner whose home shard is `home3` of 3 shards and another of 4.
    function _movingOwner() internal pure returns (address owner) {
        for (uint160 x = 0x5000; ; ++x) {
            if (x % 3 != x % 4 && x % 4 == 3) return address(x);
        }
    }

    /// Declarations made in the block of addShards (a client calling at "latest" in that block's
    /// context) for a rule-routed swap, an addLiquidity and a removeLiquidity, executed in the next
    /// block under the new count: each covers what runs.
    function test_declarationsInTheBlockOfAddShardsCoverTheNextBlock() public {
        factory.addShards(address(tokenA), address(tokenB), 4);
        ab[3] = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 3));
        address owner = _movingOwner();
        // The new shard is the smallest: the rule sends small trades there from the next block.
        _seed(ab[3], 1e18, 1e18, owner);
        _mintAndApprove(tokenA, owner, 10e18, address(router));
        _mintAndApprove(tokenB, owner, 10e18, address(router));
        vm.prank(owner);
        ab[3].approve(address(router), type(uint256).max);
        bytes memory swap = abi.encodeCall(
            DisjointRouter.swapExactTokensForTokens,
            (0.005e18, 0, _path(address(tokenA), address(tokenB)), owner, DEADLINE)
        );
        bytes memory add = abi.encodeCall(
            DisjointRouter.addLiquidity,
            (address(tokenA), address(tokenB), 1e18, 1e18, 0, 0, owner, DEADLINE)
        );
        bytes memory remove = abi.encodeCall(
            DisjointRouter.removeLiquidity,
            (address(tokenA), address(tokenB), 0.1e18, 0, 0, owner, DEADLINE)
        );
        IAccessDeclaring.Access[] memory dSwap = router.declareAccess(owner, swap);
        IAccessDeclaring.Access[] memory dAdd = router.declareAccess(owner, add);
        IAccessDeclaring.Access[] memory dRemove = router.declareAccess(owner, remove);
        vm.roll(block.number + 1);
        _runCovered(dSwap, owner, swap, "swap routed to the new shard");
        (uint112 r0, , ) = ab[3].getReserves();
        assertTrue(r0 > 1e18, "the rule used the new shard");
        _runCovered(dAdd, owner, add, "addLiquidity into the new home shard");
        _runCovered(dRemove, owner, remove, "removeLiquidity from the new home shard");
    }

    /// Anyone may createPair first (V2 semantics); the shard admin's createShardedPair then takes
    /// the pair over as shard 0 and adds the other shards, in force from the next block.
    function test_createPairCannotFrontRunCreateShardedPair() public {
        address c = address(tokenC);
        bytes memory data = abi.encodeCall(DisjointFactory.createShardedPair, (address(tokenA), c, 4));
        IAccessDeclaring.Access[] memory d = factory.declareAccess(address(this), data);
        vm.prank(ATTACKER);
        address front = factory.createPair(address(tokenA), c);
        _recordedCall(address(factory), address(this), data);
        assertTrue(_covered(d, address(factory)), "factory slots declared before the front-run");
        assertTrue(_covered(d, front), "shard 0 declared");
        assertTrue(factory.getPair(address(tokenA), c) == front, "the front-run pair is shard 0");
        assertEq(factory.shardsOf(address(tokenA), c), 1, "one shard in this block");
        vm.roll(block.number + 1);
        assertEq(factory.shardsOf(address(tokenA), c), 4, "four shards from the next block");
        assertTrue(factory.getShard(address(tokenA), c, 3) != address(0), "shard 3 exists");
        // A pair that is already sharded grows only through addShards.
        vm.expectRevert(DisjointFactory.PairExists.selector);
        factory.createShardedPair(address(tokenA), c, 6);
    }
}
