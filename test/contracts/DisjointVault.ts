import { expect } from "chai";
import { network } from "hardhat";
import { toDeclaredAccess, toEip2930 } from "../../src/access/declared.js";
import {
  DisjointVault__factory,
  MockERC20__factory,
  VaultMockStrategy__factory,
  VaultReentrantToken__factory,
  type DisjointVault,
  type MockERC20,
  type VaultMockStrategy,
} from "../../typechain-types/index.js";
import { registryFor } from "../helpers/layouts.js";

const { ethers, networkHelpers } = await network.create();

const E18 = 10n ** 18n;
const V = 1000n; // virtual shares (10 ** DECIMALS_OFFSET)
const SHARDS = 4n;
const MAX = 2n ** 256n - 1n;
type Signer = Awaited<ReturnType<typeof ethers.getSigners>>[number];

async function deployFixture() {
  const signers = await ethers.getSigners();
  const [owner] = signers;
  const feeRecipient = signers[9];
  const token = await new MockERC20__factory(owner).deploy("Asset", "AST", 18);
  const layouts = await registryFor(owner, [await token.getAddress()]);
  const vault = await new DisjointVault__factory(owner).deploy(
    await token.getAddress(),
    "Disjoint Vault",
    "djV",
    SHARDS,
    owner.address,
    feeRecipient.address,
    await layouts.getAddress(),
  );
  const strategy = await new VaultMockStrategy__factory(owner).deploy(await token.getAddress(), await vault.getAddress());
  await strategy.setTokenLayouts(await layouts.getAddress());
  await vault.setStrategy(await strategy.getAddress());
  const users = signers.slice(1, 9);
  for (const u of users) {
    await token.mint(u.address, 1_000_000n * E18);
    await token.connect(u).approve(await vault.getAddress(), MAX);
  }
  return { owner, feeRecipient, users, token, vault, strategy };
}

const shardOf = (a: string) => BigInt(a) % SHARDS;
/** Two users in different shards, and two in the same shard. */
function pick(users: Signer[]) {
  const byShard = new Map<bigint, Signer[]>();
  for (const u of users) byShard.set(shardOf(u.address), [...(byShard.get(shardOf(u.address)) ?? []), u]);
  const distinct = [...byShard.values()].map((l) => l[0]);
  const same = [...byShard.values()].find((l) => l.length >= 2);
  return { a: distinct[0], b: distinct[1], same };
}

/** Sends the given transactions into one block. */
async function oneBlock(send: (() => Promise<unknown>)[]) {
  await ethers.provider.send("evm_setAutomine", [false]);
  try {
    const txs = [];
    for (const s of send) txs.push(await s());
    await networkHelpers.mine();
    return txs;
  } finally {
    await ethers.provider.send("evm_setAutomine", [true]);
  }
}

