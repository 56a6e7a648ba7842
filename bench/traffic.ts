/**
 * Both designs under both traffic profiles (issue #18): the suite's one block of 1,000 distinct
 * users, and the mainnet-like profile (src/workload/traffic.ts: the per-block arrival counts of
 * the busiest lending market, vault and pool measured in bench/results/traffic-profile.md, over
 * many blocks). Mean gas per operation and simulated speedups, each design on a fresh chain.
 *   npx hardhat run bench/traffic.ts   → prints, writes bench/results/traffic.md
 * (TRAFFIC_BLOCKS, default 200, BENCH_SEED, default 1, and TRAFFIC_PRODUCTS, default vault,lending,dex,
 * override.)
 */
import path from "node:path";
import hre from "hardhat";
import type { AccessSetFile } from "../src/access/format.js";
import { writeFileAtomic } from "../src/access/io.js";
import { captureWorkloadBlock, uniswapV2PairSlotName } from "../src/capture/workload-block.js";
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { gasByOperation, runDesign, type GasStat } from "../src/pipeline/compare.js";
import { runPipeline } from "../src/pipeline/index.js";
import { markdownTable, textTable } from "../src/util/tables.js";
import { disjointDesign, incumbentDesign, BENCH_SHARDS } from "../src/workload/designs.js";
import { generateTrafficWorkload, generateWorkload, type Product } from "../src/workload/index.js";
import { runWorkloadBlocks, type WorkloadRun } from "../src/workload/run.js";
import { freshWorkloadEnv } from "../tasks/workload-env.js";

const BLOCKS = Number(process.env.TRAFFIC_BLOCKS ?? 200);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const PRODUCTS = (process.env.TRAFFIC_PRODUCTS ?? "vault,lending,dex").split(",") as Product[];

await hre.tasks.getTask("build").run({ quiet: true });
const contracts = await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info"));
const started = performance.now();

interface Outcome {
  gas: Record<string, GasStat>;
  blocks: number;
  speedup: (scheduler: string, threads: number) => number | null;
}
const at = (aggregate: { scheduler: string; threads: number; speedup: number | null }[]) => (s: string, t: number) =>
  aggregate.find((r) => r.scheduler === s && r.threads === t)?.speedup ?? null;

/** Mean gas of the users' operations (a harvest is the manager's, not traffic). */
function userMean(gas: Record<string, GasStat>): number {
  let n = 0;
  let total = 0;
  for (const [k, s] of Object.entries(gas)) {
    if (k.includes("harvest")) continue;
    n += s.count;
    total += s.mean * s.count;
  }
  return total / n;
}

async function oneBlock(product: Product, design: ReturnType<typeof disjointDesign>): Promise<Outcome> {
  const workload = generateWorkload({ kind: product, txs: 1000, seed: SEED });
  const env = await freshWorkloadEnv(hre);
  const o = await runDesign(env, design, workload, { book: new ContractBook(contracts), threads: [16] });
  return { gas: o.gas, blocks: 1, speedup: at(o.simulation.aggregate) };
}

async function traffic(product: Product, design: ReturnType<typeof disjointDesign>): Promise<Outcome> {
  const workload = generateTrafficWorkload({ product, blocks: BLOCKS, seed: SEED });
  const env = await freshWorkloadEnv(hre);
  const runs = await runWorkloadBlocks(env, design, workload, workload.blockSizes, (s) => console.error(`  ${product}: ${s}`));
  const book = new ContractBook(contracts);
  let file: AccessSetFile | undefined;
  for (const run of runs) {
    const { file: f } = await captureWorkloadBlock(env.chain, run, {
      description: `${workload.name} on ${design.name}`,
      book,
      extraSlotNames: uniswapV2PairSlotName,
    });
    if (!file) file = f;
    else {
      file.blocks.push(...f.blocks);
      Object.assign(file.names!.accounts!, f.names?.accounts ?? {});
      Object.assign(file.names!.slots!, f.names?.slots ?? {});
    }
  }
  const merged: WorkloadRun = { ...runs[0], txs: runs.flatMap((r) => r.txs) };
  const pipeline = runPipeline(file!, { threads: [16], gantt: false });
  return { gas: gasByOperation(merged), blocks: runs.length, speedup: at(pipeline.simulation.aggregate) };
}

