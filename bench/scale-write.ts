/**
 * Write throughput of the producers' Parquet writer (issue #20) on real data: the shipped corpus
 * (fixtures/mainnet/*, 50 mainnet blocks replayed offline, the output of the replay producer)
 * merged into one access-set file and written as a tree with `saveColumnar`, the path
 * `saveAccessSetFile("*.parquet")` takes for every producer (workload, replay, BAL, test capture
 * all end in it). Two layouts: the default 10,000-block partitions (the corpus's blocks are far
 * apart, so one partition per block) and one partition for all (as a producer of consecutive
 * blocks fills them). Each is written ROUNDS times; the JSON writer of the same file is timed too.
 *
 *   npx tsx bench/scale-write.ts OUT_DIR [ROUNDS]
 */
import { readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { loadAccessSetFile, saveAccessSetFile, type AccessSetFile } from "../src/access/index.js";
import { saveColumnar } from "../src/columnar/index.js";

const out = process.argv[2];
const rounds = Number(process.argv[3] ?? 3);
if (!out) {
  console.error("usage: npx tsx bench/scale-write.ts OUT_DIR [ROUNDS]");
  process.exit(2);
}
const corpus = path.join(import.meta.dirname, "..", "fixtures", "mainnet");
const files = await Promise.all(
  readdirSync(corpus)
    .filter((d) => /^\d+$/.test(d))
    .sort()
    .map((d) => loadAccessSetFile(path.join(corpus, d, "access-sets.json.gz"))),
);
const blocks = files.flatMap((f) => f.blocks).sort((a, b) => a.number - b.number);
const merged: AccessSetFile = { ...files[0], blocks, names: undefined };
const txs = blocks.reduce((n, b) => n + b.txs.length, 0);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
console.log("| writer | partitions | blocks | txs | access rows | wall s (median) | CPU s (median) | access rows/s (wall) |");
console.log("| --- | --- | --- | --- | --- | --- | --- | --- |");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [label, partitionBlocks] of [
  ["Parquet, 10,000-block partitions", undefined],
  ["Parquet, one partition", 100_000_000],
] as const) {
  const walls: number[] = [];
  const cpus: number[] = [];
  let rows = 0;
  let parts = 0;
  for (let r = 0; r < rounds; r++) {
    const tree = path.join(out, `corpus-${r}.parquet`);
    const t0 = performance.now();
    const c0 = cpu();
    const meta = await saveColumnar(tree, merged, { partitionBlocks });
    walls.push((performance.now() - t0) / 1000);
    cpus.push(cpu() - c0);
    rows = meta.partitions.reduce((n, p) => n + p.accesses, 0);
    parts = meta.partitions.length;
    rmSync(tree, { recursive: true, force: true });
  }
  const w = median(walls);
  console.log(
    `| ${label} | ${parts} | ${blocks.length} | ${txs} | ${rows} | ${w.toFixed(2)} | ${median(cpus).toFixed(2)} | ${Math.round(rows / w)} |`,
  );
}
const walls: number[] = [];
const cpus: number[] = [];
for (let r = 0; r < rounds; r++) {
  const file = path.join(out, `corpus-${r}.json.gz`);
  const t0 = performance.now();
  const c0 = cpu();
  await saveAccessSetFile(file, merged);
  walls.push((performance.now() - t0) / 1000);
  cpus.push(cpu() - c0);
  rmSync(file, { force: true });
}
console.log(
  `| JSON (.json.gz), for comparison | - | ${blocks.length} | ${txs} | - | ${median(walls).toFixed(2)} | ${median(cpus).toFixed(2)} | - |`,
);
