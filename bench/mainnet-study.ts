/**
 * Mainnet study: conflict analysis and scheduler models over every corpus block
 * (fixtures/mainnet/<n>/access-sets.json.gz). Prints the tables and writes
 * bench/results/mainnet.md (atomically); the prose around the tables is in
 * bench/mainnet-study.prose.md, with {{TABLES}}, {{COVERAGE}}, {{HOT}} and {{HEADLINE}}
 * filled in from this run.
 *   npx hardhat run bench/mainnet-study.ts      (or: node --import tsx bench/mainnet-study.ts)
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { writeFileAtomic } from "../src/access/io.js";
import { listCorpusBlocks } from "../src/replay/index.js";
import { keccak256 } from "ethers";
import {
  BALANCE_MAPPINGS,
  loadStudyBlock,
  renderStudyTables,
  runStudy,
  slotLabel,
  type KnownCode,
  type Study,
} from "../src/study/mainnet.js";

const root = fileURLToPath(new URL("../fixtures/mainnet", import.meta.url));
const numbers = await listCorpusBlocks(root);
const t0 = performance.now();
const inputs = await Promise.all(numbers.map((n) => loadStudyBlock(join(root, String(n)))));
// Uniswap V2 pairs are recognised by runtime code: the @uniswap/v2-core build's UniswapV2Pair
// (identical to the deployed pairs' code). Slot layout: UniswapV2ERC20 (0-4), then the pair (5-12).
const v2 = JSON.parse(
  await readFile(fileURLToPath(new URL("../node_modules/@uniswap/v2-core/build/UniswapV2Pair.json", import.meta.url)), "utf8"),
) as { evm: { deployedBytecode: { object: string } } };
const knownCode: KnownCode = {
  [keccak256("0x" + v2.evm.deployedBytecode.object.replace(/^0x/, ""))]: {
    label: "UniswapV2Pair",
    slots: {
      0: "totalSupply",
      5: "factory",
      6: "token0",
      7: "token1",
      8: "reserves",
      9: "price0CumulativeLast",
      10: "price1CumulativeLast",
      11: "kLast",
      12: "unlocked",
    },
  },
};
const study = runStudy(inputs, { knownCode });
const seconds = (performance.now() - t0) / 1000;

function coverageTable(s: Study): string {
  const per = new Map<string, { accessed: number; named: number; txs: number; txsOnNamed: number; blocks: number }>();
  for (const b of s.blocks)
    for (const c of b.coverage) {
      const a = per.get(c.token) ?? { accessed: 0, named: 0, txs: 0, txsOnNamed: 0, blocks: 0 };
      a.accessed += c.accessed;
      a.named += c.named;
      a.txs += c.txs;
      a.txsOnNamed += c.txsOnNamed;
      a.blocks++;
      per.set(c.token, a);
    }
  const rows = [
    "| token (mapping slot) | blocks touching it | slots accessed (summed over blocks) | named balance slots | txs touching the token | of which touch a named balance slot |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  const slot: Record<string, number> = { WETH: 3, USDC: 9, USDT: 2, DAI: 2 };
  for (const [t, a] of per)
    rows.push(
      `| ${t} (${slot[t]}) | ${a.blocks} | ${a.accessed} | ${a.named} (${((100 * a.named) / a.accessed).toFixed(0)}%) | ${a.txs} | ${a.txsOnNamed} (${((100 * a.txsOnNamed) / a.txs).toFixed(0)}%) |`,
    );
  // Are the named slots the hot ones? Token storage slots among each block's hot slots (top 3 by serialization).
  let tokenHot = 0;
  let namedHot = 0;
  const examples: string[] = [];
  for (const b of s.blocks)
    for (const h of b.hotSlots)
      if (BALANCE_MAPPINGS[h.account] && h.slot.startsWith("0x") && h.serialized > 0) {
        tokenHot++;
        if (h.name) {
          namedHot++;
          if (examples.length < 4) examples.push(`${slotLabel(h)} in ${b.number} (${h.serialized} serialized)`);
        }
      }
  rows.push(
    "",
    `Among the blocks' top-3 hot slots, ${tokenHot} are storage of these four tokens, and ${namedHot} of them are named balance slots (e.g. ${examples.join("; ")}).`,
  );
  return rows.join("\n");
}

function hotTable(s: Study): string {
  const rows = [
    "All locations:",
    "",
    "| location | txs touching it | writers | txs serialized behind an earlier writer |",
    "|---|---:|---:|---:|",
  ];
  for (const h of s.aggregate.hotSlots) rows.push(`| ${slotLabel(h)} | ${h.txs} | ${h.writers} | ${h.serialized} |`);
  rows.push(
    "",
    "Storage slots only:",
    "",
    "| slot | txs touching it | writers | txs serialized behind an earlier writer |",
    "|---|---:|---:|---:|",
  );
  for (const h of s.aggregate.storageHotSlots) rows.push(`| ${slotLabel(h)} | ${h.txs} | ${h.writers} | ${h.serialized} |`);
  return rows.join("\n");
}

const a = study.aggregate;
const multi = study.blocks.filter((b) => b.txs >= 2);
const mean = (xs: number[]) => xs.reduce((x, y) => x + y, 0) / xs.length;
const sp = (sch: string, t: number) => a.rows.find((r) => r.scheduler === sch && r.threads === t)?.speedup?.toFixed(2) ?? "n/a";
const headline = [
  `${study.blocks.length} blocks, ${a.txs} transactions, ${(a.totalGas / 1e6).toFixed(1)} M gas.`,
  `Conflict rate (txs with any conflict edge): ${(100 * a.conflictRate).toFixed(1)}% over all transactions (mean of per-block rates: ${(100 * a.meanConflictRate).toFixed(1)}%);`,
  `${(100 * (1 - a.conflictRate)).toFixed(1)}% of transactions touch no location another transaction of their block writes (or read one it writes).`,
  `Storage slots only (account balance/nonce/code left out): conflict rate ${(100 * a.storageConflictRate).toFixed(1)}% over all transactions, mean of per-block rates ${(100 * mean(multi.map((b) => b.storageConflictRate))).toFixed(1)}%; ${multi.filter((b) => b.storageConflictRate <= 0.4).length} of ${multi.length} blocks (>= 2 txs) have at least 60% of their transactions disjoint on storage.`,
  `Blocks with at least 60% of transactions depending on no earlier one (no incoming RAW/WW edge): ${multi.filter((b) => b.dependentRate <= 0.4).length} of ${multi.length}.`,
  `Dependent txs (incoming RAW or WW edge; the analysis and the scheduler's DAG share these edges): ${(100 * a.dependentRate).toFixed(1)}%. Longest RAW/WW dependency chain in any block: ${a.longestChain} txs.`,
  `Aggregate speedup over serial, dag (limit) at 4/8/16/32 threads: ${[4, 8, 16, 32].map((t) => sp("dag", t)).join(" / ")}x;`,
  `block-stm: ${[4, 8, 16, 32].map((t) => sp("block-stm", t)).join(" / ")}x; locks on observed sets: ${[4, 8, 16, 32].map((t) => sp("locks", t)).join(" / ")}x.`,
  `Mean of per-block speedups (blocks with >= 2 txs), block-stm at 8 / 16 threads: ${a.meanSpeedup["block-stm@8"]?.toFixed(2)} / ${a.meanSpeedup["block-stm@16"]?.toFixed(2)}x; dag: ${a.meanSpeedup["dag@8"]?.toFixed(2)} / ${a.meanSpeedup["dag@16"]?.toFixed(2)}x.`,
].join("\n");

const tables = renderStudyTables(study);
console.log(headline + "\n\n" + hotTable(study) + "\n\n" + coverageTable(study) + "\n\n" + tables);
console.log(`\n(${seconds.toFixed(1)} s)`);

const prose = await readFile(fileURLToPath(new URL("./mainnet-study.prose.md", import.meta.url)), "utf8").catch(
  () => "{{HEADLINE}}\n\n{{HOT}}\n\n{{COVERAGE}}\n\n{{TABLES}}\n",
);
const md = prose
  .replace("{{HEADLINE}}", headline)
  .replace("{{HOT}}", hotTable(study))
  .replace("{{COVERAGE}}", coverageTable(study))
  .replace("{{TABLES}}", tables)
  .replace("{{SECONDS}}", seconds.toFixed(1));
await writeFileAtomic(fileURLToPath(new URL("./results/mainnet.md", import.meta.url)), md);
console.log("wrote bench/results/mainnet.md");
