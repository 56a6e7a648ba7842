import { expect } from "chai";
import { network } from "hardhat";
import { getCreateAddress, type Signer } from "ethers";
import {
  LendingMarket__factory,
  MockERC20__factory,
  MockPriceOracle__factory,
  type LendingMarket,
  type MockERC20,
  type MockPriceOracle,
} from "../../typechain-types/index.js";
import { toDeclaredAccess, MODE_SNAPSHOT, MODE_WRITE } from "../../src/access/declared.js";
import { registryFor } from "../helpers/layouts.js";

const { ethers, networkHelpers } = await network.create();

const WAD = 10n ** 18n;
const E36 = 10n ** 36n;
const YEAR = 365n * 24n * 3600n;
const PRICE = 2000n * E36;
const K = 4n;
const RATES = {
  base: (2n * WAD) / 100n / YEAR,
  slope1: WAD / 10n / YEAR,
  slope2: WAD / YEAR,
  kink: (8n * WAD) / 10n,
};
const MAX = ethers.MaxUint256;

const divUp = (x: bigint, d: bigint) => (x === 0n ? 0n : (x - 1n) / d + 1n);
const rateAt = (u: bigint) =>
  u <= RATES.kink
    ? RATES.base + (RATES.slope1 * u) / RATES.kink
    : RATES.base + RATES.slope1 + (RATES.slope2 * (u - RATES.kink)) / (WAD - RATES.kink);

interface Fixture {
  market: LendingMarket;
  loan: MockERC20;
  coll: MockERC20;
  oracle: MockPriceOracle;
  owner: Signer;
  /** users[s][j]: the j-th signer whose address falls in shard s. */
  users: Signer[][];
}

function params(loan: string, coll: string, oracle: string, over: Partial<Record<string, bigint | string>> = {}) {
  return {
    loanToken: loan,
    collateralToken: coll,
    oracle,
    shardCount: K,
    lltv: (8n * WAD) / 10n,
    liquidationBonus: (105n * WAD) / 100n,
    maxPriceAge: 3600n,
    baseRate: RATES.base,
    slope1: RATES.slope1,
    slope2: RATES.slope2,
    kink: RATES.kink,
    ...over,
  };
}

async function deploy(): Promise<Fixture> {
  return deployWith({});
}

/** The liquidation tests run without interest, so that debts stay at round numbers. */
async function deployZeroRate(): Promise<Fixture> {
  return deployWith({ baseRate: 0n, slope1: 0n, slope2: 0n });
}

async function deployWith(over: Partial<Record<string, bigint>>): Promise<Fixture> {
  const signers = await ethers.getSigners();
  const owner = signers[0];
  const loan = await new MockERC20__factory(owner).deploy("Loan", "LOAN", 18);
  const coll = await new MockERC20__factory(owner).deploy("Collateral", "COLL", 18);
  const oracle = await new MockPriceOracle__factory(owner).deploy(PRICE);
  const layouts = await registryFor(owner, [await loan.getAddress(), await coll.getAddress()]);
  const market = await new LendingMarket__factory(owner).deploy(
    params(await loan.getAddress(), await coll.getAddress(), await oracle.getAddress(), over),
    owner.address,
    await layouts.getAddress(),
  );
  const users: Signer[][] = [[], [], [], []];
  for (const s of signers.slice(1)) {
    const shard = Number(await market.shardOf(s.address));
    users[shard].push(s);
    await loan.mint(s.address, 10n ** 30n);
    await coll.mint(s.address, 10n ** 30n);
    await loan.connect(s).approve(await market.getAddress(), MAX);
    await coll.connect(s).approve(await market.getAddress(), MAX);
  }
  for (const list of users) if (list.length < 2) throw new Error("fixture needs two signers per shard");
  return { market, loan, coll, oracle, owner, users };
}

async function nextTimestamp(dt: bigint): Promise<bigint> {
  const t = BigInt(await networkHelpers.time.latest()) + dt;
  await networkHelpers.time.setNextBlockTimestamp(t);
  return t;
}

