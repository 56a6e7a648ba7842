import { expect } from "chai";
import { network } from "hardhat";
import DexBatch from "../../deploy/modules/DexBatch.js";
import { MockERC20__factory } from "../../typechain-types/index.js";

describe("Ignition: DisjointDexBatch module", function () {
  it("deploys a batch pool with its shards, window and the layout registry", async function () {
    const { ethers, ignition } = await network.create();
    const [owner] = await ethers.getSigners();
    const a = await new MockERC20__factory(owner).deploy("A", "A", 18);
    const b = await new MockERC20__factory(owner).deploy("B", "B", 18);
    const { batchPool, registry } = (await ignition.deploy(DexBatch, {
      parameters: { DisjointDexBatch: { tokenA: await a.getAddress(), tokenB: await b.getAddress(), batchShards: 4n, settleWindow: 32n } },
    })) as unknown as { batchPool: { getFunction(n: string): () => Promise<unknown> }; registry: { getAddress(): Promise<string> } };
    expect(await batchPool.getFunction("SHARDS")()).to.equal(4n);
    expect(await batchPool.getFunction("SETTLE_WINDOW")()).to.equal(32n);
    expect(await batchPool.getFunction("tokenLayouts")()).to.equal(await registry.getAddress());
  });
});
