import { expect } from "chai";
import { network } from "hardhat";
import {
  DisjointFactory__factory,
  DisjointPair__factory,
  FeeOnTransferToken__factory,
  FlashSwapCallee__factory,
  MockERC20__factory,
  NoReturnToken__factory,
} from "../../typechain-types/index.js";

const { ethers, networkHelpers } = await network.create();
const E18 = 10n ** 18n;
const MIN = 1000n;
const coder = ethers.AbiCoder.defaultAbiCoder();

function sqrt(x: bigint): bigint {
  if (x < 2n) return x;
  let y = x;
  let z = (x + 1n) / 2n;
  while (z < y) [y, z] = [z, (x / z + z) / 2n];
  return y;
}
const amountOut = (i: bigint, rIn: bigint, rOut: bigint) => (i * 997n * rOut) / (rIn * 1000n + i * 997n);

describe("DisjointPair and DisjointFactory", function () {
  async function deploy() {
    const [owner, alice, bob] = await ethers.getSigners();
    const factory = await new DisjointFactory__factory(owner).deploy(ethers.ZeroAddress);
    const t1 = await new MockERC20__factory(owner).deploy("X", "X", 18);
    const t2 = await new MockERC20__factory(owner).deploy("Y", "Y", 18);
    const [token0, token1] = (await t1.getAddress()).toLowerCase() < (await t2.getAddress()).toLowerCase() ? [t1, t2] : [t2, t1];
    await factory.createPair(await token1.getAddress(), await token0.getAddress());
    const pair = DisjointPair__factory.connect(await factory.getPair(await token0.getAddress(), await token1.getAddress()), owner);
    await token0.mint(owner.address, 10n ** 30n);
    await token1.mint(owner.address, 10n ** 30n);
    return { owner, alice, bob, factory, token0, token1, pair };
  }
  type Ctx = Awaited<ReturnType<typeof deploy>>;
  async function addLiquidity(c: Ctx, a0: bigint, a1: bigint, to = c.owner.address) {
    await c.token0.transfer(await c.pair.getAddress(), a0);
    await c.token1.transfer(await c.pair.getAddress(), a1);
    return c.pair.mint(to);
  }

  describe("factory", function () {
    it("creates a pair with sorted tokens, V2's views and event", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const a0 = await c.token0.getAddress();
      const a1 = await c.token1.getAddress();
      expect(await c.pair.token0()).to.equal(a0);
      expect(await c.pair.token1()).to.equal(a1);
      expect(await c.pair.factory()).to.equal(await c.factory.getAddress());
      expect(await c.factory.getPair(a1, a0)).to.equal(await c.pair.getAddress());
      expect(await c.factory.allPairsLength()).to.equal(1n);
      expect(await c.factory.allPairs(0)).to.equal(await c.pair.getAddress());
      expect(await c.factory.shardsOf(a0, a1)).to.equal(1n);
      expect(await c.factory.getShard(a0, a1, 0)).to.equal(await c.pair.getAddress());
      expect(await c.factory.getShard(a0, a1, 1)).to.equal(ethers.ZeroAddress);
      expect(await c.pair.MINIMUM_LIQUIDITY()).to.equal(MIN);
      expect(await c.pair.shardIndex()).to.equal(0n);
      const t3 = await new MockERC20__factory(c.owner).deploy("Z", "Z", 18);
      await expect(c.factory.createPair(a0, await t3.getAddress())).to.emit(c.factory, "PairCreated");
    });

    it("rejects identical, zero and existing pairs", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const a0 = await c.token0.getAddress();
      const a1 = await c.token1.getAddress();
      await expect(c.factory.createPair(a0, a0)).to.be.revertedWithCustomError(c.factory, "IdenticalAddresses");
      await expect(c.factory.createPair(a0, ethers.ZeroAddress)).to.be.revertedWithCustomError(c.factory, "ZeroAddress");
      await expect(c.factory.createPair(a1, a0)).to.be.revertedWithCustomError(c.factory, "PairExists");
      // A one-shard pair made by createPair is taken over by createShardedPair (issue #22:
      // createPair must not be able to front-run it); a sharded pair grows only by addShards.
      await expect(c.factory.createShardedPair(a1, a0, 2)).to.emit(c.factory, "ShardCountSet");
      await expect(c.factory.createShardedPair(a1, a0, 3)).to.be.revertedWithCustomError(c.factory, "PairExists");
    });

    it("creates shards; new counts take effect the next block", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const a0 = await c.token0.getAddress();
      const a1 = await c.token1.getAddress();
      await networkHelpers.mine(1);
      await expect(c.factory.addShards(a0, a1, 1)).to.be.revertedWithCustomError(c.factory, "InvalidShardCount");
      await expect(c.factory.addShards(a0, a1, 17)).to.be.revertedWithCustomError(c.factory, "InvalidShardCount");
      const t3 = await new MockERC20__factory(c.owner).deploy("Z", "Z", 18);
      await expect(c.factory.addShards(a0, await t3.getAddress(), 2)).to.be.revertedWithCustomError(c.factory, "PairNotFound");
      // Automine off so that addShards and the read land in the same block.
      await ethers.provider.send("evm_setAutomine", [false]);
      const tx = await c.factory.addShards(a0, a1, 3);
      await ethers.provider.send("evm_mine", []);
      await ethers.provider.send("evm_setAutomine", [true]);
      const receipt = await tx.wait();
      expect(await c.factory.shardsOf(a0, a1, { blockTag: receipt!.blockNumber })).to.equal(1n);
      expect(await c.factory.shardsOf(a0, a1)).to.equal(1n); // the latest block is the same block
      await networkHelpers.mine(1);
      expect(await c.factory.shardsOf(a0, a1)).to.equal(3n);
      expect(await c.factory.allPairsLength()).to.equal(3n);
      const s2 = DisjointPair__factory.connect(await c.factory.getShard(a0, a1, 2), c.owner);
      expect(await s2.shardIndex()).to.equal(2n);
      expect(await s2.token0()).to.equal(a0);
      expect(await s2.shardCount()).to.equal(0n);
      await expect(c.factory.createShardedPair(a0, await t3.getAddress(), 0)).to.be.revertedWithCustomError(c.factory, "InvalidShardCount");
      await expect(c.factory.createShardedPair(a0, await t3.getAddress(), 4)).to.emit(c.factory, "ShardCountSet");
      expect(await c.factory.shardsOf(await t3.getAddress(), a0)).to.equal(1n); // its own block: one shard
      await networkHelpers.mine(1);
      expect(await c.factory.shardsOf(await t3.getAddress(), a0)).to.equal(4n);
    });

    it("lets only the shard admin create shards, and hand the role on", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const a0 = await c.token0.getAddress();
      const a1 = await c.token1.getAddress();
      const t3 = await (await new MockERC20__factory(c.owner).deploy("Z", "Z", 18)).getAddress();
      expect(await c.factory.shardAdmin()).to.equal(c.owner.address);
      await expect(c.factory.connect(c.alice).addShards(a0, a1, 2)).to.be.revertedWithCustomError(c.factory, "NotShardAdmin");
      await expect(c.factory.connect(c.alice).createShardedPair(a0, t3, 2)).to.be.revertedWithCustomError(c.factory, "NotShardAdmin");
      await expect(c.factory.connect(c.alice).setShardAdmin(c.alice.address)).to.be.revertedWithCustomError(c.factory, "NotShardAdmin");
      await expect(c.factory.setShardAdmin(c.alice.address)).to.emit(c.factory, "ShardAdminSet").withArgs(c.alice.address);
      await c.factory.connect(c.alice).addShards(a0, a1, 2);
      await expect(c.factory.addShards(a0, a1, 3)).to.be.revertedWithCustomError(c.factory, "NotShardAdmin");
      // createPair stays permissionless, as in V2.
      await c.factory.connect(c.bob).createPair(a0, t3);
    });

    it("lets only the factory set shard info", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await expect(c.pair.setShardInfo(1, 2, 0)).to.be.revertedWithCustomError(c.pair, "Forbidden");
    });
  });

  describe("mint", function () {
    it("first deposit mints sqrt(k) - MINIMUM_LIQUIDITY and locks the minimum at address(0)", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const expected = sqrt(1n * E18 * 4n * E18) - MIN;
      await expect(addLiquidity(c, E18, 4n * E18))
        .to.emit(c.pair, "Mint")
        .withArgs(c.owner.address, E18, 4n * E18)
        .and.to.emit(c.pair, "Sync")
        .withArgs(E18, 4n * E18);
      expect(await c.pair.balanceOf(c.owner.address)).to.equal(expected);
      expect(await c.pair.balanceOf(ethers.ZeroAddress)).to.equal(MIN);
      expect(await c.pair.totalSupply()).to.equal(expected + MIN);
      const [r0, r1] = await c.pair.getReserves();
      expect([r0, r1]).to.deep.equal([E18, 4n * E18]);
    });

    it("later deposits mint pro rata on the scarcer side", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, E18, 4n * E18);
      const supply = await c.pair.totalSupply();
      await addLiquidity(c, E18, 2n * E18, c.alice.address); // token1 is scarcer: half
      expect(await c.pair.balanceOf(c.alice.address)).to.equal((2n * E18 * supply) / (4n * E18));
    });

    it("reverts when nothing would be minted", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await c.token0.transfer(await c.pair.getAddress(), 1000n);
      await c.token1.transfer(await c.pair.getAddress(), 1000n);
      await expect(c.pair.mint(c.owner.address)).to.be.revertedWithCustomError(c.pair, "InsufficientLiquidityMinted");
      await addLiquidity(c, E18, E18);
      await expect(c.pair.mint(c.owner.address)).to.be.revertedWithCustomError(c.pair, "InsufficientLiquidityMinted");
    });

    it("reverts when a balance exceeds 112 bits", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await c.token0.mint(await c.pair.getAddress(), 2n ** 112n);
      await c.token1.mint(await c.pair.getAddress(), E18);
      await expect(c.pair.mint(c.owner.address)).to.be.revertedWithCustomError(c.pair, "Overflow");
    });
  });

  describe("swap", function () {
    it("pays V2's 0.30% quote in both directions, not one wei more", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, 5n * E18, 10n * E18);
      const pairAddr = await c.pair.getAddress();
      const out1 = amountOut(E18, 5n * E18, 10n * E18);
      await c.token0.transfer(pairAddr, E18);
      await expect(c.pair.swap(0, out1 + 1n, c.alice.address, "0x")).to.be.revertedWithCustomError(c.pair, "K");
      await expect(c.pair.swap(0, out1, c.alice.address, "0x"))
        .to.emit(c.pair, "Swap")
        .withArgs(c.owner.address, E18, 0n, 0n, out1, c.alice.address);
      expect(await c.token1.balanceOf(c.alice.address)).to.equal(out1);
      const [r0, r1] = await c.pair.getReserves();
      expect(r0).to.equal(6n * E18);
      expect(r1).to.equal(10n * E18 - out1);
      const out0 = amountOut(E18, r1, r0);
      await c.token1.transfer(pairAddr, E18);
      await c.pair.swap(out0, 0, c.bob.address, "0x");
      expect(await c.token0.balanceOf(c.bob.address)).to.equal(out0);
    });

    it("reverts on bad outputs, recipients and missing input", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, 5n * E18, 10n * E18);
      await expect(c.pair.swap(0, 0, c.alice.address, "0x")).to.be.revertedWithCustomError(c.pair, "InsufficientOutputAmount");
      await expect(c.pair.swap(5n * E18, 0, c.alice.address, "0x")).to.be.revertedWithCustomError(c.pair, "InsufficientLiquidity");
      await expect(c.pair.swap(0, 10n * E18, c.alice.address, "0x")).to.be.revertedWithCustomError(c.pair, "InsufficientLiquidity");
      await expect(c.pair.swap(1, 0, await c.token0.getAddress(), "0x")).to.be.revertedWithCustomError(c.pair, "InvalidTo");
      await expect(c.pair.swap(1, 0, await c.token1.getAddress(), "0x")).to.be.revertedWithCustomError(c.pair, "InvalidTo");
      await expect(c.pair.swap(1, 0, c.alice.address, "0x")).to.be.revertedWithCustomError(c.pair, "InsufficientInputAmount");
    });

    it("accumulates V2's UQ112x112 prices once per timestamp", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, 2n * E18, 8n * E18);
      const [, , t0] = await c.pair.getReserves();
      await networkHelpers.time.setNextBlockTimestamp(Number(t0) + 100);
      await c.pair.sync();
      expect(await c.pair.price0CumulativeLast()).to.equal((((8n * E18) << 112n) / (2n * E18)) * 100n);
      expect(await c.pair.price1CumulativeLast()).to.equal((((2n * E18) << 112n) / (8n * E18)) * 100n);
    });
  });

  describe("flash swaps", function () {
    async function withCallee() {
      const c = await deploy();
      await addLiquidity(c, 10n * E18, 10n * E18);
      const callee = await new FlashSwapCallee__factory(c.owner).deploy();
      await c.token1.transfer(await callee.getAddress(), 10n * E18);
      return { ...c, callee };
    }
    const data = (mode: bigint, r0: bigint, r1: bigint) => coder.encode(["uint256", "uint256", "uint256"], [mode, r0, r1]);

    it("calls uniswapV2Call with V2's arguments and accepts repayment with the fee", async function () {
      const c = await networkHelpers.loadFixture(withCallee);
      const repay = (E18 * 1000n) / 997n + 1n; // borrow token1, repay token1 with 0.30%
      await c.pair.swap(0, E18, await c.callee.getAddress(), data(0n, 0n, repay));
      expect(await c.callee.lastSender()).to.equal(c.owner.address);
      expect(await c.callee.lastAmount1()).to.equal(E18);
      expect(await c.callee.lastAmount0()).to.equal(0n);
    });

    it("rejects repayment below the fee and no repayment", async function () {
      const c = await networkHelpers.loadFixture(withCallee);
      const callee = await c.callee.getAddress();
      await expect(c.pair.swap(0, E18, callee, data(0n, 0n, E18))).to.be.revertedWithCustomError(c.pair, "K");
      await expect(c.pair.swap(0, E18, callee, data(3n, 0n, 0n))).to.be.revertedWithCustomError(c.pair, "InsufficientInputAmount");
    });

    it("blocks reentrancy into swap and sync from the callback (transient lock)", async function () {
      const c = await networkHelpers.loadFixture(withCallee);
      const callee = await c.callee.getAddress();
      await expect(c.pair.swap(0, E18, callee, data(1n, 0n, 2n * E18))).to.be.revertedWithCustomError(
        c.pair,
        "ReentrancyGuardReentrantCall",
      );
      await expect(c.pair.swap(0, E18, callee, data(2n, 0n, 2n * E18))).to.be.revertedWithCustomError(
        c.pair,
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  describe("burn, skim, sync", function () {
    it("burn returns the pro-rata share and emits Burn", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, 3n * E18, 3n * E18);
      const liquidity = await c.pair.balanceOf(c.owner.address);
      const supply = await c.pair.totalSupply();
      await c.pair.transfer(await c.pair.getAddress(), liquidity);
      const e = (liquidity * 3n * E18) / supply;
      await expect(c.pair.burn(c.alice.address)).to.emit(c.pair, "Burn").withArgs(c.owner.address, e, e, c.alice.address);
      expect(await c.token0.balanceOf(c.alice.address)).to.equal(e);
      expect(await c.pair.totalSupply()).to.equal(MIN);
      await expect(c.pair.burn(c.alice.address)).to.be.revertedWithCustomError(c.pair, "InsufficientLiquidityBurned");
    });

    it("skim sends the excess, sync adopts it", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, E18, E18);
      const pairAddr = await c.pair.getAddress();
      await c.token0.transfer(pairAddr, 7n);
      await c.pair.skim(c.bob.address);
      expect(await c.token0.balanceOf(c.bob.address)).to.equal(7n);
      await c.token1.transfer(pairAddr, 9n);
      await expect(c.pair.sync())
        .to.emit(c.pair, "Sync")
        .withArgs(E18, E18 + 9n);
    });
  });

  describe("LP token (ERC-20 + EIP-2612)", function () {
    it("transfers, approves and spends allowances; an infinite allowance is not decreased", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await addLiquidity(c, E18, E18);
      await expect(c.pair.transfer(c.alice.address, 100n)).to.emit(c.pair, "Transfer").withArgs(c.owner.address, c.alice.address, 100n);
      await expect(c.pair.connect(c.alice).transfer(c.bob.address, 101n)).to.be.revertedWithCustomError(c.pair, "InsufficientBalance");
      await expect(c.pair.approve(c.alice.address, 50n)).to.emit(c.pair, "Approval");
      await c.pair.connect(c.alice).transferFrom(c.owner.address, c.bob.address, 30n);
      expect(await c.pair.allowance(c.owner.address, c.alice.address)).to.equal(20n);
      await expect(c.pair.connect(c.alice).transferFrom(c.owner.address, c.bob.address, 21n)).to.be.revertedWithCustomError(
        c.pair,
        "InsufficientAllowance",
      );
      await c.pair.approve(c.alice.address, ethers.MaxUint256);
      await c.pair.connect(c.alice).transferFrom(c.owner.address, c.bob.address, 5n);
      expect(await c.pair.allowance(c.owner.address, c.alice.address)).to.equal(ethers.MaxUint256);
      expect(await c.pair.name()).to.equal("Disjoint LP");
      expect(await c.pair.symbol()).to.equal("DJ-LP");
      expect(await c.pair.decimals()).to.equal(18n);
    });

    it("permit sets an allowance from an EIP-712 signature and rejects expired or forged ones", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const { chainId } = await ethers.provider.getNetwork();
      const domain = { name: "Disjoint LP", version: "1", chainId, verifyingContract: await c.pair.getAddress() };
      expect(await c.pair.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
      const types = {
        Permit: [
          { name: "owner", type: "address" },
          { name: "spender", type: "address" },
          { name: "value", type: "uint256" },
          { name: "nonce", type: "uint256" },
          { name: "deadline", type: "uint256" },
        ],
      };
      const deadline = ethers.MaxUint256;
      const msg = { owner: c.alice.address, spender: c.bob.address, value: 77n, nonce: 0n, deadline };
      const sig = ethers.Signature.from(await c.alice.signTypedData(domain, types, msg));
      await expect(c.pair.permit(c.alice.address, c.bob.address, 77n, deadline, sig.v, sig.r, sig.s)).to.emit(c.pair, "Approval");
      expect(await c.pair.allowance(c.alice.address, c.bob.address)).to.equal(77n);
      expect(await c.pair.nonces(c.alice.address)).to.equal(1n);
      // Replay: the nonce moved on.
      await expect(c.pair.permit(c.alice.address, c.bob.address, 77n, deadline, sig.v, sig.r, sig.s)).to.be.revertedWithCustomError(
        c.pair,
        "InvalidSignature",
      );
      const forged = ethers.Signature.from(await c.bob.signTypedData(domain, types, { ...msg, nonce: 1n }));
      await expect(
        c.pair.permit(c.alice.address, c.bob.address, 77n, deadline, forged.v, forged.r, forged.s),
      ).to.be.revertedWithCustomError(c.pair, "InvalidSignature");
      await expect(c.pair.permit(c.alice.address, c.bob.address, 77n, 1n, sig.v, sig.r, sig.s)).to.be.revertedWithCustomError(
        c.pair,
        "PermitExpired",
      );
    });
  });

  describe("unusual tokens", function () {
    it("works with a fee-on-transfer token (balances, not amounts sent, are counted)", async function () {
      const [owner, alice] = await ethers.getSigners();
      const factory = await new DisjointFactory__factory(owner).deploy(ethers.ZeroAddress);
      const fot = await new FeeOnTransferToken__factory(owner).deploy(100); // 1%
      const plain = await new MockERC20__factory(owner).deploy("P", "P", 18);
      await factory.createPair(await fot.getAddress(), await plain.getAddress());
      const pair = DisjointPair__factory.connect(await factory.getPair(await fot.getAddress(), await plain.getAddress()), owner);
      const pairAddr = await pair.getAddress();
      await fot.mint(owner.address, 100n * E18);
      await plain.mint(owner.address, 100n * E18);
      await fot.transfer(pairAddr, 10n * E18); // 9.9 arrive
      await plain.transfer(pairAddr, 10n * E18);
      await pair.mint(owner.address);
      const fotIs0 = (await pair.token0()) === (await fot.getAddress());
      const [r0, r1] = await pair.getReserves();
      expect(fotIs0 ? r0 : r1).to.equal((99n * E18) / 10n);
      // Swap FOT in: the pair sees 99% of what was sent.
      await fot.transfer(pairAddr, E18);
      const rFot = fotIs0 ? r0 : r1;
      const rPlain = fotIs0 ? r1 : r0;
      const out = amountOut((E18 * 99n) / 100n, rFot, rPlain);
      await expect(pair.swap(fotIs0 ? 0 : out + 1n, fotIs0 ? out + 1n : 0, alice.address, "0x")).to.be.revertedWithCustomError(pair, "K");
      await pair.swap(fotIs0 ? 0 : out, fotIs0 ? out : 0, alice.address, "0x");
      expect(await plain.balanceOf(alice.address)).to.equal(out);
      // Burn pays FOT out (the recipient bears the fee), and the reserves track the balances.
      await pair.transfer(pairAddr, await pair.balanceOf(owner.address));
      await pair.burn(alice.address);
      const [n0, n1] = await pair.getReserves();
      expect(fotIs0 ? n0 : n1).to.equal(await fot.balanceOf(pairAddr));
      expect(fotIs0 ? n1 : n0).to.equal(await plain.balanceOf(pairAddr));
    });

    it("works with a token whose transfer returns nothing (USDT-like)", async function () {
      const [owner, alice] = await ethers.getSigners();
      const factory = await new DisjointFactory__factory(owner).deploy(ethers.ZeroAddress);
      const nrt = await new NoReturnToken__factory(owner).deploy();
      const plain = await new MockERC20__factory(owner).deploy("P", "P", 18);
      await factory.createPair(await nrt.getAddress(), await plain.getAddress());
      const pair = DisjointPair__factory.connect(await factory.getPair(await nrt.getAddress(), await plain.getAddress()), owner);
      const pairAddr = await pair.getAddress();
      await nrt.mint(owner.address, 10n ** 12n);
      await plain.mint(owner.address, 100n * E18);
      await nrt.transfer(pairAddr, 10n ** 10n);
      await plain.transfer(pairAddr, 10n * E18);
      await pair.mint(owner.address);
      const nrtIs0 = (await pair.token0()) === (await nrt.getAddress());
      await plain.transfer(pairAddr, E18);
      const out = amountOut(E18, 10n * E18, 10n ** 10n);
      await pair.swap(nrtIs0 ? out : 0, nrtIs0 ? 0 : out, alice.address, "0x");
      expect(await nrt.balanceOf(alice.address)).to.equal(out);
      await pair.transfer(pairAddr, await pair.balanceOf(owner.address));
      await pair.burn(alice.address);
      expect(await nrt.balanceOf(alice.address)).to.be.greaterThan(out);
    });
  });

  describe("declareAccess", function () {
    it("rejects unknown selectors on pair and factory", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      await expect(c.pair.declareAccess(c.owner.address, "0x12345678")).to.be.revertedWithCustomError(c.pair, "UnknownSelector");
      await expect(c.factory.declareAccess(c.owner.address, "0x12345678")).to.be.revertedWithCustomError(c.factory, "UnknownSelector");
    });

    it("names the fixed slots: reserves 4, accumulators 5-6 as snapshots, shard info 7", async function () {
      const c = await networkHelpers.loadFixture(deploy);
      const slots = await c.pair.poolSlots();
      expect(slots.map((s) => BigInt(s))).to.deep.equal([4n, 5n, 6n, 7n]);
      await addLiquidity(c, E18, E18);
      const data = c.pair.interface.encodeFunctionData("swap", [0n, 1n, c.alice.address, "0x"]);
      const decl = await c.pair.declareAccess(c.owner.address, data);
      const pairAddr = await c.pair.getAddress();
      const mine = decl.filter((e) => e.account === pairAddr).map((e) => [BigInt(e.slot), Number(e.mode)]);
      expect(mine).to.deep.equal([
        [4n, 3],
        [5n, 5],
        [6n, 5],
      ]);
      const t0 = await c.token0.getAddress();
      const token0 = decl.find((e) => e.account === t0);
      expect(Number(token0!.mode)).to.equal(1); // only read: nothing of token0 goes out
    });
  });
});
