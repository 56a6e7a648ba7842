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
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { runDesign, speedupAt } from "../src/pipeline/compare.js";
import { DEFAULT_THREADS } from "../src/pipeline/index.js";
import { markdownTable } from "../src/util/tables.js";
import { disjointDexDriver } from "../src/workload/drivers/disjoint-dex.js";
import { uniswapV2Driver } from "../src/workload/drivers/uniswap-v2.js";
import { BENCH_SHARDS, disjointBatchDesign, singleHopSwaps } from "../src/workload/designs.js";
import { generateWorkload } from "../src/workload/index.js";
import { freshWorkloadEnv } from "../tasks/workload-env.js";

const TXS = Number(process.env.BENCH_TXS ?? 1000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const started = performance.now();

await hre.tasks.getTask("build").run({ quiet: true });
const contracts = await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info"));

// 1,000 single-hop swaps from the suite's DEX generator (distinct users).
const workload = singleHopSwaps(generateWorkload({ kind: "dex", txs: Math.ceil(TXS * 1.3), seed: SEED }), TXS);

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

// Batch design: the driver's block prologue puts the previous batch's settlements first.
{
  const env = await freshWorkloadEnv(hre);
  const o = await runDesign(env, disjointBatchDesign(), workload, {
    book: new ContractBook(contracts),
    progress: (s) => console.error(`  ${s}`),
  });
  const settles = o.run.txs.filter((t) => t.op.kind === "prologue");
  const submits = o.run.txs.filter((t) => t.op.kind !== "prologue");
  const speed: Row["speed"] = {};
  for (const s of schedulers) {
    speed[s] = {};
    for (const t of DEFAULT_THREADS) speed[s][t] = speedupAt(o, s, t);
  }
  const settleGas = settles.reduce((a, t) => a + t.gasUsed, 0n);
  const submitGas = submits.reduce((a, t) => a + t.gasUsed, 0n);
  rows.push({
    design: `batch (${settles.length} settlements + ${submits.length} orders)`,
    txs: o.run.txs.length,
    conflictRate: o.analysis.conflictRate,
    chain: o.analysis.longestChain.length,
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
