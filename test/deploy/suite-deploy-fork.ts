/**
 * `suite deploy`'s own code path (deploySuite: parameters file, checks, Ignition modules, record)
 * onto the offline Cancun-era mainnet fork (block 19,932,702, recorded pre-state of 19,932,703,
 * see docs/replay.md), with real USDC and WETH: deploy/parameters/mainnet.json with its Chainlink
 * section replaced by a MockPriceOracle that this test deploys on the fork (the ETH / USD feed's
 * state is not in this block's recording; test/deploy/suite-deploy-chainlink.ts covers it). Then one
 * operation of each product through the recorded addresses, with real tokens moved by
 * impersonating holders whose balances the pre-state holds.
 *
 * The recorded-state server refuses reads of accounts it does not hold, so every address the
 * deployment creates is declared fresh (`assumeEmpty`) before it exists: CREATE addresses of the
 * (fresh, random) deployer for as many nonces as the deployment sends transactions (counted from
 * the Suite module's futures and the plan, not hard-coded), and the CREATE2 children computed
 * from the creation code their parent really embeds (`embeddedCreationCode`: a standalone
 * artifact may differ in its metadata hash, which moves every CREATE2 address). Ignition runs a batch's
 * transactions sorted by future id, so the three dependency-free deployments come first, in the
 * order DisjointDex#DisjointFactory, DisjointLending#LendingMarket, DisjointVault#DisjointVault;
 * the test checks the recorded addresses against these predictions.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AbiCoder, getCreate2Address, getCreateAddress, keccak256, zeroPadValue, type Signer } from "ethers";
import { FutureType, type IgnitionModule } from "@nomicfoundation/ignition-core";
import { DeployParameterError, LIMITS, planSuite, tokenLayoutsToRegister } from "../../deploy/config.js";
import Suite from "../../deploy/modules/Suite.js";
import { deploySuite, type SuiteRecord } from "../../deploy/suite.js";
import {
  DisjointFactory__factory,
  DisjointRouter__factory,
  DisjointVault__factory,
  LendingMarket__factory,
  MockPriceOracle__factory,
} from "../../typechain-types/index.js";
import { embeddedCreationCode, startCancunFork, type Fork } from "../helpers/fork.js";

const ROOT = process.cwd();
const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
// EOAs of the pre-state of 19,932,703 whose balance slots the recording holds (as in test/fork/fork-suite.ts).
const USDC_HOLDER = "0x46340b20830761efd32832a74d7169b29feb9758";
const WETH_HOLDER = "0xb1b2d032aa2f52347fbcfd08e5c3cc55216e8404";
const ERC20 = [
  "function balanceOf(address) view returns (uint256)",
  "function approve(address,uint256) returns (bool)",
  "function transfer(address,uint256) returns (bool)",
];
const E6 = 10n ** 6n;
const E18 = 10n ** 18n;
// 1 WETH (1e18 units) = 3,000 USDC (3e9 units), 1e36-scaled
const PRICE = 3_000n * E6 * E18;
/** Futures that send a transaction (deployments, calls, sends) in `module` and its submodules, each once. */
function sendingFutures(module: IgnitionModule): number {
  const sending = new Set<FutureType>([
    FutureType.NAMED_ARTIFACT_CONTRACT_DEPLOYMENT,
    FutureType.CONTRACT_DEPLOYMENT,
    FutureType.NAMED_ARTIFACT_LIBRARY_DEPLOYMENT,
    FutureType.LIBRARY_DEPLOYMENT,
    FutureType.CONTRACT_CALL,
    FutureType.SEND_DATA,
  ]);
  const futures = new Set<string>();
  const visit = (m: IgnitionModule) => {
    for (const f of m.futures) if (sending.has(f.type)) futures.add(f.id);
    for (const sub of m.submodules) visit(sub);
  };
  visit(module);
  return futures.size;
}
/**
 * At most how many transactions `deploySuite` sends from the deployer for `params` (no mocks, no
 * Chainlink oracle): the Suite module's, one registration per token layout, and the ownership
 * steps (the registry's transferOwnership and an acceptOwnership per Ownable2Step contract).
 */
