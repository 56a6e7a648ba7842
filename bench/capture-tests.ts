/**
 * What capture costs a test run: this repository's own mocha tests of the three products, run
 * plain (`hardhat test mocha FILES --no-compile`) and under `hardhat conflicts capture tests
 * FILES --no-compile`, alternately, RUNS times each, each in its own process. Writes
 * bench/results/capture-tests.md (atomically).
 *
 *   npx hardhat run bench/capture-tests.ts          (BENCH_RUNS=3 by default)
 *
 * Wall time of the whole command (Hardhat start-up included); the machine is shared, so the
 * load average is recorded beside the figures and the minimum of the runs is the fairer one.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "../src/access/index.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const FILES = [
  "test/contracts/DisjointVault.ts",
  "test/contracts/LendingMarket.ts",
  "test/contracts/DexPair.ts",
  "test/contracts/DexRouter.ts",
];
const ROOT = path.resolve(import.meta.dirname, "..");
const CLI = path.join(ROOT, "node_modules", "hardhat", "dist", "src", "cli.js");

function timed(args: string[]): { secs: number; out: string } {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(HARDHAT_|HH_)/.test(k)) env[k] = v;
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: "utf8", maxBuffer: 256 << 20 });
  const secs = (performance.now() - t0) / 1000;
  const out = (r.stdout ?? "") + (r.stderr ?? "");
  if (r.status !== 0) throw new Error(`hardhat ${args.join(" ")} failed (${r.status}):\n${out.slice(-3000)}`);
  return { secs, out };
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "bench-capture-tests-"));
const plain: number[] = [];
const captured: number[] = [];
let summary = "";
let txs = 0;
let blocks = 0;
const load0 = os.loadavg()[0];
try {
  for (let i = 0; i < RUNS; i++) {
    plain.push(timed(["test", "mocha", ...FILES, "--no-compile"]).secs);
    const out = path.join(tmp, "tests.json");
    const r = timed(["conflicts", "capture", "tests", ...FILES, "--no-compile", "--out", out]);
    captured.push(r.secs);
    summary = r.out.match(/captured .*/)?.[0] ?? "";
    const file = JSON.parse(readFileSync(out, "utf8")) as { blocks: { txs: unknown[] }[] };
    blocks = file.blocks.length;
    txs = file.blocks.reduce((n, b) => n + b.txs.length, 0);
    console.log(`run ${i + 1}: plain ${plain[i].toFixed(2)} s, with capture ${captured[i].toFixed(2)} s (${summary})`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
const load1 = os.loadavg()[0];
const min = (xs: number[]) => Math.min(...xs);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const md = `# Capture from a test run: what it costs

Measured ${new Date().toISOString()} on ${os.cpus()[0]?.model ?? "unknown CPU"} (${os.cpus().length} cores shared with other jobs; load average ${load0.toFixed(1)} before, ${load1.toFixed(1)} after), Node ${process.version}.
Command: \`npx hardhat run bench/capture-tests.ts\` (BENCH_RUNS=${RUNS}).

The mocha tests ${FILES.map((f) => `\`${f}\``).join(", ")}, each command in its own process, Hardhat start-up
included, alternately ${RUNS} times. Capture reads every block right after it is mined (re-execution,
checked against the node's gas and receipts root; a trace where that cannot run), identifies contracts
by code and names slots from the build's storage layouts.

| command | min s | median s |
| --- | ---: | ---: |
| \`hardhat test mocha FILES --no-compile\` | ${min(plain).toFixed(2)} | ${median(plain).toFixed(2)} |
| \`hardhat conflicts capture tests FILES --no-compile\` | ${min(captured).toFixed(2)} | ${median(captured).toFixed(2)} |
| difference | ${(min(captured) - min(plain)).toFixed(2)} | ${(median(captured) - median(plain)).toFixed(2)} |

Captured: ${txs} transactions in ${blocks} blocks; the task said: "${summary}".
Difference per captured transaction (medians): ${(((median(captured) - median(plain)) / Math.max(1, txs)) * 1000).toFixed(1)} ms.
`;
await writeFileAtomic(path.join(ROOT, "bench", "results", "capture-tests.md"), md);
console.log(md);
