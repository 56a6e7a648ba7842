/**
 * Benchmark of reading and writing large access-set files: N synthetic transactions (default
 * 1,000,000) with 10 accesses each (3 account fields + 7 storage slots, the shape of
 * bench/analyze.ts) are written with saveAccessSetFile (streamed) to a temporary directory,
 * loaded with loadAccessSetFile (streamed above 32 MiB), and analyzed end to end by
 * `npx hardhat conflicts analyze FILE --quiet`. Each step runs in its own process so its peak
 * RSS is its own. Writes bench/results/load.md (atomically); the temporary file is removed.
 *
 *   npx hardhat run bench/load.ts            (BENCH_TXS=100000 for a quick run)
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadAccessSetFile, saveAccessSetFile, writeFileAtomic, type AccessSetFile, type TxAccess } from "../src/access/index.js";

const N = Number(process.env.BENCH_TXS ?? 1_000_000);
const PER_BLOCK = 1000;
const mib = (b: number) => (b / 1024 / 1024).toFixed(0);

// Deterministic PRNG (xorshift32).
let seed = 0x9e3779b9;
const rnd = (n: number) => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) % n;
};
const hex = (tag: number, i: number, bytes: number) =>
  "0x" + (tag.toString(16) + i.toString(16).padStart(12, "0")).padStart(bytes * 2, "0");

/** The synthetic file, built in memory (strings shared, as a loader that interns holds them). */
function synthetic(n: number): AccessSetFile {
  const pool = new Map<string, string>();
  const s = (x: string) => pool.get(x) ?? (pool.set(x, x), x);
  const coinbase = s(hex(0xc, 0, 20));
  const blocks: AccessSetFile["blocks"] = [];
  for (let i = 0; i < n; i++) {
    if (i % PER_BLOCK === 0) blocks.push({ number: 1 + i / PER_BLOCK, hash: null, coinbase, txs: [] });
    const from = s(hex(0xa, rnd(100_000), 20));
    const token = s(hex(0xb, rnd(50), 20));
    const poolAddr = s(hex(0xd, rnd(200), 20));
    const bal1 = [token, s(hex(0x1, rnd(100_000), 32))] as [string, string];
    const bal2 = [token, s(hex(0x2, rnd(100_000), 32))] as [string, string];
    const reserve = [poolAddr, s(hex(0x3, 0, 32))] as [string, string];
    const cold = Array.from({ length: 3 }, (): [string, string] => [s(hex(0xe, rnd(1000), 20)), s(hex(0x4, rnd(1_000_000), 32))]);
    const order = (x: [string, string], y: [string, string]) => (x[0] + x[1] < y[0] + y[1] ? -1 : 1);
    const tx: TxAccess = {
      index: i % PER_BLOCK,
      hash: null,
      from,
      to: poolAddr,
      selector: "0x022c0d9f",
      function: `Pool${rnd(4)}.swap`,
      gasUsed: 50_000 + rnd(100_000),
      storage: {
        reads: ([bal1, bal2, reserve, [poolAddr, s(hex(0x5, 1, 32))], ...cold] as [string, string][]).sort(order),
        writes: [bal1, bal2, reserve].sort(order),
      },
      accounts: {
        reads: [
          [coinbase, "balance"],
          [from, "balance"],
          [from, "nonce"],
        ],
        writes: [
          [coinbase, "balance"],
          [from, "balance"],
          [from, "nonce"],
        ],
      },
    };
    blocks.at(-1)!.txs.push(tx);
  }
  return {
    format: "disjoint.access-sets",
    version: 1,
    source: { kind: "synthetic", description: `bench/load.ts, ${n} txs` },
    precision: { reads: "tx", writes: "tx" },
    blocks,
  };
}

