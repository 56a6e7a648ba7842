/**
 * The suite on real mainnet state, offline: a Cancun-era fork (block 19,932,702, its header
 * synthesized from 19,932,703's; the state is 19,932,703's pre-state) with real USDC (FiatToken
 * v2 proxy), real WETH9 and real USDT, funded by impersonating holders whose balances the
 * recorded pre-state holds. Contracts this test deploys get fresh addresses; they are declared
 * empty to the recorded-state server (`assumeEmpty`), which also reads the tokens' mapping
 * entries keyed by them as zero. Any other slot the recording lacks fails the test with the
 * server's "is not in the recording" error.
 */
import { expect } from "chai";
import { AbiCoder, ZeroAddress, getCreate2Address, getCreateAddress, keccak256, zeroPadValue, type Signer } from "ethers";
import {
  DisjointFactory__factory,
  DisjointRouter__factory,
  DisjointVault__factory,
  LendingMarket__factory,
  MockPriceOracle__factory,
} from "../../typechain-types/index.js";
import { CANCUN_FORK_BLOCK, startCancunFork, type Fork } from "../helpers/fork.js";

const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48";
const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2";
const USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7";
// EOAs of the pre-state of 19,932,703 whose balance slots the recording holds (see `holderBalance`).
const USDC_HOLDER = "0x46340b20830761efd32832a74d7169b29feb9758"; // ~43.2M USDC
const WETH_HOLDER = "0xb1b2d032aa2f52347fbcfd08e5c3cc55216e8404"; // ~7.83 WETH
const USDT_HOLDER = "0xf89d7b9c864f589bbf53a82105107622b35eaa40"; // ~293M USDT
const ERC20 = [
  "function balanceOf(address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
  "function transfer(address,uint256) returns (bool)",
  "function allowance(address,address) view returns (uint256)",
];
const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
const WAD = E18;
const MAX = 2n ** 256n - 1n;

const mappingSlot = (key: string, slot: number) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, slot])).toLowerCase();

