/**
 * The suite benchmark: every workload (dex, lending, vault, mix) on both designs, 1,000
 * transactions from 1,000 distinct users each; captured access sets, conflict rate, longest
 * chain, speedups at 1-32 threads under dag, Block-STM and declared locks, and gas per
 * operation. Writes bench/results/suite.md.  Run: npx hardhat run bench/suite.ts
 * (BENCH_TXS and BENCH_SEED override the block size and seed.) Also writes the demo's HTML
 * report of every workload and design to reports/suite/ (BENCH_REPORTS overrides).
 */
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { writeFileAtomic } from "../src/access/io.js";
import { ContractBook, loadBuildInfoContracts } from "../src/decode/artifacts.js";
import { comparisonRows, designReportData, gasRows, runDesign, speedupAt, type DesignOutcome } from "../src/pipeline/compare.js";
import { markdownTable, textTable } from "../src/util/tables.js";
import { DEFAULT_THREADS } from "../src/pipeline/index.js";
import { writeReportHtml } from "../src/report/write.js";
import { disjointDesign, incumbentDesign, BENCH_SHARDS } from "../src/workload/designs.js";
import { generateWorkload, type WorkloadKind } from "../src/workload/index.js";
import { freshWorkloadEnv } from "../tasks/workload-env.js";

const TXS = Number(process.env.BENCH_TXS ?? 1000);
const SEED = Number(process.env.BENCH_SEED ?? 1);
const KINDS: WorkloadKind[] = ["dex", "lending", "vault", "mix"];
const REPORTS = process.env.BENCH_REPORTS ?? path.join("reports", "suite");

await hre.tasks.getTask("build").run({ quiet: true });
const contracts = await loadBuildInfoContracts(path.join(hre.config.paths.artifacts, "build-info"));
const started = performance.now();
const sections: string[] = [];
const headline: string[][] = [["workload", "design", "longest chain", "dependency limit", "conflicting pairs", "dag @16", "Block-STM @16", "locks @16", "Block-STM aborts @16", "conflict rate"]];

for (const kind of KINDS) {
  const workload = generateWorkload({ kind, txs: TXS, seed: SEED });
  const outcomes: DesignOutcome[] = [];
  for (const design of [disjointDesign(), incumbentDesign()]) {
    const env = await freshWorkloadEnv(hre);
    const o = await runDesign(env, design, workload, { book: new ContractBook(contracts), progress: (s) => console.error(`  ${kind}: ${s}`) });
    outcomes.push(o);
    // The same HTML report as the demo writes (reports/ is not committed: about 1 MB each).
    const html = path.join(REPORTS, `suite-${kind}-${o.design}.html`);
    await writeReportHtml(designReportData(o, workload), html);
    console.error(`  wrote ${html}`);
    const r16 = o.simulation.aggregate.find((r) => r.scheduler === "block-stm" && r.threads === 16);
    headline.push([
      kind,
      o.design,
      String(o.analysis.longestChain.length),
      `${o.analysis.dependencyLimit.toFixed(2)}x`,
      `${(o.analysis.conflictingPairShare * 100).toFixed(2)}%`,
      `${speedupAt(o, "dag", 16)?.toFixed(2)}x`,
      `${speedupAt(o, "block-stm", 16)?.toFixed(2)}x`,
      speedupAt(o, "locks", 16) === null ? "unsound" : `${speedupAt(o, "locks", 16)!.toFixed(2)}x`,
      String(r16?.aborts ?? "-"),
      `${(o.analysis.conflictRate * 100).toFixed(1)}%`,
    ]);
    console.error(
      `  ${kind}/${o.design}: run ${(o.timings.run / 1000).toFixed(1)} s, capture ${(o.timings.capture / 1000).toFixed(1)} s, analyze ${(o.timings.analyze / 1000).toFixed(2)} s, simulate ${(o.timings.simulate / 1000).toFixed(2)} s`,
    );
  }
  const speedRows: string[][] = [["scheduler", "design", ...DEFAULT_THREADS.map((t) => `${t}`)]];
  for (const scheduler of ["dag", "block-stm", "locks"]) {
    for (const o of outcomes) {
      speedRows.push([scheduler, o.design, ...DEFAULT_THREADS.map((t) => (speedupAt(o, scheduler, t) === null ? "unsound" : `${speedupAt(o, scheduler, t)!.toFixed(2)}x`))]);
    }
  }
  const hot = outcomes.map((o) =>
    [`Hottest slots, ${o.design}:`, ...o.analysis.hotSlots.slice(0, 5).map((h) => `- ${h.name ?? `${o.file.names?.accounts?.[h.account] ?? h.account} ${h.slot}`}: ${h.txs} txs, ${h.writers} writers, ${h.serialized} serialized`)].join("\n"),
  );
  sections.push(
    [
      `## ${kind} workload`,
      "",
      `Systems: disjoint = ${outcomes[0].systems.join(", ")}; incumbents = ${outcomes[1].systems.join(", ")}.`,
      "",
      markdownTable(comparisonRows(outcomes)),
      "",
      "Speedup over serial by threads:",
      "",
      markdownTable(speedRows),
      "",
      markdownTable(gasRows(outcomes)),
      "",
      ...hot.flatMap((h) => [h, ""]),
    ].join("\n"),
  );
}

const versions = {
  node: process.version,
  hardhat: (await import("hardhat/package.json", { with: { type: "json" } })).default.version,
  solc: "0.8.30 (wasm, optimizer 10,000 runs, cancun)",
};
const md = [
  "# Suite benchmark: disjoint against the incumbents",
  "",
  `Measured ${new Date().toISOString().slice(0, 10)} with \`npx hardhat run bench/suite.ts\` in ${((performance.now() - started) / 1000).toFixed(0)} s on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${versions.node}, Hardhat ${versions.hardhat}, solc ${versions.solc}.`,
  "",
  `Each workload is one block of ${TXS} transactions (seed ${SEED}), every transaction from a distinct user, run on a fresh in-process chain per design.`,
  `The disjoint suite runs with up to ${BENCH_SHARDS} shards per contract (hot DEX pools get more shards than cold ones); the incumbents are Uniswap V2, Morpho Blue and OpenZeppelin's ERC4626 from their published packages.`,
  "Access sets come from re-executing the block (gas and receipts root checked against the node); speedups are simulated with gas as the cost, fee-recipient accounting excluded.",
  "`locks` uses each transaction's declared access list where its target declares one (the disjoint suite, whose BenchToken accesses are declared slot by slot through a token layout registry) and the observed sets otherwise (the incumbents declare nothing, so their locks figure is an optimistic bound); a per-block snapshot's inputs are unlocked once the block's first interaction has stored it (docs/schedulers.md, \"Snapshot takers\").",
  "Harvest gas is not comparable: the disjoint vault's harvest does the accounting of a strategy report; the baseline's is a plain token transfer of the yield into the vault.",
  "",
  markdownTable(headline),
  "",
  ...sections,
].join("\n");
await writeFileAtomic(path.join("bench", "results", "suite.md"), md + "\n");
console.log(textTable(headline));
console.log(`\nwrote bench/results/suite.md in ${((performance.now() - started) / 1000).toFixed(0)} s`);
