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
 * value), as a loader that interns would produce, and streamed into CompactBuilder (a 1M-tx
 * JSON file exceeds V8's maximum string length for one JSON.parse; loadAccessSetFile streams such files, see bench/load.ts). Two layouts: one block of N transactions
 * (a single dependency domain) and blocks of 1,000.
 */
import { network } from "hardhat";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "../src/access/index.js";
import { WorkloadSource } from "../src/capture/rpc.js";
import { captureFile } from "../src/model/source.js";
import { analyze } from "../src/conflicts/index.js";
import { CompactBuilder, type CompactAccessSets } from "../src/model/block.js";
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { sampleWorkload } from "../src/capture/sample-workload.js";
import { deploySampleTargets } from "../tasks/sample-targets.js";

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
// Interned strings per integer id, as a loader that interns would hold them.
const pools = new Map<string, Map<number, string>>();
const h = (prefix: string, i: number, bytes: number) => {
  let pool = pools.get(prefix);
  if (!pool) pools.set(prefix, (pool = new Map()));
  let s = pool.get(i);
  if (s === undefined) {
    s = "0x" + (prefix.charCodeAt(0).toString(16) + i.toString(16)).padStart(bytes * 2, "0");
    pool.set(i, s);
  }
  return s;
};

/** Streams N synthetic transactions into the compact form (interning every access by string). */
function synthetic(n: number, perBlock: number): CompactAccessSets {
  const b = new CompactBuilder();
  const coinbase = h("c", 0, 20);
  for (let i = 0; i < n; i++) {
    if (i % perBlock === 0) b.beginBlock(1 + i / perBlock, coinbase);
    const from = h("u", rnd(100_000), 20);
    const to = h("u", rnd(100_000), 20);
    const token = h("t", rnd(50), 20);
    const pool = rnd(200);
    const poolAddr = h("p", pool, 20);
    b.beginTx({ index: i % perBlock, hash: null, from, to, function: `Pool${pool % 4}.swap`, gasUsed: 50_000 + rnd(100_000) });
    b.access(b.key(token, h("b", rnd(100_000) * 64 + (pool % 50), 32)), 3);
    b.access(b.key(token, h("b", rnd(100_000) * 64 + 1, 32)), 3);
    b.access(b.key(poolAddr, h("r", 0, 32)), 3);
    b.access(b.key(poolAddr, h("k", 1, 32)), 1);
    for (let j = 0; j < 3; j++) b.access(b.key(h("x", rnd(1000), 20), h("s", rnd(1_000_000), 32)), 1);
    b.access(b.key(from, "balance"), 3);
    b.access(b.key(from, "nonce"), 3);
    b.access(b.key(coinbase, "balance"), 2); // the fee credit: written, not read
  }
  return b.build();
}

const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
const rows: string[][] = [];

const part = process.env.BENCH_PART;
if (part) {
  // Child process: one layout, so each peak RSS is its own.
  const perBlock = part === "one-block" ? N : 1000;
  const t0 = performance.now();
  const compact = synthetic(N, perBlock);
  const tGen = performance.now() - t0;
  const rssBefore = process.memoryUsage().rss;
  const t1 = performance.now();
  const cpu0 = process.cpuUsage();
  const { result } = analyze({ source: { kind: "synthetic", description: "bench" }, precision: { reads: "tx", writes: "tx" }, compact });
  const tAnalyze = (performance.now() - t1) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const peak = process.resourceUsage().maxRSS * 1024;
  const row = [
    perBlock === N ? `1 block of ${N}` : `${Math.ceil(N / perBlock)} blocks of ${perBlock}`,
    String(N),
    (tGen / 1000).toFixed(2),
    String(result.accesses),
    String(result.edges.total),
    `${(result.conflictRate * 100).toFixed(1)}%`,
    tAnalyze.toFixed(2),
    ((cpu.user + cpu.system) / 1e6).toFixed(2),
    mb(rssBefore),
    mb(peak),
  ];
  console.log("RESULT " + JSON.stringify(row));
  process.exit(0);
}
for (const layout of ["one-block", "blocks"]) {
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "run", "bench/analyze.ts"], {
    env: { ...process.env, BENCH_PART: layout },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const line = child.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`bench child ${layout} failed:\n${child.stdout}\n${child.stderr}`);
  rows.push(JSON.parse(line.slice(7)) as string[]);
  console.log(
    `layout ${rows.at(-1)![0]}: generate+intern ${rows.at(-1)![2]} s, analysis ${rows.at(-1)![6]} s wall / ${rows.at(-1)![7]} s CPU, peak RSS ${rows.at(-1)![9]} MiB`,
  );
}

// Capture throughput from a local workload (Hardhat in-process network).
const { ethers, provider } = await network.create();
const targets = await deploySampleTargets(ethers);
const capRows: string[][] = [];
for (const decode of CAPTURE_TXS > 0 ? [false, true] : []) {
  const reqs = sampleWorkload(targets, CAPTURE_TXS);
  const started = performance.now();
  const file = await captureFile(
    new WorkloadSource(provider, reqs, {
      description: "bench",
      blockSize: 100,
      ...(decode
        ? { book: new ContractBook(await loadBuildInfoContracts(path.join(import.meta.dirname, "..", "artifacts", "build-info"))) }
        : {}),
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
  "Transactions are streamed into the compact columnar form (`CompactBuilder`, interning each access by its (account, slot) strings); that time is the \"generate + intern\" column. Wall time covers `analyze()` only (graph, components, chain, hot slots, matrix); peak RSS is the whole process's (input held in memory + analysis), from `process.resourceUsage().maxRSS`, each layout in its own process (it includes Hardhat's own baseline, about 300 MiB). CPU time (user + system, `process.cpuUsage()`) is given beside wall time because the machine was shared with other jobs (load average near 10 on 2 cores during the run), which inflates wall time.",
  "",
  table(
    [
      "layout",
      "txs",
      "generate + intern s",
      "accesses (fee recipient excluded)",
      "edges",
      "conflicting txs",
      "analysis wall s",
      "analysis CPU s",
      "RSS before analysis MiB",
      "peak RSS MiB",
    ],
    rows,
  ),
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
