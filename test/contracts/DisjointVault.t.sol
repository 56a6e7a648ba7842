// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "../utils/Vm.sol";
import {AccessCheck} from "../utils/AccessCheck.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DisjointVault} from "../../contracts/vault/DisjointVault.sol";
import {IDisjointVault} from "../../contracts/interfaces/IDisjointVault.sol";
import {IAccessDeclaring} from "../../contracts/interfaces/IAccessDeclaring.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {VaultMockStrategy} from "../../contracts/mocks/VaultMockStrategy.sol";
import {LayoutsBase} from "../utils/LayoutsBase.sol";
import {ITokenLayoutRegistry} from "../../contracts/tokens/ITokenLayoutRegistry.sol";

/// @notice Shared setup: a 4-shard vault over an 18-decimal token, with a strategy.
abstract contract VaultSetup is AccessCheck, LayoutsBase {
    uint256 internal constant V = 1000; // virtual shares
    uint256 internal constant ONE = 1e27; // price scale
    uint256 internal constant SHARDS = 4;
    address internal constant FEE = address(0xFEE);
    MockERC20 internal token;
    DisjointVault internal vault;
    VaultMockStrategy internal strategy;

    function _deploy() internal {
        token = new MockERC20("Asset", "AST", 18);
        _newLayouts();
        _registerLayout(token);
        vault = new DisjointVault(
            token,
            "Disjoint Vault",
            "djV",
            SHARDS,
            address(this),
            FEE,
            ITokenLayoutRegistry(address(layouts))
        );
        strategy = new VaultMockStrategy(address(token), address(vault));
        strategy.setTokenLayouts(ITokenLayoutRegistry(address(layouts)));
        vault.setStrategy(strategy);
    }

    function _fund(address who, uint256 amount) internal {
        _mintAndApprove(token, who, amount, address(vault));
    }

    function _deposit(address who, uint256 assets) internal returns (uint256 shares) {
        _fund(who, assets);
        vm.prank(who);
        shares = vault.deposit(assets, who);
    }

    function _nextBlock() internal {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + 12);
    }
}

