import { expect } from "chai";
import { network } from "hardhat";
import type { NetworkConnection } from "hardhat/types/network";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DeployParameterError } from "../../deploy/config.js";
import { repairOrphans, unjournaledSends } from "../../deploy/orphans.js";
import { deploySuite, type SuiteRecord, unsentFutures } from "../../deploy/suite.js";
import {
  ChainlinkPriceOracle__factory,
  DisjointBatchPool__factory,
  MockAggregatorV3__factory,
  DisjointRouter__factory,
  DisjointVault__factory,
  LendingMarket__factory,
  MockERC20__factory,
  DisjointFactory__factory,
  TokenLayoutRegistry__factory,
} from "../../typechain-types/index.js";

const ROOT = process.cwd();
const LOCAL = JSON.parse(readFileSync(join(ROOT, "deploy/parameters/local.json"), "utf8"));

describe("suite deploy (in-process network)", function () {
  const dir = mkdtempSync(join(tmpdir(), "disjoint-deploy-"));
  const args = (over: Partial<{ parameters: string; deploymentId: string; out: string }> = {}) => ({
    parameters: join(ROOT, "deploy/parameters/local.json"),
    deploymentId: "",
    out: join(dir, "deployments"),
    rpcUrl: "",
    ...over,
  });
  const quiet = () => {};
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("deploys mocks and the suite from local.json, records the addresses, and each product works through them", async function () {
    const connection = await network.create();
    const { ethers } = connection;
    const lines: string[] = [];
    const record = await deploySuite(connection, args(), ROOT, (s) => lines.push(s));
    const [deployer, alice, bob] = await ethers.getSigners();

    // The record: one file per chain, sorted keys, every contract has code.
    const file = join(dir, "deployments", "31337.json");
    const onDisk = JSON.parse(readFileSync(file, "utf8")) as SuiteRecord;
    expect(onDisk).to.deep.equal(JSON.parse(JSON.stringify(record)));
    expect(Object.keys(onDisk)).to.deep.equal([...Object.keys(onDisk)].sort());
    expect(Object.keys(onDisk.contracts).sort()).to.deep.equal([
      "dex.batchPool",
      "dex.factory",
      "dex.pair",
      "dex.router",
      "lending.market",
      "mocks.collateralToken",
      "mocks.loanToken",
      "mocks.oracle",
      "tokens.layouts",
      "vault.vault",
    ]);
    for (const a of Object.values(onDisk.contracts)) expect(await ethers.provider.getCode(a)).to.not.equal("0x");
    expect(lines.join("\n")).to.match(/lending\.market\s+0x[0-9a-fA-F]{40}/);
    expect(onDisk.pendingOwnership).to.deep.equal([]);

    const c = onDisk.contracts;
    const loan = MockERC20__factory.connect(c["mocks.loanToken"], deployer);
    const coll = MockERC20__factory.connect(c["mocks.collateralToken"], deployer);
    expect(await loan.decimals()).to.equal(6n);
    expect(await coll.symbol()).to.equal("lETH");

    // Configuration as in the file; owner (the deployer here) accepted both ownerships.
    const market = LendingMarket__factory.connect(c["lending.market"], deployer);
    const vault = DisjointVault__factory.connect(c["vault.vault"], deployer);
    const factory = DisjointFactory__factory.connect(c["dex.factory"], deployer);
    expect(await market.shardCount()).to.equal(8n);
    expect(await market.owner()).to.equal(deployer.address);
    expect(await vault.owner()).to.equal(deployer.address);
    expect(await vault.shardCount()).to.equal(8n);
    expect(await factory.shardAdmin()).to.equal(deployer.address);
    expect(await factory.getPair(c["mocks.loanToken"], c["mocks.collateralToken"])).to.equal(c["dex.pair"]);
    expect(await factory.shardsOf(c["mocks.loanToken"], c["mocks.collateralToken"])).to.equal(4n);
    // The batch pool on the same two tokens, with the file's shards and window and the suite's registry.
    const batchPool = DisjointBatchPool__factory.connect(c["dex.batchPool"], deployer);
    const sorted = [c["mocks.loanToken"], c["mocks.collateralToken"]].sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : 1));
    expect([await batchPool.token0(), await batchPool.token1()]).to.deep.equal(sorted);
    expect(await batchPool.SHARDS()).to.equal(8n);
    expect(await batchPool.SETTLE_WINDOW()).to.equal(256n);
    expect(await batchPool.tokenLayouts()).to.equal(c["tokens.layouts"]);
    // The registry every product reads, with both mock tokens' layouts (OpenZeppelin ERC20: 0, 1).
    const layouts = TokenLayoutRegistry__factory.connect(c["tokens.layouts"], deployer);
    expect(await factory.tokenLayouts()).to.equal(c["tokens.layouts"]);
    // The market and the vault keep the registry internal: their declarations show they read it.
    const loanSlots = async (list: { account: string; slot: string }[]) =>
      list.filter((e) => e.account === c["mocks.loanToken"]).map((e) => e.slot);
    const supplyDecl = await loanSlots(await market.declareAccess(alice.address, market.interface.encodeFunctionData("supply", [1n])));
    const depositDecl = await loanSlots(
      await vault.declareAccess(alice.address, vault.interface.encodeFunctionData("deposit", [1n, alice.address])),
    );
    for (const slots of [supplyDecl, depositDecl]) {
      expect(slots.length).to.equal(3); // the user's balance and allowance, the escrow's balance
      expect(slots).to.not.include(ethers.toBeHex(ethers.MaxUint256, 32));
    }
    for (const t of [c["mocks.loanToken"], c["mocks.collateralToken"]]) expect(await layouts.layoutOf(t)).to.deep.equal([true, 0n, 1n]);
    expect(await layouts.owner()).to.equal(deployer.address);

    // DEX: liquidity in every shard, then a swap through the router.
    const router = DisjointRouter__factory.connect(c["dex.router"], deployer);
    const deadline = 2n ** 40n;
    await loan.mint(deployer.address, 10n ** 15n);
    await coll.mint(deployer.address, 10n ** 24n);
    await loan.approve(c["dex.router"], ethers.MaxUint256);
    await coll.approve(c["dex.router"], ethers.MaxUint256);
    for (let s = 0n; s < 4n; s++) {
      await router.addLiquidityToShard(
        c["mocks.loanToken"],
        c["mocks.collateralToken"],
        s,
        2n * 10n ** 12n,
        10n ** 21n,
        0n,
        0n,
        deployer.address,
        deadline,
      );
    }
    await loan.mint(alice.address, 10n ** 9n);
    await loan.connect(alice).approve(c["dex.router"], ethers.MaxUint256);
    await router
      .connect(alice)
      .swapExactTokensForTokens(10n ** 9n, 1n, [c["mocks.loanToken"], c["mocks.collateralToken"]], alice.address, deadline);
    expect(await coll.balanceOf(alice.address)).to.be.greaterThan(0n);
    expect(await loan.balanceOf(alice.address)).to.equal(0n);

    // Lending: a supply.
    await loan.mint(bob.address, 5n * 10n ** 9n);
    await loan.connect(bob).approve(c["lending.market"], ethers.MaxUint256);
    await expect(market.connect(bob).supply(5n * 10n ** 9n)).to.emit(market, "Supply");
    expect(await loan.balanceOf(bob.address)).to.equal(0n);

    // Vault: a deposit.
    await loan.mint(bob.address, 3n * 10n ** 9n);
    await loan.connect(bob).approve(c["vault.vault"], ethers.MaxUint256);
    await vault.connect(bob).deposit(3n * 10n ** 9n, bob.address);
    expect(await vault.balanceOf(bob.address)).to.be.greaterThan(0n);
    expect(await vault.totalAssets()).to.equal(3n * 10n ** 9n);
    await connection.close();
  });

  it("offers ownership to an owner that is not a local account and records that it is pending", async function () {
    const connection = await network.create();
    const owner = "0x000000000000000000000000000000000000dEaD";
    const params = join(dir, "owned.json");
    writeFileSync(params, JSON.stringify({ ...LOCAL, owner }));
    const record = await deploySuite(connection, args({ parameters: params, out: join(dir, "owned") }), ROOT, quiet);
    expect(record.owner).to.equal(owner);
    expect(record.pendingOwnership).to.deep.equal(["lending.market", "tokens.layouts", "vault.vault"]);
    expect(
      await TokenLayoutRegistry__factory.connect(record.contracts["tokens.layouts"], connection.ethers.provider).pendingOwner(),
    ).to.equal(owner);
    const market = LendingMarket__factory.connect(record.contracts["lending.market"], connection.ethers.provider);
    const vault = DisjointVault__factory.connect(record.contracts["vault.vault"], connection.ethers.provider);
    expect(await market.pendingOwner()).to.equal(owner);
    expect(await vault.pendingOwner()).to.equal(owner);
    expect(await vault.feeRecipient()).to.equal(owner);
    const factory = DisjointFactory__factory.connect(record.contracts["dex.factory"], connection.ethers.provider);
    expect(await factory.shardAdmin()).to.equal(owner);
    await connection.close();
  });

  it("deploys a ChainlinkPriceOracle for a chainlink section and wires the market to it", async function () {
    const connection = await network.create();
    const [d] = await connection.ethers.getSigners();
    const now = (await connection.ethers.provider.getBlock("latest"))!.timestamp;
    const feed = await new MockAggregatorV3__factory(d).deploy(8);
    await (await feed.setAnswer(1, 3_000n * 10n ** 8n, now)).wait();
    const lending = LOCAL.lending; // local.json names no oracle: the mock would be deployed without a chainlink section
    const file = join(dir, "chainlink.json");
    // The mock tokens take local.json's decimals (6 and 18), so the file's decimals are not checked on chain.
    writeFileSync(
      file,
      JSON.stringify({
        ...LOCAL,
        lending: { ...lending, chainlink: { feed: await feed.getAddress(), heartbeat: 3600, collateralDecimals: 18, loanDecimals: 6 } },
      }),
    );
    const lines: string[] = [];
    const record = await deploySuite(connection, args({ parameters: file, out: join(dir, "chainlink-out") }), ROOT, (s) => lines.push(s));
    expect(lines.join("\n")).to.match(/feed 0x[0-9a-fA-F]{40} answers 300000000000 \(8 decimals\), updated \d+ s ago \(heartbeat 3600 s\)/);
    const oracle = ChainlinkPriceOracle__factory.connect(record.contracts["lending.oracle"], connection.ethers.provider);
    const market = LendingMarket__factory.connect(record.contracts["lending.market"], connection.ethers.provider);
    expect(await market.oracle()).to.equal(record.contracts["lending.oracle"]);
    expect(await oracle.feed()).to.equal(await feed.getAddress());
    expect(await oracle.heartbeat()).to.equal(3600n);
    expect((await oracle.latestPrice())[0]).to.equal(3_000n * 10n ** 6n * 10n ** 18n); // 3,000 USD per 1e18 units, in 1e6 units, 1e36-scaled
    await connection.close();
  });

  describe("wrong parameters stop before any transaction", function () {
    async function expectRejected(params: unknown, message: RegExp, given?: NetworkConnection) {
      const connection = given ?? (await network.create());
      const file = join(dir, `bad-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(file, JSON.stringify(params));
      const [deployer] = await connection.ethers.getSigners();
      const nonce = await connection.ethers.provider.getTransactionCount(deployer!.address);
      const block = await connection.ethers.provider.getBlockNumber();
      const out = join(dir, `bad-out-${Math.random().toString(36).slice(2)}`);
      let err: unknown;
      try {
        await deploySuite(connection, args({ parameters: file, out }), ROOT, quiet);
      } catch (e) {
        err = e;
      }
      expect(err, "deploy should fail").to.be.instanceOf(DeployParameterError);
      expect((err as Error).message).to.match(message);
      expect(await connection.ethers.provider.getTransactionCount(deployer!.address)).to.equal(nonce);
      expect(await connection.ethers.provider.getBlockNumber()).to.equal(block);
      expect(existsSync(out)).to.equal(false);
      await connection.close();
    }

    it("an address with no code", async function () {
      const eoa = "0x1111111111111111111111111111111111111111";
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, oracle: eoa } },
        /^lending\.oracle: 0x1111111111111111111111111111111111111111 has no contract code on network default \(chain 31337\); check the address/,
      );
    });

    it("a shard count of 0", async function () {
      await expectRejected(
        { ...LOCAL, vault: { ...LOCAL.vault, shardCount: 0 } },
        /^vault\.shardCount: 0 is out of range; use 1\.\.64 \(DisjointVault\.MAX_SHARDS\)/,
      );
    });

    it("a batch pool with 0 or 129 shards, or a settlement window without a batch pool", async function () {
      await expectRejected({ ...LOCAL, dex: { ...LOCAL.dex, batchShards: 0 } }, /^dex\.batchShards: 0 is out of range; use 1\.\.128/);
      await expectRejected({ ...LOCAL, dex: { ...LOCAL.dex, batchShards: 129 } }, /^dex\.batchShards: 129 is out of range; use 1\.\.128/);
      const { batchShards: _b, ...noBatch } = LOCAL.dex;
      void _b;
      await expectRejected({ ...LOCAL, dex: { ...noBatch, settleWindow: 10 } }, /^dex\.settleWindow: is given without dex\.batchShards/);
    });

    it("a missing oracle (no local section)", async function () {
      const { local: _local, ...noLocal } = LOCAL;
      void _local;
      await expectRejected(noLocal, /^dex\.tokenA: is missing; give the address of an ERC-20 token, or add a "local" section/);
      // Real tokens on the chain, every address given but the oracle.
      const connection = await network.create();
      const [d] = await connection.ethers.getSigners();
      const tokenA = await (await new MockERC20__factory(d).deploy("A", "A", 18)).getAddress();
      const tokenB = await (await new MockERC20__factory(d).deploy("B", "B", 18)).getAddress();
      await expectRejected(
        {
          ...noLocal,
          dex: { ...noLocal.dex, tokenA, tokenB },
          lending: { ...noLocal.lending, loanToken: tokenA, collateralToken: tokenB },
          vault: { ...noLocal.vault, asset: tokenA },
        },
        /^lending\.oracle: is missing; give the address of a deployed IPriceOracle \(collateral price in loan units, 1e36-scaled\) or a "chainlink" section, or add a "local" section/,
        connection,
      );
    });

    it("a chainlink section: both oracle and chainlink, a grace period without a sequencer feed, a feed that is not a feed", async function () {
      const cl = { feed: "0x1111111111111111111111111111111111111111", heartbeat: 3600, collateralDecimals: 18, loanDecimals: 6 };
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, oracle: cl.feed, chainlink: cl } },
        /^lending\.oracle: is given together with lending\.chainlink; keep one/,
      );
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, chainlink: { ...cl, gracePeriod: 60 } } },
        /^lending\.chainlink\.gracePeriod: is set without a sequencerUptimeFeed/,
      );
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, chainlink: { ...cl, heartbeat: 0 } } },
        /^lending\.chainlink\.heartbeat: 0 is out of range/,
      );
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, chainlink: cl } },
        /^lending\.chainlink\.feed: 0x1111111111111111111111111111111111111111 has no contract code on network default/,
      );
      // A contract that is not a feed: the pre-flight read fails with the fix.
      const connection = await network.create();
      const [d] = await connection.ethers.getSigners();
      const notFeed = await (await new MockERC20__factory(d).deploy("A", "A", 18)).getAddress();
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, chainlink: { ...cl, feed: notFeed } } },
        /^lending\.chainlink\.feed: latestRoundData\(\) failed on network default \(chain 31337\) .*it must be a Chainlink feed \(proxy\) on this chain/,
        connection,
      );
    });

    it("other ranges, typos and a missing file", async function () {
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, lltv: "1000000000000000000" } },
        /^lending\.lltv: 1000000000000000000 is out of range/,
      );
      await expectRejected({ ...LOCAL, dex: { ...LOCAL.dex, maxTradeBps: 0 } }, /^dex\.maxTradeBps: 0 is out of range; use 1\.\.10000/);
      await expectRejected(
        { ...LOCAL, vault: { ...LOCAL.vault, performanceFeeBps: 6000 } },
        /^vault\.performanceFeeBps: 6000 is out of range; use 0\.\.5000/,
      );
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, shardCont: 4 } },
        /lending: Unrecognized key.*"shardCont".*remove it or fix its spelling/,
      );
      await expectRejected({ ...LOCAL, owner: "0x1234" }, /^owner: "0x1234" is not an address/);
      await expectRejected(
        { ...LOCAL, lending: { ...LOCAL.lending, liquidationBonus: "1200000000000000000", lltv: "900000000000000000" } },
        /^lending\.liquidationBonus: lltv \* liquidationBonus = 1080000000000000000 is not below 1e18/,
      );
      const connection = await network.create();
      const missing = await deploySuite(connection, args({ parameters: join(dir, "nope.json") }), ROOT, quiet).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(missing).to.be.instanceOf(DeployParameterError);
      expect((missing as Error).message).to.match(/cannot read parameters file .*nope\.json \(no such file\); pass --parameters FILE/);
      await connection.close();
    });
  });

  it("finds the futures an interrupted run started but sent nothing for (the ones it clears before resuming)", function () {
    const j = (type: string, futureId?: string) => JSON.stringify(futureId === undefined ? { type } : { type, futureId });
    const journal = [
      j("DEPLOYMENT_INITIALIZE"),
      j("DEPLOYMENT_EXECUTION_STATE_INITIALIZE", "D#Done"),
      j("NETWORK_INTERACTION_REQUEST", "D#Done"),
      j("DEPLOYMENT_EXECUTION_STATE_COMPLETE", "D#Done"),
      j("DEPLOYMENT_EXECUTION_STATE_INITIALIZE", "D#Pending"),
      j("NETWORK_INTERACTION_REQUEST", "D#Pending"),
      j("TRANSACTION_SEND", "D#Pending"),
      j("CALL_EXECUTION_STATE_INITIALIZE", "L#SetCaps"),
      j("STATIC_CALL_EXECUTION_STATE_INITIALIZE", "L#Read"),
      j("SEND_DATA_EXECUTION_STATE_INITIALIZE", "V#Wiped"),
      j("WIPE_APPLY", "V#Wiped"),
      "",
    ].join("\n");
    // Only the call with no transaction requested: a sent or completed future is Ignition's to resume.
    expect(unsentFutures(journal)).to.deep.equal(["L#SetCaps"]);
    expect(unsentFutures("")).to.deep.equal([]);
  });

  describe("a transaction sent but not journaled (deploy/orphans.ts)", function () {
    const request = {
      futureId: "D#Factory",
      networkInteraction: { id: 1, type: "ONCHAIN_INTERACTION", to: undefined, data: "0x6001", value: { _kind: "bigint", value: "0" } },
    };
    const journal =
      [
        { type: "DEPLOYMENT_EXECUTION_STATE_INITIALIZE", futureId: "D#Factory" },
        { type: "NETWORK_INTERACTION_REQUEST", ...request },
        { type: "TRANSACTION_PREPARE_SEND", futureId: "D#Factory", networkInteractionId: 1, nonce: 7 },
      ]
        .map((l) => JSON.stringify(l))
        .join("\n") + "\n";
    const chain = (tx: Record<string, string>) => async (method: string) => {
      if (method === "eth_getTransactionCount") return "0x8"; // nonce 7 was used
      if (method === "eth_getBlockByNumber") return { transactions: [tx] };
      throw new Error(method);
    };
    const DEPLOYER = "0x00000000000000000000000000000000000000d1";
    const tx = {
      hash: "0xabc",
      from: DEPLOYER,
      to: null as unknown as string,
      input: "0x6001",
      value: "0x0",
      nonce: "0x7",
      maxFeePerGas: "0x10",
      maxPriorityFeePerGas: "0x1",
    };

    it("finds the send prepared but not journaled, and forgets it once sent, completed or wiped", function () {
      expect(unjournaledSends(journal)).to.deep.equal([
        { futureId: "D#Factory", networkInteractionId: 1, nonce: 7, to: undefined, data: "0x6001", value: 0n },
      ]);
      for (const type of ["TRANSACTION_SEND", "WIPE_APPLY", "DEPLOYMENT_EXECUTION_STATE_COMPLETE"]) {
        expect(
          unjournaledSends(journal + JSON.stringify({ type, futureId: "D#Factory", networkInteractionId: 1 }) + "\n"),
          type,
        ).to.deep.equal([]);
      }
    });

    it("adopts the future's own transaction (journals its TRANSACTION_SEND) and reports another one with the command that clears the future", async function () {
      const d = mkdtempSync(join(dir, "orphan-"));
      writeFileSync(join(d, "journal.jsonl"), journal);
      const lines: string[] = [];
      expect(await repairOrphans(d, "my-id", DEPLOYER, chain(tx), (s) => lines.push(s))).to.deep.equal(["D#Factory"]);
      const last = JSON.parse(readFileSync(join(d, "journal.jsonl"), "utf8").trim().split("\n").pop()!);
      expect(last).to.deep.equal({
        type: "TRANSACTION_SEND",
        futureId: "D#Factory",
        networkInteractionId: 1,
        nonce: 7,
        transaction: {
          hash: "0xabc",
          fees: { maxFeePerGas: { _kind: "bigint", value: "16" }, maxPriorityFeePerGas: { _kind: "bigint", value: "1" } },
        },
      });
      expect(lines.join("\n")).to.contain("D#Factory: its transaction 0xabc (nonce 7) was sent but not journaled; adopted");
      expect(unjournaledSends(readFileSync(join(d, "journal.jsonl"), "utf8"))).to.deep.equal([]);

      writeFileSync(join(d, "journal.jsonl"), journal);
      let err: unknown;
      await repairOrphans(d, "my-id", DEPLOYER, chain({ ...tx, hash: "0xdef", input: "0x6002" }), () => {}).catch(
        (e: unknown) => (err = e),
      );
      expect(err).to.be.instanceOf(DeployParameterError);
      expect((err as Error).message).to.equal(
        "D#Factory: the deployer's nonce 7 was used by 0xdef (to a new contract), which is not this future's transaction; clear the future with `npx hardhat ignition wipe my-id D#Factory` and rerun",
      );
      expect(readFileSync(join(d, "journal.jsonl"), "utf8"), "the journal is left as it was").to.equal(journal);
    });
  });
});
