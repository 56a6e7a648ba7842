/**
 * The batch pool (contracts/dex/DisjointBatchPool.sol) against Uniswap V2 and against today's
 * K-shard pools, in one run:
 *   1. Price: seeded batches of random buys and sells (10 to 1,000 orders, no limits), the
 *      traders' total output from the batch pool (executed: submit, settle; the fills are
 *      `amountIn * pot / in`, what `claim` pays) against the same orders swapped one by one
 *      through Uniswap V2's router in block order (executed), and against K equal shards of the
 *      same total depth with each trader on shard `address mod K` (V2's integer formula,
 *      checked equal to the executed V2 fills to the wei).
 *   2. Gas per trader: its submit, plus its share of the settlement and of the delivery
 *      (`claimMany`, one transaction per shard), at 10, 100 and 1,000 orders per batch, against
 *      a Uniswap V2 Router02 swap (median of 5, warm pool, recipient already holding the token).
 *
 *   npx hardhat run bench/batch-dex.ts
 *
 * Writes bench/results/batch-dex.md (temp file, then rename).
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { network } from "hardhat";
import { Contract, ContractFactory, type Signer } from "ethers";
import { writeFileAtomic } from "../src/access/io.js";
import { fundEther, helperWallet, sendAsOneBlock, userAddress, type TxRequest } from "../src/workload/chain.js";
import { MockERC20__factory, DisjointBatchPool__factory, TokenLayoutRegistry__factory } from "../typechain-types/index.js";

const require = createRequire(import.meta.url);
const artifact = (p: string) => JSON.parse(readFileSync(require.resolve(p), "utf8")) as { abi: unknown[]; bytecode: string };

const E18 = 10n ** 18n;
const DEPTH = 1_000_000n * E18; // per token, as the suite's pools
const SHARD_CONFIGS = [8n, 32n]; // batch pool trader shards: the gas table runs both
let SHARDS = 32n;
const WINDOW = 256n;
const SIZES = [10, 30, 100, 300, 1000];
const GAS_SIZES = [10, 100, 1000];
const SEED = 7;

const { ethers, provider } = await network.create("workload");
const chain = provider;
const [owner] = (await ethers.getSigners()) as Signer[];
const ownerAddr = await owner.getAddress();
const MAX = ethers.MaxUint256;

async function deployArtifact(p: string, ...args: unknown[]) {
  const a = artifact(p);
  const f = new ContractFactory(a.abi as never, a.bytecode.startsWith("0x") ? a.bytecode : "0x" + a.bytecode, owner);
  const c = await f.deploy(...args);
  await c.waitForDeployment();
  return c as unknown as Contract;
}

// Tokens (sorted) with registered layouts.
const raw = [await new MockERC20__factory(owner).deploy("A", "A", 18), await new MockERC20__factory(owner).deploy("B", "B", 18)];
const addrs = await Promise.all(raw.map((t) => t.getAddress()));
const [t0, t1] = addrs[0].toLowerCase() < addrs[1].toLowerCase() ? [raw[0], raw[1]] : [raw[1], raw[0]];
const [a0, a1] = [await t0.getAddress(), await t1.getAddress()];
const layouts = await new TokenLayoutRegistry__factory(owner).deploy(ownerAddr);
for (const a of [a0, a1]) await (await layouts.register(a, 0n, 1n)).wait();
for (const t of [t0, t1]) await (await t.mint(ownerAddr, 10n ** 32n)).wait();

// Uniswap V2.
const v2Factory = await deployArtifact("@uniswap/v2-core/build/UniswapV2Factory.json", ownerAddr);
const weth = await deployArtifact("@uniswap/v2-periphery/build/WETH9.json");
const v2Router = await deployArtifact(
  "@uniswap/v2-periphery/build/UniswapV2Router02.json",
  await v2Factory.getAddress(),
  await weth.getAddress(),
);
const v2RouterAddr = await v2Router.getAddress();
for (const t of [t0, t1]) await (await t.approve(v2RouterAddr, MAX)).wait();
await (await v2Router.getFunction("addLiquidity")(a0, a1, DEPTH, DEPTH, 0, 0, ownerAddr, MAX)).wait();
await (await v2Router.getFunction("swapExactTokensForTokens")(E18, 0, [a0, a1], ownerAddr, MAX)).wait();
await (await v2Router.getFunction("swapExactTokensForTokens")(E18, 0, [a1, a0], ownerAddr, MAX)).wait();
const v2PairAddr = (await v2Factory.getFunction("getPair")(a0, a1)) as string;
const v2Pair = new Contract(v2PairAddr, ["function getReserves() view returns (uint112,uint112,uint32)", "function sync()"], owner);

// Batch pools, same depth, one per shard count.
async function newPool(shards: bigint) {
  const p = await new DisjointBatchPool__factory(owner).deploy(a0, a1, shards, WINDOW, await layouts.getAddress());
  const addr = await p.getAddress();
  for (const t of [t0, t1]) await (await t.approve(addr, MAX)).wait();
  await (await p.mint(DEPTH, DEPTH, 0, ownerAddr, { gasLimit: 29_000_000n })).wait();
  return { p, addr };
}
const pools = new Map<bigint, Awaited<ReturnType<typeof newPool>>>();
for (const k of SHARD_CONFIGS) pools.set(k, await newPool(k));
let { p: pool, addr: poolAddr } = pools.get(SHARDS)!;
const keeper = helperWallet("batch-keeper");
await fundEther(chain, [keeper.address]);

// Seeded orders.
let state = SEED;
const rand = () => {
  state = (state * 1103515245 + 12345) % 2 ** 31;
  return state / 2 ** 31;
};
interface Order {
  user: string;
  zeroForOne: boolean;
  amountIn: bigint;
}
let nextUser = 0;
function orders(n: number, flow: "random" | "one-sided"): Order[] {
  const out: Order[] = [];
  for (let i = 0; i < n; i++) {
    const zeroForOne = flow === "one-sided" ? true : rand() < 0.5;
    // 1 to 50 tokens, as the suite's DEX workload.
    out.push({
      user: userAddress(nextUser++),
      zeroForOne,
      amountIn: BigInt(Math.floor(1 + rand() * 49)) * E18 + BigInt(Math.floor(rand() * 1e6)),
    });
  }
  return out;
}

async function fund(os: Order[], spender: string) {
  const users = os.map((o) => o.user);
  for (const t of [t0, t1]) {
    for (let i = 0; i < users.length; i += 250) await (await t.fund(users.slice(i, i + 250), 10_000n * E18, spender)).wait();
  }
  await fundEther(chain, users);
}

const getAmountOut = (x: bigint, rIn: bigint, rOut: bigint) => (x * 997n * rOut) / (rIn * 1000n + x * 997n);

function settleLists(os: Order[]): string[][] {
  const lists: string[][] = Array.from({ length: Number(SHARDS) }, () => []);
  for (const o of os) lists[Number(BigInt(o.user) % SHARDS)].push(o.user);
  for (const l of lists) l.sort((x, y) => (BigInt(x) < BigInt(y) ? -1 : BigInt(x) > BigInt(y) ? 1 : 0));
  return lists;
}

/** Submits `os` in one block, settles in the next; returns the gas and the fills. */
async function runBatch(os: Order[], deliver: boolean) {
  const blockNo = (await ethers.provider.getBlockNumber()) + 1;
  const txs: TxRequest[] = os.map((o) => ({
    from: o.user,
    to: poolAddr,
    data: pool.interface.encodeFunctionData("submit", [blockNo, o.zeroForOne, o.amountIn, 0]),
    label: "DisjointBatchPool.submit",
  }));
  const sent = await sendAsOneBlock(chain, txs);
  if (sent.number !== blockNo || sent.status.some((s) => !s)) throw new Error("a submit failed");
  const settled = await sendAsOneBlock(chain, [
    {
      from: keeper.address,
      to: poolAddr,
      data: pool.interface.encodeFunctionData("settle", [blockNo, settleLists(os)]),
      label: "settle",
      gas: 100_000_000n,
    },
  ]);
  if (!settled.status[0]) throw new Error("settle failed");
  const [, in0, in1, pot0, pot1] = await pool.resultOf(blockNo);
  const fills = os.map((o) => (o.zeroForOne ? (o.amountIn * pot1) / in0 : (o.amountIn * pot0) / in1));
  let deliverGas = 0n;
  if (deliver) {
    const claimTxs = settleLists(os)
      .filter((l) => l.length > 0)
      .map((l) => ({
        from: keeper.address,
        to: poolAddr,
        data: pool.interface.encodeFunctionData("claimMany", [blockNo, l]),
        label: "claimMany",
        gas: 30_000_000n,
      }));
    const d = await sendAsOneBlock(chain, claimTxs);
    if (d.status.some((s) => !s)) throw new Error("a delivery failed");
    deliverGas = d.gasUsed.reduce((x, y) => x + y, 0n);
  }
  return { submitGas: sent.gasUsed, settleGas: settled.gasUsed[0], deliverGas, fills };
}

