// Dev aid: opcode-level gas of one later-in-block deposit and redeem, DisjointVault vs OZ.
import { network } from "hardhat";
import { DisjointVault__factory, MockERC20__factory, OZVault__factory } from "../typechain-types/index.js";
const { ethers, networkHelpers } = await network.create();
const [d, u, w] = await ethers.getSigners();
const token = await new MockERC20__factory(d).deploy("A", "A", 18);
const dj = await new DisjointVault__factory(d).deploy(await token.getAddress(), "v", "v", 4n, d.address, d.address, ethers.ZeroAddress);
const oz = await new OZVault__factory(d).deploy(await token.getAddress());
for (const v of [dj, oz]) {
  for (const x of [u, w]) {
    await token.mint(x.address, 10n ** 24n);
    await token.connect(x).approve(await v.getAddress(), 2n ** 256n - 1n);
    await v.connect(x).deposit(10n ** 20n, x.address);
  }
}
await networkHelpers.mine();
for (const [name, v] of [
  ["disjoint", dj],
  ["oz", oz],
] as const) {
  for (const op of ["deposit", "redeem"]) {
    await ethers.provider.send("evm_setAutomine", [false]);
    await (op === "deposit" ? v.connect(w).deposit(10n ** 18n, w.address) : v.connect(w).redeem(10n ** 18n, w.address, w.address));
    const tx =
      op === "deposit" ? await v.connect(u).deposit(10n ** 18n, u.address) : await v.connect(u).redeem(10n ** 18n, u.address, u.address);
    await networkHelpers.mine();
    await ethers.provider.send("evm_setAutomine", [true]);
    const r = await ethers.provider.getTransactionReceipt(tx.hash);
    const t = await ethers.provider.send("debug_traceTransaction", [
      tx.hash,
      { disableStorage: true, disableMemory: true, disableStack: true },
    ]);
    const by = new Map<string, number>();
    for (const l of t.structLogs as {
      op: string;
      gasCost: number;
      depth: number;
    }[]) {
      if (["CALL", "STATICCALL", "DELEGATECALL"].includes(l.op)) continue;
      by.set(l.op, (by.get(l.op) ?? 0) + l.gasCost);
    }
    const top = [...by]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 12)
      .map(([k, g]) => `${k}:${g}`)
      .join(" ");
    console.log(name, op, r!.gasUsed, "steps", t.structLogs.length, top);
  }
}
