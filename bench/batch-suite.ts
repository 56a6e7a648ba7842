/**
 * Parallelism of the batch DEX: one block of 1,000 single-hop swaps from 1,000 distinct users
 * (the suite's DEX generator, seed 1, its swaps cut to their first hop, liquidity operations
 * left out), on three designs, each on a fresh in-process chain:
 *   - batch: every swap is an order in the block's batch of DisjointBatchPool, and the block
 *     also carries, first, the keeper's settlement of the previous batch of each traded pool
 *     (filled before the block with as many orders, same sides and sizes, from other accounts);
 *   - shards: today's sharded pools, explicit-shard swaps (the suite's shard variant);
 *   - Uniswap V2.
 * Same capture (re-execution), conflict analysis and scheduler simulation as bench/suite.ts.
 *
 *   npx hardhat run bench/batch-suite.ts     (BENCH_TXS, BENCH_SEED override)
 *
 * Writes bench/results/batch-suite.md (temp file, then rename).
 */
import path from "node:path";
import hre from "hardhat";
import { writeFileAtomic } from "../src/access/io.js";
import { captureWorkloadBlock } from "../src/capture/workload-block.js";
import { analyze } from "../src/conflicts/index.js";
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { runDesign, speedupAt } from "../src/pipeline/compare.js";
import { DEFAULT_THREADS } from "../src/pipeline/index.js";
import { markdownTable } from "../src/util/tables.js";
import { simulateFile } from "../src/schedule/index.js";
import { fundEther, sendAsOneBlock, userAddress } from "../src/workload/chain.js";
import { disjointBatchDexDriver } from "../src/workload/drivers/disjoint-dex-batch.js";
import { disjointDexDriver } from "../src/workload/drivers/disjoint-dex.js";
import { uniswapV2Driver } from "../src/workload/drivers/uniswap-v2.js";
import { BENCH_SHARDS } from "../src/workload/designs.js";
import { generateWorkload } from "../src/workload/index.js";
import type { Operation, SwapOp, Workload } from "../src/workload/operations.js";
import type { WorkloadRun } from "../src/workload/run.js";
import { freshWorkloadEnv } from "../tasks/workload-env.js";

