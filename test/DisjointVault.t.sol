// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {TestBase} from "./utils/Vm.sol";
import {AccessCheck} from "./utils/AccessCheck.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {DisjointVault} from "../contracts/vault/DisjointVault.sol";
import {IAccessDeclaring} from "../contracts/interfaces/IAccessDeclaring.sol";
import {VaultAsset} from "../contracts/mocks/VaultAsset.sol";
import {VaultMockStrategy} from "../contracts/mocks/VaultMockStrategy.sol";
import {TokenLayoutRegistry} from "../contracts/tokens/TokenLayoutRegistry.sol";
import {ITokenLayoutRegistry} from "../contracts/tokens/ITokenLayoutRegistry.sol";

/// @notice Shared setup: a 4-shard vault over an 18-decimal token, with a strategy.
abstract contract VaultSetup is AccessCheck {
    uint256 internal constant V = 1000; // virtual shares
    uint256 internal constant SHARDS = 4;
    address internal constant FEE = address(0xFEE);
    VaultAsset internal token;
    DisjointVault internal vault;
    VaultMockStrategy internal strategy;
    TokenLayoutRegistry internal layouts;

    /// Whether the vault gets a registry with the asset's layout (false: no registry).
    function _useLayouts() internal pure virtual returns (bool) {
        return true;
    }

    function _deploy() internal {
        token = new VaultAsset("Asset", "AST", 18);
        if (_useLayouts()) {
            layouts = new TokenLayoutRegistry(address(this));
            layouts.register(address(token), 0, 1);
        }
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
        token.mint(who, amount);
        vm.prank(who);
        token.approve(address(vault), type(uint256).max);
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

    /// Puts the vault in a random state with a non-trivial price, then starts a fresh block.
    function _randomState(uint256 seedAssets, uint256 seedGain, uint256 seedLoss) internal returns (uint256, uint256) {
        uint256 initial = bound(seedAssets, 1, 1e30);
        _deposit(ALICE, initial);
        vault.allocate(vault.shardOf(ALICE), initial);
        vault.setProfitUnlockPeriod(vault.MIN_UNLOCK_PERIOD());
        uint256 gain = bound(seedGain, 0, 1e30);
        strategy.gain(gain);
        strategy.lose(bound(seedLoss, 0, initial + gain));
        vault.harvest();
        _nextBlock();
        vm.warp(block.timestamp + 1 hours); // the profit is unlocked
        // Before the block's first interaction the live totals are the snapshot to be.
        return (vault.totalAssets(), vault.totalSupply());
    }

    /// forge-config: default.fuzz.runs = 200
    function testFuzz_convertAndPreviewRounding(
        uint256 seedAssets,
        uint256 seedGain,
        uint256 seedLoss,
        uint256 x
    ) public {
        (uint256 a, uint256 s) = _randomState(seedAssets, seedGain, seedLoss);
        x = bound(x, 0, 1e30);
        // Floors: r * (den) <= x * (num) < (r + 1) * den.
        uint256 r = vault.convertToShares(x);
        assertLe(r * (a + 1), x * (s + V), "convertToShares above exact");
        assertTrue((r + 1) * (a + 1) > x * (s + V), "convertToShares not floor");
        assertEq(vault.previewDeposit(x), r, "previewDeposit != convertToShares");
        r = vault.convertToAssets(x);
        assertLe(r * (s + V), x * (a + 1), "convertToAssets above exact");
        assertTrue((r + 1) * (s + V) > x * (a + 1), "convertToAssets not floor");
        assertEq(vault.previewRedeem(x), r, "previewRedeem != convertToAssets");
        // Ceilings: (r - 1) * den < x * num <= r * den.
        r = vault.previewMint(x);
        assertGe(r * (s + V), x * (a + 1), "previewMint below exact");
        assertTrue(r == 0 || (r - 1) * (s + V) < x * (a + 1), "previewMint not ceil");
        r = vault.previewWithdraw(x);
        assertGe(r * (a + 1), x * (s + V), "previewWithdraw below exact");
        assertTrue(r == 0 || (r - 1) * (a + 1) < x * (s + V), "previewWithdraw not ceil");
    }

    /// forge-config: default.fuzz.runs = 200
    function testFuzz_depositMintWithdrawRedeemNeverFavourUser(
        uint256 seedAssets,
        uint256 seedGain,
        uint256 seedLoss,
        uint256 x
    ) public {
        (uint256 a, uint256 s) = _randomState(seedAssets, seedGain, seedLoss);
        x = bound(x, 1, 1e30);
        // deposit = previewDeposit (floor); redeeming those shares in the block returns <= x.
        uint256 shares = vault.previewDeposit(x);
        vm.assume(shares > 0);
        _fund(BOB, x);
        vm.prank(BOB);
        assertEq(vault.deposit(x, BOB), shares, "deposit != previewDeposit");
        assertLe(shares * (a + 1), x * (s + V), "deposit gave more than exact");
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
        // withdraw = previewWithdraw (ceil): burns at least the shares deposit would mint.
        uint256 w = vault.maxWithdraw(BOB);
        if (w > 0) {
            uint256 burn = vault.previewWithdraw(w);
            vm.prank(BOB);
            assertEq(vault.withdraw(w, BOB, BOB), burn, "withdraw != previewWithdraw");
            assertGe(burn * (a + 1), w * (s + V), "withdraw burnt less than exact");
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
        vault.setProfitUnlockPeriod(vault.MIN_UNLOCK_PERIOD());
        vault.harvest();
        _nextBlock();
        vm.warp(block.timestamp + 1 hours); // the profit is unlocked
        uint256 shares = vault.previewDeposit(victimAssets);
        if (shares == 0) {
            _fund(ALICE, victimAssets);
            vm.prank(ALICE);
            vm.expectRevert(DisjointVault.ZeroShares.selector);
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
    /// vault, the strategy, the token (account level) and every escrow (no storage at all).
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
        for (uint256 k = 0; k < SHARDS; ++k) {
            (r, w) = vm.accesses(vault.escrowOf(k));
            assertEq(r.length + w.length, 0, "escrow storage touched");
        }
    }

    function test_checkerCatchesAnUndeclaredSlot() public {
        bytes memory data = abi.encodeCall(vault.deposit, (1e18, ALICE));
        IAccessDeclaring.Access[] memory d = vault.declareAccess(ALICE, data);
        // Drop the receiver's balance slot from the declaration: the checker must object.
        bytes32 balanceSlot = keccak256(abi.encode(ALICE, uint256(70)));
        uint256 n;
        for (uint256 i = 0; i < d.length; ++i) if (d[i].slot != balanceSlot) d[n++] = d[i];
        assertEq(d.length - n, 1, "balance slot (70) not in the declaration");
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
        _check(ALICE, abi.encodeCall(vault.deposit, (1e18, ALICE))); // takes the snapshot
        _check(BOB, abi.encodeCall(vault.deposit, (2e18, BOB))); // uses it
        _check(BOB, abi.encodeCall(vault.deposit, (2e18, ALICE))); // for someone else
    }

    function test_wideSnapshotDeclared() public {
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
    VaultAsset public token;
    DisjointVault public vault;
    VaultMockStrategy public strategy;
    address[] public actors;
    /// Any action that paid a user more than the exact price of what it gave.
    bool public userFavoured;
    /// User operations that went through (reverted calls roll this back).
    uint256 public userOps;

    constructor() {
        token = new VaultAsset("Asset", "AST", 18);
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

    function _price() internal view returns (uint256 a, uint256 s) {
        (uint256 b, uint256 sa, uint256 ss) = vault.snapshot();
        if (b == block.number) return (sa, ss);
        return (vault.totalAssets(), vault.totalSupply());
    }

    function deposit(uint256 who, uint256 assets) external {
        address u = actors[who % actors.length];
        assets = bound(assets, 1, 1e27);
        (uint256 a, uint256 s) = _price();
        if (vault.previewDeposit(assets) == 0) return;
        token.mint(u, assets);
        vm.prank(u);
        uint256 shares = vault.deposit(assets, u);
        ++userOps;
        if (shares * (a + 1) > assets * (s + 1000)) userFavoured = true;
    }

    function mint(uint256 who, uint256 shares) external {
        address u = actors[who % actors.length];
        shares = bound(shares, 1, 1e30);
        (uint256 a, uint256 s) = _price();
        uint256 assets = vault.previewMint(shares);
        token.mint(u, assets);
        vm.prank(u);
        assets = vault.mint(shares, u);
        ++userOps;
        if (assets * (s + 1000) < shares * (a + 1)) userFavoured = true;
    }

    function withdraw(uint256 who, uint256 assets) external {
        address u = actors[who % actors.length];
        uint256 max = vault.maxWithdraw(u);
        if (max == 0) return;
        assets = bound(assets, 1, max);
        (uint256 a, uint256 s) = _price();
        vm.prank(u);
        uint256 shares = vault.withdraw(assets, u, u);
        ++userOps;
        if (shares * (a + 1) < assets * (s + 1000)) userFavoured = true;
    }

    function redeem(uint256 who, uint256 shares) external {
        address u = actors[who % actors.length];
        uint256 max = vault.maxRedeem(u);
        shares = bound(shares, 0, max);
        if (vault.previewRedeem(shares) == 0) return;
        (uint256 a, uint256 s) = _price();
        vm.prank(u);
        uint256 assets = vault.redeem(shares, u, u);
        ++userOps;
        if (assets * (s + 1000) > shares * (a + 1)) userFavoured = true;
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
    VaultAsset internal token;

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

/// @notice The soundness invariant of SNAPSHOT: whichever call of a block comes first, the
/// stored snapshot equals the totals before the block.
contract DisjointVaultSnapshotTest is VaultSetup {
    address internal constant ALICE = address(0xA11CE);
    address internal constant BOB = address(0xB0B);

    function setUp() public {
        _deploy();
        _deposit(ALICE, 100e18);
        _deposit(BOB, 50e18);
        _fund(ALICE, 1e24);
        _fund(BOB, 1e24);
        vault.allocate(vault.shardOf(ALICE), 40e18);
        strategy.gain(9e18);
        vault.harvest();
        vm.warp(block.timestamp + 1 hours); // part of the profit unlocked
        _nextBlock();
    }

    function _assertPreBlock(uint256 a, uint256 s) internal view {
        (uint256 b, uint256 sa, uint256 ss) = vault.snapshot();
        assertEq(b, block.number, "snapshot not taken this block");
        assertEq(sa, a, "snapshot assets != pre-block total");
        assertEq(ss, s, "snapshot supply != pre-block total");
    }

    /// forge-config: default.fuzz.runs = 64
    function testFuzz_snapshotIsPreBlockWhateverComesFirst(uint8 first, uint256 amount) public {
        uint256 a = vault.totalAssets();
        uint256 s = vault.totalSupply();
        amount = bound(amount, 1e6, 10e18);
        uint256 which = first % 6;
        if (which == 0) {
            vm.prank(ALICE);
            vault.deposit(amount, ALICE);
        } else if (which == 1) {
            vm.prank(BOB);
            vault.mint(amount, BOB);
        } else if (which == 2) {
            vm.prank(BOB);
            vault.withdraw(amount, BOB, BOB);
        } else if (which == 3) {
            vm.prank(ALICE);
            vault.redeem(amount, ALICE, ALICE);
        } else if (which == 4) {
            // A transfer changes two shards but not their sum: it takes no snapshot.
            vm.prank(ALICE);
            vault.transfer(BOB, amount);
        } else {
            vault.allocate(vault.shardOf(BOB), amount);
        }
        // Then others act in the same block; the snapshot must still be the pre-block one.
        vm.prank(BOB);
        vault.deposit(1e18, BOB);
        vm.prank(ALICE);
        vault.withdraw(1e18, ALICE, ALICE);
        _assertPreBlock(a, s);
        // Within the block every conversion uses that price.
        assertEq(vault.convertToShares(1e18), Math.mulDiv(1e18, s + V, a + 1), "price moved in the block");
    }

    /// Totals beyond 107 bits go to the wide slots; the price and access lists still hold.
    function test_wideSnapshot() public {
        _deposit(ALICE, 1e33); // 1e36 shares > 2**107
        vault.setDepositLimit(1e40);
        _nextBlock();
        uint256 a = vault.totalAssets();
        uint256 s = vault.totalSupply();
        assertTrue(s > 2 ** 107, "not wide");
        vm.prank(BOB);
        uint256 shares = vault.deposit(1e18, BOB);
        _assertPreBlock(a, s);
        assertEq(shares, Math.mulDiv(1e18, s + V, a + 1), "wide price");
        vm.prank(BOB);
        assertLe(vault.redeem(shares, BOB, BOB), 1e18, "wide round trip profit");
        assertEq(vault.depositLimit(), 1e40, "limit lost");
        _nextBlock();
        uint256 all = vault.balanceOf(ALICE);
        vm.prank(ALICE);
        vault.redeem(all, ALICE, ALICE);
        _nextBlock();
        // Back to the compact word, limit flag kept.
        vm.prank(BOB);
        vault.deposit(1e18, BOB);
        (uint256 b, , ) = vault.snapshot();
        assertEq(b, block.number, "compact snapshot");
        assertEq(vault.depositLimit(), 1e40, "limit lost after compact");
    }
}

/// @notice The point of the design, observed: four users of four shards deposit, mint,
/// withdraw and redeem in one block; no transaction writes a slot (vault or token) that
/// another one reads or writes, except the snapshot word written by the block's first.
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
        t[0] = _run(users[0], abi.encodeCall(vault.deposit, (1e18, users[0]))); // first: takes the snapshot
        t[1] = _run(users[1], abi.encodeCall(vault.withdraw, (1e18, users[1], users[1])));
        t[2] = _run(users[2], abi.encodeCall(vault.mint, (1e21, users[2])));
        t[3] = _run(users[3], abi.encodeCall(vault.redeem, (1e21, users[3], users[3])));
        bytes32 snap = bytes32(uint256(64));
        bool snapWrittenByFirst;
        for (uint256 k = 0; k < t[0].vaultWrites.length; ++k)
            if (t[0].vaultWrites[k] == snap) snapWrittenByFirst = true;
        assertTrue(snapWrittenByFirst, "first call did not store the snapshot");
        // Block order: a later transaction must not read what an earlier one wrote (the only
        // dependency Block-STM re-executes for), and no two may write the same slot. The first
        // call also reads every shard to take the snapshot; later calls writing their shard after
        // that read is no dependency (and those reads see pre-block values whatever the order).
        for (uint256 i = 0; i < 4; ++i) {
            for (uint256 j = 0; j < 4; ++j) {
                if (i == j) continue;
                bytes32 except = i == 0 ? snap : bytes32(type(uint256).max);
                assertTrue(!_meets(t[i].vaultWrites, t[j].vaultWrites, except), "vault write-write overlap");
                assertTrue(!_meets(t[i].tokenWrites, t[j].tokenWrites, bytes32(0)), "token write-write overlap");
                if (i < j) {
                    assertTrue(!_meets(t[i].vaultWrites, t[j].vaultReads, except), "vault read of an earlier write");
                    assertTrue(
                        !_meets(t[i].tokenWrites, t[j].tokenReads, bytes32(0)),
                        "token read of an earlier write"
                    );
                }
                if (i > 0) {
                    for (uint256 k = 0; k < t[i].vaultWrites.length; ++k) {
                        assertTrue(t[i].vaultWrites[k] != snap, "a later call wrote the snapshot");
                    }
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
        assertTrue(_meets(a.vaultWrites, b.vaultWrites, bytes32(uint256(64))), "same shard did not collide");
        assertTrue(_meets(a.tokenWrites, b.tokenWrites, bytes32(0)), "same escrow did not collide");
    }
}
