/**
 * Benchmark of the conflict analysis: 1,000,000 synthetic transactions with 10 accesses each
 * (3 account fields + 7 storage slots), analyzed on one core; plus capture throughput from a
 * local Hardhat workload. Writes bench/results/analyze.md (atomically).
 *
 *   npx hardhat run bench/analyze.ts            (BENCH_TXS=100000 for a quick run)
 *
 * Synthetic workload, per transaction: sender balance + nonce (write), fee recipient balance
 * (write), sender's and recipient's balance slots in one of 50 tokens (write), one of 200 pool
 * reserve slots (write, hot), 1 pool-config read, and 3 reads from 1,000,000 cold slots; senders
 * are drawn from 100,000 users. Slot and address strings are interned (one string per distinct
 * value), as a loader that interns would produce. Two layouts: one block of N transactions
 * (a single dependency domain) and blocks of 1,000.
 */
import { network } from "hardhat";
import os from "node:os";
import path from "node:path";
import type { AccessSetFile, TxAccess } from "../src/access/index.js";
import { writeFileAtomic } from "../src/access/index.js";
import { analyze, captureFile, WorkloadSource } from "../src/conflicts/index.js";
import { sampleMints, sampleWorkload } from "../src/capture/sample-workload.js";

const N = Number(process.env.BENCH_TXS ?? 1_000_000);
const CAPTURE_TXS = Number(process.env.BENCH_CAPTURE_TXS ?? 300);

// Deterministic PRNG (xorshift32).
let seed = 0x9e3779b9;
const rnd = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const cache = new Map<string, string>();
const h = (prefix: string, i: number, bytes: number) => {
  const k = `${prefix}${i}`;
  let s = cache.get(k);
  if (s === undefined) {
    s = "0x" + (prefix.charCodeAt(0).toString(16) + i.toString(16)).padStart(bytes * 2, "0");
    cache.set(k, s);
  }
  return s;
};

function synthetic(n: number, perBlock: number): AccessSetFile {
  const coinbase = h("c", 0, 20);
  const blocks: AccessSetFile["blocks"] = [];
  let txs: TxAccess[] = [];
  for (let i = 0; i < n; i++) {
    const from = h("u", rnd(100_000), 20);
    const to = h("u", rnd(100_000), 20);
    const token = h("t", rnd(50), 20);
    const pool = rnd(200);
    const poolAddr = h("p", pool, 20);
    const w: [string, string][] = [
      [token, h("b", rnd(100_000) * 64 + (pool % 50), 32)],
      [token, h("b", rnd(100_000) * 64 + 1, 32)],
      [poolAddr, h("r", 0, 32)],
    ];
    const r: [string, string][] = [...w, [poolAddr, h("k", 1, 32)]];
    for (let j = 0; j < 3; j++) r.push([h("x", rnd(1000), 20), h("s", rnd(1_000_000), 32)]);
    txs.push({
      index: txs.length,
      hash: null,
      from,
      to,
      selector: "0x022c0d9f",
      function: `Pool${pool % 4}.swap`,
      gasUsed: 50_000 + rnd(100_000),
      storage: { reads: r, writes: w },
      accounts: {
        reads: [],
        writes: [
          [from, "balance"],
          [from, "nonce"],
          [coinbase, "balance"],
        ],
      },
    });
    if (txs.length === perBlock) {
      blocks.push({ number: blocks.length + 1, hash: null, coinbase, txs });
      txs = [];
    }
  }
  if (txs.length) blocks.push({ number: blocks.length + 1, hash: null, coinbase, txs });
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "synthetic", description: `bench ${n} txs` },
    precision: { reads: "tx", writes: "tx" },
    blocks,
  };
}

const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
const rows: string[][] = [];

