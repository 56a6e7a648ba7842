/**
 * Per-block facts of the 50 shipped mainnet blocks that the access sets alone do not give:
 * which transactions are value transfers to an account without code (pevm updates those
 * lazily) and which read the code of an account an earlier tx self-destructed (pevm falls
 * back to sequential). Derived from the replay's access sets
 * (fixtures/mainnet/<n>/access-sets.json.gz, `npx hardhat mainnet replay --all --write`) and
 * the blocks' pre-state code. Writes fixtures/pevm/block-facts.json.gz, which
 * bench/calibrate.ts and test/engine/calibration.ts read (so they need not parse the pre-states).
 *   node --import tsx bench/block-features.ts      (or: npx hardhat run bench/block-features.ts)
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { writeFileAtomic } from "../src/access/io.js";
import { blockFacts } from "../src/schedule/cost-model.js";
import { loadStudyBlock } from "../src/study/mainnet.js";

const ROOT = "fixtures/mainnet";
const OUT = "fixtures/pevm/block-facts.json.gz";

const numbers = (await readdir(ROOT))
  .filter((d) => /^\d+$/.test(d))
  .map(Number)
  .sort((a, b) => a - b);
const blocks: Record<string, { hash: string | null; txs: number; rawTransfers: number[]; selfDestructReads: [number, string, number][] }> =
  {};
for (const n of numbers) {
  const dir = join(ROOT, String(n));
  const { file } = await loadStudyBlock(dir);
  const pre = JSON.parse(gunzipSync(await readFile(join(dir, "pre_state.json.gz"))).toString("utf8")) as Record<
    string,
    { code?: { original_len: number } | null }
  >;
  const withCode = new Set(
    Object.entries(pre)
      .filter(([, a]) => a.code && a.code.original_len > 0)
      .map(([a]) => a.toLowerCase()),
  );
  const block = file.blocks[0];
  const f = blockFacts(block, (a) => withCode.has(a));
  blocks[n] = {
    hash: block.hash,
    txs: block.txs.length,
    rawTransfers: f.rawTransfer.flatMap((r, i) => (r ? [i] : [])),
    selfDestructReads: f.selfDestructReads,
  };
  console.log(
    `${n}: ${block.txs.length} txs, ${blocks[n].rawTransfers.length} raw transfers, ${f.selfDestructReads.length} self-destructed reads`,
  );
}
const out = {
  format: "disjoint.block-facts",
  version: 1,
  command: "node --import tsx bench/block-features.ts",
  derivedFrom: "fixtures/mainnet/<n>/access-sets.json.gz (the replay) and pre_state.json.gz (code of each account before the block)",
  blocks,
};
await writeFileAtomic(OUT, gzipSync(JSON.stringify(out)));
console.log(`wrote ${OUT}`);