const part = process.env.BENCH_PART;
const file = process.env.BENCH_FILE ?? "";
if (part === "write") {
  const t0 = performance.now();
  const data = synthetic(N);
  const tGen = performance.now() - t0;
  const t1 = performance.now();
  await saveAccessSetFile(file, data);
  const tWrite = performance.now() - t1;
  console.log("RESULT " + JSON.stringify({ gen: tGen / 1000, secs: tWrite / 1000, peak: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}
if (part === "load") {
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  const loaded = await loadAccessSetFile(file);
  const secs = (performance.now() - t0) / 1000;
  const txs = loaded.blocks.reduce((s, b) => s + b.txs.length, 0);
  const accesses = loaded.blocks.reduce((s, b) => s + b.txs.reduce((u, t) => u + t.storage.reads.length + t.accounts.reads.length, 0), 0);
  console.log("RESULT " + JSON.stringify({ secs, txs, accesses, rss0, peak: process.resourceUsage().maxRSS * 1024 }));
  process.exit(0);
}

const root = path.join(import.meta.dirname, "..");
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-load-"));
const target = path.join(dir, "access-sets.json");
const child = (p: string) => {
  const r = spawnSync(process.execPath, [...process.execArgv, process.argv[1], "run", "bench/load.ts"], {
    cwd: root,
    env: { ...process.env, BENCH_PART: p, BENCH_FILE: target },
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  const line = r.stdout.split("\n").find((l) => l.startsWith("RESULT "));
  if (!line) throw new Error(`bench child ${p} failed:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line.slice(7)) as Record<string, number>;
};
try {
  const w = child("write");
  const size = statSync(target).size;
  console.log(
    `write: ${N} txs, ${mib(size)} MiB in ${w.secs!.toFixed(2)} s (generation ${w.gen!.toFixed(2)} s), peak RSS ${mib(w.peak!)} MiB`,
  );
  const l = child("load");
  console.log(`load: ${l.txs} txs in ${l.secs!.toFixed(2)} s, peak RSS ${mib(l.peak!)} MiB`);
  // End to end: the CLI task, timed by /usr/bin/time for its peak RSS.
  const t0 = performance.now();
  const cli = spawnSync(
    "/usr/bin/time",
    ["-f", "TIME %e %M", "npx", "hardhat", "conflicts", "analyze", target, "--quiet", "--md", path.join(dir, "analysis.md")],
    {
      cwd: root,
      encoding: "utf8",
      maxBuffer: 1 << 26,
    },
  );
  const cliSecs = (performance.now() - t0) / 1000;
  const timeLine = cli.stderr.split("\n").find((x) => x.startsWith("TIME "));
  if (cli.status !== 0 || !timeLine) throw new Error(`conflicts analyze failed (exit ${cli.status}):\n${cli.stdout}\n${cli.stderr}`);
  const cliPeak = Number(timeLine.split(" ")[2]) * 1024;
  console.log(`conflicts analyze: ${cliSecs.toFixed(2)} s, peak RSS ${mib(cliPeak)} MiB`);

  const md = [
    "# Access-set file loading benchmark",
    "",
    `Measured ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores shared with other jobs), Node ${process.version}.`,
    "Command: `npx hardhat run bench/load.ts` (BENCH_TXS=" + N + ").",
    "",
    `Synthetic file: ${N} transactions in blocks of ${PER_BLOCK}, 10 accesses each (3 account fields, 7 storage slots; see bench/load.ts), plain JSON, ${mib(size)} MiB on disk (past V8's maximum string length of about 512 MiB, so one JSON.parse of the text cannot read it). Each step runs in its own process; peak RSS is the whole process's (\`process.resourceUsage().maxRSS\`, or /usr/bin/time for the CLI), Hardhat's own baseline included.`,
    "",
    "| step | what | wall s | peak RSS MiB |",
    "| --- | --- | --- | --- |",
    `| write | \`saveAccessSetFile\` (validated per transaction, streamed to a temp file, renamed) | ${w.secs!.toFixed(2)} | ${mib(w.peak!)} (file held in memory) |`,
    `| load | \`loadAccessSetFile\` (streamed: chunked text, one transaction per JSON.parse, a check equivalent to the zod schema per transaction, strings shared): ${l.txs} txs, ${l.accesses} accesses | ${l.secs!.toFixed(2)} | ${mib(l.peak!)} |`,
    `| analyze | \`npx hardhat conflicts analyze FILE --quiet --md ...\`, end to end (Hardhat start, load, analysis, report) | ${cliSecs.toFixed(2)} | ${mib(cliPeak)} |`,
    "",
  ].join("\n");
  await writeFileAtomic(path.join(root, "bench", "results", "load.md"), md);
  console.log("wrote bench/results/load.md");
} finally {
  rmSync(dir, { recursive: true, force: true });
}
