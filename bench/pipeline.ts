/**
 * CPU cost of the one pipeline (src/pipeline): analysis and simulation of the 50 shipped
 * mainnet blocks (fixtures/mainnet, loaded once, outside the timing) and of one synthetic
 * 10,000-transaction block, 1,2,4,8,16,32 threads, all schedulers, no Gantt run. Best of 5
 * per stage; CPU = this process's user + system time. Prints a table; with BENCH_OUT=FILE
 * writes it there (bench/results/pipeline.md).
 *
 *   npx hardhat run bench/pipeline.ts     (or: node --import tsx bench/pipeline.ts)
 */
import { readdirSync } from "node:fs";
import { loadavg } from "node:os";
import path from "node:path";
import { loadAccessSetFile, writeFileAtomic, type AccessSetFile } from "../src/access/index.js";
import { runPipeline } from "../src/pipeline/index.js";
import { p2pBlock, syntheticFile } from "../src/schedule/index.js";

const MAINNET = path.join(import.meta.dirname, "..", "fixtures", "mainnet");
const numbers = readdirSync(MAINNET).filter((d) => /^\d+$/.test(d));
const mainnet: AccessSetFile = { ...(await loadAccessSetFile(path.join(MAINNET, numbers[0], "access-sets.json.gz"))), blocks: [] };
for (const n of numbers) mainnet.blocks.push(...(await loadAccessSetFile(path.join(MAINNET, n, "access-sets.json.gz"))).blocks);
const p2p = syntheticFile("p2p 10,000 tx, 1000 accounts", [p2pBlock(10000, 1000, 7)]);

const cpuMs = (f: () => void): number => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};

const rows = [
  "| input | txs | total CPU ms (best of 5) | of which analyze (wall ms) | of which prepare + simulate (wall ms) |",
  "|---|---:|---:|---:|---:|",
];
for (const [name, file] of [
  [`${numbers.length} shipped mainnet blocks`, mainnet],
  ["synthetic p2p block", p2p],
] as const) {
  let best = Infinity;
  let timings = { analyze: 0, simulate: 0 };
  for (let k = 0; k < 5; k++) {
    let t = timings;
    const ms = cpuMs(() => (t = runPipeline(file, { gantt: false }).timings));
    if (ms < best) [best, timings] = [ms, t];
  }
  const txs = file.blocks.reduce((s, b) => s + b.txs.length, 0);
  rows.push(`| ${name} | ${txs} | ${best.toFixed(0)} | ${timings.analyze.toFixed(0)} | ${timings.simulate.toFixed(0)} |`);
  console.log(rows[rows.length - 1]);
}
const out = [`Node ${process.version}, load average ${loadavg()[0].toFixed(1)} at the end (shared 2-core machine).`, "", ...rows, ""].join(
  "\n",
);
console.log(out);
if (process.env.BENCH_OUT) await writeFileAtomic(process.env.BENCH_OUT, out);
