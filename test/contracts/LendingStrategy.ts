import { expect } from "chai";
import { network } from "hardhat";
import {
  DisjointVault__factory,
  LendingMarket__factory,
  LendingStrategy__factory,
  MockERC20__factory,
  MockPriceOracle__factory,
} from "../../typechain-types/index.js";
import { registryFor } from "../helpers/layouts.js";

const { ethers, networkHelpers } = await network.create();

const E18 = 10n ** 18n;
const MAX = 2n ** 256n - 1n;
const YEAR = 365n * 24n * 3600n;
const SHARDS = 4n;
type Signer = Awaited<ReturnType<typeof ethers.getSigners>>[number];
type Prestate = Record<string, { storage?: Record<string, string> }>;

async function deployFixture() {
  const signers = await ethers.getSigners();
  const [owner, borrower] = signers;
  const token = await new MockERC20__factory(owner).deploy("Asset", "AST", 18);
  const coll = await new MockERC20__factory(owner).deploy("Collateral", "COL", 18);
  const oracle = await new MockPriceOracle__factory(owner).deploy(10n ** 36n);
  const layouts = await registryFor(owner, [await token.getAddress(), await coll.getAddress()]);
  const market = await new LendingMarket__factory(owner).deploy(
    {
      loanToken: await token.getAddress(),
      collateralToken: await coll.getAddress(),
      oracle: await oracle.getAddress(),
      shardCount: SHARDS,
      lltv: (8n * E18) / 10n,
      liquidationBonus: (105n * E18) / 100n,
      maxPriceAge: YEAR,
      baseRate: (2n * E18) / 100n / YEAR,
      slope1: E18 / 10n / YEAR,
      slope2: E18 / YEAR,
      kink: (8n * E18) / 10n,
    },
    owner.address,
    await layouts.getAddress(),
  );
  const vault = await new DisjointVault__factory(owner).deploy(
    await token.getAddress(),
    "Disjoint Vault",
    "djV",
    SHARDS,
    owner.address,
    signers[9].address,
    await layouts.getAddress(),
  );
  const strategy = await new LendingStrategy__factory(owner).deploy(
    await market.getAddress(),
    await vault.getAddress(),
    (1n << SHARDS) - 1n,
    await layouts.getAddress(),
  );
  await vault.setStrategy(await strategy.getAddress());
  const users = signers.slice(2, 9);
  for (const u of [...users, borrower]) {
    await token.mint(u.address, 1_000_000n * E18);
    await token.connect(u).approve(await vault.getAddress(), MAX);
    await token.connect(u).approve(await market.getAddress(), MAX);
  }
  await coll.mint(borrower.address, 1_000_000n * E18);
  await coll.connect(borrower).approve(await market.getAddress(), MAX);
  return { owner, borrower, users, token, coll, market, vault, strategy };
}

