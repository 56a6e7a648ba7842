/**
 * Where `conflicts analyze TREE` spends its time and memory on a Parquet tree (issue #20): the
 * compact read (DuckDB scan + key interning) and the analysis, timed apart, with CPU time and
 * the process's peak RSS after each phase. Runs without Hardhat (`npx tsx`), so the figures
 * are the library's own; the end-to-end task figure is in bench/results/scale.md.
 *
 *   npx tsx bench/scale-analyze.ts TREE
 */
import { loadColumnarCompact } from "../src/columnar/index.js";
import { analyze } from "../src/conflicts/index.js";

const tree = process.argv[2];
if (!tree) throw new Error("usage: npx tsx bench/scale-analyze.ts TREE");
const mib = (b: number) => Math.round(b / 1024 / 1024);
const phase = (name: string, t0: number, c0: NodeJS.CpuUsage) => {
  const c = process.cpuUsage(c0);
  const m = process.memoryUsage();
  console.log(
    `${name}: wall ${((performance.now() - t0) / 1000).toFixed(2)} s, cpu ${((c.user + c.system) / 1e6).toFixed(2)} s, ` +
      `rss ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB, external+buffers ${mib(m.external + m.arrayBuffers)} MiB, peak rss ${mib(process.resourceUsage().maxRSS * 1024)} MiB`,
  );
};
let t0 = performance.now();
let c0 = process.cpuUsage();
const input = await loadColumnarCompact(tree);
phase(
  `read (${input.compact.txBlock.length} txs, ${input.compact.txKeys.length} accesses, ${input.compact.keyAccount.length} keys)`,
  t0,
  c0,
);
t0 = performance.now();
c0 = process.cpuUsage();
const { result } = analyze(input, {});
phase(`analyze (${result.txs} txs, ${result.conflictingTxs} conflicting)`, t0, c0);
