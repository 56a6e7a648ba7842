/**
 * Gas of the disjoint DEX against Uniswap V2 (factory, pair and Router02 deployed from their
 * npm build artifacts, as a baseline only) on the same in-process network, in one run.
 *
 *   npx hardhat run bench/gas-dex.ts
 *
 * Each operation runs REPEAT times on warm pools (every pool has swapped before, the
 * recipient already holds the output token), each in its own block, so every swap also
 * writes the price accumulators, as on mainnet. The table gives the median gasUsed.
 * Writes bench/results/gas-dex.md (temp file, then rename).
 */
import { readFileSync, renameSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { network } from "hardhat";
import type { ContractTransactionResponse } from "ethers";
import {
  DisjointFactory__factory,
  DisjointRouter__factory,
  MockERC20__factory,
  TokenLayoutRegistry__factory,
} from "../typechain-types/index.js";

const require = createRequire(import.meta.url);
const artifact = (p: string) => JSON.parse(readFileSync(require.resolve(p), "utf8")) as { abi: unknown[]; bytecode: string };

const REPEAT = 5;
const E18 = 10n ** 18n;
const { ethers } = await network.create();
const [owner] = await ethers.getSigners();
const MAX = ethers.MaxUint256;

async function deployArtifact(path: string, ...args: unknown[]) {
  const a = artifact(path);
  const bytecode = a.bytecode.startsWith("0x") ? a.bytecode : "0x" + a.bytecode;
  const f = new ethers.ContractFactory(a.abi as never, bytecode, owner);
  const c = await f.deploy(...args);
  await c.waitForDeployment();
  return c;
}

const gasOf = async (p: Promise<ContractTransactionResponse>) => Number((await (await p).wait())!.gasUsed);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function measure(fn: () => Promise<ContractTransactionResponse>) {
  const xs: number[] = [];
  for (let i = 0; i < REPEAT; i++) xs.push(await gasOf(fn()));
  return median(xs);
}

// Tokens shared by both systems (OpenZeppelin ERC20), so token costs are identical.
const tokens = await Promise.all(["A", "B", "C"].map((n) => new MockERC20__factory(owner).deploy(n, n, 18)));
const [a, b, c] = await Promise.all(tokens.map((t) => t.getAddress()));
for (const t of tokens) await t.mint(owner.address, 10n ** 30n);

// --- Uniswap V2 baseline
const v2Factory = await deployArtifact("@uniswap/v2-core/build/UniswapV2Factory.json", owner.address);
const weth = await deployArtifact("@uniswap/v2-periphery/build/WETH9.json");
const v2Router = await deployArtifact(
  "@uniswap/v2-periphery/build/UniswapV2Router02.json",
  await v2Factory.getAddress(),
  await weth.getAddress(),
);
// --- disjoint
// The tokens' layouts registered, as a deployment would (declarations only: no gas effect on
// calls). From another account, so that every other address is the same as without a registry.
const registrar = (await ethers.getSigners())[19];
const layouts = await new TokenLayoutRegistry__factory(registrar).deploy(registrar.address);
for (const t of [a, b, c]) await (await layouts.register(t, 0n, 1n)).wait();
const djFactory = await new DisjointFactory__factory(owner).deploy(await layouts.getAddress());
const djRouter = await new DisjointRouter__factory(owner).deploy(await djFactory.getAddress(), 100);

for (const t of tokens) {
  await t.approve(await v2Router.getAddress(), MAX);
  await t.approve(await djRouter.getAddress(), MAX);
}
const v2 = v2Router as unknown as typeof djRouter; // same V2 function signatures for what is used below
const seed = async (r: typeof djRouter) => {
  await r.addLiquidity(a, b, 1000n * E18, 1000n * E18, 0, 0, owner.address, MAX);
  await r.addLiquidity(b, c, 1000n * E18, 1000n * E18, 0, 0, owner.address, MAX);
  // Warm-up: every pool has swapped once, the owner holds every token.
  await r.swapExactTokensForTokens(E18, 0, [a, b, c], owner.address, MAX);
  await r.swapExactTokensForTokens(E18, 0, [c, b, a], owner.address, MAX);
};
await seed(v2);
await seed(djRouter);
const v2Pair = new ethers.Contract(
  await (v2Factory as unknown as typeof djFactory).getPair(a, b),
  artifact("@uniswap/v2-core/build/UniswapV2Pair.json").abi as never,
  owner,
);
await (await v2Pair.getFunction("approve")(await v2Router.getAddress(), MAX)).wait();
const djPairAddr = await djFactory.getPair(a, b);
const djPair = new ethers.Contract(djPairAddr, ["function approve(address,uint256) returns (bool)"], owner);
await (await djPair.getFunction("approve")(await djRouter.getAddress(), MAX)).wait();

type Row = { op: string; dj: number; v2: number | null };
const rows: Row[] = [];
for (const [op, fn] of [
  ["swapExactTokensForTokens, 1 hop", (r: typeof djRouter) => r.swapExactTokensForTokens(E18, 0, [a, b], owner.address, MAX)],
  ["swapExactTokensForTokens, 2 hops", (r: typeof djRouter) => r.swapExactTokensForTokens(E18, 0, [a, b, c], owner.address, MAX)],
  ["swapTokensForExactTokens, 1 hop", (r: typeof djRouter) => r.swapTokensForExactTokens(E18, MAX, [b, a], owner.address, MAX)],
  ["swapTokensForExactTokens, 2 hops", (r: typeof djRouter) => r.swapTokensForExactTokens(E18, MAX, [c, b, a], owner.address, MAX)],
  ["addLiquidity (existing pair)", (r: typeof djRouter) => r.addLiquidity(a, b, E18, 2n * E18, 0, 0, owner.address, MAX)],
  ["removeLiquidity", (r: typeof djRouter) => r.removeLiquidity(a, b, E18 / 2n, 0, 0, owner.address, MAX)],
] as const) {
  rows.push({ op, dj: await measure(() => fn(djRouter)), v2: await measure(() => fn(v2)) });
}

// removeLiquidityWithPermit: each system's LP token signs its own EIP-712 domain.
const permitTypes = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};
const { chainId } = await ethers.provider.getNetwork();
async function withPermit(r: typeof djRouter, pairAddr: string, name: string) {
  const lp = new ethers.Contract(
    pairAddr,
    ["function nonces(address) view returns (uint256)", "function approve(address,uint256) returns (bool)"],
    owner,
  );
  await (await lp.getFunction("approve")(await r.getAddress(), 0n)).wait(); // the permit sets it
  const value = E18 / 2n;
  const nonce = (await lp.getFunction("nonces")(owner.address)) as bigint;
  const domain = { name, version: "1", chainId, verifyingContract: pairAddr };
  const sig = ethers.Signature.from(
    await owner.signTypedData(domain, permitTypes, { owner: owner.address, spender: await r.getAddress(), value, nonce, deadline: MAX }),
  );
  return r.removeLiquidityWithPermit(a, b, value, 0, 0, owner.address, MAX, false, sig.v, sig.r, sig.s);
}
const v2PairAddr = await v2Pair.getAddress();
rows.push({
  op: "removeLiquidityWithPermit",
  dj: await measure(() => withPermit(djRouter, djPairAddr, "Disjoint LP")),
  v2: await measure(() => withPermit(v2, v2PairAddr, "Uniswap V2")),
});