describe("DisjointVault", function () {
  let owner: Signer, feeRecipient: Signer, users: Signer[];
  let token: MockERC20, vault: DisjointVault, strategy: VaultMockStrategy;
  let vaultAddr: string;

  beforeEach(async function () {
    ({ owner, feeRecipient, users, token, vault, strategy } = await networkHelpers.loadFixture(deployFixture));
    vaultAddr = await vault.getAddress();
  });

  describe("construction and metadata", function () {
    it("exposes ERC-20 and ERC-4626 metadata", async function () {
      expect(await vault.name()).to.equal("Disjoint Vault");
      expect(await vault.symbol()).to.equal("djV");
      expect(await vault.decimals()).to.equal(21n);
      expect(await vault.asset()).to.equal(await token.getAddress());
      expect(await vault.shardCount()).to.equal(SHARDS);
      expect(await vault.owner()).to.equal(owner.address);
      expect(await vault.feeRecipient()).to.equal(feeRecipient.address);
      expect(await vault.totalSupply()).to.equal(0n);
      expect(await vault.totalAssets()).to.equal(0n);
      expect(await vault.depositLimit()).to.equal(MAX);
      // Without a limit, only the shard's 128-bit counters bound a deposit.
      const room = (2n ** 128n - 1n) / V; // shares are the tighter counter when empty
      expect(await vault.maxDeposit(users[0].address)).to.equal(room);
      expect(await vault.maxMint(users[0].address)).to.equal(room * V);
    });

    it("shard 0's escrow is the vault; one escrow per other shard at the computed address, approved to the vault", async function () {
      expect(await vault.escrowOf(0n)).to.equal(vaultAddr);
      for (let k = 1n; k < SHARDS; k++) {
        const escrow = await vault.escrowOf(k);
        expect(await ethers.provider.getCode(escrow)).to.not.equal("0x");
        expect(await token.allowance(escrow, vaultAddr)).to.equal(MAX);
      }
    });

    it("rejects a bad shard count or zero addresses", async function () {
      const f = new DisjointVault__factory(owner);
      const t = await token.getAddress();
      await expect(f.deploy(t, "n", "s", 0, owner.address, owner.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "InvalidShardCount",
      );
      await expect(f.deploy(t, "n", "s", 65, owner.address, owner.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "InvalidShardCount",
      );
      await expect(
        f.deploy(ethers.ZeroAddress, "n", "s", 2, owner.address, owner.address, ethers.ZeroAddress),
      ).to.be.revertedWithCustomError(vault, "InvalidAddress");
      await expect(f.deploy(t, "n", "s", 2, ethers.ZeroAddress, owner.address, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "InvalidAddress",
      );
      await expect(f.deploy(t, "n", "s", 2, owner.address, ethers.ZeroAddress, ethers.ZeroAddress)).to.be.revertedWithCustomError(
        vault,
        "InvalidAddress",
      );
    });
  });

  describe("deposit and mint", function () {
    it("deposit pays the receiver's shard escrow and mints at 1000 shares per asset when empty", async function () {
      const [u, r] = [users[0], users[1]];
      const k = shardOf(r.address);
      await expect(vault.connect(u).deposit(5n * E18, r.address))
        .to.emit(vault, "Deposit")
        .withArgs(u.address, r.address, 5n * E18, 5n * E18 * V)
        .and.to.emit(vault, "Transfer")
        .withArgs(ethers.ZeroAddress, r.address, 5n * E18 * V);
      expect(await vault.balanceOf(r.address)).to.equal(5n * E18 * V);
      expect(await token.balanceOf(await vault.escrowOf(k))).to.equal(5n * E18);
      expect(await vault.shardState(k)).to.deep.equal([5n * E18 * V, 5n * E18]);
      expect(await vault.totalSupply()).to.equal(5n * E18 * V);
      expect(await vault.totalAssets()).to.equal(5n * E18);
      // The vault's own balance is shard 0's escrow: it holds the deposit only if r is in shard 0.
      expect(await token.balanceOf(vaultAddr)).to.equal(k === 0n ? 5n * E18 : 0n);
    });

    it("deposit returns previewDeposit and reverts with ZeroShares when nothing would be minted", async function () {
      const u = users[0];
      const preview = await vault.previewDeposit(123n);
      expect(await vault.connect(u).deposit.staticCall(123n, u.address)).to.equal(preview);
      await expect(vault.connect(u).deposit(0n, u.address)).to.be.revertedWithCustomError(vault, "ZeroShares");
    });

    it("mint takes previewMint assets, rounded up", async function () {
      const u = users[0];
      await vault.connect(u).deposit(10n * E18, u.address);
      await strategy.gain(0n);
      // Make the price non-integer: a profit fully unlocked.
      await vault.allocate(shardOf(u.address), 10n * E18);
      await strategy.gain(3n);
      await vault.setProfitUnlockPeriod(3600);
      await vault.harvest();
      await networkHelpers.time.increase(3600); // the profit is unlocked
      const shares = 1001n;
      const preview = await vault.previewMint(shares);
      const ta = await vault.totalAssets();
      const ts = await vault.totalSupply();
      expect(preview).to.equal((shares * (ta + 1n) + ts + V - 1n) / (ts + V));
      const before = await token.balanceOf(u.address);
      await expect(vault.connect(u).mint(shares, u.address)).to.emit(vault, "Deposit").withArgs(u.address, u.address, preview, shares);
      expect(before - (await token.balanceOf(u.address))).to.equal(preview);
      await expect(vault.connect(u).mint(0n, u.address)).to.be.revertedWithCustomError(vault, "ZeroShares");
    });

    it("maps addresses to shards by address modulo shardCount", async function () {
      for (const u of users) expect(await vault.shardOf(u.address)).to.equal(shardOf(u.address));
    });

    it("the transient lock stops reentry from a token hook", async function () {
      const re = await new VaultReentrantToken__factory(owner).deploy();
      const v = await new DisjointVault__factory(owner).deploy(
        await re.getAddress(),
        "R",
        "R",
        2,
        owner.address,
        owner.address,
        ethers.ZeroAddress,
      );
      await re.mint(owner.address, 10n * E18);
      await re.approve(await v.getAddress(), MAX);
      await re.arm(await v.getAddress(), v.interface.encodeFunctionData("deposit", [E18, owner.address]));
      await expect(v.deposit(E18, owner.address)).to.be.revertedWithCustomError(v, "ReentrancyGuardReentrantCall");
      await re.arm(ethers.ZeroAddress, "0x");
      await v.deposit(E18, owner.address);
      expect(await v.balanceOf(owner.address)).to.equal(E18 * V);
    });

    it("reverts when the asset transfer fails (no allowance)", async function () {
      await token.mint(owner.address, E18);
      await expect(vault.connect(owner).deposit(E18, owner.address)).to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance");
    });
  });

  describe("withdraw and redeem", function () {
    it("withdraw burns previewWithdraw shares and pays from the owner's shard escrow", async function () {
      const u = users[0];
      await vault.connect(u).deposit(10n * E18, u.address);
      const shares = await vault.previewWithdraw(4n * E18);
      await expect(vault.connect(u).withdraw(4n * E18, users[1].address, u.address))
        .to.emit(vault, "Withdraw")
        .withArgs(u.address, users[1].address, u.address, 4n * E18, shares);
      expect(await vault.balanceOf(u.address)).to.equal(10n * E18 * V - shares);
      expect(await token.balanceOf(await vault.escrowOf(shardOf(u.address)))).to.equal(6n * E18);
    });

    it("redeem pays previewRedeem assets", async function () {
      const u = users[0];
      await vault.connect(u).deposit(10n * E18, u.address);
      const assets = await vault.previewRedeem(E18 * V);
      const before = await token.balanceOf(u.address);
      await vault.connect(u).redeem(E18 * V, u.address, u.address);
      expect((await token.balanceOf(u.address)) - before).to.equal(assets);
    });

    it("spends the caller's allowance when it is not the owner; max allowance is kept", async function () {
      const [u, spender] = [users[0], users[1]];
      await vault.connect(u).deposit(10n * E18, u.address);
      await expect(vault.connect(spender).redeem(E18, spender.address, u.address))
        .to.be.revertedWithCustomError(vault, "InsufficientAllowance")
        .withArgs(spender.address, 0n, E18);
      await vault.connect(u).approve(spender.address, 5n * E18 * V);
      await vault.connect(spender).redeem(E18 * V, spender.address, u.address);
      expect(await vault.allowance(u.address, spender.address)).to.equal(4n * E18 * V);
      const shares = await vault.previewWithdraw(E18);
      await vault.connect(spender).withdraw(E18, spender.address, u.address);
      expect(await vault.allowance(u.address, spender.address)).to.equal(4n * E18 * V - shares);
      await vault.connect(u).approve(spender.address, MAX);
      await vault.connect(spender).redeem(E18, spender.address, u.address);
      expect(await vault.allowance(u.address, spender.address)).to.equal(MAX);
    });

    it("reverts beyond the owner's shares and on zero assets", async function () {
      const u = users[0];
      await vault.connect(u).deposit(E18, u.address);
      await expect(vault.connect(u).withdraw(2n * E18, u.address, u.address))
        .to.be.revertedWithCustomError(vault, "ExceededMaxWithdraw")
        .withArgs(u.address, 2n * E18, E18);
      await expect(vault.connect(u).redeem(E18 * V + 1n, u.address, u.address))
        .to.be.revertedWithCustomError(vault, "ExceededMaxRedeem")
        .withArgs(u.address, E18 * V + 1n, E18 * V);
      await expect(vault.connect(u).withdraw(0n, u.address, u.address)).to.be.revertedWithCustomError(vault, "ZeroAssets");
      await expect(vault.connect(u).redeem(0n, u.address, u.address)).to.be.revertedWithCustomError(vault, "ZeroAssets");
    });

    it("falls back to the strategy when the owner's shard escrow runs dry", async function () {
      const u = users[0];
      const k = shardOf(u.address);
      await vault.connect(u).deposit(10n * E18, u.address);
      await vault.allocate(k, 8n * E18);
      expect(await vault.maxWithdraw(u.address)).to.equal(10n * E18);
      const before = await token.balanceOf(u.address);
      await vault.connect(u).withdraw(5n * E18, u.address, u.address);
      expect((await token.balanceOf(u.address)) - before).to.equal(5n * E18);
      expect(await vault.shardState(k)).to.deep.equal([5n * E18 * V, 0n]);
      const [debt] = await vault.ledger();
      expect(debt).to.equal(5n * E18);
      expect(await token.balanceOf(await strategy.getAddress())).to.equal(5n * E18);
    });

    it("withdrawFromShard/redeemFromShard pay from the shard only and never fall back", async function () {
      const u = users[0];
      const k = shardOf(u.address);
      await vault.connect(u).deposit(10n * E18, u.address);
      await vault.allocate(k, 8n * E18);
      const shares = await vault.previewWithdraw(E18);
      await expect(vault.connect(u).withdrawFromShard(E18, u.address, u.address))
        .to.emit(vault, "Withdraw")
        .withArgs(u.address, u.address, u.address, E18, shares);
      await vault.connect(u).redeemFromShard(E18 * V, u.address, u.address);
      expect((await vault.shardState(k))[1]).to.equal(0n);
      await expect(vault.connect(u).withdrawFromShard(1n, u.address, u.address))
        .to.be.revertedWithCustomError(vault, "InsufficientLiquidity")
        .withArgs(1n, 0n);
      await expect(vault.connect(u).redeemFromShard(E18, u.address, u.address)).to.be.revertedWithCustomError(
        vault,
        "InsufficientLiquidity",
      );
      await expect(vault.connect(u).redeemFromShard(0n, u.address, u.address)).to.be.revertedWithCustomError(vault, "ZeroAssets");
      // Their declarations leave out the fallback: no ledger, no strategy, no other shard.
      const ledgerSlot = ethers.toBeHex(66, 32);
      const local = await vault.declareAccess(u.address, vault.interface.encodeFunctionData("redeemFromShard", [1n, u.address, u.address]));
      const full = await vault.declareAccess(u.address, vault.interface.encodeFunctionData("redeem", [1n, u.address, u.address]));
      expect(local.find((e) => e.slot === ledgerSlot)).to.equal(undefined);
      expect(full.find((e) => e.slot === ledgerSlot)?.mode).to.equal(2n);
      const shardSlots = (l: typeof local) => l.filter((e) => e.account === vaultAddr && BigInt(e.slot) < 64n).length;
      expect(shardSlots(local)).to.equal(1);
      expect(shardSlots(full)).to.equal(Number(SHARDS));
      const strategyAddr = await strategy.getAddress();
      expect(local.some((e) => e.account === strategyAddr)).to.equal(false);
      expect(full.some((e) => e.account === strategyAddr)).to.equal(true);
    });

    it("caps maxWithdraw/maxRedeem by liquidity and reverts with InsufficientLiquidity past it", async function () {
      const u = users[0];
      const k = shardOf(u.address);
      await vault.connect(u).deposit(10n * E18, u.address);
      await vault.allocate(k, 8n * E18);
      await strategy.setLiquidityCap(3n * E18);
      expect(await vault.maxWithdraw(u.address)).to.equal(5n * E18);
      const maxRedeem = await vault.maxRedeem(u.address);
      expect(await vault.previewRedeem(maxRedeem)).to.be.lte(5n * E18);
      await expect(vault.connect(u).withdraw(6n * E18, u.address, u.address))
        .to.be.revertedWithCustomError(vault, "InsufficientLiquidity")
        .withArgs(6n * E18, 5n * E18);
      await vault.connect(u).redeem(maxRedeem, u.address, u.address);
      // The escrow is empty; the strategy's cap applies again to what is left.
      expect((await vault.shardState(k))[1]).to.equal(0n);
      expect(await vault.maxWithdraw(u.address)).to.equal(3n * E18);
    });
  });

  describe("share token", function () {
    it("transfer moves balances and shard supplies; totalSupply stays exact", async function () {
      const { a, b } = pick(users);
      await vault.connect(a).deposit(3n * E18, a.address);
      const total = await vault.totalSupply();
      await expect(vault.connect(a).transfer(b.address, E18)).to.emit(vault, "Transfer").withArgs(a.address, b.address, E18);
      expect(await vault.balanceOf(b.address)).to.equal(E18);
      expect((await vault.shardState(shardOf(b.address)))[0]).to.equal(E18);
      expect((await vault.shardState(shardOf(a.address)))[0]).to.equal(3n * E18 * V - E18);
      expect(await vault.totalSupply()).to.equal(total);
    });

    it("transfer reverts to zero and beyond the balance", async function () {
      const u = users[0];
      await vault.connect(u).deposit(E18, u.address);
      await expect(vault.connect(u).transfer(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(vault, "InvalidAddress");
      await expect(vault.connect(u).transfer(users[1].address, E18 * V + 1n))
        .to.be.revertedWithCustomError(vault, "InsufficientBalance")
        .withArgs(u.address, E18 * V, E18 * V + 1n);
    });

    it("approve and transferFrom", async function () {
      const [u, s] = [users[0], users[1]];
      await vault.connect(u).deposit(E18, u.address);
      await expect(vault.connect(u).approve(ethers.ZeroAddress, 1n)).to.be.revertedWithCustomError(vault, "InvalidAddress");
      await expect(vault.connect(u).approve(s.address, 10n)).to.emit(vault, "Approval").withArgs(u.address, s.address, 10n);
      await expect(vault.connect(s).transferFrom(u.address, s.address, 11n)).to.be.revertedWithCustomError(vault, "InsufficientAllowance");
      await vault.connect(s).transferFrom(u.address, s.address, 10n);
      expect(await vault.balanceOf(s.address)).to.equal(10n);
      expect(await vault.allowance(u.address, s.address)).to.equal(0n);
    });
  });

  describe("deposit limit", function () {
    it("caps each shard at limit / shardCount, in maxDeposit, maxMint, deposit and mint", async function () {
      const u = users[0];
      await expect(vault.connect(u).setDepositLimit(1n)).to.be.revertedWithCustomError(vault, "NotOwner");
      await expect(vault.setDepositLimit(40n * E18))
        .to.emit(vault, "DepositLimitSet")
        .withArgs(40n * E18);
      expect(await vault.depositLimit()).to.equal(40n * E18);
      expect(await vault.maxDeposit(u.address)).to.equal(10n * E18);
      expect(await vault.maxMint(u.address)).to.equal(10n * E18 * V);
      await vault.connect(u).deposit(4n * E18, u.address);
      expect(await vault.maxDeposit(u.address)).to.equal(6n * E18);
      await expect(vault.connect(u).deposit(6n * E18 + 1n, u.address))
        .to.be.revertedWithCustomError(vault, "ExceededMaxDeposit")
        .withArgs(u.address, 6n * E18 + 1n, 6n * E18);
      const maxMint = await vault.maxMint(u.address);
      await expect(vault.connect(u).mint(maxMint + 1n, u.address)).to.be.revertedWithCustomError(vault, "ExceededMaxMint");
      await vault.connect(u).mint(maxMint, u.address);
      expect(await vault.maxDeposit(u.address)).to.equal(0n);
      await vault.setDepositLimit(MAX);
      expect(await vault.depositLimit()).to.equal(MAX);
      expect(await vault.maxDeposit(u.address)).to.be.gt(2n ** 100n);
    });
  });

  describe("strategy, harvest, fees", function () {
    it("allocate and deallocate move idle assets and debt; guard their inputs", async function () {
      const u = users[0];
      const k = shardOf(u.address);
      await vault.connect(u).deposit(10n * E18, u.address);
      await expect(vault.connect(u).allocate(k, 1n)).to.be.revertedWithCustomError(vault, "NotOwner");
      await expect(vault.allocate(SHARDS, 1n)).to.be.revertedWithCustomError(vault, "InvalidShard");
      await expect(vault.allocate(k, 11n * E18)).to.be.revertedWithCustomError(vault, "InsufficientLiquidity");
      await expect(vault.allocate(k, 6n * E18))
        .to.emit(vault, "Allocated")
        .withArgs(k, 6n * E18);
      expect((await vault.ledger())[0]).to.equal(6n * E18);
      expect(await vault.totalAssets()).to.equal(10n * E18);
      const other = (k + 1n) % SHARDS;
      await expect(vault.deallocate(other, 2n * E18))
        .to.emit(vault, "Deallocated")
        .withArgs(other, 2n * E18);
      expect(await token.balanceOf(await vault.escrowOf(other))).to.equal(2n * E18);
      await expect(vault.deallocate(other, 5n * E18)).to.be.revertedWithCustomError(vault, "InsufficientLiquidity");
      await expect(vault.deallocate(SHARDS, 1n)).to.be.revertedWithCustomError(vault, "InvalidShard");
      await expect(vault.connect(u).deallocate(k, 1n)).to.be.revertedWithCustomError(vault, "NotOwner");
      expect(await vault.totalAssets()).to.equal(10n * E18);
    });

    it("harvest schedules the profit to unlock linearly; the fee is minted as shares worth it at the end price", async function () {
      const u = users[0];
      await vault.setPerformanceFee(1000); // 10%
      await vault.connect(u).deposit(100n * E18, u.address);
      await vault.allocate(shardOf(u.address), 100n * E18);
      await strategy.gain(10n * E18);
      const priceBefore = await vault.convertToAssets(E18 * V);
      await expect(vault.harvest()).to.emit(vault, "Harvested").and.to.emit(vault, "PriceScheduled");
      const feeShares = await vault.balanceOf(feeRecipient.address);
      const [, , end] = await vault.priceSchedule();
      expect((feeShares * end) / 10n ** 27n).to.be.closeTo(E18, 2n);
      // Price unchanged right after the harvest (profit locked).
      expect(await vault.convertToAssets(E18 * V)).to.equal(priceBefore);
      expect(await vault.totalAssets()).to.equal(110n * E18); // the real total
      const [, locked, , period] = await vault.ledger();
      // What every share (the fee's included) gains by the end of the period.
      const supply = await vault.totalSupply();
      const [now] = await vault.priceSchedule();
      expect(locked).to.be.closeTo((supply * end) / 10n ** 27n - (supply * now) / 10n ** 27n, 1n);
      expect(locked).to.be.closeTo(10n * E18 - feeShares / V, E18 / 1000n);
      await networkHelpers.time.increase(period / 2n - 1n); // next block is at period/2
      await networkHelpers.mine();
      expect(await vault.convertToAssets(await vault.balanceOf(u.address))).to.be.closeTo(104n * E18 + E18 / 2n, E18 / 1000n);
      await networkHelpers.time.increase(period);
      await networkHelpers.mine();
      expect(await vault.convertToAssets(await vault.balanceOf(u.address))).to.be.closeTo(109n * E18, 1n);
      expect((await vault.ledger())[1]).to.equal(0n);
    });

    it("a loss first consumes locked profit, then is shared pro rata", async function () {
      const { a, b } = pick(users);
      await vault.setProfitUnlockPeriod(3600);
      await vault.connect(a).deposit(30n * E18, a.address);
      await vault.connect(b).deposit(10n * E18, b.address);
      await vault.allocate(shardOf(a.address), 30n * E18);
      await strategy.gain(4n * E18);
      await vault.harvest();
      const priceAfterProfit = await vault.convertToAssets(E18 * V);
      const lockedAfterProfit = (await vault.ledger())[1];
      await strategy.lose(3n * E18); // all absorbed by the 4 locked
      await vault.harvest();
      // The price did not fall: the loss came out of profit not yet unlocked.
      expect(await vault.convertToAssets(E18 * V)).to.be.gte(priceAfterProfit);
      expect((await vault.ledger())[1]).to.be.lte(lockedAfterProfit - 3n * E18 + 1n);
      await networkHelpers.time.increase(7200);
      await strategy.lose(9n * E18); // 1 locked profit left unlocked by now: a real loss of 9
      await vault.harvest();
      expect(await vault.totalAssets()).to.equal(32n * E18);
      const ra = await vault.previewRedeem(await vault.balanceOf(a.address));
      const rb = await vault.previewRedeem(await vault.balanceOf(b.address));
      expect(ra).to.be.closeTo(24n * E18, 10n);
      expect(rb).to.be.closeTo(8n * E18, 10n);
      expect(ra + rb).to.be.lte(32n * E18);
    });

    it("harvest guards: owner only, needs a strategy", async function () {
      await expect(vault.connect(users[0]).harvest()).to.be.revertedWithCustomError(vault, "NotOwner");
      await vault.setStrategy(ethers.ZeroAddress);
      await expect(vault.harvest()).to.be.revertedWithCustomError(vault, "NoStrategy");
      await expect(vault.allocate(0, 1n)).to.be.revertedWithCustomError(vault, "NoStrategy");
      await expect(vault.deallocate(0, 1n)).to.be.revertedWithCustomError(vault, "NoStrategy");
    });

    it("setStrategy checks asset and vault and refuses while assets are lent", async function () {
      const u = users[0];
      const wrong = await new VaultMockStrategy__factory(owner).deploy(await token.getAddress(), owner.address);
      await expect(vault.setStrategy(await wrong.getAddress())).to.be.revertedWithCustomError(vault, "StrategyMismatch");
      await expect(vault.connect(u).setStrategy(ethers.ZeroAddress)).to.be.revertedWithCustomError(vault, "NotOwner");
      await vault.connect(u).deposit(E18, u.address);
      await vault.allocate(shardOf(u.address), E18);
      await expect(vault.setStrategy(ethers.ZeroAddress)).to.be.revertedWithCustomError(vault, "StrategyInUse");
    });

    it("fee and unlock settings", async function () {
      await expect(vault.setPerformanceFee(5001)).to.be.revertedWithCustomError(vault, "FeeTooHigh");
      await expect(vault.connect(users[0]).setPerformanceFee(1)).to.be.revertedWithCustomError(vault, "NotOwner");
      await expect(vault.setPerformanceFee(5000)).to.emit(vault, "PerformanceFeeSet").withArgs(5000);
      await expect(vault.connect(users[0]).setProfitUnlockPeriod(1)).to.be.revertedWithCustomError(vault, "NotOwner");
      await expect(vault.setProfitUnlockPeriod(3599)).to.be.revertedWithCustomError(vault, "UnlockPeriodTooShort").withArgs(3599, 3600);
      await expect(vault.setProfitUnlockPeriod(7200)).to.emit(vault, "ProfitUnlockPeriodSet").withArgs(7200);
      expect((await vault.ledger())[4]).to.equal(5000n);
      expect((await vault.ledger())[3]).to.equal(7200n);
    });

    it("two-step ownership", async function () {
      const [u, w] = [users[0], users[1]];
      await expect(vault.connect(u).transferOwnership(u.address)).to.be.revertedWithCustomError(vault, "NotOwner");
      await vault.transferOwnership(u.address);
      await expect(vault.connect(w).acceptOwnership()).to.be.revertedWithCustomError(vault, "NotPendingOwner");
      await expect(vault.connect(u).acceptOwnership()).to.emit(vault, "OwnershipTransferred").withArgs(owner.address, u.address);
      expect(await vault.owner()).to.equal(u.address);
      expect(await vault.pendingOwner()).to.equal(ethers.ZeroAddress);
    });
  });

  describe("price schedule within a block", function () {
    it("deposits by users of different shards in one block use the same price and write no shared slot", async function () {
      const { a, b } = pick(users);
      await vault.connect(a).deposit(E18, a.address);
      await vault.connect(b).deposit(E18, b.address);
      await networkHelpers.mine();
      const word = await ethers.provider.getStorage(vaultAddr, 64);
      await oneBlock([() => vault.connect(a).deposit(E18, a.address), () => vault.connect(b).deposit(E18, b.address)]);
      expect(await ethers.provider.getStorage(vaultAddr, 64)).to.equal(word);
      expect(await vault.balanceOf(a.address)).to.equal(2n * E18 * V);
      expect(await vault.balanceOf(b.address)).to.equal(2n * E18 * V);
    });

    it("deposit then redeem in one block returns at most what was paid", async function () {
      const { a, b } = pick(users);
      await vault.connect(a).deposit(1000n * E18, a.address);
      await vault.allocate(shardOf(a.address), 500n * E18);
      await strategy.gain(7n);
      await vault.setProfitUnlockPeriod(3600);
      await vault.harvest();
      await networkHelpers.time.increase(3600); // the profit is unlocked
      await networkHelpers.mine();
      const before = await token.balanceOf(b.address);
      const shares = await vault.previewDeposit(123_456_789n);
      await oneBlock([
        () => vault.connect(b).deposit(123_456_789n, b.address),
        () => vault.connect(b).redeem(shares, b.address, b.address),
      ]);
      expect(await vault.balanceOf(b.address)).to.equal(0n);
      expect(await token.balanceOf(b.address)).to.be.lte(before);
    });

    it("a donation within the block does not move the price", async function () {
      const { a, b } = pick(users);
      await vault.connect(a).deposit(10n * E18, a.address);
      await networkHelpers.mine();
      const price = await vault.convertToAssets(E18 * V);
      await oneBlock([
        () => vault.connect(b).deposit(E18, b.address),
        () => token.connect(a).transfer(vaultAddr, 5n * E18),
        () => token.connect(a).transfer(vault.escrowOf(shardOf(b.address)), 5n * E18),
        () => vault.connect(b).redeem(E18 * V, b.address, b.address),
      ]);
      expect(await vault.convertToAssets(E18 * V)).to.equal(price);
      expect(await vault.totalAssets()).to.equal(10n * E18);
    });

    it("harvest within the block: a profit cannot be sandwiched, a loss cannot be escaped", async function () {
      const { a, b } = pick(users);
      await vault.connect(a).deposit(100n * E18, a.address);
      await vault.allocate(shardOf(a.address), 100n * E18);
      await strategy.gain(50n * E18);
      await networkHelpers.mine();
      const startB = await token.balanceOf(b.address);
      const shares = await vault.previewDeposit(100n * E18);
      await oneBlock([
        () => vault.connect(b).deposit(100n * E18, b.address),
        () => vault.harvest(),
        () => vault.connect(b).redeem(shares, b.address, b.address),
      ]);
      expect(await token.balanceOf(b.address)).to.be.lte(startB);

      // Loss: holder b redeems right after the loss harvest, in its block: it bears its share.
      await vault.connect(b).deposit(100n * E18, b.address);
      await networkHelpers.time.increase(7 * 24 * 3600);
      await networkHelpers.mine();
      const bShares = await vault.balanceOf(b.address);
      const fair = await vault.previewRedeem(bShares);
      await strategy.lose(120n * E18); // more than the (unlocked) 50 profit
      const before = await token.balanceOf(b.address);
      await oneBlock([() => vault.harvest(), () => vault.connect(b).redeem(bShares, b.address, b.address)]);
      const got = (await token.balanceOf(b.address)) - before;
      expect(got).to.be.lt(fair);
    });
  });

  describe("declareAccess", function () {
    it("reverts on an unknown selector or short calldata", async function () {
      await expect(vault.declareAccess(owner.address, "0x12345678")).to.be.revertedWithCustomError(vault, "UnknownSelector");
      await expect(vault.declareAccess(owner.address, "0x12")).to.be.revertedWithCustomError(vault, "UnknownSelector");
    });

    it("declares the price word READ, the receiver's shard WRITE, no other shard, the token's exact slots", async function () {
      const u = users[0];
      const data = vault.interface.encodeFunctionData("deposit", [E18, u.address]);
      const list = await vault.declareAccess(u.address, data);
      const token_ = (await token.getAddress()).toLowerCase();
      const tok = list.filter((e) => e.account.toLowerCase() === token_);
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const balanceSlot = (a: string) => ethers.keccak256(coder.encode(["address", "uint256"], [a, 0n]));
      const allowanceSlot = (o: string, sp: string) =>
        ethers.keccak256(coder.encode(["address", "bytes32"], [sp, ethers.keccak256(coder.encode(["address", "uint256"], [o, 1n]))]));
      // The depositor's balance and allowance to the vault, and the receiver's shard escrow's balance.
      expect(tok.map((e) => e.slot).sort()).to.deep.equal(
        [balanceSlot(u.address), allowanceSlot(u.address, vaultAddr), balanceSlot(await vault.escrowOf(shardOf(u.address)))].sort(),
      );
      expect(tok.every((e) => e.mode === 2n)).to.equal(true);
      const modes = list.filter((e) => e.account === vaultAddr).map((e) => Number(e.mode));
      expect(modes.filter((m) => m === 2).length).to.equal(2); // own shard, receiver's balance
      expect(modes.filter((m) => m === 1).length).to.equal(3); // the price word, the deposit limit, the shard count
      expect(modes.length).to.equal(5);
      const keys = list.map((e) => `${e.account}:${e.slot}`);
      expect(new Set(keys).size).to.equal(keys.length);
    });
  });
  describe("declareAccess in the access-set format", function () {
    it("every state-changing function's declaration converts; none carries a snapshot", async function () {
      const { a, b } = pick(users);
      const calls: [string, Signer, unknown[]][] = [
        ["deposit", a, [E18, a.address]],
        ["mint", a, [E18, b.address]],
        ["withdraw", a, [E18, a.address, a.address]],
        ["redeem", b, [E18, b.address, a.address]],
        ["withdrawFromShard", a, [E18, a.address, a.address]],
        ["redeemFromShard", a, [E18, a.address, a.address]],
        ["transfer", a, [b.address, 1n]],
        ["transferFrom", b, [a.address, b.address, 1n]],
        ["approve", a, [b.address, 1n]],
        ["harvest", owner, []],
        ["allocate", owner, [0n, 1n]],
        ["deallocate", owner, [0n, 1n]],
        ["setStrategy", owner, [ethers.ZeroAddress]],
        ["setDepositLimit", owner, [1n]],
        ["setPerformanceFee", owner, [1n]],
        ["setProfitUnlockPeriod", owner, [3600n]],
        ["transferOwnership", owner, [a.address]],
        ["acceptOwnership", a, []],
      ];
      for (const [fn, sender, args] of calls) {
        const data = vault.interface.encodeFunctionData(fn as "deposit", args as [bigint, string]);
        const list = await vault.declareAccess(sender.address, data);
        const declared = toDeclaredAccess(list);
        expect(declared.writes.length, fn).to.be.greaterThan(0);
        expect((declared.snapshots ?? []).length, fn).to.equal(0);
        expect(
          toEip2930(list).some((e) => e.address === vaultAddr.toLowerCase()),
          fn,
        ).to.equal(true);
      }
    });
  });
  describe("observed ⊆ declared on the node (prestateTracer)", function () {
    type Prestate = Record<string, { storage?: Record<string, string> }>;

    /** Declares at the block before `send` runs, sends it in a block with the others, then checks. */
    async function checkBlock(calls: { from: Signer; fn: string; args: unknown[] }[]) {
      const declared = [];
      for (const c of calls) {
        const data = vault.interface.encodeFunctionData(c.fn as "deposit", c.args as [bigint, string]);
        declared.push({ c, data, list: await vault.declareAccess(c.from.address, data) });
      }
      await ethers.provider.send("evm_setAutomine", [false]);
      const hashes: string[] = [];
      try {
        for (const d of declared) hashes.push((await d.c.from.sendTransaction({ to: vaultAddr, data: d.data })).hash);
        await networkHelpers.mine();
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const checked = new Set<string>([vaultAddr.toLowerCase(), (await strategy.getAddress()).toLowerCase()]);
      for (let i = 0; i < hashes.length; i++) {
        const receipt = await ethers.provider.getTransactionReceipt(hashes[i]);
        expect(receipt?.status, declared[i].c.fn).to.equal(1);
        const entries = declared[i].list.map((e) => ({ a: e.account.toLowerCase(), s: e.slot.toLowerCase(), m: Number(e.mode) }));
        const covers = (a: string, slot: string, anyOf: number) =>
          entries.some((e) => e.a === a && (e.s === slot || e.s === "0x" + "f".repeat(64)) && (e.m & anyOf) !== 0);
        const touched: Prestate = await ethers.provider.send("debug_traceTransaction", [hashes[i], { tracer: "prestateTracer" }]);
        const diff: { post: Prestate } = await ethers.provider.send("debug_traceTransaction", [
          hashes[i],
          { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
        ]);
        let seen = 0;
        for (const [account, st] of Object.entries(touched)) {
          for (const slot of Object.keys(st.storage ?? {})) {
            const a = account.toLowerCase();
            if (checked.has(a) || a === (await token.getAddress()).toLowerCase()) {
              expect(covers(a, slot.toLowerCase(), 7), `${declared[i].c.fn} reads ${a}/${slot}`).to.equal(true);
              seen++;
            } else {
              expect.fail(`${declared[i].c.fn} touched storage of undeclared account ${a}`);
            }
          }
        }
        for (const [account, st] of Object.entries(diff.post)) {
          for (const slot of Object.keys(st.storage ?? {})) {
            expect(covers(account.toLowerCase(), slot.toLowerCase(), 6), `${declared[i].c.fn} writes ${account}/${slot}`).to.equal(true);
          }
        }
        expect(seen, declared[i].c.fn).to.be.greaterThan(0);
      }
    }

    it("deposits, exits with and without the strategy fallback, transfers, harvest", async function () {
      const { a, b } = pick(users);
      await vault.connect(a).deposit(10n * E18, a.address);
      await vault.connect(b).deposit(10n * E18, b.address);
      await vault.allocate(shardOf(a.address), 9n * E18);
      await networkHelpers.mine();
      await checkBlock([
        { from: a, fn: "deposit", args: [E18, a.address] },
        { from: b, fn: "mint", args: [E18, b.address] },
        { from: b, fn: "withdraw", args: [E18, b.address, b.address] },
        { from: a, fn: "withdraw", args: [5n * E18, a.address, a.address] }, // escrow short: fallback
        { from: b, fn: "redeemFromShard", args: [E18, b.address, b.address] },
        { from: a, fn: "transfer", args: [b.address, E18] },
      ]);
      await strategy.gain(E18);
      await vault.setPerformanceFee(1000);
      await checkBlock([
        { from: owner, fn: "harvest", args: [] },
        { from: b, fn: "redeem", args: [E18, b.address, b.address] },
      ]);
    });
  });
});