/// @notice Rounding of all eight conversions never favours the user; attacks fail.
contract DisjointVaultRoundingTest is VaultSetup {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    function setUp() public {
        _deploy();
    }

    /// Puts the vault in a random state with a non-trivial price schedule, part of the way
    /// through its unlock period. Returns the current price and the end price.
    function _randomState(uint256 seedAssets, uint256 seedGain, uint256 seedLoss) internal returns (uint256, uint256) {
        uint256 initial = bound(seedAssets, 1, 1e30);
        _deposit(ALICE, initial);
        vault.allocate(vault.shardOf(ALICE), initial);
        uint256 gain = bound(seedGain, 0, 1e30);
        strategy.gain(gain);
        strategy.lose(bound(seedLoss, 0, initial + gain));
        vault.harvest();
        _nextBlock();
        vm.warp(block.timestamp + (seedLoss % 8 hours)); // anywhere in (or past) the 6 h unlock
        (uint256 p, , uint256 e, , ) = vault.priceSchedule();
        assertLe(p, e, "current price above the end price");
        return (p, e);
    }

    /// forge-config: default.fuzz.runs = 200
    function testFuzz_convertAndPreviewRounding(
        uint256 seedAssets,
        uint256 seedGain,
        uint256 seedLoss,
        uint256 x
    ) public {
        (uint256 p, uint256 e) = _randomState(seedAssets, seedGain, seedLoss);
        x = bound(x, 0, 1e30);
        // convertTo* use the current price p; deposits and mints the end price e; all floors
        // satisfy r * den <= x * num < (r + 1) * den, all ceilings (r - 1) * den < x * num <= r * den.
        uint256 r = vault.convertToShares(x);
        assertLe(r * p, x * ONE, "convertToShares above exact");
        assertTrue((r + 1) * p > x * ONE, "convertToShares not floor");
        r = vault.previewDeposit(x);
        assertLe(r * e, x * ONE, "previewDeposit above exact");
        assertTrue((r + 1) * e > x * ONE, "previewDeposit not floor");
        assertLe(r, vault.convertToShares(x), "previewDeposit above convertToShares");
        r = vault.convertToAssets(x);
        assertLe(r * ONE, x * p, "convertToAssets above exact");
        assertTrue((r + 1) * ONE > x * p, "convertToAssets not floor");
        assertEq(vault.previewRedeem(x), r, "previewRedeem != convertToAssets");
        r = vault.previewMint(x);
        assertGe(r * ONE, x * e, "previewMint below exact");
        assertTrue(r == 0 || (r - 1) * ONE < x * e, "previewMint not ceil");
        r = vault.previewWithdraw(x);
        assertGe(r * p, x * ONE, "previewWithdraw below exact");
        assertTrue(r == 0 || (r - 1) * p < x * ONE, "previewWithdraw not ceil");
    }

    /// forge-config: default.fuzz.runs = 200
    function testFuzz_depositMintWithdrawRedeemNeverFavourUser(
        uint256 seedAssets,
        uint256 seedGain,
        uint256 seedLoss,
        uint256 x
    ) public {
        (uint256 p, uint256 e) = _randomState(seedAssets, seedGain, seedLoss);
        x = bound(x, 1, 1e30);
        // deposit = previewDeposit (floor, end price); redeeming those shares now returns <= x.
        uint256 shares = vault.previewDeposit(x);
        vm.assume(shares > 0);
        _fund(BOB, x);
        vm.prank(BOB);
        assertEq(vault.deposit(x, BOB), shares, "deposit != previewDeposit");
        assertLe(shares * e, x * ONE, "deposit gave more than exact");
        uint256 back = vault.previewRedeem(shares);
        vm.prank(BOB);
        if (back > 0) {
            assertEq(vault.redeem(shares, BOB, BOB), back, "redeem != previewRedeem");
            assertLe(back, x, "deposit+redeem profit");
        }
        // mint = previewMint (ceil); the minted shares redeem for no more than was paid.
        uint256 deposited = x;
        uint256 minted = bound(x, 1, Math.min(1e30, vault.maxMint(BOB)));
        uint256 paid = vault.previewMint(minted);
        _fund(BOB, paid);
        vm.prank(BOB);
        assertEq(vault.mint(minted, BOB), paid, "mint != previewMint");
        assertLe(vault.previewRedeem(minted), paid, "mint+redeem profit");
        // withdraw = previewWithdraw (ceil): burns at least the exact shares.
        uint256 w = vault.maxWithdraw(BOB);
        if (w > 0) {
            uint256 burn = vault.previewWithdraw(w);
            vm.prank(BOB);
            assertEq(vault.withdraw(w, BOB, BOB), burn, "withdraw != previewWithdraw");
            assertGe(burn * p, w * ONE, "withdraw burnt less than exact");
        }
        // Across the whole sequence Bob never got more assets than he paid.
        assertLe(token.balanceOf(BOB), deposited + paid, "round trips profit");
    }

    /// The first depositor deposits 1 wei and donates to the vault and escrows: the donation
    /// is not counted, the victim gets a fair share and the attacker loses the donation.
    /// forge-config: default.fuzz.runs = 100
    function testFuzz_inflationByDonationFails(uint256 donation, uint256 victimAssets) public {
        donation = bound(donation, 1, 1e30);
        victimAssets = bound(victimAssets, 1, 1e30);
        address attacker = address(0xBAD);
        _deposit(attacker, 1);
        token.mint(attacker, donation);
        vm.startPrank(attacker);
        token.transfer(address(vault), donation / 2);
        token.transfer(vault.escrowOf(vault.shardOf(ALICE)), donation - donation / 2);
        vm.stopPrank();
        assertEq(vault.totalAssets(), 1, "donation counted");
        uint256 shares = _deposit(ALICE, victimAssets);
        assertEq(shares, victimAssets * V, "victim diluted");
        _nextBlock();
        vm.prank(ALICE);
        assertGe(vault.redeem(shares, ALICE, ALICE) + 1, victimAssets, "victim lost more than 1 wei");
        uint256 attackerShares = vault.balanceOf(attacker);
        assertLe(vault.previewRedeem(attackerShares), 1, "attacker gained");
    }

    /// The same attack through the strategy (a donation becomes harvested profit): the
    /// virtual shares take their part, so the attacker loses far more than the victim.
    /// forge-config: default.fuzz.runs = 100
    function testFuzz_inflationThroughStrategyUnprofitable(uint256 donation, uint256 victimAssets) public {
        donation = bound(donation, 1e6, 1e30);
        victimAssets = bound(victimAssets, 1, 1e30);
        address attacker = address(0xBAD);
        _deposit(attacker, 1);
        vault.allocate(vault.shardOf(attacker), 1);
        token.mint(address(strategy), donation);
        vault.harvest();
        _nextBlock();
        vm.warp(block.timestamp + 6 hours); // the profit is unlocked
        uint256 shares = vault.previewDeposit(victimAssets);
        if (shares == 0) {
            _fund(ALICE, victimAssets);
            vm.prank(ALICE);
            vm.expectRevert(IDisjointVault.ZeroShares.selector);
            vault.deposit(victimAssets, ALICE);
            return;
        }
        _deposit(ALICE, victimAssets);
        _nextBlock();
        uint256 victimBack = vault.previewRedeem(shares);
        uint256 attackerBack = vault.previewRedeem(vault.balanceOf(attacker));
        uint256 victimLoss = victimAssets - victimBack;
        assertLe(attackerBack, donation + 1, "attacker gained");
        uint256 attackerLoss = donation + 1 - attackerBack;
        assertGe(attackerLoss + 1, victimLoss, "attack cheaper than the victim's loss");
    }

    /// A strategy loss is shared pro rata by every holder.
    /// forge-config: default.fuzz.runs = 100
    function testFuzz_lossSharedProRata(uint256 x, uint256 y, uint256 lossSeed) public {
        x = bound(x, 1e6, 1e30);
        y = bound(y, 1e6, 1e30);
        uint256 sa = _deposit(ALICE, x);
        uint256 sb = _deposit(BOB, y);
        vault.allocate(vault.shardOf(ALICE), x);
        uint256 loss = bound(lossSeed, 0, x);
        strategy.lose(loss);
        vault.harvest();
        uint256 ta = vault.totalAssets();
        assertEq(ta, x + y - loss, "loss not booked");
        uint256 ra = vault.previewRedeem(sa);
        uint256 rb = vault.previewRedeem(sb);
        // Each gets its share of what is left, to within rounding.
        uint256 fairA = (x * ta) / (x + y);
        uint256 fairB = (y * ta) / (x + y);
        assertLe(ra, fairA + 1, "alice above pro rata");
        assertLe(rb, fairB + 1, "bob above pro rata");
        assertGe(ra + 2 + (ta / 1e9), fairA, "alice below pro rata");
        assertGe(rb + 2 + (ta / 1e9), fairB, "bob below pro rata");
    }
}