/** The same orders through V2's router, one by one in block order (executed). */
async function runV2(os: Order[]) {
  const fills: bigint[] = [];
  const [r0, r1] = (await v2Pair.getFunction("getReserves")()) as [bigint, bigint, bigint];
  let [x, y] = [r0, r1];
  const txs: TxRequest[] = os.map((o) => ({
    from: o.user,
    to: v2RouterAddr,
    data: v2Router.interface.encodeFunctionData("swapExactTokensForTokens", [
      o.amountIn,
      0,
      o.zeroForOne ? [a0, a1] : [a1, a0],
      o.user,
      MAX,
    ]),
    label: "UniswapV2Router02.swapExactTokensForTokens",
  }));
  const before = await Promise.all(os.map((o) => (o.zeroForOne ? t1 : t0).balanceOf(o.user)));
  const sent = await sendAsOneBlock(chain, txs);
  if (sent.status.some((s) => !s)) throw new Error("a V2 swap failed");
  for (const [i, o] of os.entries()) {
    const got = (await (o.zeroForOne ? t1 : t0).balanceOf(o.user)) - before[i];
    fills.push(got);
    // V2's formula on the running reserves must give the same, to the wei.
    const f = o.zeroForOne ? getAmountOut(o.amountIn, x, y) : getAmountOut(o.amountIn, y, x);
    if (f !== got) throw new Error(`V2 formula ${f} != executed ${got}`);
    if (o.zeroForOne) [x, y] = [x + o.amountIn, y - f];
    else [x, y] = [x - f, y + o.amountIn];
  }
  return fills;
}