describe("suite on a Cancun-era mainnet fork (recorded state of block 19,932,703)", function () {
  this.timeout(300_000);
  let fork: Fork;
  let deployer: Signer;
  let usdcHolder: Signer;
  let wethHolder: Signer;

  /** Declares the address the deployer's next CREATE will take as fresh, and returns it. */
  async function nextDeployment(): Promise<string> {
    const from = await deployer.getAddress();
    const addr = getCreateAddress({ from, nonce: await fork.ethers.provider.getTransactionCount(from) });
    fork.server.assumeEmpty(addr);
    return addr;
  }

  /** The recorded balance of `holder` in `token` (mapping at `slot`): it must be in the pre-state. */
  function holderBalance(token: string, slot: number, holder: string): bigint {
    const v = fork.recording.state[token].storage[mappingSlot(holder, slot)];
    if (v === undefined) throw new Error(`the pre-state holds no ${token} balance slot of ${holder}`);
    return BigInt(v);
  }

  before(async function () {
    fork = await startCancunFork();
    [deployer] = await fork.ethers.getSigners();
    for (const h of [USDC_HOLDER, WETH_HOLDER, USDT_HOLDER]) await fork.setBalance(h, 10n * E18); // gas money
    usdcHolder = await fork.impersonate(USDC_HOLDER);
    wethHolder = await fork.impersonate(WETH_HOLDER);
  });
  after(async function () {
    await fork?.close();
  });

  it("forks at a Cancun block with a synthesized header and real token balances", async function () {
    const { ethers } = fork;
    expect(await ethers.provider.getBlockNumber()).to.equal(CANCUN_FORK_BLOCK);
    const forkBlock = await ethers.provider.getBlock(CANCUN_FORK_BLOCK);
    const next = (await import("node:zlib")).gunzipSync(
      await (
        await import("node:fs/promises")
      ).readFile(new URL(`../../fixtures/mainnet/${CANCUN_FORK_BLOCK + 1}/block.json.gz`, import.meta.url)),
    );
    const real = JSON.parse(next.toString("utf8")) as { parentHash: string; timestamp: string; baseFeePerGas: string };
    expect(forkBlock!.hash).to.equal(real.parentHash); // the real hash of N-1
    expect(BigInt(forkBlock!.timestamp)).to.equal(BigInt(real.timestamp) - 12n);
    // the first block mined on the fork gets block N's real base fee
    await (await deployer.sendTransaction({ to: await deployer.getAddress(), value: 0n })).wait();
    expect((await ethers.provider.getBlock("latest"))!.baseFeePerGas).to.equal(BigInt(real.baseFeePerGas));
    const usdc = new ethers.Contract(USDC, ERC20, ethers.provider);
    const weth = new ethers.Contract(WETH, ERC20, ethers.provider);
    expect(await usdc.balanceOf(USDC_HOLDER)).to.equal(holderBalance(USDC, 9, USDC_HOLDER));
    expect(await weth.balanceOf(WETH_HOLDER)).to.equal(holderBalance(WETH, 3, WETH_HOLDER));
    expect(holderBalance(WETH, 3, WETH_HOLDER)).to.be.greaterThan(4n * E18);
    // PUSH0 / TSTORE / MCOPY code (the suite is compiled for Cancun) deploys and runs here
    await nextDeployment();
    const oracle = await new MockPriceOracle__factory(deployer).deploy(1n);
    expect(await oracle.price()).to.equal(1n);
  });

  it("DEX: a DisjointFactory/DisjointRouter pool of real USDC/WETH (add liquidity, swap)", async function () {
    const { ethers } = fork;
    await nextDeployment();
    const factory = await new DisjointFactory__factory(deployer).deploy(ZeroAddress);
    await nextDeployment();
    const router = await new DisjointRouter__factory(deployer).deploy(await factory.getAddress(), 100);
    // the pair is a CREATE2 child of the factory: declare its address fresh before creating it
    const [token0, token1] = USDC < WETH ? [USDC, WETH] : [WETH, USDC];
    const salt = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256"], [token0, token1, 0]));
    const predicted = getCreate2Address(await factory.getAddress(), salt, await factory.PAIR_INIT_CODE_HASH());
    fork.server.assumeEmpty(predicted);
    await (await factory.createPair(USDC, WETH)).wait();
    const pair = await factory.getPair(USDC, WETH);
    expect(pair).to.equal(predicted);
    const routerAddr = await router.getAddress();

    // the liquidity provider (a fresh account) is funded by both holders
    const lp = (await ethers.getSigners())[1];
    const usdc = new ethers.Contract(USDC, ERC20, ethers.provider);
    const weth = new ethers.Contract(WETH, ERC20, ethers.provider);
    await (await usdc.connect(usdcHolder).getFunction("transfer")(lp.address, 7_000n * E6)).wait();
    await (await weth.connect(wethHolder).getFunction("transfer")(lp.address, 2n * E18)).wait();
    await (await usdc.connect(lp).getFunction("approve")(routerAddr, MAX)).wait();
    await (await weth.connect(lp).getFunction("approve")(routerAddr, MAX)).wait();
    const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
    await (await router.connect(lp).addLiquidity(USDC, WETH, 6_000n * E6, 2n * E18, 0n, 0n, lp.address, deadline)).wait();
    expect(await usdc.balanceOf(pair)).to.equal(6_000n * E6);
    expect(await weth.balanceOf(pair)).to.equal(2n * E18);
    expect(await usdc.balanceOf(lp.address)).to.equal(1_000n * E6);

    // a real USDC holder swaps 50 USDC for WETH (within the router's 1% max trade); the WETH goes
    // to a fresh account: the holder's own WETH balance slot is not in the recorded state
    const recipient = (await ethers.getSigners())[0].address;
    await (await usdc.connect(usdcHolder).getFunction("approve")(routerAddr, 50n * E6)).wait();
    const usdcBefore = (await usdc.balanceOf(USDC_HOLDER)) as bigint;
    const quote = await router.getAmountsOut(50n * E6, [USDC, WETH]);
    expect(quote[1]).to.be.greaterThan(0n);
    // constant product with a fee: less than the spot 50/6000 * 2 WETH
    expect(quote[1]).to.be.lessThan((50n * E6 * 2n * E18) / (6_000n * E6));
    await (await router.connect(usdcHolder).swapExactTokensForTokens(50n * E6, quote[1], [USDC, WETH], recipient, deadline)).wait();
    expect(await usdc.balanceOf(USDC_HOLDER)).to.equal(usdcBefore - 50n * E6);
    expect(await weth.balanceOf(recipient)).to.equal(quote[1]);
    expect(await usdc.balanceOf(pair)).to.equal(6_050n * E6);
    expect(await weth.balanceOf(pair)).to.equal(2n * E18 - quote[1]);
  });

  it("lending: a LendingMarket lending real USDC against real WETH (supply, collateral, borrow)", async function () {
    const { ethers } = fork;
    // price: 1 WETH (1e18 units) = 3,000 USDC (3e9 units), scaled by 1e36
    await nextDeployment();
    const oracle = await new MockPriceOracle__factory(deployer).deploy(3_000n * E6 * 10n ** 18n);
    const marketAddr = await nextDeployment();
    const shardCount = 4n;
    // the escrows are CREATE children of the market at nonces 2.. (EscrowShards), created (and
    // approving the market) in its constructor
    const escrows = Array.from({ length: Number(shardCount) }, (_, i) => getCreateAddress({ from: marketAddr, nonce: i + 2 }));
    // the market's declarer (LendingDeclarer) is its first CREATE child, also made in its constructor
    const declarer = getCreateAddress({ from: marketAddr, nonce: 1 });
    fork.server.assumeEmpty(declarer, ...escrows);
    const YEAR = 365n * 24n * 3600n;
    const market = await new LendingMarket__factory(deployer).deploy(
      {
        loanToken: USDC,
        collateralToken: WETH,
        oracle: await oracle.getAddress(),
        shardCount,
        lltv: (8n * WAD) / 10n,
        liquidationBonus: (105n * WAD) / 100n,
        maxPriceAge: 3600n,
        baseRate: (2n * WAD) / 100n / YEAR,
        slope1: WAD / 10n / YEAR,
        slope2: WAD / YEAR,
        kink: (8n * WAD) / 10n,
      },
      await deployer.getAddress(),
      ZeroAddress,
    );
    expect(await market.getAddress()).to.equal(marketAddr);
    for (let s = 0n; s < shardCount; s++) expect((await market.escrowOf(s)).toLowerCase()).to.equal(escrows[Number(s)].toLowerCase());
    const usdc = new ethers.Contract(USDC, ERC20, ethers.provider);
    const weth = new ethers.Contract(WETH, ERC20, ethers.provider);
    // each escrow approved the market on the real tokens
    for (const e of escrows) {
      expect(await usdc.allowance(e, marketAddr)).to.equal(MAX);
      expect(await weth.allowance(e, marketAddr)).to.equal(MAX);
    }

    // the USDC holder supplies 20,000 USDC
    await (await usdc.connect(usdcHolder).getFunction("approve")(marketAddr, 20_000n * E6)).wait();
    await (await market.connect(usdcHolder).supply(20_000n * E6)).wait();
    const supplierShard = await market.shardOf(USDC_HOLDER);
    expect(await usdc.balanceOf(escrows[Number(supplierShard)])).to.equal(20_000n * E6);

    // the WETH holder posts 1 WETH and borrows 1,000 USDC (max at 80% LLTV: 2,400)
    await (await weth.connect(wethHolder).getFunction("approve")(marketAddr, E18)).wait();
    await (await market.connect(wethHolder).depositCollateral(E18)).wait();
    const borrowerShard = await market.shardOf(WETH_HOLDER);
    expect(await weth.balanceOf(escrows[Number(borrowerShard)])).to.equal(E18);
    // the loan goes to a fresh account: the WETH holder's USDC balance slot is not in the recorded state
    const receiver = (await ethers.getSigners())[1].address;
    const usdcBefore = (await usdc.balanceOf(receiver)) as bigint;
    await (await market.connect(wethHolder).borrow(1_000n * E6, receiver, (1n << shardCount) - 1n)).wait();
    expect(await usdc.balanceOf(receiver)).to.equal(usdcBefore + 1_000n * E6);
    const [debt, maxDebt] = await market.health(WETH_HOLDER, 3_000n * E6 * 10n ** 18n);
    expect(debt).to.be.gte(1_000n * E6);
    expect(maxDebt).to.equal(2_400n * E6);
    // borrowing past the LLTV fails on the real token path too
    await expect(market.connect(wethHolder).borrow(1_500n * E6, receiver, (1n << shardCount) - 1n)).to.be.revert(ethers);
  });

  it("vault: a DisjointVault of real WETH (deposit, redeem)", async function () {
    const { ethers } = fork;
    const vaultAddr = await nextDeployment();
    const shards = 4;
    // ShardEscrows take the vault's nonces 1..shards and approve the vault in their constructors
    const escrows = Array.from({ length: shards }, (_, k) => getCreateAddress({ from: vaultAddr, nonce: k + 1 }));
    fork.server.assumeEmpty(...escrows);
    const feeRecipient = (await ethers.getSigners())[1].address;
    // The vault's constructor reads WETH.decimals(): WETH9's slot 2 (`uint8 public decimals = 18`,
    // set at deployment, no setter), which block 19,932,703 never read, so the recording lacks it
    // and the server refuses the read...
    const decimals = new ethers.Contract(WETH, ["function decimals() view returns (uint8)"], ethers.provider);
    let message = "";
    await decimals.decimals().catch((e: Error) => (message = e.message));
    expect(message).to.contain("is not in the recording");
    // ...so the test states WETH9's constant explicitly, on the fork only.
    await fork.connection.provider.request({ method: "hardhat_setStorageAt", params: [WETH, "0x2", zeroPadValue("0x12", 32)] });
    expect(await decimals.decimals()).to.equal(18n);
    const vault = await new DisjointVault__factory(deployer).deploy(
      WETH,
      "Disjoint WETH",
      "dWETH",
      shards,
      await deployer.getAddress(),
      feeRecipient,
      ZeroAddress,
    );
    expect(await vault.getAddress()).to.equal(vaultAddr);
    const weth = new ethers.Contract(WETH, ERC20, ethers.provider);
    const start = (await weth.balanceOf(WETH_HOLDER)) as bigint;
    await (await weth.connect(wethHolder).getFunction("approve")(vaultAddr, E18)).wait();
    await (await vault.connect(wethHolder).deposit(E18, WETH_HOLDER)).wait();
    const shares = await vault.balanceOf(WETH_HOLDER);
    expect(shares).to.be.greaterThan(0n);
    expect(await vault.totalAssets()).to.equal(E18);
    const escrow = await vault.escrowOf(await vault.shardOf(WETH_HOLDER));
    expect(await weth.balanceOf(escrow)).to.equal(E18);
    expect(await weth.balanceOf(WETH_HOLDER)).to.equal(start - E18);
    await (await vault.connect(wethHolder).redeem(shares, WETH_HOLDER, WETH_HOLDER)).wait();
    expect(await vault.balanceOf(WETH_HOLDER)).to.equal(0n);
    expect(await weth.balanceOf(WETH_HOLDER)).to.equal(start);
    expect(await weth.balanceOf(escrow)).to.equal(0n);
  });

  it("moves real USDT from a recorded holder (no return value) into a fresh account", async function () {
    const { ethers } = fork;
    const holder = await fork.impersonate(USDT_HOLDER);
    const to = (await ethers.getSigners())[1].address;
    const usdt = new ethers.Contract(USDT, ERC20, ethers.provider);
    const before = (await usdt.balanceOf(USDT_HOLDER)) as bigint;
    expect(before).to.equal(holderBalance(USDT, 2, USDT_HOLDER));
    await (await holder.sendTransaction({ to: USDT, data: usdt.interface.encodeFunctionData("transfer", [to, 1_000n * E6]) })).wait();
    expect(await usdt.balanceOf(to)).to.equal(1_000n * E6);
    expect(await usdt.balanceOf(USDT_HOLDER)).to.equal(before - 1_000n * E6);
  });

  it("fails clearly on a slot the block never touched (USDC totalSupply)", async function () {
    if (process.env.MAINNET_RPC_URL) this.skip();
    const c = new fork.ethers.Contract(USDC, ["function totalSupply() view returns (uint256)"], fork.ethers.provider);
    let message = "";
    await c.totalSupply().catch((e: Error) => (message = e.message));
    expect(message).to.contain("is not in the recording");
    expect(message).to.contain(USDC);
  });
});
