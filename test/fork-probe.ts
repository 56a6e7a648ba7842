import { startFork } from "./helpers/fork.js";
describe("probe", function () {
  this.timeout(120000);
  it("probe", async function () {
    const fork = await startFork();
    try {
      const bn = await fork.ethers.provider.getBlockNumber();
      console.log("bn", bn);
      const usdc = new fork.ethers.Contract("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", ["function totalSupply() view returns (uint256)"], fork.ethers.provider);
      console.log("ts", await usdc.totalSupply());
    } catch (e) { console.log("ERR", (e as Error).message.slice(0, 500)); }
    console.log(fork.server.requests.join("\n"));
    console.log("MISSES", fork.server.misses);
    await fork.close();
  });
});
