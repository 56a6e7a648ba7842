/** The sample workload's contracts (a Counter and an ERC-20), deployed and funded; for `conflicts capture` and its benchmark. */
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";
import { sampleMints, type SampleWorkloadTargets } from "../src/capture/sample-workload.js";

export async function deploySampleTargets(ethers: HardhatEthers): Promise<SampleWorkloadTargets> {
  const signers = (await ethers.getSigners()).slice(0, 10);
  const counter = await ethers.deployContract("Counter");
  const token = await ethers.deployContract("MockERC20", ["Mock", "MOCK", 18]);
  const targets = {
    counter: (await counter.getAddress()).toLowerCase(),
    token: (await token.getAddress()).toLowerCase(),
    senders: signers.map((s) => s.address.toLowerCase()),
  };
  for (const m of sampleMints(targets)) await (await signers[0].sendTransaction({ to: m.to!, data: m.data! })).wait();
  return targets;
}