// Sharded pair (K = 4): only disjoint has these.
const d = await new MockERC20__factory(owner).deploy("D", "D", 18);
const dAddr = await d.getAddress();
await d.mint(owner.address, 10n ** 30n);
await d.approve(await djRouter.getAddress(), MAX);
await djFactory.createShardedPair(a, dAddr, 4);
for (let i = 0; i < 4; i++) await djRouter.addLiquidityToShard(a, dAddr, i, 250n * E18, 250n * E18, 0, 0, owner.address, MAX);
for (let i = 0; i < 4; i++) await djRouter.swapExactTokensForTokensOnShards(E18, 0, [a, dAddr], [i], owner.address, MAX);
rows.push({
  op: "K=4 shards: swapExactTokensForTokens, 1 hop (shard rule)",
  dj: await measure(() => djRouter.swapExactTokensForTokens(E18, 0, [a, dAddr], owner.address, MAX)),
  v2: null,
});
rows.push({
  op: "K=4 shards: swapExactTokensForTokensOnShards, 1 hop",
  dj: await measure(() => djRouter.swapExactTokensForTokensOnShards(E18, 0, [a, dAddr], [2], owner.address, MAX)),
  v2: null,
});
rows.push({
  op: "K=4 shards: addLiquidity (home shard)",
  dj: await measure(() => djRouter.addLiquidity(a, dAddr, E18, E18, 0, 0, owner.address, MAX)),
  v2: null,
});

const fmt = (n: number) => n.toLocaleString("en-US");
const lines = [
  "# Gas: disjoint DEX vs Uniswap V2",
  "",
  "Command: `npx hardhat run bench/gas-dex.ts` (in-process EDR network, cancun; disjoint built with solc 0.8.30,",
  "optimizer 10,000 runs; Uniswap V2 factory/pair/Router02 from their npm build artifacts, feeTo off).",
  `Median gasUsed of ${REPEAT} transactions per operation, warm pools, one transaction per block.`,
  "",
  "| operation | disjoint | Uniswap V2 | difference |",
  "|---|---:|---:|---:|",
  ...rows.map((r) =>
    r.v2 === null
      ? `| ${r.op} | ${fmt(r.dj)} | — | — |`
      : `| ${r.op} | ${fmt(r.dj)} | ${fmt(r.v2)} | ${r.dj - r.v2 >= 0 ? "+" : ""}${fmt(r.dj - r.v2)} (${(((r.dj - r.v2) / r.v2) * 100).toFixed(1)}%) |`,
  ),
  "",
];
console.log(lines.join("\n"));
mkdirSync("bench/results", { recursive: true });
writeFileSync("bench/results/gas-dex.md.tmp", lines.join("\n"));
renameSync("bench/results/gas-dex.md.tmp", "bench/results/gas-dex.md");