/** K equal shards of the same total depth, each trader on shard address mod K, in block order. */
function runShards(os: Order[], k: bigint) {
  const res = Array.from({ length: Number(k) }, () => [DEPTH / k, DEPTH / k]);
  return os.map((o) => {
    const r = res[Number(BigInt(o.user) % k)];
    const f = o.zeroForOne ? getAmountOut(o.amountIn, r[0], r[1]) : getAmountOut(o.amountIn, r[1], r[0]);
    if (o.zeroForOne) [r[0], r[1]] = [r[0] + o.amountIn, r[1] - f];
    else [r[0], r[1]] = [r[0] - f, r[1] + o.amountIn];
    return f;
  });
}

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const bps = (x: bigint, base: bigint) => (Number(((x - base) * 10n ** 8n) / base) / 1e4).toFixed(4);

// ---------------------------------------------------------------- 1. price
const priceRows: string[][] = [
  [
    "orders",
    "flow",
    "net (% of depth)",
    "batch output",
    "V2 output",
    "batch vs V2 (bps)",
    "K=4 vs V2 (bps)",
    "K=16 vs V2 (bps)",
    "batch vs V2, worst trader (bps)",
  ],
];
// BENCH_GAS_ONLY=1: the gas table only, printed, no results file (for profiling).
const GAS_ONLY = process.env.BENCH_GAS_ONLY === "1";
for (const flow of GAS_ONLY ? [] : (["random", "one-sided"] as const)) {
  for (const n of SIZES) {
    const os = orders(n, flow);
    await fund(os, poolAddr);
    for (const t of [t0, t1]) {
      for (let i = 0; i < os.length; i += 250)
        await (
          await t.fund(
            os.slice(i, i + 250).map((o) => o.user),
            0n,
            v2RouterAddr,
          )
        ).wait();
    }
    // evm_revert consumes a snapshot: one per run.
    let snap = await chain.request({ method: "evm_snapshot", params: [] });
    const batch = await runBatch(os, false);
    await chain.request({ method: "evm_revert", params: [snap] });
    snap = await chain.request({ method: "evm_snapshot", params: [] });
    const v2 = await runV2(os);
    await chain.request({ method: "evm_revert", params: [snap] });
    const k4 = runShards(os, 4n);
    const k16 = runShards(os, 16n);
    const net = sum(os.map((o) => (o.zeroForOne ? o.amountIn : -o.amountIn)));
    // Both tokens are worth the same at the start (equal reserves): outputs add up 1:1.
    let worst = Infinity;
    for (let i = 0; i < n; i++) worst = Math.min(worst, Number(((batch.fills[i] - v2[i]) * 10n ** 8n) / v2[i]) / 1e4);
    priceRows.push([
      String(n),
      flow,
      ((Number(net < 0n ? -net : net) / Number(DEPTH)) * 100).toFixed(3),
      (Number(sum(batch.fills)) / 1e18).toFixed(4),
      (Number(sum(v2)) / 1e18).toFixed(4),
      bps(sum(batch.fills), sum(v2)),
      bps(sum(k4), sum(v2)),
      bps(sum(k16), sum(v2)),
      worst.toFixed(4),
    ]);
    console.error(priceRows.at(-1)!.join(" | "));
  }
}

