/**
 * Price-impact cost of sharding: the same total depth as one pool, or as K equal shards,
 * traded through the router's shard rule (the whole trade on one shard), or split evenly by
 * the client over all K shards with explicit-shard swaps. Every figure is the output
 * actually received by executing the swaps (state reverted between cases).
 *
 *   npx hardhat run bench/price-impact-dex.ts
 *
 * Writes bench/results/price-impact-dex.md (temp file, then rename).
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { network } from "hardhat";
import { DisjointFactory__factory, DisjointRouter__factory, MockERC20__factory } from "../typechain-types/index.js";

const { ethers } = await network.create();
const [owner] = await ethers.getSigners();
const MAX = ethers.MaxUint256;
const E18 = 10n ** 18n;
const DEPTH = 1000n * E18; // per token, across all shards
const SIZES_BPS = [1n, 10n, 50n, 100n, 200n, 500n]; // trade size in bps of the total depth
const SHARDS = [1, 2, 4, 8];

const factory = await new DisjointFactory__factory(owner).deploy(ethers.ZeroAddress);
const router = await new DisjointRouter__factory(owner).deploy(await factory.getAddress(), 100);
const routerAddr = await router.getAddress();

// One token pair per K, each with DEPTH split evenly over K shards.
const pairs: { k: number; a: string; b: string; bToken: Awaited<ReturnType<MockERC20__factory["deploy"]>> }[] = [];
for (const k of SHARDS) {
  const A = await new MockERC20__factory(owner).deploy("A", "A", 18);
  const B = await new MockERC20__factory(owner).deploy("B", "B", 18);
  for (const t of [A, B]) {
    await t.mint(owner.address, 10n ** 30n);
    await t.approve(routerAddr, MAX);
  }
  const [a, b] = [await A.getAddress(), await B.getAddress()];
  await factory.createShardedPair(a, b, k);
  for (let i = 0; i < k; i++) {
    await router.addLiquidityToShard(a, b, i, DEPTH / BigInt(k), DEPTH / BigInt(k), 0, 0, owner.address, MAX);
  }
  pairs.push({ k, a, b, bToken: B });
}
const receiver = ethers.Wallet.createRandom().address;

async function received(run: () => Promise<unknown>, token: (typeof pairs)[number]["bToken"]) {
  const snap = await ethers.provider.send("evm_snapshot", []);
  const before = await token.balanceOf(receiver);
  await run();
  const got = (await token.balanceOf(receiver)) - before;
  await ethers.provider.send("evm_revert", [snap]);
  return got;
}

const header = ["trade (% of depth)", ...SHARDS.slice(1).flatMap((k) => [`K=${k} rule`, `K=${k} split`])];
const table: string[][] = [];
for (const bps of SIZES_BPS) {
  const amount = (DEPTH * bps) / 10_000n;
  const one = pairs[0];
  const base = await received(
    () => router.swapExactTokensForTokens(amount, 0, [one.a, one.b], receiver, MAX).then((t) => t.wait()),
    one.bToken,
  );
  const row = [`${Number(bps) / 100}%`];
  for (const p of pairs.slice(1)) {
    const rule = await received(
      () => router.swapExactTokensForTokens(amount, 0, [p.a, p.b], receiver, MAX).then((t) => t.wait()),
      p.bToken,
    );
    const split = await received(async () => {
      for (let i = 0; i < p.k; i++) {
        await (await router.swapExactTokensForTokensOnShards(amount / BigInt(p.k), 0, [p.a, p.b], [i], receiver, MAX)).wait();
      }
    }, p.bToken);
    const cost = (x: bigint) => `${(Number(((base - x) * 1_000_000n) / base) / 100).toFixed(2)} bps`;
    row.push(cost(rule), cost(split));
  }
  table.push(row);
}

const lines = [
  "# Price-impact cost of sharding",
  "",
  "Command: `npx hardhat run bench/price-impact-dex.ts`. Total depth 1,000 A / 1,000 B, either one pool or",
  "K equal shards. Each cell is the output lost against the single pool of the same total depth,",
  "(out_single - out_sharded) / out_single, in basis points, from executed swaps (0.30% fee included in both).",
  "`rule`: one router call, the whole trade on the shard the shard rule picks (equal shards: shard 0).",
  "`split`: the client sends amount/K to every shard with K explicit-shard swaps (K transactions).",
  "",
  `| ${header.join(" | ")} |`,
  `|${header.map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
  ...table.map((r) => `| ${r.join(" | ")} |`),
  "",
];
console.log(lines.join("\n"));
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/price-impact-dex.md.tmp", lines.join("\n"));
renameSync("bench/results/price-impact-dex.md.tmp", "bench/results/price-impact-dex.md");
