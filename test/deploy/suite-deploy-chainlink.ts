/**
 * `suite deploy` with mainnet.json's Chainlink section on an offline fork that holds the real
 * ETH / USD feed (recorded pre-state of block 17,034,869, see test/fork/fork-chainlink.ts): before
 * any transaction it reads the feed on the target chain, and stops on a stale answer or on token
 * decimals that differ from the file's.
 */
import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { zeroPadValue } from "ethers";
import { DeployParameterError, planSuite } from "../../deploy/config.js";
import { checkChainlinkFeed, checkTokenDecimals } from "../../deploy/oracle.js";
import { deploySuite } from "../../deploy/suite.js";
import { startFork, type Fork } from "../helpers/fork.js";

const ROOT = process.cwd();
const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
const BLOCK_TIME = 1_681_338_443; // block 17,034,869
const UPDATED_AT = 1_681_336_535; // the feed's latest round in that block's pre-state

describe("suite deploy checks mainnet.json's Chainlink feed on the fork before sending anything", function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), "disjoint-deploy-chainlink-"));
  const mainnet = JSON.parse(readFileSync(join(ROOT, "deploy/parameters/mainnet.json"), "utf8"));
  let fork: Fork;
  let deployer: string;

  before(async function () {
    fork = await startFork(17_034_868, "cancun", { synthesizeHeader: true });
    deployer = (await fork.ethers.getSigners())[0].address;
    const provider = fork.connection.provider;
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [BLOCK_TIME] });
    await provider.request({ method: "evm_mine", params: [] });
    // The tokens' decimals() read slots that block never read (USDC's FiatToken slot 6, WETH9's
    // slot 2), so the recording lacks them: their constants are stated on the fork only.
    await provider.request({ method: "hardhat_setStorageAt", params: [USDC, "0x6", zeroPadValue("0x06", 32)] });
    await provider.request({ method: "hardhat_setStorageAt", params: [WETH, "0x2", zeroPadValue("0x12", 32)] });
  });
  after(async function () {
    await fork?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const paramsFile = (chainlink: Record<string, unknown> = {}) => {
    const file = join(dir, `p-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(
      file,
      JSON.stringify({ ...mainnet, lending: { ...mainnet.lending, chainlink: { ...mainnet.lending.chainlink, ...chainlink } } }),
    );
    return file;
  };
  const args = (parameters: string) => ({ parameters, deploymentId: "", out: join(dir, "deployments"), rpcUrl: "" });
  async function rejected(file: string, lines: string[] = []): Promise<Error> {
    const nonce = await fork.ethers.provider.getTransactionCount(deployer);
    let err: unknown;
    await deploySuite(fork.connection, args(file), ROOT, (s) => lines.push(s)).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(DeployParameterError);
    expect(await fork.ethers.provider.getTransactionCount(deployer), "no transaction sent").to.equal(nonce);
    return err as Error;
  }

  it("reads the real feed (1,917.76 USD, 1,908 s old at block 17,034,869) and the real tokens' decimals", async function () {
    const plan = planSuite(mainnet);
    const provider = fork.connection.provider;
    const reader = {
      call: async (to: string, data: string) =>
        (await provider.request({ method: "eth_call", params: [{ to, data }, "latest"] })) as string,
      now: BigInt(BLOCK_TIME),
      chain: "fork",
    };
    const reading = await checkChainlinkFeed(plan.chainlink!, reader);
    await checkTokenDecimals(plan.chainlink!, reader, {
      collateralToken: mainnet.lending.collateralToken,
      loanToken: mainnet.lending.loanToken,
    });
    expect(reading).to.deep.equal({
      answer: 191_776_000_000n,
      decimals: 8,
      updatedAt: BigInt(UPDATED_AT),
      age: BigInt(BLOCK_TIME - UPDATED_AT),
      roundId: reading.roundId,
    });
  });

  it("a fresh feed passes; a token decimals mismatch stops the run, naming the fix", async function () {
    const lines: string[] = [];
    const err = await rejected(paramsFile({ loanDecimals: 18 }), lines);
    expect(lines.join("\n")).to.match(
      /feed 0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419 answers 191776000000 \(8 decimals\), updated \d+ s ago \(heartbeat 3600 s\)/,
    );
    expect(err.message).to.equal(
      `lending.chainlink.loanDecimals: 18, but ${USDC} has 6 decimals on network default (chain 31337); set it to 6`,
    );
  });

  it("a stale feed (older than the heartbeat at the latest block) stops the run", async function () {
    const provider = fork.connection.provider;
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [UPDATED_AT + 3601] });
    await provider.request({ method: "evm_mine", params: [] });
    const err = await rejected(paramsFile());
    expect(err.message).to.match(
      /^lending\.chainlink\.feed: 0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419 on network default \(chain 31337\) is stale: last updated 3601 s before the latest block, above lending\.chainlink\.heartbeat = 3600 s/,
    );
  });
});