describe("LendingMarket", function () {
  describe("construction", function () {
    it("deploys K escrows at their CREATE addresses (nonces 2.., after the declarer), approving the market", async function () {
      const { market, loan, coll } = await networkHelpers.loadFixture(deploy);
      expect(await market.declarer()).to.equal(getCreateAddress({ from: await market.getAddress(), nonce: 1 }));
      for (let s = 0n; s < K; s++) {
        const escrow = await market.escrowOf(s);
        expect(escrow).to.equal(getCreateAddress({ from: await market.getAddress(), nonce: s + 2n }));
        expect(await loan.allowance(escrow, await market.getAddress())).to.equal(MAX);
        expect(await coll.allowance(escrow, await market.getAddress())).to.equal(MAX);
      }
    });

    it("rejects each invalid parameter by name", async function () {
      const { loan, coll, oracle, owner } = await networkHelpers.loadFixture(deploy);
      const [l, c, o] = [await loan.getAddress(), await coll.getAddress(), await oracle.getAddress()];
      const f = new LendingMarket__factory(owner);
      const cases: [Partial<Record<string, bigint | string>>, string][] = [
        [{ loanToken: ethers.ZeroAddress }, "token"],
        [{ collateralToken: l }, "same token"],
        [{ oracle: ethers.ZeroAddress }, "oracle"],
        [{ shardCount: 0n }, "shardCount"],
        [{ shardCount: 65n }, "shardCount"],
        [{ lltv: WAD }, "lltv"],
        [{ liquidationBonus: WAD - 1n }, "liquidationBonus"],
        [{ liquidationBonus: (13n * WAD) / 10n }, "liquidationBonus"],
        [{ maxPriceAge: 0n }, "maxPriceAge"],
        [{ kink: WAD }, "kink"],
        [{ slope2: 10n ** 12n }, "rate"],
      ];
      for (const [over, what] of cases) {
        await expect(f.deploy(params(l, c, o, over), owner, ethers.ZeroAddress))
          .to.be.revertedWithCustomError(f.attach(l) as LendingMarket, "InvalidParams")
          .withArgs(what);
      }
    });
  });

  describe("supply and withdraw", function () {
    it("supply mints shares in the sender's shard and moves tokens to its escrow", async function () {
      const { market, loan, users } = await networkHelpers.loadFixture(deploy);
      const u = users[1][0];
      await expect(market.connect(u).supply(1000n * WAD))
        .to.emit(market, "Supply")
        .withArgs(await u.getAddress(), 1000n * WAD, 1000n * WAD);
      expect(await loan.balanceOf(await market.escrowOf(1))).to.equal(1000n * WAD);
      const sh = await market.shardTotals(1);
      expect(sh.supplyShares).to.equal(1000n * WAD);
      expect(sh.cash).to.equal(1000n * WAD);
      expect((await market.position(await u.getAddress())).supplyShares).to.equal(1000n * WAD);
    });

    it("supply reverts on zero, pause and the per-shard cap", async function () {
      const { market, users, owner } = await networkHelpers.loadFixture(deploy);
      const u = users[0][0];
      await expect(market.connect(u).supply(0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await market.connect(owner).setPaused(true);
      await expect(market.connect(u).supply(1)).to.be.revertedWithCustomError(market, "Paused");
      await market.connect(owner).setPaused(false);
      await market.connect(owner).setCaps(400n * WAD, MAX >> 128n);
      await market.connect(u).supply(100n * WAD); // cap per shard: 400 / 4 = 100
      await expect(market.connect(u).supply(1n))
        .to.be.revertedWithCustomError(market, "SupplyCapExceeded")
        .withArgs(100n * WAD + 1n, 100n * WAD);
      await market.connect(users[1][0]).supply(100n * WAD); // another shard has its own room
    });

    it("withdraw burns shares rounded up; max withdraws everything", async function () {
      const { market, loan, users } = await networkHelpers.loadFixture(deploy);
      const u = users[2][0];
      const addr = await u.getAddress();
      await market.connect(u).supply(1000n * WAD);
      const before = await loan.balanceOf(addr);
      await expect(market.connect(u).withdraw(400n * WAD, addr, 0))
        .to.emit(market, "Withdraw")
        .withArgs(addr, addr, 400n * WAD, 400n * WAD);
      await market.connect(u).withdraw(MAX, addr, 0);
      expect(await loan.balanceOf(addr)).to.equal(before + 1000n * WAD);
      expect((await market.shardTotals(2)).supplyShares).to.equal(0n);
    });

    it("withdraw reverts on zero, zero receiver, bad sources and missing shares", async function () {
      const { market, users } = await networkHelpers.loadFixture(deploy);
      const u = users[0][0];
      const addr = await u.getAddress();
      await market.connect(u).supply(10n * WAD);
      await expect(market.connect(u).withdraw(0, addr, 0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(u).withdraw(1, ethers.ZeroAddress, 0)).to.be.revertedWithCustomError(market, "ZeroAddress");
      await expect(market.connect(u).withdraw(1, addr, 1n << K))
        .to.be.revertedWithCustomError(market, "InvalidSources")
        .withArgs(1n << K);
      await expect(market.connect(u).withdraw(11n * WAD, addr, 0))
        .to.be.revertedWithCustomError(market, "InsufficientShares")
        .withArgs(10n * WAD, 11n * WAD);
      await expect(market.connect(users[1][0]).withdraw(MAX, addr, 0)).to.be.revertedWithCustomError(market, "ZeroAmount");
    });

    it("a dry shard reverts unless the caller names fallback shards, which are drained in order", async function () {
      const { market, loan, coll, users } = await networkHelpers.loadFixture(deploy);
      const lender = users[0][0];
      const borrower = users[0][1];
      const addr = await lender.getAddress();
      await market.connect(lender).supply(1000n * WAD);
      await market.connect(users[1][0]).supply(300n * WAD);
      await market.connect(users[3][0]).supply(300n * WAD);
      await market.connect(borrower).depositCollateral(10n * WAD);
      await market.connect(borrower).borrow(800n * WAD, await borrower.getAddress(), 0); // shard 0 keeps 200
      await expect(market.connect(lender).withdraw(500n * WAD, addr, 0))
        .to.be.revertedWithCustomError(market, "InsufficientLiquidity")
        .withArgs(500n * WAD, 200n * WAD);
      await expect(market.connect(lender).withdraw(900n * WAD, addr, 0b1010n))
        .to.be.revertedWithCustomError(market, "InsufficientLiquidity")
        .withArgs(900n * WAD, 800n * WAD);
      await market.connect(lender).withdraw(600n * WAD, addr, 0b1010n);
      expect((await market.shardTotals(0)).cash).to.equal(0n);
      expect((await market.shardTotals(1)).cash).to.equal(0n); // drained first (lower index)
      expect((await market.shardTotals(3)).cash).to.equal(200n * WAD);
      expect(await loan.balanceOf(await market.escrowOf(3))).to.equal(200n * WAD);
      expect(await coll.balanceOf(await market.escrowOf(0))).to.equal(10n * WAD);
    });

    it("a shard's liquidity is its escrow's balance: a donation can be drawn but credits no one", async function () {
      const { market, loan, users } = await networkHelpers.loadFixture(deploy);
      const lender = users[0][0];
      const donor = users[0][1];
      const addr = await lender.getAddress();
      await market.connect(lender).supply(100n * WAD);
      const totalsBefore = await market.totals();
      await loan.connect(donor).transfer(await market.escrowOf(0), 50n * WAD);
      expect((await market.shardTotals(0)).cash).to.equal(150n * WAD);
      const totalsAfter = await market.totals();
      // No shares minted, no supply credited: the donation is not anyone's claim.
      expect(totalsAfter.supplyShares).to.equal(totalsBefore.supplyShares);
      expect(totalsAfter.supplyAssets).to.equal(totalsBefore.supplyAssets);
      // The lender cannot take more than their shares are worth, donation or not.
      await expect(market.connect(lender).withdraw(100n * WAD + 1n, addr, 0)).to.be.revertedWithCustomError(market, "InsufficientShares");
      await market.connect(lender).withdraw(MAX, addr, 0);
      expect((await market.shardTotals(0)).cash).to.equal(50n * WAD);
      expect((await market.position(addr)).supplyShares).to.equal(0n);
    });
  });

  describe("collateral, borrow, repay", function () {
    it("borrows up to the LLTV exactly and not one wei beyond", async function () {
      // Without interest the borrow index stays at 1, so the boundary is a round number.
      const { market, users } = await networkHelpers.loadFixture(deployZeroRate);
      await market.connect(users[1][0]).supply(100_000n * WAD);
      const b = users[1][1];
      const addr = await b.getAddress();
      await market.connect(b).depositCollateral(WAD); // worth 2000, max debt 1600
      await expect(market.connect(b).borrow(1600n * WAD + 1n, addr, 0))
        .to.be.revertedWithCustomError(market, "UnhealthyPosition")
        .withArgs(1600n * WAD + 1n, 1600n * WAD);
      await expect(market.connect(b).borrow(1600n * WAD, addr, 0))
        .to.emit(market, "Borrow")
        .withArgs(addr, addr, 1600n * WAD, 1600n * WAD);
      await expect(market.connect(b).withdrawCollateral(1n, addr)).to.be.revertedWithCustomError(market, "UnhealthyPosition");
    });

    it("borrow reverts on zero, zero receiver, pause, cap, and liquidity", async function () {
      const { market, users, owner } = await networkHelpers.loadFixture(deploy);
      const b = users[2][0];
      const addr = await b.getAddress();
      await market.connect(b).depositCollateral(100n * WAD);
      await expect(market.connect(b).borrow(0, addr, 0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(b).borrow(1, ethers.ZeroAddress, 0)).to.be.revertedWithCustomError(market, "ZeroAddress");
      await expect(market.connect(b).borrow(1, addr, 0))
        .to.be.revertedWithCustomError(market, "InsufficientLiquidity")
        .withArgs(1n, 0n);
      await market.connect(users[0][0]).supply(10_000n * WAD);
      await market.connect(b).borrow(1000n * WAD, addr, 1); // from shard 0 through the fallback
      await market.connect(owner).setPaused(true);
      await expect(market.connect(b).borrow(1, addr, 1)).to.be.revertedWithCustomError(market, "Paused");
      await market.connect(owner).setPaused(false);
      await market.connect(owner).setCaps(MAX >> 128n, 4000n * WAD);
      await expect(market.connect(b).borrow(1n, addr, 1)).to.be.revertedWithCustomError(market, "BorrowCapExceeded");
    });

    it("collateral deposit and withdrawal, with their reverts", async function () {
      const { market, coll, users } = await networkHelpers.loadFixture(deploy);
      const u = users[3][0];
      const addr = await u.getAddress();
      await expect(market.connect(u).depositCollateral(0)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(u).depositCollateral(5n * WAD))
        .to.emit(market, "DepositCollateral")
        .withArgs(addr, 5n * WAD);
      expect(await coll.balanceOf(await market.escrowOf(3))).to.equal(5n * WAD);
      await expect(market.connect(u).withdrawCollateral(0, addr)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(u).withdrawCollateral(1, ethers.ZeroAddress)).to.be.revertedWithCustomError(market, "ZeroAddress");
      await expect(market.connect(u).withdrawCollateral(6n * WAD, addr))
        .to.be.revertedWithCustomError(market, "InsufficientCollateral")
        .withArgs(5n * WAD, 6n * WAD);
      await expect(market.connect(u).withdrawCollateral(5n * WAD, addr))
        .to.emit(market, "WithdrawCollateral")
        .withArgs(addr, addr, 5n * WAD);
    });

    it("repays own debt, someone else's, and all of it; the tokens land in the borrower's shard", async function () {
      const { market, loan, users } = await networkHelpers.loadFixture(deploy);
      await market.connect(users[0][0]).supply(10_000n * WAD);
      const b = users[0][1];
      const addr = await b.getAddress();
      const payer = users[2][0];
      await market.connect(b).depositCollateral(10n * WAD);
      await market.connect(b).borrow(1000n * WAD, addr, 0);
      await expect(market.connect(b).repay(0, addr)).to.be.revertedWithCustomError(market, "ZeroAmount");
      await expect(market.connect(b).repay(1, ethers.ZeroAddress)).to.be.revertedWithCustomError(market, "ZeroAddress");
      await expect(market.connect(payer).repay(100n * WAD, addr))
        .to.emit(market, "Repay")
        .withArgs(await payer.getAddress(), addr, 100n * WAD, anyShares());
      const escrow0 = await loan.balanceOf(await market.escrowOf(0));
      await expect(market.connect(b).repay(10_000n * WAD, addr)).to.be.revertedWithCustomError(market, "RepayExceedsDebt");
      await market.connect(b).repay(MAX, addr);
      expect((await market.position(addr)).borrowShares).to.equal(0n);
      expect(await loan.balanceOf(await market.escrowOf(0))).to.be.gt(escrow0);
      expect((await market.shardTotals(2)).cash).to.equal(0n);
      await expect(market.connect(b).repay(1, addr)).to.be.revertedWithCustomError(market, "NoDebt");
    });

    it("repaying less than one share's worth reverts rather than rounding to nothing", async function () {
      const { market, users } = await networkHelpers.loadFixture(deploy);
      await market.connect(users[0][0]).supply(10_000n * WAD);
      const b = users[0][1];
      await market.connect(b).depositCollateral(10n * WAD);
      await market.connect(b).borrow(5000n * WAD, await b.getAddress(), 0);
      await networkHelpers.time.increase(365 * 24 * 3600);
      await expect(market.connect(b).repay(1n, await b.getAddress())).to.be.revertedWithCustomError(market, "ZeroShares");
    });
  });

  describe("interest", function () {
    it("accrues on a hand-computed schedule: stored rates, refreshRates once per epoch, stale epochs, kinked by utilization", async function () {
      const { market, oracle, users } = await networkHelpers.loadFixture(deploy);
      const lender = users[0][0];
      const b = users[1][0];
      // The model of docs/lending.md, "Stored rates", written out independently.
      const rb = await market.rates();
      const m = {
        sI: WAD,
        bI: WAD,
        last: (await market.snapshot()).lastUpdate,
        br: rb.borrowRate,
        sr: rb.supplyRate,
        u: rb.utilization,
        epoch: rb.epoch,
        len: rb.epochLength,
      };
      expect(m.len).to.equal(3600n);
      expect(m.br).to.equal(RATES.base);
      let supplyShares = 0n;
      let borrowShares = 0n;
      const grow = (dt: bigint, sr: bigint) => {
        if (dt === 0n) return;
        m.bI += divUp(m.bI * m.br * dt, WAD);
        m.sI += (m.sI * sr * dt) / WAD;
      };
      // Stored rates up to the end of the epoch they were refreshed in; past it (stale), the
      // borrow rate alone until someone calls refreshRates.
      const accrue = (now: bigint) => {
        if (now === m.last) return;
        const end = (m.epoch + 1n) * m.len;
        let from = m.last;
        if (from < end) {
          const to = now < end ? now : end;
          grow(to - from, m.sr);
          from = to;
        }
        grow(now - from, 0n);
        m.last = now;
      };
      const refresh = (now: bigint) => {
        accrue(now);
        const supplied = (supplyShares * m.sI) / WAD;
        const borrowed = divUp(borrowShares * m.bI, WAD);
        const u = borrowed === 0n ? 0n : borrowed >= supplied ? WAD : (borrowed * WAD) / supplied;
        m.br = rateAt(u > m.u ? u : m.u);
        m.sr = (m.br * u) / WAD;
        m.u = u;
        m.epoch = now / m.len;
      };
      const check = async () => {
        const snap = await market.snapshot();
        expect(snap.borrowIndex).to.equal(m.bI);
        expect(snap.supplyIndex).to.equal(m.sI);
        const r = await market.rates();
        expect([r.borrowRate, r.supplyRate, r.utilization, r.epoch]).to.deep.equal([m.br, m.sr, m.u, m.epoch]);
      };

      let tx = await market.connect(lender).supply(1000n * WAD);
      accrue(BigInt((await tx.getBlock())!.timestamp));
      supplyShares = 1000n * WAD; // no supply rate yet: priced at the index itself
      expect((await market.position(await lender.getAddress())).supplyShares).to.equal(supplyShares);
      await market.connect(b).depositCollateral(10n * WAD);
      const t0 = await nextTimestamp(10n);
      await market.connect(b).borrow(500n * WAD, await b.getAddress(), 1);
      accrue(t0);
      borrowShares = divUp(500n * WAD * WAD, m.bI);
      await check();

      // Period 1: 1 day at 50% utilization with no refresh: the stored base rate (nothing was
      // borrowed at the last refresh) charges borrowers; the supply rate is 0 (nothing was lent
      // then, and stale epochs credit nothing). Then a keeper refreshes.
      const t1 = await nextTimestamp(86_400n);
      await market.refreshRates();
      refresh(t1);
      await check();
      expect(m.sI).to.equal(WAD);
      // (The index grew at the base rate since deployment, a few blocks before t0.)
      expect(m.bI - WAD).to.be.closeTo(RATES.base * (t1 - t0), RATES.base * 300n);
      expect(m.u).to.be.closeTo(WAD / 2n, WAD / 1000n);

      // One day more with a refresh every epoch: 50% of the 80% kink: 2% + 10% * 0.625 = 8.25% APR.
      const bI1 = m.bI;
      for (let h = 0; h < 24; h++) {
        const t = await nextTimestamp(3600n);
        await market.refreshRates();
        refresh(t);
      }
      await check();
      expect(m.bI - bI1).to.be.closeTo((825n * bI1) / 10000n / 365n, bI1 / 10n ** 6n);

      // Period 2: borrow to 90% utilization (above the kink), then 30 days.
      const extra = 900n * WAD - divUp(borrowShares * m.bI, WAD);
      await oracle.setPrice(PRICE);
      tx = await market.connect(b).borrow(extra, await b.getAddress(), 1);
      accrue(BigInt((await tx.getBlock())!.timestamp));
      borrowShares += divUp(extra * WAD, m.bI);
      expect((await market.position(await b.getAddress())).borrowShares).to.equal(borrowShares);
      const t3 = await nextTimestamp(30n * 86_400n);
      await market.refreshRates();
      refresh(t3);
      await check();
      // 30 days with no refresh: debt grew at the stored rate, supply was not credited (stale),
      // so the refresh sees a little more than 90%.
      expect(m.u).to.be.gt((9n * WAD) / 10n);
      expect(m.u).to.be.closeTo((9n * WAD) / 10n, WAD / 100n);
      expect(await market.borrowRate((9n * WAD) / 10n)).to.equal(RATES.base + RATES.slope1 + RATES.slope2 / 2n);
    });

    it("the snapshot is written once per block and does not depend on which transaction takes it", async function () {
      const { market, users } = await networkHelpers.loadFixture(deploy);
      await market.connect(users[0][0]).supply(1000n * WAD);
      await market.connect(users[1][0]).depositCollateral(10n * WAD);
      await market.connect(users[1][0]).borrow(700n * WAD, await users[1][0].getAddress(), 1);
      await networkHelpers.time.increase(3600);
      await market.refreshRates(); // a supply rate for the epoch
      const id = await networkHelpers.takeSnapshot();
      const results: bigint[][] = [];
      for (const order of [0, 1]) {
        await id.restore();
        await networkHelpers.time.setNextBlockTimestamp(BigInt(await networkHelpers.time.latest()) + 7n * 86_400n);
        await ethers.provider.send("evm_setAutomine", [false]);
        const supplyTx = () => market.connect(users[2][0]).supply(5000n * WAD);
        const repayTx = () => market.connect(users[1][0]).repay(300n * WAD, users[1][0].getAddress());
        if (order === 0) {
          await supplyTx();
          await repayTx();
        } else {
          await repayTx();
          await supplyTx();
        }
        await networkHelpers.mine();
        await ethers.provider.send("evm_setAutomine", [true]);
        const snap = await market.snapshot();
        results.push([snap.supplyIndex, snap.borrowIndex]);
      }
      expect(results[0][0]).to.be.gt(WAD);
      expect(results[0]).to.deep.equal(results[1]);
    });
  });

  describe("oracle", function () {
    it("rejects a stale, future or zero price for borrowing and liquidation", async function () {
      const { market, oracle, users } = await networkHelpers.loadFixture(deploy);
      await market.connect(users[0][0]).supply(2000n * WAD);
      const b = users[0][1];
      const addr = await b.getAddress();
      await market.connect(b).depositCollateral(WAD);
      await market.connect(b).borrow(1000n * WAD, addr, 0);
      await networkHelpers.time.increase(3601);
      await expect(market.connect(b).borrow(1n, addr, 0)).to.be.revertedWithCustomError(market, "StalePrice");
      await expect(market.connect(users[1][0]).liquidate(addr, 1n)).to.be.revertedWithCustomError(market, "StalePrice");
      const now = BigInt(await networkHelpers.time.latest());
      await oracle.setPriceAt(PRICE, now + 100n);
      await expect(market.connect(b).withdrawCollateral(1n, addr)).to.be.revertedWithCustomError(market, "StalePrice");
      await oracle.setPrice(0);
      await expect(market.connect(b).borrow(1n, addr, 0)).to.be.revertedWithCustomError(market, "InvalidPrice");
      await oracle.setPrice(PRICE);
      await market.connect(b).borrow(1n, addr, 0);
    });
  });

  describe("liquidation", function () {
    async function positioned() {
      const f = await networkHelpers.loadFixture(deployZeroRate);
      await f.market.connect(f.users[0][0]).supply(100_000n * WAD);
      const b = f.users[0][1];
      await f.market.connect(b).depositCollateral(10n * WAD); // 20,000 worth
      await f.market.connect(b).borrow(12_000n * WAD, await b.getAddress(), 0);
      return { ...f, b, addr: await b.getAddress(), liq: f.users[2][0] };
    }

    it("is refused at the boundary (debt == LLTV value) and allowed one wei beyond", async function () {
      const { market, oracle, addr, liq } = await positioned();
      // max debt = 10 * p * 0.8 = 12,000 at p = 1,500.
      await oracle.setPrice(1500n * E36);
      await expect(market.connect(liq).liquidate(addr, 1n))
        .to.be.revertedWithCustomError(market, "HealthyPosition")
        .withArgs(12_000n * WAD, 12_000n * WAD);
      // Just below: max debt 11,999.99...; the position is liquidatable.
      await oracle.setPrice(1500n * E36 - E36 / WAD);
      await expect(market.connect(liq).liquidate(addr, 1000n * WAD)).to.emit(market, "Liquidate");
    });

    it("pays the bonus in collateral, rounded down", async function () {
      const { market, oracle, coll, addr, liq } = await positioned();
      await oracle.setPrice(1400n * E36);
      const liqAddr = await liq.getAddress();
      const before = await coll.balanceOf(liqAddr);
      await market.connect(liq).liquidate(addr, 1400n * WAD);
      // 1,400 repaid * 1.05 / 1,400 per unit = 1.05 collateral.
      expect((await coll.balanceOf(liqAddr)) - before).to.equal((105n * WAD) / 100n);
      const pos = await market.position(addr);
      expect(pos.collateral).to.equal(10n * WAD - (105n * WAD) / 100n);
      expect(pos.borrowShares).to.equal(12_000n * WAD - 1400n * WAD);
      await expect(market.connect(liq).liquidate(await liq.getAddress(), 1n)).to.be.revertedWithCustomError(market, "NoDebt");
      await expect(market.connect(liq).liquidate(addr, 0n)).to.be.revertedWithCustomError(market, "ZeroAmount");
    });

    it("a 90% price drop leaves bad debt, written off now and charged to suppliers next block", async function () {
      const { market, oracle, loan, coll, addr, liq } = await positioned();
      await oracle.setPrice(200n * E36); // collateral worth 2,000 against 12,000 debt
      const liqAddr = await liq.getAddress();
      const loanBefore = await loan.balanceOf(liqAddr);
      const tx = market.connect(liq).liquidate(addr, MAX);
      // Seizes all 10 collateral, paying 10 * 200 / 1.05 (rounded up).
      const cost = divUp(2000n * WAD * WAD, (105n * WAD) / 100n);
      const bad = 12_000n * WAD - (cost * WAD) / WAD;
      await expect(tx)
        .to.emit(market, "Liquidate")
        .withArgs(liqAddr, addr, cost, 10n * WAD, bad);
      expect(loanBefore - (await loan.balanceOf(liqAddr))).to.equal(cost);
      expect(await coll.balanceOf(liqAddr)).to.equal(10n ** 30n + 10n * WAD);
      const pos = await market.position(addr);
      expect(pos.borrowShares).to.equal(0n);
      expect(pos.collateral).to.equal(0n);
      let totals = await market.totals();
      expect(totals.pendingBadDebt).to.equal(bad);
      // Next block: the snapshot charges it to the 100,000 of supply (a rate refresh).
      await market.accrue();
      totals = await market.totals();
      expect(totals.pendingBadDebt).to.equal(0n);
      expect(await market.badDebtSocialized()).to.equal(bad);
      const snap = await market.snapshot();
      expect(snap.supplyIndex).to.be.lte(WAD - divUp(bad * WAD, 100_000n * WAD) + WAD / 10n ** 6n);
      expect(totals.supplyAssets).to.be.lte(100_000n * WAD - bad + WAD / 10n ** 3n);
    });
  });

  describe("owner", function () {
    it("pause and caps are owner-only and emitted", async function () {
      const { market, owner, users } = await networkHelpers.loadFixture(deploy);
      await expect(market.connect(users[0][0]).setPaused(true)).to.be.revertedWithCustomError(market, "OwnableUnauthorizedAccount");
      await expect(market.connect(users[0][0]).setCaps(1, 1)).to.be.revertedWithCustomError(market, "OwnableUnauthorizedAccount");
      await expect(market.connect(owner).setPaused(true)).to.emit(market, "PausedSet").withArgs(true);
      await expect(market.connect(owner).setCaps(5, 6)).to.emit(market, "CapsSet").withArgs(5, 6);
      const cfg = await market.getConfig();
      expect([cfg.supplyCap, cfg.borrowCap, await market.paused()]).to.deep.equal([5n, 6n, true]);
      // Paused: users can still leave.
      await market.connect(owner).setPaused(false);
      await market.connect(owner).setCaps(MAX >> 128n, MAX >> 128n);
      await market.connect(users[0][0]).supply(WAD);
      await market.connect(owner).setPaused(true);
      await market.connect(users[0][0]).withdraw(MAX, await users[0][0].getAddress(), 0);
    });
  });

  describe("declareAccess", function () {
    it("declares the own shard as written and every other shard as snapshot input only", async function () {
      const { market, loan, users } = await networkHelpers.loadFixture(deploy);
      const u = users[1][0];
      const data = market.interface.encodeFunctionData("supply", [WAD]);
      const entries = await market.declareAccess(await u.getAddress(), data);
      const declared = toDeclaredAccess(
        entries.map((e) => ({
          account: e.account,
          slot: e.slot,
          mode: e.mode,
        })),
      );
      const m = (await market.getAddress()).toLowerCase();
      const slot = (n: bigint) => ethers.toBeHex(n, 32);
      expect(declared.writes).to.deep.include([m, slot(5n + 2n)]);
      // The shard's second slot (bad debt) is only a snapshot input for a supply: liquidity is
      // the escrow's balance in the loan token, declared exactly (the token's layout is registered).
      expect(declared.writes).to.not.deep.include([m, slot(5n + 3n)]);
      expect(declared.snapshots).to.deep.include([m, slot(5n + 3n)]);
      const coder = ethers.AbiCoder.defaultAbiCoder();
      const balanceSlot = (a: string) => ethers.keccak256(coder.encode(["address", "uint256"], [a, 0n]));
      const l = (await loan.getAddress()).toLowerCase();
      const escrow = await market.escrowOf(1n);
      expect(declared.writes).to.deep.include([l, balanceSlot(await u.getAddress())]);
      expect(declared.writes).to.deep.include([l, balanceSlot(escrow)]);
      expect(declared.writes).to.not.deep.include([l, "*"]);
      expect(declared.writes).to.not.deep.include([m, slot(5n)]);
      expect(declared.snapshots).to.deep.include([m, slot(5n)]);
      expect(declared.snapshots).to.deep.include([m, slot(3n)]);
      const snapEntry = entries.find((e) => e.slot === slot(3n))!;
      expect(Number(snapEntry.mode) & MODE_SNAPSHOT).to.equal(MODE_SNAPSHOT);
      expect(Number(snapEntry.mode) & MODE_WRITE).to.equal(0);
      // Repay is declared by the borrower's shard, not the payer's.
      const repay = market.interface.encodeFunctionData("repay", [WAD, await users[3][0].getAddress()]);
      const r = toDeclaredAccess([...(await market.declareAccess(await u.getAddress(), repay))]);
      expect(r.writes).to.deep.include([m, slot(5n + 6n)]);
      expect(r.writes).to.not.deep.include([m, slot(5n + 2n)]);
    });

    it("observed storage (prestateTracer) is within the declaration, transaction by transaction", async function () {
      const { market, oracle, users } = await networkHelpers.loadFixture(deployZeroRate);
      type Trace = Record<string, { storage?: Record<string, string> }>;
      const declaredOf = async (from: Signer, data: string) => {
        const entries = await market.declareAccess(await from.getAddress(), data);
        const modes = new Map<string, number>();
        for (const e of entries) {
          const key = `${e.account.toLowerCase()}:${e.slot.toLowerCase()}`;
          modes.set(key, (modes.get(key) ?? 0) | Number(e.mode));
        }
        return (account: string, slot: string) =>
          (modes.get(`${account}:${ethers.toBeHex(BigInt(slot), 32)}`) ?? 0) | (modes.get(`${account}:0x${"f".repeat(64)}`) ?? 0);
      };
      let checked = 0;
      const run = async (from: Signer, data: string) => {
        const mode = await declaredOf(from, data);
        const tx = await from.sendTransaction({
          to: await market.getAddress(),
          data,
        });
        await tx.wait();
        const pre: Trace = await ethers.provider.send("debug_traceTransaction", [tx.hash, { tracer: "prestateTracer" }]);
        const diff: { post: Trace } = await ethers.provider.send("debug_traceTransaction", [
          tx.hash,
          { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
        ]);
        for (const [account, state] of Object.entries(pre)) {
          for (const slot of Object.keys(state.storage ?? {})) {
            expect(mode(account.toLowerCase(), slot), `read ${account}/${slot} undeclared`).to.not.equal(0);
            checked++;
          }
        }
        for (const [account, state] of Object.entries(diff.post)) {
          for (const slot of Object.keys(state.storage ?? {})) {
            expect(mode(account.toLowerCase(), slot) & (MODE_WRITE | MODE_SNAPSHOT), `write ${account}/${slot}`).to.not.equal(0);
          }
        }
      };
      const [lender, other, borrower, liq] = [users[0][0], users[1][0], users[2][0], users[3][0]];
      const i = market.interface;
      const b = await borrower.getAddress();
      await run(lender, i.encodeFunctionData("supply", [50_000n * WAD]));
      await run(other, i.encodeFunctionData("supply", [50_000n * WAD]));
      await run(borrower, i.encodeFunctionData("depositCollateral", [10n * WAD]));
      await run(borrower, i.encodeFunctionData("borrow", [15_000n * WAD, b, 0b11n]));
      await run(other, i.encodeFunctionData("repay", [1_000n * WAD, b]));
      await oracle.setPrice(200n * E36);
      await run(liq, i.encodeFunctionData("liquidate", [b, MAX]));
      await run(lender, i.encodeFunctionData("accrue"));
      await run(lender, i.encodeFunctionData("withdraw", [1_000n * WAD, await lender.getAddress(), 0b1110n]));
      expect(checked).to.be.greaterThan(20);
    });

    it("rejects unknown selectors", async function () {
      const { market } = await networkHelpers.loadFixture(deploy);
      await expect(market.declareAccess(ethers.ZeroAddress, "0x12345678"))
        .to.be.revertedWithCustomError(market, "UnknownSelector")
        .withArgs("0x12345678");
      await expect(market.declareAccess(ethers.ZeroAddress, "0x")).to.be.revertedWithCustomError(market, "UnknownSelector");
    });
  });
});

function anyShares() {
  return (x: bigint) => x > 0n;
}
