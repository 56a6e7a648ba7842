import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import { startFork, type Fork } from "./helpers/fork.js";

// Real mainnet tokens in the recorded state of block 12,244,000 (fork at 12,243,999).
const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"; // FiatToken proxy: balances at slot 9, blacklisted at slot 3
const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"; // WETH9: balanceOf at slot 3
const ERC20 = [
  "function balanceOf(address) view returns (uint256)",
  "function transfer(address,uint256) returns (bool)",
];

const mappingSlot = (key: string, slot: number) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, slot])).toLowerCase();

/** Accounts of the pre-state whose balance slot of `token` the recording holds, richest first. */
function holders(fork: Fork, token: string, slot: number): { address: string; balance: bigint; eoa: boolean }[] {
  const st = fork.recording.state;
  return Object.keys(st)
    .map((a) => ({ a, v: st[token]!.storage[mappingSlot(a, slot)] }))
    .filter((x) => x.v !== undefined)
    .map((x) => ({ address: x.a, balance: BigInt(x.v!), eoa: st[x.a]!.code === null }))
    .sort((x, y) => (y.balance > x.balance ? 1 : -1));
}

describe("offline mainnet fork (recorded state of block 12,244,000)", function () {
  this.timeout(120_000);
  let fork: Fork;
  before(async function () {
    fork = await startFork();
  });
  after(async function () {
    await fork?.close();
  });

  it("forks at the recorded block", async function () {
    expect(await fork.ethers.provider.getBlockNumber()).to.equal(12_243_999);
  });

  it("transfers real WETH between two holders of the pre-state", async function () {
    const hs = holders(fork, WETH, 3);
    const from = hs.find((h) => h.eoa && h.balance > 0n);
    const to = hs.find((h) => h.address !== from?.address);
    expect(from, "no WETH holder with a balance in the pre-state").to.not.equal(undefined);
    const c = new fork.ethers.Contract(WETH, ERC20, fork.ethers.provider);
    expect(await c.balanceOf(from!.address)).to.equal(from!.balance);
    await fork.setBalance(from!.address, 10n ** 18n);
    const signer = await fork.impersonate(from!.address);
    const amount = from!.balance / 3n;
    const before = (await c.balanceOf(to!.address)) as bigint;
    const tx = await signer.sendTransaction({ to: WETH, data: c.interface.encodeFunctionData("transfer", [to!.address, amount]) });
    expect((await tx.wait())?.status).to.equal(1);
    expect(await c.balanceOf(from!.address)).to.equal(from!.balance - amount);
    expect(await c.balanceOf(to!.address)).to.equal(before + amount);
  });

  it("rejects a request the recording does not hold, naming it and how to record it", async function () {
    const c = new fork.ethers.Contract(USDC, ["function totalSupply() view returns (uint256)"], fork.ethers.provider);
    let message = "";
    await c.totalSupply().catch((e: Error) => (message = e.message));
    expect(message).to.contain("eth_getStorageAt");
    expect(message).to.contain("is not in the recording");
    expect(message).to.contain("MAINNET_RPC_URL");
    expect(fork.server.misses.some((m) => m.startsWith("eth_getStorageAt"))).to.equal(true);
  });
});
