// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {DexBase} from "../utils/DexBase.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {DisjointPair} from "../../contracts/dex/DisjointPair.sol";
import {DisjointFactory} from "../../contracts/dex/DisjointFactory.sol";
import {DisjointRouter} from "../../contracts/dex/DisjointRouter.sol";
import {IDisjointPair} from "../../contracts/dex/interfaces/IDisjointPair.sol";
import {FlashSwapCallee} from "../../contracts/mocks/FlashSwapCallee.sol";

/// @notice Observed ⊆ declared: every storage slot a call reads (vm.accesses) is declared
/// for its account, every slot it writes is declared with WRITE, for each state-changing
/// entry point of the factory, the pairs and the router, including declarations made before
/// other transactions of the same block changed the state.
contract DexAccessTest is DexBase, AccessCheck {
    DisjointPair internal ab0;
    DisjointPair internal ab1;
    DisjointPair internal ab2;
    DisjointPair internal bc0;
    error Undeclared(address account, bytes32 slot, bool write);

    address internal constant ALICE = address(0xA11CE);
    uint256 internal constant DEADLINE = type(uint256).max;

    function setUp() public {
        _deployDex();
        ab0 = DisjointPair(factory.createShardedPair(address(tokenA), address(tokenB), 3));
        ab1 = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 1));
        ab2 = DisjointPair(factory.getShard(address(tokenA), address(tokenB), 2));
        bc0 = DisjointPair(factory.createPair(address(tokenB), address(tokenC)));
        vm.roll(block.number + 1); // shard counts apply from the next block
        _seed(ab0, 100e18, 100e18, address(this));
        _seed(ab1, 30e18, 30e18, address(this));
        _seed(ab2, 10e18, 10e18, address(this));
        _seed(bc0, 50e18, 200e18, address(this));
        tokenA.mint(address(this), 1_000e18);
        tokenB.mint(address(this), 1_000e18);
        tokenC.mint(address(this), 1_000e18);
        _approveAll(address(router));
        ab0.approve(address(router), type(uint256).max);
        ab1.approve(address(router), type(uint256).max);
        ab2.approve(address(router), type(uint256).max);
        vm.warp(block.timestamp + 60);
    }

    // ------------------------------------------------------------------ helpers

    function _accounts() internal view returns (address[] memory a) {
        a = new address[](9);
        a[0] = address(factory);
        a[1] = address(router);
        a[2] = address(tokenA);
        a[3] = address(tokenB);
        a[4] = address(tokenC);
        a[5] = address(ab0);
        a[6] = address(ab1);
        a[7] = address(ab2);
        a[8] = address(bc0);
    }

    /// @dev Runs `data` against `target` as this contract, recording accesses, and checks
    /// them against `decl` on every listed account. Returns how many slots were observed.
    function _runAndCheck(
        address target,
        bytes memory data,
        IAccessDeclaring.Access[] memory decl,
        address[] memory accounts
    ) internal returns (uint256 observed) {
        return _runAndCheckAs(address(this), target, data, decl, accounts);
    }

    /// @dev `_runAndCheck` with `sender` as the caller.
    function _runAndCheckAs(
        address sender,
        address target,
        bytes memory data,
        IAccessDeclaring.Access[] memory decl,
        address[] memory accounts
    ) internal returns (uint256 observed) {
        _recordedCall(target, sender, data);
        for (uint256 i = 0; i < accounts.length; ++i) {
            (bytes32[] memory reads, bytes32[] memory writes) = vm.accesses(accounts[i]);
            for (uint256 j = 0; j < reads.length; ++j) {
                if (!_has(decl, accounts[i], reads[j], ANY_MODE)) revert Undeclared(accounts[i], reads[j], false);
            }
            for (uint256 j = 0; j < writes.length; ++j) {
                // SNAPSHOT slots are written once per block by whoever comes first (docs/access-lists.md).
                if (!_has(decl, accounts[i], writes[j], WRITE_OR_SNAPSHOT))
                    revert Undeclared(accounts[i], writes[j], true);
            }
            observed += reads.length + writes.length;
        }
        assertTrue(observed > 0, "nothing observed");
    }

    function _check(address target, bytes memory data) internal returns (uint256) {
        IAccessDeclaring.Access[] memory decl = IAccessDeclaring(target).declareAccess(address(this), data);
        return _runAndCheck(target, data, decl, _accounts());
    }

    // ------------------------------------------------------------------ router

    function test_routerSwapExactInOneHopSharded() public {
        _check(
            address(router),
            abi.encodeCall(
                router.swapExactTokensForTokens,
                (1e17, 0, _path(address(tokenA), address(tokenB)), ALICE, DEADLINE)
            )
        );
    }

    function test_routerSwapExactInTwoHops() public {
        _check(
            address(router),
            abi.encodeCall(
                router.swapExactTokensForTokens,
                (1e18, 0, _path(address(tokenA), address(tokenB), address(tokenC)), ALICE, DEADLINE)
            )
        );
    }

    function test_routerSwapSupportingFeeOnTransfer() public {
        _check(
            address(router),
            abi.encodeCall(
                router.swapExactTokensForTokensSupportingFeeOnTransferTokens,
                (1e18, 0, _path(address(tokenA), address(tokenB), address(tokenC)), ALICE, DEADLINE)
            )
        );
    }

    function test_routerSwapExactOutTwoHops() public {
        _check(
            address(router),
            abi.encodeCall(
                router.swapTokensForExactTokens,
                (1e18, type(uint256).max, _path(address(tokenC), address(tokenB), address(tokenA)), ALICE, DEADLINE)
            )
        );
    }

    function test_routerSwapsOnShards() public {
        uint256[] memory shards = new uint256[](2);
        shards[0] = 2;
        _check(
            address(router),
            abi.encodeCall(
                router.swapExactTokensForTokensOnShards,
                (1e17, 0, _path(address(tokenA), address(tokenB), address(tokenC)), shards, ALICE, DEADLINE)
            )
        );
        _check(
            address(router),
            abi.encodeCall(
                router.swapTokensForExactTokensOnShards,
                (
                    1e17,
                    type(uint256).max,
                    _path(address(tokenA), address(tokenB), address(tokenC)),
                    shards,
                    ALICE,
                    DEADLINE
                )
            )
        );
    }

    function test_routerLiquidity() public {
        _check(
            address(router),
            abi.encodeCall(router.addLiquidity, (address(tokenB), address(tokenA), 1e18, 1e18, 0, 0, ALICE, DEADLINE))
        );
        _check(
            address(router),
            abi.encodeCall(
                router.addLiquidityToShard,
                (address(tokenA), address(tokenB), 1, 1e18, 2e18, 0, 0, address(this), DEADLINE)
            )
        );
        _check(
            address(router),
            abi.encodeCall(
                router.removeLiquidityFromShard,
                (address(tokenA), address(tokenB), 1, 1e18, 0, 0, ALICE, DEADLINE)
            )
        );
        (, address home) = router.homeShard(address(tokenA), address(tokenB), address(this));
        DisjointPair(home).approve(address(router), type(uint256).max);
        _check(
            address(router),
            abi.encodeCall(router.removeLiquidity, (address(tokenA), address(tokenB), 1e15, 0, 0, ALICE, DEADLINE))
        );
    }

    function test_routerRemoveLiquidityWithPermit() public {
        uint256 key = 0xB0B;
        address owner = vm.addr(key);
        (, address home) = router.homeShard(address(tokenA), address(tokenB), owner);
        DisjointPair pool = DisjointPair(home);
        tokenA.transfer(home, 1e18);
        tokenB.transfer(home, 1e18);
        uint256 liquidity = pool.mint(owner);
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                pool.DOMAIN_SEPARATOR(),
                keccak256(abi.encode(pool.PERMIT_TYPEHASH(), owner, address(router), liquidity, 0, DEADLINE))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        bytes memory data = abi.encodeCall(
            router.removeLiquidityWithPermit,
            (address(tokenA), address(tokenB), liquidity, 0, 0, ALICE, DEADLINE, false, v, r, s)
        );
        IAccessDeclaring.Access[] memory decl = router.declareAccess(owner, data);
        _runAndCheckAs(owner, address(router), data, decl, _accounts());
        assertEq(pool.balanceOf(owner), 0, "burned");
    }

    function test_routerAddLiquidityCreatesPair() public {
        // A-C does not exist: the factory's declaration covers the new pool's account.
        IAccessDeclaring.Access[] memory decl = router.declareAccess(
            address(this),
            abi.encodeCall(router.addLiquidity, (address(tokenA), address(tokenC), 1e18, 4e18, 0, 0, ALICE, DEADLINE))
        );
        address pool = factory.getShard(address(tokenA), address(tokenC), 0);
        assertTrue(pool == address(0), "pair exists");
        address[] memory accounts = new address[](10);
        address[] memory base = _accounts();
        for (uint256 i = 0; i < 9; ++i) accounts[i] = base[i];
        // The future address: shard 0 of A-C.
        accounts[9] = _futureShard(address(tokenA), address(tokenC), 0);
        _runAndCheck(
            address(router),
            abi.encodeCall(router.addLiquidity, (address(tokenA), address(tokenC), 1e18, 4e18, 0, 0, ALICE, DEADLINE)),
            decl,
            accounts
        );
        assertTrue(factory.getPair(address(tokenA), address(tokenC)) == accounts[9], "address");
    }

    // ------------------------------------------------------------------ state moved in the block

    /// The shard rule's choice moves with the reserves; a declaration made before another
    /// swap of the same block still covers it.
    function test_declarationMadeBeforeOtherSwapsStillCovers() public {
        bytes memory data = abi.encodeCall(
            router.swapExactTokensForTokens,
            (9e16, 0, _path(address(tokenA), address(tokenB)), ALICE, DEADLINE)
        );
        IAccessDeclaring.Access[] memory decl = router.declareAccess(address(this), data);
        (, address[] memory before) = router.routeExactIn(9e16, _path(address(tokenA), address(tokenB)));
        // Drain shard 2's B side so it can no longer carry the trade.
        router.swapExactTokensForTokensOnShards(
            9e18,
            0,
            _path(address(tokenB), address(tokenA)),
            _one(2),
            ALICE,
            DEADLINE
        );
        (, address[] memory afterwards) = router.routeExactIn(9e16, _path(address(tokenA), address(tokenB)));
        assertTrue(before[0] != afterwards[0], "route did not move");
        _runAndCheck(address(router), data, decl, _accounts());
    }

    /// addLiquidity declared before its pair existed (the createPair path) still covers what
    /// runs after the shard admin created the pair with 3 shards earlier in the block.
    function test_addLiquidityDeclaredBeforeShardedPairCreated() public {
        // 0xBEEF5 % 3 == 2: under three shards its home would be shard 2.
        bytes memory data = abi.encodeCall(
            router.addLiquidity,
            (address(tokenA), address(tokenC), 1e18, 1e18, 0, 0, address(0xBEEF5), DEADLINE)
        );
        IAccessDeclaring.Access[] memory decl = router.declareAccess(address(this), data);
        factory.createShardedPair(address(tokenA), address(tokenC), 3);
        address[] memory accounts = new address[](12);
        address[] memory base = _accounts();
        for (uint256 i = 0; i < 9; ++i) accounts[i] = base[i];
        for (uint256 i = 0; i < 3; ++i) accounts[9 + i] = _futureShard(address(tokenA), address(tokenC), i);
        _runAndCheck(address(router), data, decl, accounts);
        vm.roll(block.number + 1);
        (uint256 index, ) = router.homeShard(address(tokenA), address(tokenC), address(0xBEEF5));
        assertEq(index, 2, "home shard from the next block");
    }

    /// addShards in the block does not move anyone's home shard until the next block.
    function test_addShardsTakesEffectNextBlock() public {
        bytes memory data = abi.encodeCall(
            router.addLiquidity,
            (address(tokenA), address(tokenB), 1e18, 1e18, 0, 0, address(0xBEEF5), DEADLINE)
        );
        IAccessDeclaring.Access[] memory decl = router.declareAccess(address(this), data);
        _check(address(factory), abi.encodeCall(factory.addShards, (address(tokenA), address(tokenB), 5)));
        assertEq(factory.shardsOf(address(tokenA), address(tokenB)), 3, "count moved in block");
        _runAndCheck(address(router), data, decl, _accounts());
        vm.roll(block.number + 1);
        assertEq(factory.shardsOf(address(tokenA), address(tokenB)), 5, "count not in force");
    }

    // ------------------------------------------------------------------ pair and factory

    function test_pairFunctions() public {
        tokenA.transfer(address(ab1), 1e18);
        _check(address(ab1), abi.encodeCall(IDisjointPair.swap, (0, 9e17, ALICE, "")));
        tokenA.transfer(address(ab1), 1e18);
        tokenB.transfer(address(ab1), 1e18);
        _check(address(ab1), abi.encodeCall(IDisjointPair.mint, (ALICE)));
        ab1.transfer(address(ab1), 1e18);
        _check(address(ab1), abi.encodeCall(IDisjointPair.burn, (ALICE)));
        tokenA.transfer(address(ab1), 5);
        _check(address(ab1), abi.encodeCall(IDisjointPair.skim, (ALICE)));
        tokenB.transfer(address(ab1), 5);
        vm.warp(block.timestamp + 1);
        _check(address(ab1), abi.encodeCall(IDisjointPair.sync, ()));
        _check(address(ab1), abi.encodeCall(ab1.transfer, (ALICE, 1)));
        _check(address(ab1), abi.encodeCall(ab1.approve, (ALICE, 10)));
        vm.prank(ALICE);
        ab1.approve(address(this), 1);
        _check(address(ab1), abi.encodeCall(ab1.transferFrom, (ALICE, address(this), 1)));
    }

    function test_pairPermit() public {
        uint256 key = 0xA11CE5;
        address owner = vm.addr(key);
        bytes32 structHash = keccak256(abi.encode(ab0.PERMIT_TYPEHASH(), owner, ALICE, 7, ab0.nonces(owner), DEADLINE));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(
            key,
            keccak256(abi.encodePacked("\x19\x01", ab0.DOMAIN_SEPARATOR(), structHash))
        );
        _check(address(ab0), abi.encodeCall(ab0.permit, (owner, ALICE, 7, DEADLINE, v, r, s)));
        assertEq(ab0.allowance(owner, ALICE), 7, "permit");
    }

    /// Borrow token1, repay in token0: the repaid token is written by the callee's transfer.
    function test_flashSwapRepaidInOtherToken() public {
        FlashSwapCallee callee = new FlashSwapCallee();
        tokenA.transfer(address(callee), 2e18);
        bytes memory data = abi.encodeCall(IDisjointPair.swap, (0, 1e18, address(callee), abi.encode(0, 1.1e18, 0)));
        IAccessDeclaring.Access[] memory decl = ab0.declareAccess(address(this), data);
        address[] memory accounts = new address[](10);
        address[] memory base = _accounts();
        for (uint256 i = 0; i < 9; ++i) accounts[i] = base[i];
        accounts[9] = address(callee);
        _runAndCheck(address(ab0), data, decl, accounts);
    }

    function test_flashSwapDeclaresCallee() public {
        FlashSwapCallee callee = new FlashSwapCallee();
        tokenB.transfer(address(callee), 1e18);
        bytes memory data = abi.encodeCall(IDisjointPair.swap, (0, 1e18, address(callee), abi.encode(0, 0, 1.01e18)));
        IAccessDeclaring.Access[] memory decl = ab0.declareAccess(address(this), data);
        address[] memory accounts = new address[](10);
        address[] memory base = _accounts();
        for (uint256 i = 0; i < 9; ++i) accounts[i] = base[i];
        accounts[9] = address(callee);
        _runAndCheck(address(ab0), data, decl, accounts);
    }

    function test_factoryFunctions() public {
        uint256 n = factory.allPairsLength();
        _check(address(factory), abi.encodeCall(factory.createPair, (address(tokenC), address(tokenA))));
        assertEq(factory.allPairsLength(), n + 1, "created");
        _check(address(factory), abi.encodeCall(factory.addShards, (address(tokenC), address(tokenA), 3)));
        assertEq(factory.allPairsLength(), n + 3, "shards");
    }

    function test_factorySetShardAdmin() public {
        address[] memory accounts = new address[](1);
        accounts[0] = address(factory);
        bytes memory data = abi.encodeCall(factory.setShardAdmin, (ALICE));
        _runAndCheck(address(factory), data, factory.declareAccess(address(this), data), accounts);
        assertTrue(factory.shardAdmin() == ALICE, "admin");
    }

    function test_factoryCreateShardedPair() public {
        address[] memory accounts = new address[](4);
        accounts[0] = address(factory);
        accounts[1] = _futureShard(address(tokenA), address(tokenC), 0);
        accounts[2] = _futureShard(address(tokenA), address(tokenC), 1);
        accounts[3] = _futureShard(address(tokenA), address(tokenC), 2);
        bytes memory data = abi.encodeCall(factory.createShardedPair, (address(tokenA), address(tokenC), 3));
        _runAndCheck(address(factory), data, factory.declareAccess(address(this), data), accounts);
    }

    // ------------------------------------------------------------------ snapshot invariant

    /// The accumulators (declared SNAPSHOT) are written only by the first reserve update of a
    /// block, with the reserves from before the block: later swaps, mints, burns and syncs of
    /// the same block leave them unchanged (docs/access-lists.md rule 5).
    function test_accumulatorsAreAPerBlockSnapshot() public {
        (uint112 r0, uint112 r1, uint32 last) = ab1.getReserves();
        uint256 p0 = ab1.price0CumulativeLast();
        uint256 p1 = ab1.price1CumulativeLast();
        vm.warp(block.timestamp + 100);
        vm.roll(block.number + 1);
        uint256 elapsed = uint32(block.timestamp) - last;
        uint256 expected0 = p0 + ((uint256(r1) << 112) / r0) * elapsed;
        uint256 expected1 = p1 + ((uint256(r0) << 112) / r1) * elapsed;
        // Four writers of the reserves in one block, in an order that moves the reserves.
        router.swapExactTokensForTokensOnShards(
            1e18,
            0,
            _path(address(tokenA), address(tokenB)),
            _one(1),
            ALICE,
            DEADLINE
        );
        assertEq(ab1.price0CumulativeLast(), expected0, "first writer: pre-block price0");
        assertEq(ab1.price1CumulativeLast(), expected1, "first writer: pre-block price1");
        router.swapExactTokensForTokensOnShards(
            2e18,
            0,
            _path(address(tokenB), address(tokenA)),
            _one(1),
            ALICE,
            DEADLINE
        );
        router.addLiquidityToShard(address(tokenA), address(tokenB), 1, 1e18, 1e18, 0, 0, ALICE, DEADLINE);
        ab1.transfer(address(ab1), 1e17);
        ab1.burn(ALICE);
        tokenA.transfer(address(ab1), 3);
        ab1.sync();
        assertEq(ab1.price0CumulativeLast(), expected0, "later writer changed price0");
        assertEq(ab1.price1CumulativeLast(), expected1, "later writer changed price1");
    }

    // ------------------------------------------------------------------ disjointness

    /// Explicit-shard swaps on different shards write no common pool slot, and LP adds of
    /// owners with different home shards write no common pool slot (token slots aside: see
    /// DexExactTokenSlotsTest for those).
    function test_differentShardsAreDisjoint() public view {
        IAccessDeclaring.Access[] memory x = router.declareAccess(
            address(this),
            abi.encodeCall(
                router.swapExactTokensForTokensOnShards,
                (1e17, 0, _path(address(tokenA), address(tokenB)), _one(0), ALICE, DEADLINE)
            )
        );
        IAccessDeclaring.Access[] memory y = router.declareAccess(
            address(this),
            abi.encodeCall(
                router.swapExactTokensForTokensOnShards,
                (1e17, 0, _path(address(tokenA), address(tokenB)), _one(1), ALICE, DEADLINE)
            )
        );
        assertEq(_sharedPoolWrites(x, y), 0, "swaps on shards 0 and 1 share a pool slot");
        // Owners 3 and 4 have home shards 0 and 1 of 3.
        IAccessDeclaring.Access[] memory p = router.declareAccess(
            address(this),
            abi.encodeCall(
                router.addLiquidity,
                (address(tokenA), address(tokenB), 1e18, 1e18, 0, 0, address(3), DEADLINE)
            )
        );
        IAccessDeclaring.Access[] memory q = router.declareAccess(
            address(this),
            abi.encodeCall(
                router.addLiquidity,
                (address(tokenA), address(tokenB), 1e18, 1e18, 0, 0, address(4), DEADLINE)
            )
        );
        assertEq(_sharedPoolWrites(p, q), 0, "adds of different home shards share a pool slot");
    }

    function _sharedPoolWrites(
        IAccessDeclaring.Access[] memory x,
        IAccessDeclaring.Access[] memory y
    ) internal view returns (uint256 shared) {
        for (uint256 i = 0; i < x.length; ++i) {
            address a = x[i].account;
            if (a == address(tokenA) || a == address(tokenB) || a == address(tokenC)) continue;
            for (uint256 j = 0; j < y.length; ++j) {
                bool sameSlot = y[j].account == a && y[j].slot == x[i].slot;
                bool writeConflict = (x[i].mode & 2 != 0 || y[j].mode & 2 != 0);
                if (sameSlot && writeConflict) ++shared;
            }
        }
    }

    function _one(uint256 v) internal pure returns (uint256[] memory a) {
        a = new uint256[](1);
        a[0] = v;
    }

    function _futureShard(address x, address y, uint256 index) internal view returns (address) {
        (address t0, address t1) = x < y ? (x, y) : (y, x);
        bytes32 salt = keccak256(abi.encode(t0, t1, index));
        return
            address(
                uint160(
                    uint256(keccak256(abi.encodePacked(hex"ff", address(factory), salt, factory.PAIR_INIT_CODE_HASH())))
                )
            );
    }
}

/// @notice The same observed-within-declared checks with no token layout registry: every token
/// access is declared as the token's whole account (ANY_SLOT), as before registries existed.
contract DexAccessUnregisteredTest is DexAccessTest {
    function _useLayouts() internal pure override returns (bool) {
        return false;
    }

    function test_tokensDeclaredAsWholeAccounts() public view {
        IAccessDeclaring.Access[] memory d = router.declareAccess(
            address(this),
            abi.encodeCall(
                router.swapExactTokensForTokensOnShards,
                (1e17, 0, _path(address(tokenA), address(tokenB)), _one(1), ALICE, DEADLINE)
            )
        );
        uint256 tokens;
        for (uint256 i = 0; i < d.length; ++i) {
            if (d[i].account != address(tokenA) && d[i].account != address(tokenB)) continue;
            assertTrue(d[i].slot == bytes32(type(uint256).max), "exact slot without a registry");
            ++tokens;
        }
        assertEq(tokens, 2, "each token once, whole");
    }
}