/// @notice Observed storage accesses are covered by each call's declared access list.
contract DisjointVaultAccessTest is VaultSetup {
    address internal constant ALICE = address(0xA11CE); // shard 1 of 4 (0xA11CE % 4 = 2)
    address internal constant BOB = address(0xB0B);

    function setUp() public {
        _deploy();
        _deposit(ALICE, 100e18);
        _deposit(BOB, 50e18);
        _fund(ALICE, 1e24);
        _fund(BOB, 1e24);
        _nextBlock();
    }

    /// Runs `data` from `sender`, recording storage, and checks observed <= declared for the
    /// vault, the strategy, the token (account level) and every escrow but shard 0's, which is
    /// the vault (no storage at all).
    function _check(address sender, bytes memory data) internal {
        IAccessDeclaring.Access[] memory d = vault.declareAccess(sender, data);
        _recordedCall(address(vault), sender, data);
        (bytes32[] memory r, bytes32[] memory w) = vm.accesses(address(vault));
        assertTrue(r.length > 0, "nothing recorded");
        assertTrue(_covered(d, address(vault), r, w), "vault access not declared");
        (r, w) = vm.accesses(address(strategy));
        assertTrue(_covered(d, address(strategy), r, w), "strategy access not declared");
        (r, w) = vm.accesses(address(token));
        assertTrue(_covered(d, address(token), r, w), "token access not declared");
        // Escrow 0 is the vault itself (checked above); the others hold no storage.
        for (uint256 k = 1; k < SHARDS; ++k) {
            (r, w) = vm.accesses(vault.escrowOf(k));
            assertEq(r.length + w.length, 0, "escrow storage touched");
        }
    }

    function test_checkerCatchesAnUndeclaredSlot() public {
        bytes memory data = abi.encodeCall(vault.deposit, (1e18, ALICE));
        IAccessDeclaring.Access[] memory d = vault.declareAccess(ALICE, data);
        // Drop the receiver's balance slot from the declaration: the checker must object.
        bytes32 balanceSlot = keccak256(abi.encode(ALICE, uint256(67)));
        uint256 n;
        for (uint256 i = 0; i < d.length; ++i) if (d[i].slot != balanceSlot) d[n++] = d[i];
        assertEq(d.length - n, 1, "balance slot (67) not in the declaration");
        assembly ("memory-safe") {
            mstore(d, n)
        }
        vm.record();
        vm.prank(ALICE);
        vault.deposit(1e18, ALICE);
        (bytes32[] memory r, bytes32[] memory w) = vm.accesses(address(vault));
        assertTrue(!_covered(d, address(vault), r, w), "checker missed the undeclared slot");
    }

    function test_depositFirstAndLaterInBlock() public {
        _check(ALICE, abi.encodeCall(vault.deposit, (1e18, ALICE)));
        _check(BOB, abi.encodeCall(vault.deposit, (2e18, BOB)));
        _check(BOB, abi.encodeCall(vault.deposit, (2e18, ALICE))); // for someone else
    }

    function test_hugeAmountsAndLimitDeclared() public {
        _deposit(ALICE, 1e33);
        vault.setDepositLimit(1e40);
        _nextBlock();
        _check(BOB, abi.encodeCall(vault.deposit, (1e18, BOB)));
        _check(ALICE, abi.encodeCall(vault.redeem, (1e30, ALICE, ALICE)));
    }

    function test_mint() public {
        _check(ALICE, abi.encodeCall(vault.mint, (1e21, ALICE)));
        vault.setDepositLimit(1e30);
        _nextBlock();
        _check(BOB, abi.encodeCall(vault.mint, (1e21, BOB)));
    }

    function test_withdrawAndRedeemFromShard() public {
        _check(ALICE, abi.encodeCall(vault.withdraw, (1e18, ALICE, ALICE)));
        _check(BOB, abi.encodeCall(vault.redeem, (1e21, address(0xCAFE), BOB)));
    }

    function test_shardOnlyVariants() public {
        _check(ALICE, abi.encodeCall(vault.withdrawFromShard, (1e18, ALICE, ALICE)));
        _check(BOB, abi.encodeCall(vault.redeemFromShard, (1e21, BOB, BOB)));
    }

    function test_withdrawFallbackToStrategy() public {
        vault.allocate(vault.shardOf(ALICE), 90e18);
        _nextBlock();
        _check(ALICE, abi.encodeCall(vault.withdraw, (50e18, ALICE, ALICE)));
    }

    /// The strategy cannot pay: the other shards' escrows do (issue #22), all declared.
    function test_withdrawFallbackToOtherShards() public {
        vault.allocate(vault.shardOf(ALICE), 90e18);
        strategy.setLiquidityCap(5e18);
        _nextBlock();
        _check(ALICE, abi.encodeCall(vault.withdraw, (50e18, ALICE, ALICE)));
        (, uint256 bobIdle) = vault.shardState(vault.shardOf(BOB));
        assertEq(bobIdle, 15e18, "the other shard's escrow did not pay the rest");
    }

    function test_redeemBySpender() public {
        vm.prank(ALICE);
        vault.approve(BOB, 1e22);
        _check(BOB, abi.encodeCall(vault.redeem, (1e21, BOB, ALICE)));
        _check(BOB, abi.encodeCall(vault.withdraw, (1e18, BOB, ALICE)));
    }

    function test_shareTokenFunctions() public {
        _check(ALICE, abi.encodeCall(vault.transfer, (BOB, 1e21)));
        _check(ALICE, abi.encodeCall(vault.approve, (BOB, 1e21)));
        _check(BOB, abi.encodeCall(vault.transferFrom, (ALICE, address(0xCAFE), 1e20)));
    }

    function test_harvestAllocateDeallocate() public {
        vault.setPerformanceFee(1000);
        _check(address(this), abi.encodeCall(vault.allocate, (vault.shardOf(ALICE), 80e18)));
        strategy.gain(10e18);
        _check(address(this), abi.encodeCall(vault.harvest, ()));
        assertTrue(vault.balanceOf(FEE) > 0, "no fee minted");
        _nextBlock();
        strategy.lose(30e18);
        _check(address(this), abi.encodeCall(vault.harvest, ()));
        _check(address(this), abi.encodeCall(vault.deallocate, (0, 10e18)));
    }

    function test_adminFunctions() public {
        _check(address(this), abi.encodeCall(vault.setDepositLimit, (1e30)));
        _check(address(this), abi.encodeCall(vault.setPerformanceFee, (100)));
        _check(address(this), abi.encodeCall(vault.setProfitUnlockPeriod, (3600)));
        _check(address(this), abi.encodeCall(vault.transferOwnership, (ALICE)));
        _check(ALICE, abi.encodeCall(vault.acceptOwnership, ()));
        VaultMockStrategy next = new VaultMockStrategy(address(token), address(vault));
        _check(ALICE, abi.encodeCall(vault.setStrategy, (next)));
    }
}

