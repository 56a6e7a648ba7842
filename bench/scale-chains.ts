/**
 * The chain pass of `conflicts study` alone (`blockChains`, issue #20): wall, CPU and peak RSS
 * of the per-block longest-chain walk over a columnar tree, without Hardhat.
 *
 *   npx tsx bench/scale-chains.ts TREE
 */
import { blockChains } from "../src/columnar/index.js";

const tree = process.argv[2];
if (!tree) throw new Error("usage: npx tsx bench/scale-chains.ts TREE");
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = await blockChains(tree);
const c = process.cpuUsage(c0);
let max = 0;
for (const b of r) if (b.longestChain > max) max = b.longestChain;
console.log(
  `chains: ${r.length} blocks, longest ${max}, wall ${((performance.now() - t0) / 1000).toFixed(1)} s, cpu ${((c.user + c.system) / 1e6).toFixed(1)} s, peak rss ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`,
);
