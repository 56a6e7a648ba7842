/**
 * ChainlinkPriceOracle over the REAL ETH / USD feed, offline: the fork serves the recorded
 * pre-state of mainnet block 17,034,869 (Shanghai era, April 2023; its parent's header is
 * synthesized), which holds the feed's proxy (0x5f4e...8419: its phase aggregator in slot 2,
 * its access controller in slot 5) and the OCR aggregator behind it (0x37bc...a9e6: the latest
 * round's id in slot 0x2a, that round's answer and time, and the read-access entry of the
 * proxy). That is everything `decimals()` and `latestRoundData()` read through the proxy.
 * Block 19,932,703 (Cancun) only embeds the proxy's address in another contract's code; its
 * pre-state does not hold the feed's account, so it cannot serve the read.
 */
import { expect } from "chai";
import { getCreateAddress, ZeroAddress } from "ethers";
import { ChainlinkPriceOracle__factory } from "../../typechain-types/index.js";
import { startFork, type Fork } from "../helpers/fork.js";

const FEED = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419"; // ETH / USD proxy
const FORK_BLOCK = 17_034_868;
const BLOCK_TIME = 1_681_338_443; // timestamp of block 17,034,869
// The aggregator's latest round as recorded (transmission of slot 0x3ac1...95d9): 1,917.76 USD, 8 decimals.
const ANSWER = 191_776_000_000n;
const UPDATED_AT = 1_681_336_535;
const HEARTBEAT = 3600;

describe("ChainlinkPriceOracle on the real ETH / USD feed (offline fork of block 17,034,868)", function () {
  this.timeout(120_000);
  let fork: Fork;

  before(async function () {
    fork = await startFork(FORK_BLOCK, "cancun", { synthesizeHeader: true });
  });
  after(async function () {
    await fork?.close();
  });

  async function deploy(heartbeat: number) {
    const [deployer] = await fork.ethers.getSigners();
    const at = getCreateAddress({ from: deployer!.address, nonce: await fork.ethers.provider.getTransactionCount(deployer!.address) });
    fork.server.assumeEmpty(at);
    // WETH collateral (18 decimals), USDC loan (6 decimals).
    return new ChainlinkPriceOracle__factory(deployer!).deploy(FEED, ZeroAddress, heartbeat, 0, 18, 6);
  }

  it("reads the feed's decimals and latest round, scaled to the market's 1e36 unit", async function () {
    const provider = fork.connection.provider;
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [BLOCK_TIME] });
    const oracle = await deploy(HEARTBEAT);
    await oracle.waitForDeployment();
    expect(await oracle.multiplier()).to.equal(10n ** 16n); // 36 + 6 - 18 - 8
    const [price, updatedAt] = await oracle.latestPrice({ blockTag: "latest" });
    expect(updatedAt).to.equal(BigInt(UPDATED_AT));
    expect(price).to.equal(ANSWER * 10n ** 16n);
    // One WETH is worth 1,917.76 USDC (6 decimals).
    expect((10n ** 18n * price) / 10n ** 36n).to.equal(1_917_760_000n);
  });

  it("refuses the same real answer once it is older than the heartbeat", async function () {
    const oracle = await deploy(HEARTBEAT);
    await oracle.waitForDeployment();
    const provider = fork.connection.provider;
    await provider.request({ method: "evm_setNextBlockTimestamp", params: [UPDATED_AT + HEARTBEAT + 1] });
    await provider.request({ method: "evm_mine", params: [] });
    let err: unknown;
    await oracle.latestPrice({ blockTag: "latest" }).catch((e: unknown) => (err = e));
    expect(err, "the read reverts").to.not.equal(undefined);
    expect(oracle.interface.parseError((err as { data: string }).data)?.name).to.equal("StaleAnswer");
  });
});
