/**
 * Capture from a test run, in process: while a session is active the plugin's network hook
 * reads every block the "tests" (here, this file) mine. Checks re-execution and the trace
 * fallback (an impersonated sender), declared lists, and that after an evm_revert a different
 * contract deployed at the same address gets its own alias address in the file.
 */
import { expect } from "chai";
import path from "node:path";
import { network, config } from "hardhat";
import { ContractBook, loadBuildInfoContracts } from "../../src/decode/artifacts.js";
import { aliasAddress, testCaptureFile } from "../../src/capture/mined.js";
import { activeTestCapture, endTestCapture, startTestCapture } from "../../plugin/test-capture.js";

describe("conflicts capture tests: the blocks a test run mines", function () {
  this.timeout(120_000);

  it("reads every mined block, names functions, keeps a reverted address's contracts apart", async function () {
    // Under `conflicts capture tests` itself a session is already running: nothing to test here.
    if (activeTestCapture() !== undefined) this.skip();
    const book = new ContractBook(await loadBuildInfoContracts(path.join(config.paths.artifacts, "build-info")));
    const session = startTestCapture({ book });
    let file;
    try {
      const { ethers, provider } = await network.create();
      const [a, b] = await ethers.getSigners();
      const snapshot = await provider.request({ method: "evm_snapshot", params: [] });
      const counter = await ethers.deployContract("Counter");
      await (await counter.connect(a!).getFunction("increment")()).wait();
      await (await counter.connect(b!).getFunction("increment")()).wait();
      await (await counter.connect(b!).getFunction("bump")()).wait();
      // Sent concurrently: each block is still read exactly once.
      const to = await counter.getAddress();
      await Promise.all([
        provider.request({
          method: "eth_sendTransaction",
          params: [{ from: a!.address, to, data: counter.interface.encodeFunctionData("bump") }],
        }),
        provider.request({
          method: "eth_sendTransaction",
          params: [{ from: b!.address, to, data: counter.interface.encodeFunctionData("increment") }],
        }),
      ]);
      const counterAddress = (await counter.getAddress()).toLowerCase();
      await provider.request({ method: "evm_revert", params: [snapshot] });
      // Same deployer nonce: the token lands where the counter was.
      const token = await ethers.deployContract("MockERC20", ["Mock", "MOCK", 18]);
      expect((await token.getAddress()).toLowerCase()).to.equal(counterAddress);
      await (await token.connect(a!).getFunction("mint")(a!.address, 5n)).wait();
      // An impersonated sender has no signature: that block is traced instead of re-executed.
      const ghost = "0x" + "ab".repeat(20);
      await provider.request({ method: "hardhat_setBalance", params: [ghost, "0x1000000000000000000"] });
      await provider.request({ method: "hardhat_impersonateAccount", params: [ghost] });
      const data = token.interface.encodeFunctionData("mint", [ghost, 7n]);
      const hash = (await provider.request({
        method: "eth_sendTransaction",
        params: [{ from: ghost, to: counterAddress, data }],
      })) as string;
      expect(hash).to.match(/^0x/);
      file = testCaptureFile(session.capture, "capture-tests");
      expect(session.failure).to.equal(undefined);
      expect(session.capture.methods.trace).to.equal(1);
      expect(session.capture.methods.reexec).to.equal(8);

      const txs = file.blocks.flatMap((bl) => bl.txs);
      expect(txs.map((t) => t.function)).to.deep.equal([
        "Counter.constructor",
        "Counter.increment",
        "Counter.increment",
        "Counter.bump",
        "Counter.bump",
        "Counter.increment",
        "MockERC20.constructor",
        "MockERC20.mint",
        "MockERC20.mint",
      ]);
      // The counter declares its accesses: asked at the parent block.
      expect(txs[1].declared?.writes.length).to.be.greaterThan(0);
      const alias = aliasAddress(counterAddress, 2);
      expect(file.names?.accounts?.[counterAddress]).to.equal("Counter");
      expect(file.names?.accounts?.[alias]).to.equal("MockERC20");
      expect(txs[7].to).to.equal(alias);
      expect(txs[7].storage.writes.every(([acct]) => acct === alias)).to.equal(true);
      expect(txs[1].storage.writes.every(([acct]) => acct === counterAddress)).to.equal(true);
      expect(file.names?.slots?.[`${counterAddress}:${"0x" + "0".repeat(64)}`]).to.equal("Counter.count");
      // The traced block is decoded too.
      expect(txs[8].storage.writes.map(([acct, s]) => file!.names?.slots?.[`${acct}:${s}`])).to.include(`MockERC20._balances[${ghost}]`);
    } finally {
      endTestCapture();
    }
  });
});
