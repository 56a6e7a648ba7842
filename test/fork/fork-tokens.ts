import { expect } from "chai";
import { AbiCoder, keccak256 } from "ethers";
import hre from "hardhat";
import { startFork, type Fork } from "../helpers/fork.js";

// Real mainnet tokens in the recorded state of block 12,244,000 (fork at 12,243,999).
const USDC = "0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48"; // FiatToken proxy: balances slot 9, blacklisted slot 3
const USDT = "0xdac17f958d2ee523a2206206994597c13d831ec7"; // TetherToken: balances slot 2, isBlackListed slot 6
const WETH = "0xc02aaa39b223fe8d0a0e5c4f27ead9083c756cc2"; // WETH9: balanceOf slot 3
const ERC20 = ["function balanceOf(address) view returns (uint256)", "function transfer(address,uint256) returns (bool)"];

const mappingSlot = (key: string, slot: number) =>
  keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [key, slot])).toLowerCase();

interface Holder {
  address: string;
  balance: bigint;
  eoa: boolean;
}

/** Accounts of the pre-state for which the recording holds every listed mapping slot of `token`; richest first. */
function holders(fork: Fork, token: string, balanceSlot: number, alsoSlots: number[] = []): Holder[] {
  const st = fork.recording.state;
  const storage = st[token].storage;
  const value = (a: string, p: number) => storage[mappingSlot(a, p)];
  return Object.keys(st)
    .filter((a) => [balanceSlot, ...alsoSlots].every((p) => value(a, p) !== undefined))
    .map((a) => ({ address: a, balance: BigInt(value(a, balanceSlot)!), eoa: st[a].code === null }))
    .sort((x, y) => (y.balance > x.balance ? 1 : y.balance < x.balance ? -1 : 0));
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

  async function transfer(token: string, from: Holder, to: Holder, amount: bigint) {
    const c = new fork.ethers.Contract(token, ERC20, fork.ethers.provider);
    expect(await c.balanceOf(from.address)).to.equal(from.balance);
    await fork.setBalance(from.address, 10n ** 18n);
    const signer = await fork.impersonate(from.address);
    const before = (await c.balanceOf(to.address)) as bigint;
    const tx = await signer.sendTransaction({ to: token, data: c.interface.encodeFunctionData("transfer", [to.address, amount]) });
    expect((await tx.wait())?.status).to.equal(1);
    expect(await c.balanceOf(from.address)).to.equal(from.balance - amount);
    expect(await c.balanceOf(to.address)).to.equal(before + amount);
  }

  it("transfers real WETH between two holders of the pre-state", async function () {
    const hs = holders(fork, WETH, 3);
    const from = hs.find((h) => h.eoa && h.balance > 0n)!;
    await transfer(
      WETH,
      from,
      hs.find((h) => h !== from)!,
      from.balance / 3n,
    );
  });

  it("transfers real USDC (through its proxy, with the blacklist check) between two holders", async function () {
    const hs = holders(fork, USDC, 9, [3]);
    const from = hs.find((h) => h.eoa && h.balance > 0n)!;
    expect(from, "no USDC holder with balance and blacklist slots in the pre-state").to.not.equal(undefined);
    await transfer(
      USDC,
      from,
      hs.find((h) => h !== from)!,
      from.balance / 3n,
    );
  });

  it("transfers real USDT between two holders", async function () {
    const hs = holders(fork, USDT, 2, [6]);
    const from = hs.find((h) => h.eoa && h.balance > 0n)!;
    const to = holders(fork, USDT, 2).find((h) => h.address !== from.address)!;
    await transfer(USDT, from, to, from.balance / 3n);
  });

  it("shows USDT's transfer returns no data while USDC's returns true", async function () {
    const usdt = holders(fork, USDT, 2, [6]).find((h) => h.eoa && h.balance > 0n)!;
    const usdc = holders(fork, USDC, 9, [3]).filter((h) => h.eoa && h.balance > 0n);
    const iface = new fork.ethers.Interface(ERC20);
    const call = (token: string, from: string, to: string) =>
      fork.connection.provider.request({
        method: "eth_call",
        params: [{ from, to: token, data: iface.encodeFunctionData("transfer", [to, 1n]) }, "latest"],
      });
    const usdtTo = holders(fork, USDT, 2).find((h) => h.address !== usdt.address)!;
    expect(await call(USDT, usdt.address, usdtTo.address)).to.equal("0x");
    expect(BigInt((await call(USDC, usdc[0].address, usdc[1].address)) as string)).to.equal(1n);
  });

  it("moves USDT with OZ SafeERC20, where a plain IERC20 call fails on the missing return value", async function () {
    // The probe's code (no storage) is placed at a USDT holder whose balance the recording holds.
    const hs = holders(fork, USDT, 2, [6]);
    const holder = hs.find((h) => h.eoa && h.balance > 0n)!;
    const to = holders(fork, USDT, 2).find((h) => h.address !== holder.address)!;
    const artifact = await hre.artifacts.readArtifact("SafeTransferProbe");
    await fork.connection.provider.request({ method: "hardhat_setCode", params: [holder.address, artifact.deployedBytecode] });
    const [caller] = await fork.ethers.getSigners();
    const probe = new fork.ethers.Contract(holder.address, artifact.abi, caller);
    const usdt = new fork.ethers.Contract(USDT, ERC20, fork.ethers.provider);
    const start = (await usdt.balanceOf(holder.address)) as bigint; // earlier tests may have moved some
    const amount = start / 4n;
    expect(amount).to.be.greaterThan(0n);
    await expect(probe.getFunction("sendUnchecked")(USDT, to.address, amount)).to.be.revert(fork.ethers);
    const before = (await usdt.balanceOf(to.address)) as bigint;
    await (await probe.getFunction("send")(USDT, to.address, amount)).wait();
    expect(await usdt.balanceOf(holder.address)).to.equal(start - amount);
    expect(await usdt.balanceOf(to.address)).to.equal(before + amount);
  });

  it("finds no blacklisted USDC holder in the recorded state (the flags it holds are false)", async function () {
    const flags = holders(fork, USDC, 3);
    expect(flags.length).to.be.greaterThan(0);
    const c = new fork.ethers.Contract(USDC, ["function isBlacklisted(address) view returns (bool)"], fork.ethers.provider);
    for (const h of flags) expect(await c.isBlacklisted(h.address)).to.equal(h.balance !== 0n);
  });

  it("rejects a request the recording does not hold, naming it and how to record it", async function () {
    if (process.env.MAINNET_RPC_URL) this.skip(); // record mode answers everything from the node
    const c = new fork.ethers.Contract(USDC, ["function totalSupply() view returns (uint256)"], fork.ethers.provider);
    let message = "";
    await c.totalSupply().catch((e: Error) => (message = e.message));
    expect(message).to.contain("eth_getStorageAt");
    expect(message).to.contain("is not in the recording");
    expect(message).to.contain("MAINNET_RPC_URL");
    expect(fork.server.misses.some((m) => m.startsWith("eth_getStorageAt"))).to.equal(true);
  });
});
