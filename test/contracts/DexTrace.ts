import { expect } from "chai";
import type { TransactionResponse } from "ethers";
import { network } from "hardhat";
import { fetchDeclaredEntries } from "../../src/access/declare-call.js";
import { ANY_SLOT, type DeclaredEntry } from "../../src/access/declared.js";
import {
  DisjointFactory__factory,
  DisjointPair__factory,
  DisjointRouter__factory,
  MockERC20__factory,
} from "../../typechain-types/index.js";
import { registryFor } from "../helpers/layouts.js";

const { ethers } = await network.create();
const E18 = 10n ** 18n;
const MAX = ethers.MaxUint256;

type Prestate = Record<string, { storage?: Record<string, string> }>;

/** Slots the transaction touched (prestateTracer) and wrote (prestateTracer, diffMode). */
async function observed(hash: string) {
  const touched = (await ethers.provider.send("debug_traceTransaction", [hash, { tracer: "prestateTracer" }])) as Prestate;
  const diff = (await ethers.provider.send("debug_traceTransaction", [
    hash,
    { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
  ])) as { pre: Prestate; post: Prestate };
  const list = (p: Prestate) =>
    Object.entries(p).flatMap(([account, s]) =>
      Object.keys(s.storage ?? {}).map((slot) => [account.toLowerCase(), ethers.zeroPadValue(slot, 32)]),
    );
  return { reads: list(touched), writes: [...list(diff.pre), ...list(diff.post)] };
}

function covers(decl: DeclaredEntry[], account: string, slot: string, write: boolean) {
  return decl.some(
    (e) =>
      e.account.toLowerCase() === account &&
      (e.slot.toLowerCase() === slot.toLowerCase() || e.slot.toLowerCase() === ANY_SLOT) &&
      (!write || (Number(e.mode) & 6) !== 0),
  );
}

describe("declared ⊇ observed on real transactions of one block (debug_traceTransaction, prestateTracer)", function () {
  it("holds for every transaction, with declarations taken at the start of the block", async function () {
    const [owner, alice, bob, carol, dave] = await ethers.getSigners();
    const tokens = await Promise.all(["A", "B", "C"].map((n) => new MockERC20__factory(owner).deploy(n, n, 18)));
    const [a, b, c] = await Promise.all(tokens.map((t) => t.getAddress()));
    // The tokens' layouts are registered: declarations name exact token slots.
    const layouts = await registryFor(owner, [a, b, c]);
    const factory = await new DisjointFactory__factory(owner).deploy(await layouts.getAddress());
    const router = await new DisjointRouter__factory(owner).deploy(await factory.getAddress(), 100);
    const routerAddr = await router.getAddress();
    for (const t of tokens) {
      for (const s of [owner, alice, bob, carol, dave]) {
        await t.mint(s.address, 10n ** 24n);
        await t.connect(s).approve(routerAddr, MAX);
      }
    }
    await factory.createShardedPair(a, b, 3);
    for (const [i, d] of [
      [0, 100n],
      [1, 30n],
      [2, 10n],
    ] as const) {
      await router.addLiquidityToShard(a, b, i, d * E18, d * E18, 0, 0, owner.address, MAX);
    }
    await router.addLiquidity(b, c, 50n * E18, 50n * E18, 0, 0, owner.address, MAX);
    // dave holds LP in his home shard, to remove in the block.
    await router.addLiquidity(a, b, 5n * E18, 5n * E18, 0, 0, dave.address, MAX);
    const [, daveHome] = await router.homeShard(a, b, dave.address);
    await DisjointPair__factory.connect(daveHome, dave).approve(routerAddr, MAX);

    const txs = [
      {
        from: alice,
        data: router.interface.encodeFunctionData("swapExactTokensForTokens", [(9n * E18) / 100n, 0n, [a, b], alice.address, MAX]),
      },
      {
        from: bob,
        data: router.interface.encodeFunctionData("swapExactTokensForTokensOnShards", [4n * E18, 0n, [b, a], [2n], bob.address, MAX]),
      },
      { from: carol, data: router.interface.encodeFunctionData("swapTokensForExactTokens", [E18, MAX, [c, b, a], carol.address, MAX]) },
      {
        from: alice,
        data: router.interface.encodeFunctionData("swapExactTokensForTokens", [(9n * E18) / 100n, 0n, [a, b], alice.address, MAX]),
      },
      { from: owner, data: router.interface.encodeFunctionData("addLiquidity", [a, b, E18, E18, 0n, 0n, carol.address, MAX]) },
      { from: dave, data: router.interface.encodeFunctionData("removeLiquidity", [a, b, E18, 0n, 0n, dave.address, MAX]) },
      { from: bob, data: router.interface.encodeFunctionData("addLiquidity", [a, c, E18, E18, 0n, 0n, bob.address, MAX]) },
    ];
    // Declarations against the state at the start of the block.
    const decls = await Promise.all(txs.map((t) => fetchDeclaredEntries(ethers.provider, routerAddr, t.from.address, t.data)));

    await ethers.provider.send("evm_setAutomine", [false]);
    const sent: TransactionResponse[] = [];
    // Fixed gas limits (no estimation against a moving state); the pair creation needs more.
    for (const [i, t] of txs.entries()) {
      const gasLimit = i === txs.length - 1 ? 8_000_000n : 1_000_000n;
      sent.push(await t.from.sendTransaction({ to: routerAddr, data: t.data, gasLimit }));
    }
    await ethers.provider.send("evm_mine", []);
    await ethers.provider.send("evm_setAutomine", [true]);

    const blocks = new Set<number>();
    let checked = 0;
    for (const [i, tx] of sent.entries()) {
      const receipt = await tx.wait();
      expect(receipt?.status, `tx ${i}`).to.equal(1);
      blocks.add(receipt!.blockNumber);
      const { reads, writes } = await observed(tx.hash);
      for (const [account, slot] of reads) {
        expect(covers(decls[i], account, slot, false), `tx ${i} read ${account} ${slot} not declared`).to.equal(true);
        checked++;
      }
      for (const [account, slot] of writes) {
        expect(covers(decls[i], account, slot, true), `tx ${i} wrote ${account} ${slot} not declared as written`).to.equal(true);
      }
      expect(writes.length, `tx ${i} wrote nothing`).to.be.greaterThan(0);
    }
    expect(blocks.size).to.equal(1);
    // Bob's swap in between moved the shard rule's choice for Alice's second, identical swap.
    const swapTopic = DisjointPair__factory.createInterface().getEvent("Swap").topicHash;
    const poolOf = async (i: number) => (await sent[i].wait())!.logs.find((l) => l.topics[0] === swapTopic)!.address;
    expect(await poolOf(0)).to.not.equal(await poolOf(3));
    expect(checked).to.be.greaterThan(txs.length * 3);
  });
});