// ---------------------------------------------------------------- 2. gas
const swapGas: number[] = [];
for (let i = 0; i < 5; i++) {
  const r = await (await v2Router.getFunction("swapExactTokensForTokens")(E18, 0, i % 2 ? [a0, a1] : [a1, a0], ownerAddr, MAX)).wait();
  swapGas.push(Number(r!.gasUsed));
}
const v2Swap = [...swapGas].sort((a, b) => a - b)[2];
const gasRows: string[][] = [
  [
    "trader shards",
    "orders per batch",
    "submit (mean)",
    "submit (median)",
    "settle (total)",
    "settle per trader",
    "delivery per trader (claimMany per shard)",
    "per trader, all in",
    "V2 router swap",
    "difference",
  ],
];
for (const [k, n] of SHARD_CONFIGS.flatMap((k) => GAS_SIZES.map((n) => [k, n] as const))) {
  SHARDS = k;
  ({ p: pool, addr: poolAddr } = pools.get(k)!);
  const os = orders(n, "random");
  await fund(os, poolAddr);
  // Warm, as V2's swap is measured: every trader already holds both tokens (fund), and no
  // escrow balance is zero (the first mint's dust).
  const r = await runBatch(os, true);
  // The mean: a shard's first order of a batch also pays the new shard-sums slot (zero to nonzero).
  const mean = Number(sum(r.submitGas)) / n;
  const median = [...r.submitGas].sort((a, b) => (a < b ? -1 : 1))[Math.floor(n / 2)];
  const all = mean + Number(r.settleGas) / n + Number(r.deliverGas) / n;
  gasRows.push([
    String(k),
    String(n),
    Math.round(mean).toLocaleString("en-US"),
    median.toLocaleString("en-US"),
    r.settleGas.toLocaleString("en-US"),
    Math.round(Number(r.settleGas) / n).toLocaleString("en-US"),
    Math.round(Number(r.deliverGas) / n).toLocaleString("en-US"),
    Math.round(all).toLocaleString("en-US"),
    v2Swap.toLocaleString("en-US"),
    `${all > v2Swap ? "+" : ""}${Math.round(all - v2Swap).toLocaleString("en-US")} (${(((all - v2Swap) / v2Swap) * 100).toFixed(1)}%)`,
  ]);
  console.error(gasRows.at(-1)!.join(" | "));
}

const table = (rows: string[][]) =>
  [
    `| ${rows[0].join(" | ")} |`,
    `|${rows[0].map((_, i) => (i === 0 ? "---" : "---:")).join("|")}|`,
    ...rows.slice(1).map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
if (GAS_ONLY) {
  console.log(table(gasRows));
  process.exit(0);
}
const md = [
  "# Batch pool vs Uniswap V2 and K-shard pools",
  "",
  "Command: `npx hardhat run bench/batch-dex.ts` (in-process EDR network `workload`, cancun; solc 0.8.30, optimizer 10,000 runs;",
  `Uniswap V2 factory/pair/Router02 from their npm build artifacts). Depth ${DEPTH / E18} of each token; seed ${SEED}; price runs on the 32-shard pool.`,
  "",
  "## Price: traders' total output",
  "",
  "Each batch: n orders of 1 to 50 tokens from n distinct users, sides random (or all selling token0), no limits.",
  "Batch: submitted in one block, settled in the next (executed); fills = `amountIn * pot / in` as `claim` pays.",
  "V2: the same orders through Router02 one by one in block order (executed). K shards: the same total depth in K equal",
  "pools, each trader on shard `address mod K` (what the suite's shard workload sends), V2's integer formula, which the",
  "run checks equal to the executed V2 fills to the wei. Outputs add both tokens 1:1 (equal reserves at the start).",
  "Positive bps: more output than V2. The batch pool trades against the pair's whole depth, so it has no fragmentation loss.",
  "",
  table(priceRows),
  "",
  "## Gas per trader",
  "",
  `Per trader: its submit (mean over the block's orders) + the settlement / n + the delivery (one \`claimMany\` per shard, by a keeper) / n.`,
  `V2: Router02 \`swapExactTokensForTokens\`, 1 hop, median of 5, warm pool, recipient already holding the output token.`,
  "Batch traders also already hold both tokens; every escrow holds the first mint's 1 wei dust. A pool's shard count is a",
  "deployment choice: each batch pays per shard touched (a new shard-sums slot, up to two settlement transfers, one delivery",
  "transaction), so few shards suit small batches and many shards suit large ones (bench/results/batch-suite.md).",
  "",
  table(gasRows),
  "",
].join("\n");
await writeFileAtomic(path.join("bench", "results", "batch-dex.md"), md);
console.log(md);