describe("LendingStrategy (DisjointVault over LendingMarket, on the node)", function () {
  let f: Awaited<ReturnType<typeof deployFixture>>;
  beforeEach(async function () {
    f = await networkHelpers.loadFixture(deployFixture);
  });

  /** Declares each call at the block before, mines them in one block, checks observed ⊆ declared. */
  async function checkBlock(calls: { from: Signer; fn: string; args: unknown[] }[]) {
    const { vault, market, token, strategy } = f;
    const vaultAddr = await vault.getAddress();
    const declared = [];
    for (const c of calls) {
      const data = vault.interface.encodeFunctionData(c.fn as "deposit", c.args as [bigint, string]);
      declared.push({
        c,
        data,
        list: await vault.declareAccess(c.from.address, data),
      });
    }
    await ethers.provider.send("evm_setAutomine", [false]);
    const hashes: string[] = [];
    try {
      for (const d of declared) hashes.push((await d.c.from.sendTransaction({ to: vaultAddr, data: d.data })).hash);
      await networkHelpers.mine();
    } finally {
      await ethers.provider.send("evm_setAutomine", [true]);
    }
    const known = new Set(
      [vaultAddr, await market.getAddress(), await token.getAddress(), await strategy.getAddress()].map((a) => a.toLowerCase()),
    );
    let marketTouched = 0;
    for (let i = 0; i < hashes.length; i++) {
      const what = declared[i].c.fn;
      expect((await ethers.provider.getTransactionReceipt(hashes[i]))?.status, what).to.equal(1);
      const entries = declared[i].list.map((e) => ({
        a: e.account.toLowerCase(),
        s: e.slot.toLowerCase(),
        m: Number(e.mode),
      }));
      const covers = (a: string, slot: string, anyOf: number) =>
        entries.some((e) => e.a === a && (e.s === slot || e.s === "0x" + "f".repeat(64)) && (e.m & anyOf) !== 0);
      const touched: Prestate = await ethers.provider.send("debug_traceTransaction", [hashes[i], { tracer: "prestateTracer" }]);
      const diff: { post: Prestate } = await ethers.provider.send("debug_traceTransaction", [
        hashes[i],
        { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
      ]);
      for (const [account, st] of Object.entries(touched)) {
        const a = account.toLowerCase();
        for (const slot of Object.keys(st.storage ?? {})) {
          expect(known.has(a), `${what} touched storage of ${a}`).to.equal(true);
          expect(covers(a, slot.toLowerCase(), 7), `${what} reads ${a}/${slot}`).to.equal(true);
          if (a === (await market.getAddress()).toLowerCase()) marketTouched++;
        }
      }
      for (const [account, st] of Object.entries(diff.post)) {
        for (const slot of Object.keys(st.storage ?? {})) {
          expect(covers(account.toLowerCase(), slot.toLowerCase(), 6), `${what} writes ${account}/${slot}`).to.equal(true);
        }
      }
    }
    return marketTouched;
  }

  it("interest reaches the vault's holders: allocate, accrue, harvest, redeem", async function () {
    const { vault, market, strategy, borrower, users, token } = f;
    const [a, b] = users;
    await vault.connect(a).deposit(100n * E18, a.address);
    await vault.connect(b).deposit(50n * E18, b.address);
    await vault.allocate(await vault.shardOf(a.address), 90n * E18);
    expect(await strategy.totalAssets()).to.equal(90n * E18);
    await market.connect(borrower).depositCollateral(100n * E18);
    await market.connect(borrower).borrow(50n * E18, borrower.address, (1n << SHARDS) - 1n);
    // A keeper refreshes the market's rates once a day (refreshRates: once per epoch, first in
    // its block); stale epochs credit lenders nothing (docs/lending.md, "Stored rates").
    for (let day = 0; day < 90; day++) {
      await networkHelpers.time.increase(24 * 3600);
      await market.refreshRates();
    }
    await networkHelpers.mine();
    const value = await strategy.totalAssets();
    expect(value).to.be.greaterThan(90n * E18);
    const tx = await vault.harvest();
    const [debt] = await vault.ledger(); // marked to the adapter's value in the harvest's block
    expect(debt).to.be.greaterThanOrEqual(value); // a later block: at least as much interest
    await expect(tx)
      .to.emit(vault, "Harvested")
      .withArgs(debt - 90n * E18, 0n, 0n, 0n);
    await networkHelpers.time.increase(7 * 3600);
    await market.connect(borrower).repay(MAX, borrower.address);
    const shares = await vault.balanceOf(a.address);
    const before = await token.balanceOf(a.address);
    await vault.connect(a).redeem(shares, a.address, a.address);
    expect((await token.balanceOf(a.address)) - before).to.be.greaterThan(100n * E18);
  });

  it("observed ⊆ declared on the node for vault calls that reach the market", async function () {
    const { vault, market, borrower, users, owner } = f;
    const [a, b] = users;
    await vault.connect(a).deposit(20n * E18, a.address);
    await vault.connect(b).deposit(20n * E18, b.address);
    await market.connect(borrower).depositCollateral(100n * E18);
    await networkHelpers.mine();
    const sa = await vault.shardOf(a.address);
    let touched = await checkBlock([
      { from: owner, fn: "allocate", args: [sa, 15n * E18] },
      { from: b, fn: "deposit", args: [E18, b.address] },
    ]);
    expect(touched).to.be.greaterThan(0);
    await market.connect(borrower).borrow(5n * E18, borrower.address, (1n << SHARDS) - 1n);
    await networkHelpers.time.increase(3600);
    touched = await checkBlock([
      { from: owner, fn: "harvest", args: [] }, // the market's snapshot is stale: the view computes it
      { from: a, fn: "withdraw", args: [8n * E18, a.address, a.address] }, // escrow holds 5: fallback
      { from: a, fn: "redeem", args: [E18 * 1000n, b.address, a.address] },
      { from: owner, fn: "deallocate", args: [0n, E18] },
    ]);
    expect(touched).to.be.greaterThan(0);
  });
});