/// @notice The same observed-within-declared checks with no token layout registry: the asset
/// is declared as the whole account (ANY_SLOT), as before registries existed.
contract DisjointVaultAccessUnregisteredTest is DisjointVaultAccessTest {
    function _useLayouts() internal pure override returns (bool) {
        return false;
    }

    function test_assetDeclaredAsWholeAccount() public view {
        IAccessDeclaring.Access[] memory d = vault.declareAccess(ALICE, abi.encodeCall(vault.deposit, (1e18, ALICE)));
        uint256 found;
        for (uint256 i = 0; i < d.length; ++i) {
            if (d[i].account != address(token)) continue;
            assertTrue(d[i].slot == bytes32(type(uint256).max), "exact slot without a registry");
            ++found;
        }
        assertEq(found, 1, "asset not declared once");
    }
}

/// @notice With the asset's layout registered, deposits and withdrawals paid from the escrow
/// declare exactly the asset slots they touch: the payer's and the payee's balances and the
/// allowance spent (the depositor's to the vault, the escrow's to the vault).
contract DisjointVaultExactTokenSlotsTest is VaultSetup {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    function setUp() public {
        _deploy();
        _deposit(ALICE, 100e18);
        _fund(ALICE, 1e24);
        _fund(BOB, 1e24);
        // A finite allowance: the deposit then writes it.
        vm.prank(BOB);
        token.approve(address(vault), 1e30);
        _nextBlock();
    }

    function _exact(address sender, bytes memory data, string memory what) internal {
        IAccessDeclaring.Access[] memory d = vault.declareAccess(sender, data);
        _recordedCall(address(vault), sender, data);
        _assertExactSlots(d, address(token), what);
    }

    function test_depositAndWithdrawDeclareExactAssetSlots() public {
        _exact(ALICE, abi.encodeCall(vault.deposit, (1e18, ALICE)), "deposit");
        _exact(BOB, abi.encodeCall(vault.deposit, (1e18, ALICE)), "deposit for another, finite allowance");
        _exact(BOB, abi.encodeCall(vault.mint, (1e21, BOB)), "mint");
        // (withdraw and redeem also name the mock strategy's declaration, the whole asset account)
        _exact(ALICE, abi.encodeCall(vault.withdrawFromShard, (1e18, address(0xCAFE), ALICE)), "withdrawFromShard");
        _exact(ALICE, abi.encodeCall(vault.redeemFromShard, (1e21, ALICE, ALICE)), "redeemFromShard");
        vm.prank(ALICE);
        vault.approve(BOB, 1e24);
        _exact(BOB, abi.encodeCall(vault.redeemFromShard, (1e21, BOB, ALICE)), "redeemFromShard by a spender");
    }

    function test_allocateDeclaresTheEscrowToStrategyTransfer() public {
        bytes memory data = abi.encodeCall(vault.allocate, (vault.shardOf(ALICE), 10e18));
        IAccessDeclaring.Access[] memory d = vault.declareAccess(address(this), data);
        address escrow = vault.escrowOf(vault.shardOf(ALICE));
        assertTrue(_has(d, address(token), keccak256(abi.encode(escrow, uint256(0))), 2), "escrow balance");
        assertTrue(
            _has(d, address(token), keccak256(abi.encode(address(strategy), uint256(0))), 2),
            "strategy balance"
        );
        _recordedCall(address(vault), address(this), data);
        assertTrue(_covered(d, address(token)), "token access not declared");
    }
}

