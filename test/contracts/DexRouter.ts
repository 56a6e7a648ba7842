import { expect } from "chai";
import { network } from "hardhat";
import {
  FeeOnTransferToken__factory,
  DisjointFactory__factory,
  DisjointPair__factory,
  DisjointRouter__factory,
  MockERC20__factory,
  NoReturnToken__factory,
} from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const E18 = 10n ** 18n;
const MAX = ethers.MaxUint256;
const out = (i: bigint, rIn: bigint, rOut: bigint) => (i * 997n * rOut) / (rIn * 1000n + i * 997n);
const inFor = (o: bigint, rIn: bigint, rOut: bigint) => (rIn * o * 1000n) / ((rOut - o) * 997n) + 1n;

describe("DisjointRouter", function () {
  async function deploy() {
    const [owner, alice, bob] = await ethers.getSigners();
    const factory = await new DisjointFactory__factory(owner).deploy(ethers.ZeroAddress);
    const router = await new DisjointRouter__factory(owner).deploy(await factory.getAddress(), 100);
    const tokens = await Promise.all(["A", "B", "C"].map((n) => new MockERC20__factory(owner).deploy(n, n, 18)));
    const addrs = await Promise.all(tokens.map((t) => t.getAddress()));
    const order = [0, 1, 2].sort((x, y) => (addrs[x].toLowerCase() < addrs[y].toLowerCase() ? -1 : 1));
    const [A, B, C] = order.map((i) => tokens[i]);
    const [a, b, c] = order.map((i) => addrs[i]);
    for (const t of [A, B, C]) {
      await t.mint(owner.address, 10n ** 30n);
      await t.approve(await router.getAddress(), MAX);
    }
    return { owner, alice, bob, factory, router, A, B, C, a, b, c };
  }
  type Ctx = Awaited<ReturnType<typeof deploy>>;
  const pairOf = async (x: Ctx, t0: string, t1: string, i = 0) =>
    DisjointPair__factory.connect(await x.factory.getShard(t0, t1, i), x.owner);

  async function withPools() {
    const x = await deploy();
    await x.router.addLiquidity(x.a, x.b, 10n * E18, 20n * E18, 0, 0, x.owner.address, MAX);
    await x.router.addLiquidity(x.b, x.c, 30n * E18, 10n * E18, 0, 0, x.owner.address, MAX);
    return x;
  }

  async function withShards() {
    const x = await deploy();
    await x.factory.createShardedPair(x.a, x.b, 3);
    await x.router.addLiquidityToShard(x.a, x.b, 0, 100n * E18, 100n * E18, 0, 0, x.owner.address, MAX);
    await x.router.addLiquidityToShard(x.a, x.b, 1, 30n * E18, 30n * E18, 0, 0, x.owner.address, MAX);
    await x.router.addLiquidityToShard(x.a, x.b, 2, 10n * E18, 10n * E18, 0, 0, x.owner.address, MAX);
    return x;
  }

  describe("liquidity", function () {
    it("addLiquidity creates the pair and deposits the desired amounts", async function () {
      const x = await networkHelpers.loadFixture(deploy);
      await expect(x.router.addLiquidity(x.a, x.b, 10n * E18, 20n * E18, 0, 0, x.alice.address, MAX)).to.emit(x.factory, "PairCreated");
      const pair = await pairOf(x, x.a, x.b);
      const [r0, r1] = await pair.getReserves();
      expect([r0, r1]).to.deep.equal([10n * E18, 20n * E18]);
      expect(await pair.balanceOf(x.alice.address)).to.be.greaterThan(0n);
      expect(await x.router.factory()).to.equal(await x.factory.getAddress());
    });

    it("later deposits follow the pool ratio on either side, within the minimums", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      // B is the limiting side: A optimal = 5 of 10 desired.
      const r1 = await x.router.addLiquidity.staticCall(x.a, x.b, 10n * E18, 10n * E18, 0, 0, x.alice.address, MAX);
      expect(r1.amountA).to.equal(5n * E18);
      expect(r1.amountB).to.equal(10n * E18);
      // A is the limiting side: B optimal = 2 of 10 desired.
      const r2 = await x.router.addLiquidity.staticCall(x.a, x.b, E18, 10n * E18, 0, 0, x.alice.address, MAX);
      expect(r2.amountB).to.equal(2n * E18);
      await expect(x.router.addLiquidity(x.a, x.b, E18, 10n * E18, 0, 3n * E18, x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InsufficientBAmount",
      );
      await expect(x.router.addLiquidity(x.a, x.b, 10n * E18, 10n * E18, 6n * E18, 0, x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InsufficientAAmount",
      );
      await expect(x.router.addLiquidity(x.a, x.b, E18, E18, 0, 0, x.alice.address, 1)).to.be.revertedWithCustomError(x.router, "Expired");
    });

    it("removeLiquidity burns from the caller's home shard, within the minimums", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      const pair = await pairOf(x, x.a, x.b);
      await pair.approve(await x.router.getAddress(), MAX);
      const liquidity = (await pair.balanceOf(x.owner.address)) / 2n;
      const supply = await pair.totalSupply();
      const [r0, r1] = await pair.getReserves();
      const [eA, eB] = [(liquidity * r0) / supply, (liquidity * r1) / supply];
      await expect(x.router.removeLiquidity(x.a, x.b, liquidity, eA + 1n, 0, x.bob.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InsufficientAAmount",
      );
      await expect(x.router.removeLiquidity(x.a, x.b, liquidity, 0, eB + 1n, x.bob.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InsufficientBAmount",
      );
      await expect(x.router.removeLiquidity(x.a, x.b, liquidity, 0, 0, x.bob.address, 1)).to.be.revertedWithCustomError(
        x.router,
        "Expired",
      );
      // Token order of the arguments does not matter.
      const got = await x.router.removeLiquidity.staticCall(x.b, x.a, liquidity, eB, eA, x.bob.address, MAX);
      expect([got.amountA, got.amountB]).to.deep.equal([eB, eA]);
      await x.router.removeLiquidity(x.a, x.b, liquidity, eA, eB, x.bob.address, MAX);
      expect(await x.A.balanceOf(x.bob.address)).to.equal(eA);
      expect(await x.B.balanceOf(x.bob.address)).to.equal(eB);
    });

    it("removeLiquidityWithPermit takes the LP allowance from an EIP-2612 signature", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      const pair = await pairOf(x, x.a, x.b);
      const liquidity = (await pair.balanceOf(x.owner.address)) / 4n;
      const { chainId } = await ethers.provider.getNetwork();
      const domain = { name: "Disjoint LP", version: "1", chainId, verifyingContract: await pair.getAddress() };
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const spender = await x.router.getAddress();
      const sign = async (value: bigint, nonce: bigint) =>
        ethers.Signature.from(await x.owner.signTypedData(domain, types, { owner: x.owner.address, spender, value, nonce, deadline: MAX }));
      const sig = await sign(liquidity, 0n);
      const before = await pair.balanceOf(x.owner.address);
      await x.router.removeLiquidityWithPermit(x.a, x.b, liquidity, 0, 0, x.bob.address, MAX, false, sig.v, sig.r, sig.s);
      expect(before - (await pair.balanceOf(x.owner.address))).to.equal(liquidity);
      expect(await x.A.balanceOf(x.bob.address)).to.be.greaterThan(0n);
      expect(await pair.allowance(x.owner.address, spender)).to.equal(0n);
      const maxSig = await sign(MAX, 1n);
      await x.router.removeLiquidityWithPermit(x.a, x.b, liquidity, 0, 0, x.bob.address, MAX, true, maxSig.v, maxSig.r, maxSig.s);
      expect(await pair.allowance(x.owner.address, spender)).to.equal(MAX);
      await expect(
        x.router.removeLiquidityWithPermit(x.a, x.b, liquidity, 0, 0, x.bob.address, MAX, false, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(pair, "InvalidSignature");
      await expect(
        x.router.removeLiquidityWithPermit(x.a, x.b, liquidity, 0, 0, x.bob.address, 1, false, sig.v, sig.r, sig.s),
      ).to.be.revertedWithCustomError(x.router, "Expired");
    });

    it("places liquidity in the owner's home shard, uint160(owner) % K", async function () {
      const x = await networkHelpers.loadFixture(withShards);
      for (const who of [x.owner, x.alice, x.bob]) {
        const k = BigInt(who.address) % 3n;
        const [index, pool] = await x.router.homeShard(x.a, x.b, who.address);
        expect(index).to.equal(k);
        expect(pool).to.equal(await x.factory.getShard(x.a, x.b, k));
        const shard = DisjointPair__factory.connect(pool, x.owner);
        const before = await shard.balanceOf(who.address);
        await x.router.addLiquidity(x.a, x.b, E18, E18, 0, 0, who.address, MAX);
        expect(await shard.balanceOf(who.address)).to.be.greaterThan(before);
      }
      // Explicit shards, and removal from one.
      const s1 = await pairOf(x, x.a, x.b, 1);
      await s1.approve(await x.router.getAddress(), MAX);
      const lp = await s1.balanceOf(x.owner.address);
      await x.router.removeLiquidityFromShard(x.a, x.b, 1, lp, 0, 0, x.owner.address, MAX);
      expect(await s1.balanceOf(x.owner.address)).to.equal(0n);
      await expect(x.router.addLiquidityToShard(x.a, x.b, 7, E18, E18, 0, 0, x.owner.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "PairNotFound",
      );
      await expect(x.router.removeLiquidityFromShard(x.a, x.b, 7, 1, 0, 0, x.owner.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "PairNotFound",
      );
    });
  });

  describe("swaps on one shard (V2 behaviour)", function () {
    it("exact-in over one and two hops pays getAmountsOut, computed with V2's formula", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      const one = await x.router.getAmountsOut(E18, [x.a, x.b]);
      expect(one).to.deep.equal([E18, out(E18, 10n * E18, 20n * E18)]);
      await x.router.swapExactTokensForTokens(E18, one[1], [x.a, x.b], x.alice.address, MAX);
      expect(await x.B.balanceOf(x.alice.address)).to.equal(one[1]);
      const two = await x.router.getAmountsOut(E18, [x.a, x.b, x.c]);
      const mid = out(E18, 11n * E18, 20n * E18 - one[1]);
      expect(two).to.deep.equal([E18, mid, out(mid, 30n * E18, 10n * E18)]);
      await x.router.swapExactTokensForTokens(E18, two[2], [x.a, x.b, x.c], x.bob.address, MAX);
      expect(await x.C.balanceOf(x.bob.address)).to.equal(two[2]);
    });

    it("exact-out over two hops charges getAmountsIn", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      const want = E18;
      const q = await x.router.getAmountsIn(want, [x.c, x.b, x.a]);
      const midIn = inFor(want, 20n * E18, 10n * E18);
      expect(q).to.deep.equal([inFor(midIn, 10n * E18, 30n * E18), midIn, want]);
      const before = await x.C.balanceOf(x.owner.address);
      await x.router.swapTokensForExactTokens(want, q[0], [x.c, x.b, x.a], x.alice.address, MAX);
      expect(await x.A.balanceOf(x.alice.address)).to.equal(want);
      expect(before - (await x.C.balanceOf(x.owner.address))).to.equal(q[0]);
    });

    it("enforces slippage limits, deadlines and paths", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      const q = await x.router.getAmountsOut(E18, [x.a, x.b]);
      await expect(x.router.swapExactTokensForTokens(E18, q[1] + 1n, [x.a, x.b], x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InsufficientOutputAmount",
      );
      const qi = await x.router.getAmountsIn(E18, [x.a, x.b]);
      await expect(x.router.swapTokensForExactTokens(E18, qi[0] - 1n, [x.a, x.b], x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "ExcessiveInputAmount",
      );
      await expect(x.router.swapExactTokensForTokens(E18, 0, [x.a, x.b], x.alice.address, 1)).to.be.revertedWithCustomError(
        x.router,
        "Expired",
      );
      await expect(x.router.swapTokensForExactTokens(E18, MAX, [x.a, x.b], x.alice.address, 1)).to.be.revertedWithCustomError(
        x.router,
        "Expired",
      );
      await expect(x.router.swapExactTokensForTokens(E18, 0, [x.a], x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InvalidPath",
      );
      await expect(x.router.getAmountsIn(E18, [x.a])).to.be.revertedWithCustomError(x.router, "InvalidPath");
      await expect(x.router.swapExactTokensForTokens(E18, 0, [x.a, x.c], x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "PairNotFound",
      );
      await expect(x.router.getAmountsIn(30n * E18, [x.a, x.b])).to.be.revertedWithCustomError(x.router, "InsufficientLiquidity");
    });

    it("exposes V2's pure quote helpers", async function () {
      const x = await networkHelpers.loadFixture(deploy);
      expect(await x.router.quote(3n, 10n, 20n)).to.equal(6n);
      expect(await x.router.getAmountOut(E18, 5n * E18, 7n * E18)).to.equal(out(E18, 5n * E18, 7n * E18));
      expect(await x.router.getAmountIn(E18, 5n * E18, 7n * E18)).to.equal(inFor(E18, 5n * E18, 7n * E18));
      await expect(x.router.quote(0n, 1n, 1n)).to.be.revertedWithCustomError(x.router, "InsufficientAmount");
      await expect(x.router.quote(1n, 0n, 1n)).to.be.revertedWithCustomError(x.router, "InsufficientLiquidity");
      expect(await x.router.maxTradeBps()).to.equal(100n);
    });

    it("swaps fee-on-transfer tokens with the ...SupportingFeeOnTransferTokens entry point", async function () {
      const x = await networkHelpers.loadFixture(withPools);
      const fot = await new FeeOnTransferToken__factory(x.owner).deploy(100); // 1% per transfer
      const f = await fot.getAddress();
      await fot.mint(x.owner.address, 10n ** 24n);
      await fot.approve(await x.router.getAddress(), MAX);
      await x.router.addLiquidity(f, x.a, 100n * E18, 100n * E18, 0, 0, x.owner.address, MAX);
      const pool = await pairOf(x, f, x.a);
      const fotIs0 = (await pool.token0()) === f;
      // In: the pool receives 99% of amountIn; two hops f -> a -> b.
      const [r0, r1] = await pool.getReserves();
      const [rF, rA] = fotIs0 ? [r0, r1] : [r1, r0];
      const mid = out((E18 * 99n) / 100n, rF, rA);
      const ab = await pairOf(x, x.a, x.b);
      const [s0, s1] = await ab.getReserves();
      const last = out(mid, s0, s1);
      // The exact-amount entry point fails on the fee (the pool sees less than quoted).
      await expect(x.router.swapExactTokensForTokens(E18, 0, [f, x.a], x.alice.address, MAX)).to.be.revertedWithCustomError(pool, "K");
      await expect(
        x.router.swapExactTokensForTokensSupportingFeeOnTransferTokens(E18, last + 1n, [f, x.a, x.b], x.alice.address, MAX),
      ).to.be.revertedWithCustomError(x.router, "InsufficientOutputAmount");
      await x.router.swapExactTokensForTokensSupportingFeeOnTransferTokens(E18, last, [f, x.a, x.b], x.alice.address, MAX);
      expect(await x.B.balanceOf(x.alice.address)).to.equal(last);
      // Out: the recipient receives 99% of the pool's output, and the limit applies to that.
      const [n0, n1] = await pool.getReserves();
      const [nF, nA] = fotIs0 ? [n0, n1] : [n1, n0];
      const sent = out(E18, nA, nF);
      const arrives = sent - (sent * 100n) / 10_000n;
      await expect(
        x.router.swapExactTokensForTokensSupportingFeeOnTransferTokens(E18, arrives + 1n, [x.a, f], x.bob.address, MAX),
      ).to.be.revertedWithCustomError(x.router, "InsufficientOutputAmount");
      await x.router.swapExactTokensForTokensSupportingFeeOnTransferTokens(E18, arrives, [x.a, f], x.bob.address, MAX);
      expect(await fot.balanceOf(x.bob.address)).to.equal(arrives);
      await expect(
        x.router.swapExactTokensForTokensSupportingFeeOnTransferTokens(E18, 0, [x.a, f], x.bob.address, 1),
      ).to.be.revertedWithCustomError(x.router, "Expired");
    });

    it("moves a USDT-like token (no return value) through the router", async function () {
      const x = await networkHelpers.loadFixture(deploy);
      const nrt = await new NoReturnToken__factory(x.owner).deploy();
      const n = await nrt.getAddress();
      await nrt.mint(x.owner.address, 10n ** 15n);
      await nrt.approve(await x.router.getAddress(), MAX);
      await x.router.addLiquidity(n, x.a, 10n ** 12n, 10n * E18, 0, 0, x.owner.address, MAX);
      const q = await x.router.getAmountsOut(10n ** 9n, [n, x.a]);
      await x.router.swapExactTokensForTokens(10n ** 9n, q[1], [n, x.a], x.alice.address, MAX);
      expect(await x.A.balanceOf(x.alice.address)).to.equal(q[1]);
    });
  });

  describe("shard rule", function () {
    const shardOf = async (x: Ctx, pool: string) => {
      for (let i = 0n; i < 3n; i++) if ((await x.factory.getShard(x.a, x.b, i)) === pool) return i;
      return -1n;
    };

    it("sends a trade to the smallest shard that can carry it (1% of its reserve), else the largest", async function () {
      const x = await networkHelpers.loadFixture(withShards);
      // Shards hold 100 / 30 / 10 of each token; 1% is 1 / 0.3 / 0.1.
      const cases: [bigint, bigint][] = [
        [E18 / 20n, 2n], // 0.05 fits shard 2
        [E18 / 5n, 1n], // 0.2 fits shards 1 and 0: the smaller, 1
        [E18 / 2n, 0n], // 0.5 only fits shard 0
        [5n * E18, 0n], // fits none: the largest
      ];
      for (const [amount, shard] of cases) {
        const [amounts, pools] = await x.router.routeExactIn(amount, [x.a, x.b]);
        expect(await shardOf(x, pools[0])).to.equal(shard);
        const r = await (await pairOf(x, x.a, x.b, Number(shard))).getReserves();
        expect(amounts[1]).to.equal(out(amount, r[0], r[1]));
        const [, poolsOut] = await x.router.routeExactOut(amount, [x.a, x.b]);
        expect(await shardOf(x, poolsOut[0])).to.equal(shard);
      }
    });

    it("swaps pay exactly what getAmountsOut/In quote on the chosen shard", async function () {
      const x = await networkHelpers.loadFixture(withShards);
      const s2 = await pairOf(x, x.a, x.b, 2);
      const q = await x.router.getAmountsOut(E18 / 20n, [x.a, x.b]);
      const [r0] = await s2.getReserves();
      await x.router.swapExactTokensForTokens(E18 / 20n, q[1], [x.a, x.b], x.alice.address, MAX);
      expect(await x.B.balanceOf(x.alice.address)).to.equal(q[1]);
      expect((await s2.getReserves())[0]).to.equal(r0 + E18 / 20n);
      const qi = await x.router.getAmountsIn(E18 / 5n, [x.b, x.a]);
      await x.router.swapTokensForExactTokens(E18 / 5n, qi[0], [x.b, x.a], x.bob.address, MAX);
      expect(await x.A.balanceOf(x.bob.address)).to.equal(E18 / 5n);
    });

    it("skips empty shards", async function () {
      const x = await networkHelpers.loadFixture(deploy);
      await x.factory.createShardedPair(x.a, x.b, 2);
      await x.router.addLiquidityToShard(x.a, x.b, 1, 10n * E18, 10n * E18, 0, 0, x.owner.address, MAX);
      const [, pools] = await x.router.routeExactIn(E18 / 100n, [x.a, x.b]);
      expect(pools[0]).to.equal(await x.factory.getShard(x.a, x.b, 1));
      const empty = await deploy();
      await empty.factory.createShardedPair(empty.a, empty.b, 2);
      await expect(empty.router.getAmountsOut(E18, [empty.a, empty.b])).to.be.revertedWithCustomError(
        empty.router,
        "InsufficientLiquidity",
      );
    });

    it("explicit-shard swaps use the named shard and check the shard list", async function () {
      const x = await networkHelpers.loadFixture(withShards);
      const s1 = await pairOf(x, x.a, x.b, 1);
      const [r0, r1] = await s1.getReserves();
      const want = out(E18, r0, r1);
      await expect(
        x.router.swapExactTokensForTokensOnShards(E18, want + 1n, [x.a, x.b], [1], x.alice.address, MAX),
      ).to.be.revertedWithCustomError(x.router, "InsufficientOutputAmount");
      await x.router.swapExactTokensForTokensOnShards(E18, want, [x.a, x.b], [1], x.alice.address, MAX);
      expect(await x.B.balanceOf(x.alice.address)).to.equal(want);
      const [n0, n1] = await s1.getReserves();
      const need = inFor(E18, n1, n0);
      await expect(
        x.router.swapTokensForExactTokensOnShards(E18, need - 1n, [x.b, x.a], [1], x.bob.address, MAX),
      ).to.be.revertedWithCustomError(x.router, "ExcessiveInputAmount");
      await x.router.swapTokensForExactTokensOnShards(E18, need, [x.b, x.a], [1], x.bob.address, MAX);
      expect(await x.A.balanceOf(x.bob.address)).to.equal(E18);
      await expect(x.router.swapExactTokensForTokensOnShards(E18, 0, [x.a, x.b], [], x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "InvalidPath",
      );
      await expect(x.router.swapExactTokensForTokensOnShards(E18, 0, [x.a, x.b], [9], x.alice.address, MAX)).to.be.revertedWithCustomError(
        x.router,
        "PairNotFound",
      );
      await expect(x.router.swapExactTokensForTokensOnShards(E18, 0, [x.a, x.b], [1], x.alice.address, 1)).to.be.revertedWithCustomError(
        x.router,
        "Expired",
      );
    });
  });

  describe("declareAccess", function () {
    it("declares every in-force shard for the shard rule and one shard for explicit entry points", async function () {
      const x = await networkHelpers.loadFixture(withShards);
      const auto = await x.router.declareAccess(
        x.owner.address,
        x.router.interface.encodeFunctionData("swapExactTokensForTokens", [E18, 0n, [x.a, x.b], x.alice.address, MAX]),
      );
      const explicit = await x.router.declareAccess(
        x.owner.address,
        x.router.interface.encodeFunctionData("swapExactTokensForTokensOnShards", [E18, 0n, [x.a, x.b], [1n], x.alice.address, MAX]),
      );
      const shards = await Promise.all([0, 1, 2].map((i) => x.factory.getShard(x.a, x.b, i)));
      const written = (decl: typeof auto) => new Set(decl.filter((e) => (Number(e.mode) & 2) !== 0).map((e) => e.account));
      for (const s of shards) expect(written(auto).has(s)).to.equal(true);
      expect([...written(explicit)].filter((a) => shards.includes(a))).to.deep.equal([shards[1]]);
      await expect(x.router.declareAccess(x.owner.address, "0xdeadbeef")).to.be.revertedWithCustomError(x.router, "UnknownSelector");
      await expect(
        x.router.declareAccess(
          x.owner.address,
          x.router.interface.encodeFunctionData("swapExactTokensForTokens", [E18, 0n, [x.a], x.alice.address, MAX]),
        ),
      ).to.be.revertedWithCustomError(x.router, "InvalidPath");
    });
  });
});