function deployerTransactions(params: unknown): number {
  const OWNERSHIP_STEPS = 1 + 3;
  return sendingFutures(Suite) + tokenLayoutsToRegister(planSuite(params), undefined).length + OWNERSHIP_STEPS;
}

describe("suite deploy onto the offline Cancun-era mainnet fork (real USDC/WETH)", function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), "disjoint-deploy-fork-"));
  const mainnet = JSON.parse(readFileSync(join(ROOT, "deploy/parameters/mainnet.json"), "utf8"));
  let fork: Fork;
  let deployer: Signer;
  let oracle: string;

  before(async function () {
    fork = await startCancunFork();
    const [d, other] = await fork.ethers.getSigners();
    deployer = d!;
    // The oracle comes from the second account, so that the deployer's nonces are the deployment's.
    const at = getCreateAddress({ from: other!.address, nonce: await fork.ethers.provider.getTransactionCount(other!.address) });
    fork.server.assumeEmpty(at);
    oracle = await (await new MockPriceOracle__factory(other!).deploy(PRICE)).getAddress();
    for (const h of [USDC_HOLDER, WETH_HOLDER]) await fork.setBalance(h, 10n * E18); // gas money
  });
  after(async function () {
    await fork?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const paramsFile = (over: Record<string, unknown> = {}) => {
    const file = join(dir, `fork-${Math.random().toString(36).slice(2)}.json`);
    // mainnet.json's Chainlink feed is not in this block's recorded state (test/deploy/suite-deploy-chainlink.ts
    // checks it on a fork that holds it): a fork oracle replaces it here.
    const { chainlink: _feed, ...lending } = mainnet.lending;
    writeFileSync(file, JSON.stringify({ ...mainnet, lending: { ...lending, oracle, ...over } }));
    return file;
  };
  const args = (parameters: string) => ({ parameters, deploymentId: "", out: join(dir, "deployments"), rpcUrl: "" });

  it("validates on the fork: an address with no code there (a recorded EOA as oracle) stops before any transaction", async function () {
    const nonce = await fork.ethers.provider.getTransactionCount(await deployer.getAddress());
    let err: unknown;
    await deploySuite(fork.connection, args(paramsFile({ oracle: USDC_HOLDER })), ROOT, () => {}).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(DeployParameterError);
    expect((err as Error).message).to.match(/^lending\.oracle: 0x46340[0-9a-fA-F]+ has no contract code on network default \(chain \d+\)/);
    expect(await fork.ethers.provider.getTransactionCount(await deployer.getAddress())).to.equal(nonce);
  });

  it("deploys mainnet.json's suite (with a fork oracle) and runs a swap, a supply and a deposit through the recorded addresses", async function () {
    const { ethers } = fork;
    const from = await deployer.getAddress();
    const n = await ethers.provider.getTransactionCount(from);
    // Every CREATE address the deployer's next transactions could take.
    const created = Array.from({ length: deployerTransactions(JSON.parse(readFileSync(paramsFile(), "utf8"))) }, (_, k) =>
      getCreateAddress({ from, nonce: n + k }),
    );
    fork.server.assumeEmpty(...created);
    const [layoutsAt, factoryAt, marketAt, vaultAt] = created as [string, string, string, string];
    // DEX: the factory's pair shards are CREATE2 children (salt: tokens and shard index) of the
    // pair code the factory embeds (type(DisjointPair).creationCode), not of DisjointPair's own
    // artifact: the two can differ in their metadata hash (separate compilation jobs).
    const pairInitCodeHash = keccak256(await embeddedCreationCode("DisjointFactory", "DisjointPair"));
    const [t0, t1] = USDC.toLowerCase() < WETH.toLowerCase() ? [USDC, WETH] : [WETH, USDC];
    // Every shard index the factory allows (MAX_SHARDS): the router's declarations may name
    // shards beyond the pair's count (docs/dex.md), whose addresses are fresh too.
    const pairs = Array.from({ length: Number(LIMITS.pairShards) }, (_, i) =>
      getCreate2Address(
        factoryAt,
        keccak256(AbiCoder.defaultAbiCoder().encode(["address", "address", "uint256"], [t0, t1, i])),
        pairInitCodeHash,
      ),
    );
    // Lending: the escrows are CREATE children of the market at nonces 2.. (EscrowShards; nonce 1
    // is its declarer).
    const marketEscrows = Array.from({ length: mainnet.lending.shardCount }, (_, i) => getCreateAddress({ from: marketAt, nonce: i + 2 }));
    // Vault: the ShardEscrows take the vault's nonces 1..shardCount.
    const vaultEscrows = Array.from({ length: mainnet.vault.shardCount }, (_, k) => getCreateAddress({ from: vaultAt, nonce: k + 1 }));
    // The market's declarer (LendingDeclarer) is its first CREATE child, made in its constructor.
    const marketDeclarer = getCreateAddress({ from: marketAt, nonce: 1 });
    fork.server.assumeEmpty(...pairs, ...marketEscrows, marketDeclarer, ...vaultEscrows);

    // The vault's constructor reads USDC.decimals(): FiatToken's slot 6 (`uint8 decimals`, set once
    // at initialization), which block 19,932,703 never read, so the recording lacks it...
    const decimals = new ethers.Contract(USDC, ["function decimals() view returns (uint8)"], ethers.provider);
    let message = "";
    await decimals.decimals().catch((e: Error) => (message = e.message));
    expect(message).to.contain("is not in the recording");
    // ...so the test states USDC's constant explicitly, on the fork only.
    await fork.connection.provider.request({ method: "hardhat_setStorageAt", params: [USDC, "0x6", zeroPadValue("0x06", 32)] });
    expect(await decimals.decimals()).to.equal(6n);

    const lines: string[] = [];
    const record = await deploySuite(fork.connection, args(paramsFile()), ROOT, (s) => lines.push(s));
    const onDisk = JSON.parse(readFileSync(join(dir, "deployments", `${record.chainId}.json`), "utf8")) as SuiteRecord;
    expect(onDisk).to.deep.equal(JSON.parse(JSON.stringify(record)));
    const c = onDisk.contracts;
    expect(Object.keys(c).sort()).to.deep.equal([
      "dex.factory",
      "dex.pair",
      "dex.router",
      "lending.market",
      "tokens.layouts",
      "vault.vault",
    ]);
    expect([c["tokens.layouts"], c["dex.factory"], c["lending.market"], c["vault.vault"], c["dex.pair"]]).to.deep.equal([
      layoutsAt,
      factoryAt,
      marketAt,
      vaultAt,
      pairs[0],
    ]);
    // mainnet.json registers WETH9's layout (balanceOf slot 3, allowance slot 4) and not USDC's.
    const layouts = new ethers.Contract(
      c["tokens.layouts"],
      ["function layoutOf(address) view returns (bool, uint256, uint256)"],
      ethers.provider,
    );
    expect(await layouts.getFunction("layoutOf")(WETH)).to.deep.equal([true, 3n, 4n]);
    expect(await layouts.getFunction("layoutOf")(USDC)).to.deep.equal([false, 0n, 0n]);
    expect(created).to.include(c["dex.router"]);
    expect(onDisk.owner).to.equal(from);
    expect(onDisk.pendingOwnership).to.deep.equal([]);
    expect(lines.join("\n")).to.match(/lending\.market\s+0x[0-9a-fA-F]{40}/);

    // Configured as in mainnet.json, on the real tokens.
    const factory = DisjointFactory__factory.connect(c["dex.factory"], ethers.provider);
    const market = LendingMarket__factory.connect(c["lending.market"], ethers.provider);
    const vault = DisjointVault__factory.connect(c["vault.vault"], ethers.provider);
    const router = DisjointRouter__factory.connect(c["dex.router"], ethers.provider);
    expect(await factory.PAIR_INIT_CODE_HASH()).to.equal(pairInitCodeHash);
    expect(await factory.shardsOf(USDC, WETH)).to.equal(BigInt(mainnet.dex.pairShards));
    expect(await factory.shardAdmin()).to.equal(from);
    expect(await market.shardCount()).to.equal(BigInt(mainnet.lending.shardCount));
    expect(await market.owner()).to.equal(from);
    expect(await vault.asset()).to.equal(USDC);
    expect(await vault.shardCount()).to.equal(BigInt(mainnet.vault.shardCount));
    expect(await vault.owner()).to.equal(from);

    const usdc = new ethers.Contract(USDC, ERC20, ethers.provider);
    const weth = new ethers.Contract(WETH, ERC20, ethers.provider);
    const usdcHolder = await fork.impersonate(USDC_HOLDER);
    const wethHolder = await fork.impersonate(WETH_HOLDER);
    const [, lp] = await ethers.getSigners();
    const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;

    // DEX: a fresh LP funded by both holders adds 6,000 USDC + 2 WETH to shard 0; the USDC holder
    // swaps 50 USDC (within 1% of the shard's reserve) for WETH, sent to a fresh account (the
    // holder's own WETH balance slot is not in the recording).
    await (await usdc.connect(usdcHolder).getFunction("transfer")(lp!.address, 6_000n * E6)).wait();
    await (await weth.connect(wethHolder).getFunction("transfer")(lp!.address, 2n * E18)).wait();
    await (await usdc.connect(lp!).getFunction("approve")(c["dex.router"], 6_000n * E6)).wait();
    await (await weth.connect(lp!).getFunction("approve")(c["dex.router"], 2n * E18)).wait();
    await (await router.connect(lp!).addLiquidityToShard(USDC, WETH, 0n, 6_000n * E6, 2n * E18, 0n, 0n, lp!.address, deadline)).wait();
    expect(await usdc.balanceOf(c["dex.pair"])).to.equal(6_000n * E6);
    expect(await weth.balanceOf(c["dex.pair"])).to.equal(2n * E18);
    const quote = await router.getAmountsOut(50n * E6, [USDC, WETH]);
    expect(quote[1]).to.be.greaterThan(0n);
    expect(quote[1]).to.be.lessThan((50n * E6 * 2n * E18) / (6_000n * E6)); // below spot: fee and price impact
    await (await usdc.connect(usdcHolder).getFunction("approve")(c["dex.router"], 50n * E6)).wait();
    await (await router.connect(usdcHolder).swapExactTokensForTokens(50n * E6, quote[1], [USDC, WETH], from, deadline)).wait();
    expect(await weth.balanceOf(from)).to.equal(quote[1]);
    expect(await usdc.balanceOf(c["dex.pair"])).to.equal(6_050n * E6);

    // Lending: the USDC holder supplies 20,000 USDC; it lands in its shard's escrow.
    await (await usdc.connect(usdcHolder).getFunction("approve")(c["lending.market"], 20_000n * E6)).wait();
    await expect(market.connect(usdcHolder).supply(20_000n * E6)).to.emit(market, "Supply");
    const supplyEscrow = await market.escrowOf(await market.shardOf(USDC_HOLDER));
    expect(marketEscrows).to.include(supplyEscrow);
    expect(await usdc.balanceOf(supplyEscrow)).to.equal(20_000n * E6);

    // Vault: the USDC holder deposits 1,000 USDC; it lands in its shard's escrow.
    const before = (await usdc.balanceOf(USDC_HOLDER)) as bigint;
    await (await usdc.connect(usdcHolder).getFunction("approve")(c["vault.vault"], 1_000n * E6)).wait();
    await (await vault.connect(usdcHolder).deposit(1_000n * E6, USDC_HOLDER)).wait();
    expect(await vault.balanceOf(USDC_HOLDER)).to.be.greaterThan(0n);
    expect(await vault.totalAssets()).to.equal(1_000n * E6);
    const vaultEscrow = await vault.escrowOf(await vault.shardOf(USDC_HOLDER));
    expect(vaultEscrows).to.include(vaultEscrow);
    expect(await usdc.balanceOf(vaultEscrow)).to.equal(1_000n * E6);
    expect(await usdc.balanceOf(USDC_HOLDER)).to.equal(before - 1_000n * E6);
  });
});