/// @notice Random deposits, mints, withdrawals, redeems, transfers, allocations, harvests
/// and losses by many users, across blocks.
contract VaultHandler is TestBase {
    uint256 internal constant SHARDS = 4;
    address internal constant FEE = address(0xFEE);
    MockERC20 public token;
    DisjointVault public vault;
    VaultMockStrategy public strategy;
    address[] public actors;
    /// Any action that paid a user more than the exact price of what it gave.
    bool public userFavoured;
    /// User operations that went through (reverted calls roll this back).
    uint256 public userOps;

    constructor() {
        token = new MockERC20("Asset", "AST", 18);
        vault = new DisjointVault(
            token,
            "Disjoint Vault",
            "djV",
            SHARDS,
            address(this),
            FEE,
            ITokenLayoutRegistry(address(0))
        );
        strategy = new VaultMockStrategy(address(token), address(vault));
        vault.setStrategy(strategy);
        vault.setPerformanceFee(1000);
        vault.setProfitUnlockPeriod(3600);
        for (uint256 i = 0; i < 8; ++i) {
            address a = address(uint160(0x1000 + i * 7919));
            actors.push(a);
            vm.prank(a);
            token.approve(address(vault), type(uint256).max);
        }
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    /// The current price and the end price.
    function _prices() internal view returns (uint256 p, uint256 e) {
        (p, , e, , ) = vault.priceSchedule();
    }

    function deposit(uint256 who, uint256 assets) external {
        address u = actors[who % actors.length];
        assets = bound(assets, 1, 1e27);
        (, uint256 e) = _prices();
        if (vault.previewDeposit(assets) == 0) return;
        token.mint(u, assets);
        vm.prank(u);
        uint256 shares = vault.deposit(assets, u);
        ++userOps;
        if (shares * e > assets * 1e27) userFavoured = true;
    }

    function mint(uint256 who, uint256 shares) external {
        address u = actors[who % actors.length];
        shares = bound(shares, 1, 1e30);
        (, uint256 e) = _prices();
        uint256 assets = vault.previewMint(shares);
        token.mint(u, assets);
        vm.prank(u);
        assets = vault.mint(shares, u);
        ++userOps;
        if (assets * 1e27 < shares * e) userFavoured = true;
    }

    function withdraw(uint256 who, uint256 assets) external {
        address u = actors[who % actors.length];
        uint256 max = vault.maxWithdraw(u);
        if (max == 0) return;
        assets = bound(assets, 1, max);
        (uint256 p, ) = _prices();
        vm.prank(u);
        uint256 shares = vault.withdraw(assets, u, u);
        ++userOps;
        if (shares * p < assets * 1e27) userFavoured = true;
    }

    function redeem(uint256 who, uint256 shares) external {
        address u = actors[who % actors.length];
        uint256 max = vault.maxRedeem(u);
        shares = bound(shares, 0, max);
        if (vault.previewRedeem(shares) == 0) return;
        (uint256 p, ) = _prices();
        vm.prank(u);
        uint256 assets = vault.redeem(shares, u, u);
        ++userOps;
        if (assets * 1e27 > shares * p) userFavoured = true;
    }

    function redeemFromShard(uint256 who, uint256 shares) external {
        address u = actors[who % actors.length];
        (, uint256 idle) = vault.shardState(vault.shardOf(u));
        shares = bound(shares, 0, vault.balanceOf(u));
        uint256 assets = vault.previewRedeem(shares);
        if (assets == 0 || assets > idle) return;
        vm.prank(u);
        vault.redeemFromShard(shares, u, u);
        ++userOps;
    }

    function deallocate(uint256 shard, uint256 assets) external {
        (uint256 debt, , , , ) = vault.ledger();
        vault.deallocate(shard % SHARDS, bound(assets, 0, debt));
    }

    function transfer(uint256 from, uint256 to, uint256 shares) external {
        address f = actors[from % actors.length];
        address t = actors[to % actors.length];
        shares = bound(shares, 0, vault.balanceOf(f));
        vm.prank(f);
        vault.transfer(t, shares);
    }

    function allocate(uint256 shard, uint256 assets) external {
        shard = shard % SHARDS;
        (, uint256 idle) = vault.shardState(shard);
        vault.allocate(shard, bound(assets, 0, idle));
    }

    function harvestGain(uint256 gain) external {
        (uint256 debt, , , , ) = vault.ledger();
        strategy.gain(bound(gain, 0, debt / 10 + 1e18));
        vault.harvest();
    }

    function harvestLoss(uint256 loss) external {
        strategy.lose(bound(loss, 0, token.balanceOf(address(strategy))));
        vault.harvest();
    }

    function nextBlock(uint256 dt) external {
        vm.roll(block.number + 1);
        vm.warp(block.timestamp + bound(dt, 1, 900));
    }
}

contract DisjointVaultInvariantTest is TestBase {
    VaultHandler internal handler;
    DisjointVault internal vault;
    MockERC20 internal token;

    function setUp() public {
        handler = new VaultHandler();
        vault = handler.vault();
        token = handler.token();
    }

    /// The handler's actions go through (not vacuous) and keep the invariants, in a fixed run.
    function test_handlerActionsGoThrough() public {
        handler.deposit(0, 50e18);
        handler.deposit(3, 7e18);
        handler.mint(1, 1e21);
        handler.allocate(vault.shardOf(handler.actors(0)), 40e18);
        handler.nextBlock(600);
        handler.harvestGain(2e18);
        handler.withdraw(0, 45e18); // beyond the shard's idle: strategy fallback
        handler.nextBlock(300);
        handler.redeem(1, 5e20);
        handler.redeemFromShard(3, 1e21);
        handler.transfer(3, 0, 1e20);
        handler.harvestLoss(1e18);
        handler.deallocate(1, 1e18);
        assertEq(handler.userOps(), 6, "a user operation was skipped");
        invariant_supplyIsExactAndSharded();
        invariant_assetsAreBackedAndSolvent();
    }

    function targetContracts() public view returns (address[] memory t) {
        t = new address[](1);
        t[0] = address(handler);
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_supplyIsExactAndSharded() public view {
        uint256 n = handler.actorCount();
        uint256[4] memory perShard;
        uint256 sum = vault.balanceOf(address(0xFEE));
        perShard[vault.shardOf(address(0xFEE))] += sum;
        for (uint256 i = 0; i < n; ++i) {
            address a = handler.actors(i);
            uint256 b = vault.balanceOf(a);
            sum += b;
            perShard[vault.shardOf(a)] += b;
        }
        assertEq(vault.totalSupply(), sum, "totalSupply != sum of balances");
        for (uint256 k = 0; k < 4; ++k) {
            (uint256 supply, ) = vault.shardState(k);
            assertEq(supply, perShard[k], "shard supply != its holders' balances");
        }
    }

    /// forge-config: default.invariant.runs = 24
    /// forge-config: default.invariant.depth = 40
    function invariant_assetsAreBackedAndSolvent() public view {
        uint256 idle;
        uint256 escrowed;
        for (uint256 k = 0; k < 4; ++k) {
            (, uint256 i) = vault.shardState(k);
            idle += i;
            escrowed += token.balanceOf(vault.escrowOf(k));
        }
        assertEq(idle, escrowed, "shard idle != escrow balances");
        (uint256 debt, , , , ) = vault.ledger();
        assertEq(debt, token.balanceOf(address(handler.strategy())), "debt != strategy holdings");
        uint256 ta = vault.totalAssets();
        assertLe(ta, idle + debt, "totalAssets above holdings");
        uint256 owed = vault.previewRedeem(vault.balanceOf(address(0xFEE)));
        for (uint256 i = 0; i < handler.actorCount(); ++i) {
            owed += vault.previewRedeem(vault.balanceOf(handler.actors(i)));
        }
        assertLe(owed, ta, "holders are owed more than the vault has");
        assertTrue(!handler.userFavoured(), "a conversion favoured the user");
    }
}

/// @notice The price is a function of the last report and the time: no user operation
/// changes the schedule, and no one profits from it (issue #18).
contract DisjointVaultPriceTest is VaultSetup {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);
    address internal constant CAROL = address(0xCA201);

    function setUp() public {
        _deploy();
        _deposit(ALICE, 100e18);
        _deposit(BOB, 50e18);
        _fund(ALICE, 1e24);
        _fund(BOB, 1e24);
        vault.setPerformanceFee(1000);
        vault.allocate(vault.shardOf(ALICE), 40e18);
        strategy.gain(9e18);
        vault.harvest();
        vm.warp(block.timestamp + 1 hours); // part of the profit unlocked
        _nextBlock();
    }

    function _schedule() internal view returns (bytes32 h) {
        (, uint256 start, uint256 end, uint256 last, uint256 period) = vault.priceSchedule();
        h = keccak256(abi.encode(start, end, last, period));
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_userOperationsLeaveTheScheduleAlone(uint8 which, uint256 amount, uint32 dt) public {
        bytes32 before = _schedule();
        amount = bound(amount, 1e6, 10e18);
        uint256 op = which % 6;
        if (op == 0) {
            vm.prank(ALICE);
            vault.deposit(amount, ALICE);
        } else if (op == 1) {
            vm.prank(BOB);
            vault.mint(amount, BOB);
        } else if (op == 2) {
            vm.prank(BOB);
            vault.withdraw(amount, BOB, BOB);
        } else if (op == 3) {
            vm.prank(ALICE);
            vault.redeem(amount, ALICE, ALICE);
        } else if (op == 4) {
            vm.prank(ALICE);
            vault.transfer(BOB, amount);
        } else {
            vault.allocate(vault.shardOf(BOB), amount);
        }
        assertTrue(_schedule() == before, "a user operation changed the price schedule");
        // The price at any later time is start + (end - start) * min(elapsed, period) / period.
        vm.warp(block.timestamp + bound(dt, 0, 12 hours));
        (uint256 p, uint256 start, uint256 end, uint256 last, uint256 period) = vault.priceSchedule();
        uint256 elapsed = Math.min(block.timestamp - last, period);
        assertEq(p, start + ((end - start) * elapsed) / period, "price not the schedule's");
        assertEq(vault.convertToAssets(1e21), (1e21 * p) / ONE, "convertToAssets not at the price");
    }

    /// The report keeps the price now (or lowers it on a loss) and sets the end price to the
    /// vault's real totals: (idle + strategy value + 1) / (supply + fee shares + V).
    function test_reportSetsTheScheduleFromTheRealTotals() public {
        (uint256 pBefore, , , , ) = vault.priceSchedule();
        strategy.gain(5e18);
        vault.harvest();
        (uint256 p, uint256 start, uint256 end, uint256 last, ) = vault.priceSchedule();
        assertEq(start, pBefore, "a profit moved the price at once");
        assertEq(p, start, "price != start at the report");
        assertEq(last, block.timestamp, "report time");
        uint256 supply = vault.totalSupply();
        assertEq(end, Math.mulDiv(vault.totalAssets() + 1, ONE, supply + V), "end price != real totals");
        // A loss larger than what is still locked lowers the price at once.
        strategy.lose(30e18);
        vault.harvest();
        (p, start, end, , ) = vault.priceSchedule();
        assertEq(start, end, "a loss is not taken at once");
        assertTrue(p < pBefore, "the loss did not lower the price");
        assertEq(end, Math.mulDiv(vault.totalAssets() + 1, ONE, supply + V), "loss price != real totals");
    }

    /// Depositing just before a report and leaving just after (same block, or after `wait`
    /// seconds) earns at most the profit unlocked meanwhile, pro rata: wait / period of it.
    /// forge-config: default.fuzz.runs = 64
    function testFuzz_noProfitFromTheUnlockSchedule(uint256 x, uint256 gain, uint32 wait) public {
        vm.warp(block.timestamp + 6 hours); // the earlier profit is fully unlocked
        x = bound(x, 1e9, 1e24);
        gain = bound(gain, 0, 1e21);
        uint256 w = bound(wait, 0, 7 hours);
        uint256 shares = _deposit(CAROL, x);
        strategy.gain(gain);
        vault.harvest();
        uint256 supply = vault.totalSupply();
        vm.warp(block.timestamp + w);
        vm.prank(CAROL);
        uint256 out = vault.redeem(shares, CAROL, CAROL);
        if (w == 0) assertLe(out, x, "same-block round trip around a report took profit");
        uint256 fair = Math.mulDiv(gain, shares * Math.min(w, 6 hours), supply * 6 hours) + 1;
        assertLe(out, x + fair, "took more than the profit unlocked while it held, pro rata");
    }

    /// A deposit during the unlock pays the end price: it takes none of the profit reported
    /// before it joined, however long it stays.
    function test_depositDuringUnlockTakesNoEarlierProfit() public {
        (uint256 p, , uint256 end, , ) = vault.priceSchedule();
        assertTrue(p < end, "setup: profit still unlocking");
        uint256 shares = _deposit(CAROL, 10e18);
        assertEq(shares, (10e18 * ONE) / end, "deposit not at the end price");
        vm.warp(block.timestamp + 30 days);
        assertLe(vault.previewRedeem(shares), 10e18, "late depositor took earlier profit");
    }

    /// Amounts far beyond 107 bits and a price far from the initial one stay exact.
    function test_hugeAmounts() public {
        _deposit(ALICE, 1e33);
        vault.setDepositLimit(1e40);
        _nextBlock();
        vm.prank(BOB);
        uint256 shares = vault.deposit(1e18, BOB);
        (, , uint256 end, , ) = vault.priceSchedule();
        assertEq(shares, (1e18 * ONE) / end, "price");
        vm.prank(BOB);
        assertLe(vault.redeem(shares, BOB, BOB), 1e18, "round trip profit");
        assertEq(vault.depositLimit(), 1e40, "limit lost");
        uint256 all = vault.balanceOf(ALICE);
        vm.prank(ALICE);
        vault.redeem(all, ALICE, ALICE);
        assertEq(vault.depositLimit(), 1e40, "limit lost after the exit");
    }

    /// Settings: the unlock period keeps the price now; the limit flag keeps the schedule.
    function test_settingsKeepThePrice() public {
        (uint256 p, , uint256 end, , ) = vault.priceSchedule();
        vault.setProfitUnlockPeriod(12 hours);
        (uint256 p2, uint256 start2, uint256 end2, , uint256 period) = vault.priceSchedule();
        assertEq(p2, p, "period change moved the price");
        assertEq(start2, p, "rest of the rise does not start from the price now");
        assertEq(end2, end, "end price moved");
        assertEq(period, 12 hours, "period");
        bytes32 h = _schedule();
        vault.setDepositLimit(1e30);
        vault.setDepositLimit(type(uint256).max);
        assertTrue(_schedule() == h, "limit changed the schedule");
        vm.expectRevert(abi.encodeWithSelector(IDisjointVault.UnlockPeriodTooShort.selector, 0, 3600));
        vault.setProfitUnlockPeriod(0);
        vm.expectRevert(abi.encodeWithSelector(IDisjointVault.UnlockPeriodTooLong.selector, 1 << 24, (1 << 24) - 1));
        vault.setProfitUnlockPeriod(1 << 24);
    }
}

/// @notice The point of the design, observed: four users of four shards deposit, mint,
/// withdraw and redeem in one block; no transaction writes a slot (vault or token) that
/// another one reads or writes, and none reads another shard's slot.
contract DisjointVaultDisjointnessTest is VaultSetup {
    struct Touch {
        bytes32[] vaultReads;
        bytes32[] vaultWrites;
        bytes32[] tokenReads;
        bytes32[] tokenWrites;
    }

    address[4] internal users = [address(0x1000), address(0x1001), address(0x1002), address(0x1003)];

    function setUp() public {
        _deploy();
        for (uint256 i = 0; i < 4; ++i) {
            _deposit(users[i], 100e18);
            _fund(users[i], 100e18);
        }
        _nextBlock();
    }

    function _run(address who, bytes memory data) internal returns (Touch memory t) {
        vm.record();
        vm.prank(who);
        (bool ok, ) = address(vault).call(data);
        assertTrue(ok, "call failed");
        (t.vaultReads, t.vaultWrites) = vm.accesses(address(vault));
        (t.tokenReads, t.tokenWrites) = vm.accesses(address(token));
    }

    function _meets(bytes32[] memory a, bytes32[] memory b, bytes32 except) internal pure returns (bool) {
        for (uint256 i = 0; i < a.length; ++i) {
            if (a[i] == except) continue;
            for (uint256 j = 0; j < b.length; ++j) if (a[i] == b[j]) return true;
        }
        return false;
    }

    function test_usersOfDifferentShardsTouchDisjointSlots() public {
        for (uint256 i = 0; i < 4; ++i) assertEq(vault.shardOf(users[i]), i, "user shard");
        Touch[4] memory t;
        t[0] = _run(users[0], abi.encodeCall(vault.deposit, (1e18, users[0])));
        t[1] = _run(users[1], abi.encodeCall(vault.withdraw, (1e18, users[1], users[1])));
        t[2] = _run(users[2], abi.encodeCall(vault.mint, (1e21, users[2])));
        t[3] = _run(users[3], abi.encodeCall(vault.redeem, (1e21, users[3], users[3])));
        // Each reads the price word (64) and writes nothing shared; none reads another shard.
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 k = 0; k < t[i].vaultReads.length; ++k) {
                uint256 slot = uint256(t[i].vaultReads[k]);
                assertTrue(slot >= 64 || slot == i, "a user operation read another shard");
            }
        }
        // Block order: a later transaction must not read what an earlier one wrote (the only
        // dependency Block-STM re-executes for), and no two may write the same slot.
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 j = 0; j < 4; ++j) {
                if (i == j) continue;
                bytes32 except = bytes32(type(uint256).max);
                assertTrue(!_meets(t[i].vaultWrites, t[j].vaultWrites, except), "vault write-write overlap");
                assertTrue(!_meets(t[i].tokenWrites, t[j].tokenWrites, bytes32(0)), "token write-write overlap");
                if (i < j) {
                    assertTrue(!_meets(t[i].vaultWrites, t[j].vaultReads, except), "vault read of an earlier write");
                    assertTrue(
                        !_meets(t[i].tokenWrites, t[j].tokenReads, bytes32(0)),
                        "token read of an earlier write"
                    );
                }
                for (uint256 k = 0; k < t[i].vaultWrites.length; ++k) {
                    assertTrue(t[i].vaultWrites[k] != bytes32(uint256(64)), "a user operation wrote the price");
                }
            }
        }
    }

    /// The check above is not vacuous: two users of the same shard do collide.
    function test_usersOfOneShardCollide() public {
        address other = address(0x1004); // shard 0, like users[0]
        _fund(other, 100e18);
        Touch memory a = _run(users[0], abi.encodeCall(vault.deposit, (1e18, users[0])));
        Touch memory b = _run(other, abi.encodeCall(vault.deposit, (1e18, other)));
        assertTrue(_meets(a.vaultWrites, b.vaultWrites, bytes32(type(uint256).max)), "same shard did not collide");
        assertTrue(_meets(a.tokenWrites, b.tokenWrites, bytes32(0)), "same escrow did not collide");
    }
}
