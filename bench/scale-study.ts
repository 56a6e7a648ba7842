/**
 * `conflicts study` (runStudy: the built-in queries and the chain pass) on a tree, in one
 * process without Hardhat, with the process's CPU time and peak RSS: per-query wall times and
 * each section's first row, for comparing runs (MATERIALIZE=1: `materializeDeps`).
 *
 *   npx tsx bench/scale-study.ts TREE [FROM TO] [--memory 3GB]
 */
import { runStudy } from "../src/columnar/index.js";

const [tree, from, to] = process.argv.slice(2).filter((a, i, all) => !a.startsWith("--") && all[i - 1] !== "--memory");
const mi = process.argv.indexOf("--memory");
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const c0 = cpu();
const t0 = performance.now();
const r = await runStudy(tree, {
  from: from === undefined ? undefined : Number(from),
  to: to === undefined ? undefined : Number(to),
  memoryLimit: mi > 0 ? process.argv[mi + 1] : "3GB",
  materializeDeps: process.env.MATERIALIZE === "1",
  progress: { env: { CI: "true" } },
});
console.log(
  JSON.stringify({ wallSecs: (performance.now() - t0) / 1000, cpuSecs: cpu() - c0, peakRssMiB: process.resourceUsage().maxRSS / 1024 }),
);
for (const s of r.sections) console.log(`${s.name} ${s.seconds.toFixed(2)} s, ${s.rows.length} rows, first ${JSON.stringify(s.rows[0])}`);