const TXS = Number(process.env.BENCH_TXS ?? 1000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const started = performance.now();

await hre.tasks.getTask("build").run({ quiet: true });
const contracts = await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info"));

// 1,000 single-hop swaps from the suite's DEX generator (distinct users).
const base = generateWorkload({ kind: "dex", txs: Math.ceil(TXS * 1.3), seed: SEED });
const swaps: SwapOp[] = base.ops
  .filter((op): op is SwapOp => op.product === "dex" && op.kind === "swap")
  .slice(0, TXS)
  .map((op) => ({ ...op, path: op.path.slice(0, 2) }));
if (swaps.length < TXS) throw new Error(`the generator gave ${swaps.length} swaps, fewer than ${TXS}`);
const workload: Workload = { ...base, name: "dex single-hop swaps", ops: swaps, params: { ...base.params, txs: TXS, singleHop: "yes" } };

type Row = {
  design: string;
  txs: number;
  conflictRate: number;
  chain: number;
  speed: Record<string, Record<number, number | null>>;
  gas: string;
};
const rows: Row[] = [];
const schedulers = ["dag", "block-stm", "locks"];

// Batch design: driver steps by hand, so that the block can carry the settlements first.
{
  const env = await freshWorkloadEnv(hre);
  const driver = disjointBatchDexDriver(32);
  console.error("batch: deploying");
  await driver.deploy(env, workload);
  await fundEther(env.chain, [...new Set(workload.ops.map((op) => op.user))].map(userAddress));
  console.error("batch: setting up users and the previous batch");
  await driver.setup(env, workload.ops);
  await driver.beforeBlock!(env);
  const settles = driver.settlementTxs();
  const submits = workload.ops.map((op) => driver.transaction(env, op));
  const txs = [...settles, ...submits];
  console.error(`batch: sending ${txs.length} transactions into one block`);
  const sent = await sendAsOneBlock(env.chain, txs);
  const failed = sent.status.findIndex((ok) => !ok);
  if (failed >= 0) throw new Error(`batch: transaction ${failed} (${txs[failed].label}) reverted`);
  // Capture needs only the hashes and requests; a settlement's `op` names the keeper's call.
  const settleOp = (i: number) => ({ product: "dex", kind: "settle", user: -1 - i }) as unknown as Operation;
  const run: WorkloadRun = {
    design: "batch",
    workload: workload.name,
    blockNumber: sent.number,
    txs: sent.hashes.map((hash, i) => ({
      hash,
      label: txs[i].label,
      request: txs[i],
      op: i < settles.length ? settleOp(i) : workload.ops[i - settles.length],
      gasUsed: sent.gasUsed[i],
    })),
    addresses: driver.addresses(),
  };
  console.error("batch: capturing");
  const { file } = await captureWorkloadBlock(env.chain, run, {
    description: `batch DEX, ${txs.length} txs`,
    book: new ContractBook(contracts),
  });
  const { result } = analyze(file);
  const sim = simulateFile(file, { threads: DEFAULT_THREADS, schedulers: ["serial", ...schedulers] as never });
  const speed: Row["speed"] = {};
  for (const s of schedulers) {
    speed[s] = {};
    for (const t of DEFAULT_THREADS) speed[s][t] = sim.aggregate.find((r) => r.scheduler === s && r.threads === t)?.speedup ?? null;
  }
  const settleGas = sent.gasUsed.slice(0, settles.length).reduce((a, b) => a + b, 0n);
  const submitGas = sent.gasUsed.slice(settles.length).reduce((a, b) => a + b, 0n);
  rows.push({
    design: `batch (${settles.length} settlements + ${submits.length} orders)`,
    txs: txs.length,
    conflictRate: result.conflictRate,
    chain: result.longestChain.length,
    speed,
    gas: `settlements ${settleGas.toLocaleString("en-US")} in all; orders ${(submitGas / BigInt(submits.length)).toLocaleString("en-US")} each on average`,
  });
}

for (const [name, drivers] of [
  ["shards (explicit-shard swaps)", { dex: disjointDexDriver(BENCH_SHARDS) }],
  ["Uniswap V2", { dex: uniswapV2Driver() }],
] as const) {
  const env = await freshWorkloadEnv(hre);
  const o = await runDesign(env, { name, drivers }, workload, {
    book: new ContractBook(contracts),
    progress: (s) => console.error(`  ${s}`),
  });
  const speed: Row["speed"] = {};
  for (const s of schedulers) {
    speed[s] = {};
    for (const t of DEFAULT_THREADS) speed[s][t] = speedupAt(o, s, t);
  }
  const gas = o.run.txs.reduce((a, t) => a + t.gasUsed, 0n) / BigInt(o.run.txs.length);
  rows.push({
    design: name,
    txs: o.run.txs.length,
    conflictRate: o.analysis.conflictRate,
    chain: o.analysis.longestChain.length,
    speed,
    gas: `swaps ${gas.toLocaleString("en-US")} each on average`,
  });
}

const fmt = (x: number | null) => (x === null ? "unsound" : `${x.toFixed(2)}x`);
const head = [["design", "txs", "conflict rate", "longest chain", ...schedulers.map((s) => `${s} @16`), "gas"]];
for (const r of rows)
  head.push([
    r.design,
    String(r.txs),
    `${(r.conflictRate * 100).toFixed(1)}%`,
    String(r.chain),
    ...schedulers.map((s) => fmt(r.speed[s][16])),
    r.gas,
  ]);
const byThreads = [["design", "scheduler", ...DEFAULT_THREADS.map(String)]];
for (const r of rows) for (const s of schedulers) byThreads.push([r.design, s, ...DEFAULT_THREADS.map((t) => fmt(r.speed[s][t]))]);
const md = [
  "# Batch DEX parallelism: one block of single-hop swaps",
  "",
  `Command: \`npx hardhat run bench/batch-suite.ts\` (${((performance.now() - started) / 1000).toFixed(0)} s). ${TXS} single-hop swaps from ${TXS} distinct users`,
  `(the suite's DEX generator, seed ${SEED}, swaps only, cut to their first hop), 7 pools of Zipf popularity, depth 1,000,000 per token.`,
  "Batch: each swap is an order of the block's batch; the block also carries first the keeper's settlement of each traded",
  "pool's previous batch (as many orders as this block has on that pool), so the settlement is counted. Shards: today's",
  `sharded pools (up to ${BENCH_SHARDS} shards, explicit-shard swaps). Capture by re-execution; speedups simulated with gas as the cost, as bench/suite.ts.`,
  "",
  markdownTable(head),
  "",
  "Speedup over serial by threads:",
  "",
  markdownTable(byThreads),
  "",
].join("\n");
await writeFileAtomic(path.join("bench", "results", "batch-suite.md"), md);
console.log(md);