for (const perBlock of [N, 1000]) {
  seed = 0x9e3779b9;
  cache.clear();
  const t0 = performance.now();
  const file = synthetic(N, perBlock);
  const tGen = performance.now() - t0;
  const rssBefore = process.memoryUsage().rss;
  const t1 = performance.now();
  const { result } = analyze(file);
  const tAnalyze = (performance.now() - t1) / 1000;
  const peak = process.resourceUsage().maxRSS * 1024;
  rows.push([
    perBlock === N ? `1 block of ${N}` : `${Math.ceil(N / perBlock)} blocks of ${perBlock}`,
    String(N),
    String(result.accesses),
    String(result.edges.total),
    `${(result.conflictRate * 100).toFixed(1)}%`,
    tAnalyze.toFixed(2),
    mb(rssBefore),
    mb(peak),
  ]);
  console.log(`layout ${rows.at(-1)![0]}: generated in ${(tGen / 1000).toFixed(1)} s, analyzed in ${tAnalyze.toFixed(2)} s, peak RSS ${mb(peak)} MiB`);
}

// Capture throughput from a local workload (Hardhat in-process network).
const { ethers, provider } = await network.create();
const signers = (await ethers.getSigners()).slice(0, 10);
const counter = await ethers.deployContract("Counter");
const token = await ethers.deployContract("ERC20Mock", ["Mock", "MOCK"]);
const targets = {
  counter: (await counter.getAddress()).toLowerCase(),
  token: (await token.getAddress()).toLowerCase(),
  senders: signers.map((s) => s.address.toLowerCase()),
};
for (const m of sampleMints(targets)) await (await signers[0]!.sendTransaction({ to: m.to!, data: m.data! })).wait();
const capRows: string[][] = [];
for (const decode of CAPTURE_TXS > 0 ? [false, true] : []) {
  const reqs = sampleWorkload(targets, CAPTURE_TXS);
  const started = performance.now();
  const file = await captureFile(
    new WorkloadSource(provider, reqs, {
      description: "bench",
      blockSize: 100,
      ...(decode ? { book: new (await import("../src/conflicts/index.js")).ContractBook(await (await import("../src/conflicts/index.js")).loadBuildInfoContracts(path.join(import.meta.dirname, "..", "artifacts", "build-info"))) } : {}),
    }),
  );
  const secs = (performance.now() - started) / 1000;
  const n = file.blocks.reduce((s, b) => s + b.txs.length, 0);
  capRows.push([decode ? "with declared + slot names" : "with declared, no decoding", String(n), secs.toFixed(2), (n / secs).toFixed(0)]);
  console.log(`capture ${capRows.at(-1)![0]}: ${n} txs in ${secs.toFixed(2)} s`);
}

const table = (head: string[], body: string[][]) =>
  [`| ${head.join(" | ")} |`, `| ${head.map(() => "---").join(" | ")} |`, ...body.map((r) => `| ${r.join(" | ")} |`)].join("\n");
const md = [
  "# Conflict analysis benchmark",
  "",
  `Measured ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores shared with other jobs; the analysis is single-threaded), Node ${process.version}.`,
  "Command: `npx hardhat run bench/analyze.ts`" + (process.env.BENCH_TXS ? ` with BENCH_TXS=${N}` : "") + ".",
  "",
  "## Analysis (graph + components + chain + hot slots + matrix)",
  "",
  "Synthetic transactions, 10 accesses each (3 account fields, 7 storage slots); see the header of bench/analyze.ts.",
  "Wall time covers `analyze()` only; peak RSS is the whole process's (input held in memory + analysis), from `process.resourceUsage().maxRSS`, so the second row's peak includes the first's.",
  "",
  table(["layout", "txs", "accesses (deduplicated)", "edges", "conflicting txs", "analysis wall s", "RSS before analysis MiB", "peak RSS MiB"], rows),
  "",
  "Target: 1,000,000 txs in under 20 s and 2 GB.",
  "",
  "## Capture throughput (local Hardhat network, sample workload, blocks of 100)",
  "",
  "Per transaction: eth_call declareAccess (Counter), send, mine, receipt, prestateTracer plain + diffMode; with decoding also a full structLog trace with memory for KECCAK256 preimages.",
  "",
  table(["mode", "txs", "wall s", "txs/s"], capRows),
  "",
].join("\n");
await writeFileAtomic(path.join(import.meta.dirname, "results", "analyze.md"), md);
console.log(md);
