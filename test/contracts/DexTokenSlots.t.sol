// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DexBase} from "../utils/DexBase.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {TestBase} from "../utils/Vm.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {IDisjointPair} from "../../contracts/dex/interfaces/IDisjointPair.sol";

/// @notice With the tokens' layouts registered, the DEX declares exactly the token slots a call
/// touches (the payer's and payee's balances, the allowance spent), and traders on different
/// shards declare no common written slot at all, token slots included.
contract DexExactTokenSlotsTest is DexBase, AccessCheck {
    DisjointPair internal ab0;
    DisjointPair internal ab1;
    DisjointPair internal bc0;
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    uint256 internal constant DEADLINE = type(uint256).max;

    function setUp() public {
        _deployDex();
        ab0 = DisjointPair(factory.createShardedPair(address(tokenA), address(tokenB), 2));
        ab1 = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 1));
        bc0 = DisjointPair(factory.createPair(address(tokenB), address(tokenC)));
        vm.roll(block.number + 1);
        _seed(ab0, 100e18, 100e18, address(this));
        _seed(ab1, 100e18, 100e18, address(this));
        _seed(bc0, 100e18, 100e18, address(this));
        address[2] memory users = [ALICE, BOB];
        for (uint256 i = 0; i < 2; ++i) {
            tokenA.mint(users[i], 100e18);
            tokenB.mint(users[i], 100e18);
            vm.startPrank(users[i]);
            // A finite allowance: transferFrom then writes it.
            tokenA.approve(address(router), 1e30);
            tokenB.approve(address(router), 1e30);
            vm.stopPrank();
        }
        vm.warp(block.timestamp + 60);
    }

    function _exact(address sender, address target, bytes memory data, address[] memory tokens) internal {
        IAccessDeclaring.Access[] memory d = IAccessDeclaring(target).declareAccess(sender, data);
        _recordedCall(target, sender, data);
        for (uint256 i = 0; i < tokens.length; ++i) _assertExactSlots(d, tokens[i], "token slots");
    }

    function _tokens(address a, address b) internal pure returns (address[] memory t) {
        t = new address[](2);
        (t[0], t[1]) = (a, b);
    }

    function _shard(uint256 v) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = v;
    }

    function test_swapOnShardDeclaresExactTokenSlots() public {
        bytes memory data = abi.encodeCall(
            router.swapExactTokensForTokensOnShards,
            (1e18, 0, _path(address(tokenA), address(tokenB)), _shard(1), address(0xCAFE), DEADLINE)
        );
        _exact(ALICE, address(router), data, _tokens(address(tokenA), address(tokenB)));
    }

    function test_twoHopSwapDeclaresExactTokenSlots() public {
        uint256[] memory shards = new uint256[](2);
        shards[0] = 0;
        shards[1] = 0;
        bytes memory data = abi.encodeCall(
            router.swapTokensForExactTokensOnShards,
            (1e18, type(uint256).max, _path(address(tokenA), address(tokenB), address(tokenC)), shards, BOB, DEADLINE)
        );
        address[] memory t = new address[](3);
        (t[0], t[1], t[2]) = (address(tokenA), address(tokenB), address(tokenC));
        _exact(ALICE, address(router), data, t);
    }

    function test_liquidityDeclaresExactTokenSlots() public {
        bytes memory add = abi.encodeCall(
            router.addLiquidityToShard,
            (address(tokenA), address(tokenB), 1, 10e18, 10e18, 0, 0, ALICE, DEADLINE)
        );
        _exact(ALICE, address(router), add, _tokens(address(tokenA), address(tokenB)));
        vm.prank(ALICE);
        ab1.approve(address(router), type(uint256).max);
        bytes memory remove = abi.encodeCall(
            router.removeLiquidityFromShard,
            (address(tokenA), address(tokenB), 1, 1e18, 0, 0, BOB, DEADLINE)
        );
        _exact(ALICE, address(router), remove, _tokens(address(tokenA), address(tokenB)));
    }

    function test_pairSwapDeclaresExactTokenSlots() public {
        vm.prank(ALICE);
        tokenA.transfer(address(ab0), 1e18);
        _exact(
            ALICE,
            address(ab0),
            abi.encodeCall(IDisjointPair.swap, (0, 9e17, BOB, "")),
            _tokens(address(tokenA), address(tokenB))
        );
    }

    /// Two traders on two shards: their declarations share no written slot, tokens included
    /// (with whole-account token declarations they would share both tokens).
    function test_tradersOnDifferentShardsShareNoWrittenSlot() public view {
        IAccessDeclaring.Access[] memory x = router.declareAccess(
            ALICE,
            abi.encodeCall(
                router.swapExactTokensForTokensOnShards,
                (1e18, 0, _path(address(tokenA), address(tokenB)), _shard(0), ALICE, DEADLINE)
            )
        );
        IAccessDeclaring.Access[] memory y = router.declareAccess(
            BOB,
            abi.encodeCall(
                router.swapExactTokensForTokensOnShards,
                (1e18, 0, _path(address(tokenB), address(tokenA)), _shard(1), BOB, DEADLINE)
            )
        );
        uint256 tokenEntries;
        for (uint256 i = 0; i < x.length; ++i) {
            if (x[i].account == address(tokenA) || x[i].account == address(tokenB)) ++tokenEntries;
            for (uint256 j = 0; j < y.length; ++j) {
                bool same = x[i].account == y[j].account && x[i].slot == y[j].slot;
                assertTrue(!same || ((x[i].mode | y[j].mode) & 2) == 0, "shared written slot");
            }
        }
        assertEq(tokenEntries, 5, "allowance, sender and pool of the input; pool and recipient of the output");
    }
}