const fmtGas = (x: number) => Math.round(x).toLocaleString("en-US");
const fmtX = (x: number | null) => (x === null ? "unsound" : `${x.toFixed(2)}x`);
const summary: string[][] = [
  [
    "product",
    "profile",
    "design",
    "operations",
    "blocks",
    "mean gas per operation",
    "disjoint / incumbents gas",
    "dag @16",
    "Block-STM @16",
  ],
];
const perKind: string[][] = [
  ["product", "profile", "operation", "disjoint: mean gas (count)", "incumbents: mean gas (count)", "difference"],
];
for (const product of PRODUCTS) {
  for (const [profile, run] of [
    ["1,000 users, one block", oneBlock],
    [`mainnet arrivals, ${BLOCKS} blocks`, traffic],
  ] as const) {
    console.error(`${product}: ${profile}`);
    const d = await run(product, disjointDesign());
    const i = await run(product, incumbentDesign());
    const dm = userMean(d.gas);
    const im = userMean(i.gas);
    for (const [name, o, m] of [
      ["disjoint", d, dm],
      ["incumbents", i, im],
    ] as const) {
      const ops = Object.entries(o.gas).reduce((n, [k, s]) => n + (k.includes("harvest") ? 0 : s.count), 0);
      summary.push([
        product,
        profile,
        name,
        String(ops),
        String(o.blocks),
        fmtGas(m),
        name === "disjoint" ? `${(((dm - im) / im) * 100).toFixed(1)}%` : "",
        fmtX(o.speedup("dag", 16)),
        fmtX(o.speedup("block-stm", 16)),
      ]);
    }
    for (const k of [...new Set([...Object.keys(d.gas), ...Object.keys(i.gas)])].sort()) {
      const a = d.gas[k];
      const b = i.gas[k];
      perKind.push([
        product,
        profile,
        k,
        a ? `${fmtGas(a.mean)} (${a.count})` : "-",
        b ? `${fmtGas(b.mean)} (${b.count})` : "-",
        a && b ? `${(((a.mean - b.mean) / b.mean) * 100).toFixed(1)}%` : "-",
      ]);
    }
    console.log(textTable(summary));
  }
}

const md = [
  "# Both designs under both traffic profiles",
  "",
  `Command: \`npx hardhat run bench/traffic.ts\` (${BLOCKS} blocks, seed ${SEED}), ${((performance.now() - started) / 1000).toFixed(0)} s; each design on a fresh in-process chain.`,
  "",
  "- **1,000 users, one block**: the suite's workload (src/workload/generate.ts), every transaction from a distinct user, in one block.",
  `- **mainnet arrivals**: src/workload/traffic.ts. ${BLOCKS} blocks, each with as many operations on the product's one`,
  "  market, vault or pool as a block drawn at random from the 50 consecutive mainnet BALs carried on the busiest named",
  "  contract of that category (bench/results/traffic-profile.md: mostly 0 or 1, at most 3 for a market or vault, 5 for",
  "  a pool). Blocks drawn with no operation send nothing. Every operation from a distinct user; no harvest.",
  "",
  `The disjoint suite runs with ${BENCH_SHARDS} shards; the incumbents are Morpho Blue, OpenZeppelin's ERC4626 and Uniswap V2.`,
  "Speedups are the simulated ones of the suite (access sets captured by re-execution, gas as the cost), summed over",
  "blocks (total serial time / total parallel time). Under mainnet arrivals a block holds at most a few of the product's",
  "transactions, so the speedup these blocks alone allow is small for both designs: on mainnet the parallelism comes",
  "from the rest of the block, and what the product's design decides there is the gas each operation pays, and whether",
  "its few transactions conflict with each other.",
  "",
  markdownTable(summary),
  "",
  "Per operation (a harvest, in the vault's one-block workload, is the manager's and is left out of the means above):",
  "",
  markdownTable(perKind),
  "",
].join("\n");
await writeFileAtomic(path.join("bench", "results", "traffic.md"), md);
console.log(textTable(perKind));
console.log("\nwrote bench/results/traffic.md");
