/**
 * Replay throughput: re-executes every block of the shipped corpus (fixtures/mainnet) with the
 * access recorder on, checks each against its header, and writes bench/results/replay.md.
 *   npx hardhat run bench/replay.ts            (or: node --import tsx bench/replay.ts)
 * BENCH_BLOCKS=46147,4370000 limits the run to some blocks.
 */
import { mkdir } from "node:fs/promises";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/access/io.js";
import { listCorpusBlocks, replayCorpusBlock } from "../src/replay/index.js";

const corpus = fileURLToPath(new URL("../fixtures/mainnet", import.meta.url));
const resultsDir = fileURLToPath(new URL("./results/", import.meta.url));

const only = process.env.BENCH_BLOCKS?.split(",").map(Number);
const blocks = (await listCorpusBlocks(corpus)).filter((n) => only === undefined || only.includes(n));
const rows: { n: number; hf: string; txs: number; gas: number; execMs: number; totalMs: number }[] = [];
const wall0 = performance.now();
for (const n of blocks) {
  const r = await replayCorpusBlock(corpus, n);
  rows.push({ n, hf: r.hardfork, txs: r.access.txs.length, gas: r.gasUsed, execMs: r.executionMs, totalMs: r.totalMs });
  process.stdout.write(`${n} ${r.access.txs.length} txs ${r.executionMs.toFixed(0)} ms\n`);
}
const wallMs = performance.now() - wall0;
const txs = rows.reduce((s, r) => s + r.txs, 0);
const gas = rows.reduce((s, r) => s + r.gas, 0);
const execMs = rows.reduce((s, r) => s + r.execMs, 0);

const lines = [
  "# Replay throughput",
  "",
  `Measured ${new Date().toISOString()} on ${cpus()[0]?.model ?? "unknown CPU"} (${cpus().length} cores, shared with other jobs), Node ${process.version}.`,
  "Command: `node --import tsx bench/replay.ts` (engine: src/replay, @ethereumjs/vm, access recorder on, fidelity checks on).",
  "",
  "| blocks | txs | gas | execution (s) | wall incl. loading (s) | txs/s (execution) | txs/s (wall) | Mgas/s (execution) |",
  "|---:|---:|---:|---:|---:|---:|---:|---:|",
  `| ${rows.length} | ${txs} | ${gas} | ${(execMs / 1000).toFixed(1)} | ${(wallMs / 1000).toFixed(1)} | ${(txs / (execMs / 1000)).toFixed(0)} | ${(txs / (wallMs / 1000)).toFixed(0)} | ${(gas / 1e6 / (execMs / 1000)).toFixed(2)} |`,
  "",
  "Execution is runBlock alone; wall adds reading the gzipped fixtures, building the VM and loading the pre-state.",
  "",
  "| block | hardfork | txs | execution (ms) | txs/s |",
  "|---:|---|---:|---:|---:|",
  ...rows.map(
    (r) => `| ${r.n} | ${r.hf} | ${r.txs} | ${r.execMs.toFixed(0)} | ${r.txs === 0 ? "-" : (r.txs / (r.execMs / 1000)).toFixed(0)} |`,
  ),
  "",
];
const table = lines.join("\n");
console.log(table);
if (only === undefined) {
  await mkdir(resultsDir, { recursive: true });
  const out = `${resultsDir}replay.md`;
  await writeFileAtomic(out, table);
  console.log(`wrote ${out}`);
}
