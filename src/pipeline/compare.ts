/**
 * One workload, two designs, side by side: run the block on each design, capture its access
 * sets, run the pipeline (analysis, simulation), and compare gas per operation. What the demo
 * task prints and the suite benchmark writes.
 */
import type { AccessSetFile } from "../access/format.js";
import { captureWorkloadBlock, uniswapV2PairSlotName } from "../capture/workload-block.js";
import type { AnalysisResult, ConflictGraph } from "../conflicts/index.js";
import type { ContractBook } from "../decode/artifacts.js";
import type { CorpusReport, SimulationResult } from "../schedule/index.js";
import type { Design, DriverEnv } from "../workload/drivers/types.js";
import type { Operation, PrologueOp, Workload } from "../workload/operations.js";
import { runWorkload, type WorkloadRun } from "../workload/run.js";
import { describeDependencyOptions } from "../model/dependency.js";
import { markdownTable } from "../util/tables.js";
import type { ReportData } from "../report/model.js";
import { writeReportHtml } from "../report/write.js";
import { saveAccessSetFile, writeFileAtomic } from "../access/io.js";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { DEFAULT_THREADS, reportData, runPipeline, type PipelineResult } from "./index.js";

export interface GasStat {
  count: number;
  mean: number;
}

export interface DesignOutcome {
  design: string;
  systems: string[];
  run: WorkloadRun;
  file: AccessSetFile;
  analysis: AnalysisResult;
  graph: ConflictGraph;
  simulation: CorpusReport;
  gantt: SimulationResult;
  gas: Record<string, GasStat>;
  /** Everything the pipeline produced (report data is built from it). */
  pipeline: PipelineResult;
  /** Wall time of each stage, in milliseconds. */
  timings: { run: number; capture: number; analyze: number; simulate: number };
}

/** The operation's kind as the comparison groups it: "dex swap (1 hop)", "lending borrow", ... */
export function operationKind(op: Operation | PrologueOp): string {
  if (op.kind === "prologue") return `${op.product} ${op.what}`;
  if (op.product === "dex" && op.kind === "swap") {
    const hops = op.path.length - 1;
    return `dex swap (${hops} hop${hops === 1 ? "" : "s"})`;
  }
  return `${op.product} ${op.kind}`;
}

export function gasByOperation(run: WorkloadRun): Record<string, GasStat> {
  const sums = new Map<string, { count: number; total: bigint }>();
  for (const tx of run.txs) {
    const k = operationKind(tx.op);
    const s = sums.get(k) ?? { count: 0, total: 0n };
    s.count++;
    s.total += tx.gasUsed;
    sums.set(k, s);
  }
  return Object.fromEntries(
    [...sums].sort(([a], [b]) => a.localeCompare(b)).map(([k, s]) => [k, { count: s.count, mean: Number(s.total) / s.count }]),
  );
}

export interface RunDesignOptions {
  book?: ContractBook;
  threads?: number[];
  progress?: (stage: string) => void;
}

export async function runDesign(env: DriverEnv, design: Design, workload: Workload, opts: RunDesignOptions = {}): Promise<DesignOutcome> {
  const progress = opts.progress ?? (() => {});
  const threads = opts.threads ?? DEFAULT_THREADS;
  let t = performance.now();
  const run = await runWorkload(env, design, workload, progress);
  const tRun = performance.now() - t;

  progress(`${design.name}: capturing ${run.txs.length} transactions by re-execution`);
  t = performance.now();
  const { file } = await captureWorkloadBlock(env.chain, run, {
    description: `${workload.name} workload (seed ${workload.seed}, ${workload.ops.length} txs) on ${design.name}`,
    book: opts.book,
    extraSlotNames: uniswapV2PairSlotName,
  });
  const tCapture = performance.now() - t;

  progress(`${design.name}: analyzing conflicts and simulating schedulers at ${threads.join(", ")} threads`);
  const pipeline = runPipeline(file, { threads });
  const { graph, analysis, simulation } = pipeline;
  const gantt = pipeline.gantt!.result;

  return {
    design: design.name,
    systems: Object.values(design.drivers).map((d) => d!.system),
    run,
    file,
    analysis,
    graph,
    simulation,
    gantt,
    gas: gasByOperation(run),
    pipeline,
    timings: { run: tRun, capture: tCapture, ...pipeline.timings },
  };
}

/** The HTML report's data of one design's run: what the demo and the suite benchmark write. */
export function designReportData(o: DesignOutcome, workload: Workload): ReportData {
  return reportData(o.pipeline, `${workload.name} workload on ${o.design}: ${o.systems.join(", ")}`, [
    `Seeded workload (seed ${workload.seed}) run on Hardhat's in-process network; access sets captured by re-execution.`,
  ]);
}

/** Speedup of `scheduler` at `threads` in an outcome, or null (absent, or unsound). */
export function speedupAt(o: DesignOutcome, scheduler: string, threads: number): number | null {
  return o.simulation.aggregate.find((r) => r.scheduler === scheduler && r.threads === threads)?.speedup ?? null;
}

/** The calibrated engine's predicted speedup at `threads` in an outcome, or null (no engine profile in the run). */
export function predictedAt(o: DesignOutcome, threads: number): number | null {
  return o.simulation.engine?.aggregate.find((r) => r.threads === threads)?.speedup ?? null;
}

/**
 * The calibrated prediction of an outcome's access sets under an engine profile at `threads`:
 * the pipeline's own prediction (simulation.engine, the one simulate, the demo and the report
 * print), run again for a profile or thread counts the outcome's run did not use; the
 * idealized schedulers and the Gantt run are left out. One speedup per thread count.
 */
export function predictedSpeedups(o: Pick<DesignOutcome, "file">, engine: string, threads: readonly number[]): number[] {
  const r = runPipeline(o.file, { engine, threads, schedulers: ["serial"], gantt: false });
  return threads.map((t) => {
    const s = r.simulation.engine?.aggregate.find((e) => e.threads === t)?.speedup;
    if (s === undefined) throw new Error(`the pipeline gave no ${engine} prediction at ${t} threads`);
    return s;
  });
}

const fmtX = (x: number | null) => (x === null ? "unsound" : `${x.toFixed(2)}x`);
const fmtPct = (x: number) => `${(x * 100).toFixed(1)}%`;
const fmtGas = (x: number) => Math.round(x).toLocaleString("en-US");

/** The headline rows: longest chain, dependency limit, conflicting pairs, speedups; the conflict rate as a detail. One column per design. */
export function comparisonRows(outcomes: readonly DesignOutcome[], threads: readonly number[] = [8, 16]): string[][] {
  const rows: string[][] = [["", ...outcomes.map((o) => o.design)]];
  // What separates designs first: the chain, the limit it sets, how many pairs conflict.
  rows.push(["longest dependency chain (txs)", ...outcomes.map((o) => String(o.analysis.longestChain.length))]);
  rows.push(["dependency limit (work / critical path)", ...outcomes.map((o) => `${o.analysis.dependencyLimit.toFixed(2)}x`)]);
  rows.push(["conflicting pairs (share of tx pairs)", ...outcomes.map((o) => fmtPct(o.analysis.conflictingPairShare))]);
  const engine = outcomes[0]?.simulation.engine?.name;
  const ideal = engine ? " (idealized, upper bound)" : "";
  for (const t of threads) {
    if (engine)
      rows.push([
        `predicted speedup @${t} (${engine}, calibrated)`,
        ...outcomes.map((o) => (predictedAt(o, t) === null ? "-" : fmtX(predictedAt(o, t)))),
      ]);
    rows.push([`dag bound @${t}`, ...outcomes.map((o) => fmtX(speedupAt(o, "dag", t)))]);
    rows.push([`Block-STM @${t}${ideal}`, ...outcomes.map((o) => fmtX(speedupAt(o, "block-stm", t)))]);
    rows.push([`declared locks @${t}${ideal}`, ...outcomes.map((o) => fmtX(speedupAt(o, "locks", t)))]);
  }
  rows.push(["detail: conflict rate (txs with any conflict)", ...outcomes.map((o) => fmtPct(o.analysis.conflictRate))]);
  return rows;
}

/** Gas per operation kind, one column per design, and the relative difference of the first to the second. */
export function gasRows(outcomes: readonly DesignOutcome[]): string[][] {
  const kinds = [...new Set(outcomes.flatMap((o) => Object.keys(o.gas)))].sort();
  const rows: string[][] = [["operation (mean gas)", ...outcomes.map((o) => o.design), ...(outcomes.length === 2 ? ["difference"] : [])]];
  for (const k of kinds) {
    const g = outcomes.map((o) => o.gas[k]);
    const row = [k, ...g.map((s) => (s ? `${fmtGas(s.mean)} (${s.count})` : "-"))];
    if (outcomes.length === 2) row.push(g[0] && g[1] ? `${(((g[0].mean - g[1].mean) / g[1].mean) * 100).toFixed(1)}%` : "-");
    rows.push(row);
  }
  return rows;
}

/**
 * What the predicted speedup stands for: the engine profile, its hardware, how far off its
 * calibration was on held-back blocks (from the profile's fit record), and what the other
 * figures are. Empty when the run had no engine profile.
 */
export function predictionCaveats(outcomes: readonly DesignOutcome[]): string[] {
  const e = outcomes[0]?.simulation.engine;
  if (!e) return ["every speedup is the idealized model (a tx takes its gas, no engine overheads): an upper bound, not a prediction."];
  return [
    `predicted speedup: the calibrated cost model of ${e.description}`,
    `  (${e.hardware}); on its held-back validation blocks: ${e.validation}.`,
    `  Engine relaxations: ${e.relaxation}. Other thread counts than ${e.calibratedThreads} extrapolate the fit.`,
    "dag bound, Block-STM and declared locks are the idealized model (a tx takes its gas; validation, commit and threads",
    "  cost nothing): upper bounds, not predictions.",
  ];
}

/** What a reader of the demo must know about its figures. */
export const DEMO_CAVEATS = [
  "declared locks: disjoint schedules by its declared access lists (token slots exact for registered layouts, snapshot",
  "  inputs unlocked once the block's snapshot is stored); the incumbents declare nothing, so their observed accesses",
  "  stand in (an optimistic bound).",
  "vault harvest gas is not comparable: disjoint's harvest books a strategy report; the baseline's is a token transfer.",
];

/** The demo's Markdown summary: headline rows, gas per operation, caveats. */
export function demoMarkdown(workload: Workload, outcomes: readonly DesignOutcome[]): string {
  const dependency = outcomes[0]?.simulation.dependency;
  return [
    `# disjoint demo: ${workload.name} workload, ${workload.ops.length} transactions`,
    "",
    `Seed ${workload.seed}; every transaction from a distinct user; one block per design on Hardhat's in-process network.`,
    `Speedups are simulated from the captured access sets (cost: ${outcomes[0]?.simulation.costColumn ?? "gasUsed"}).`,
    ...(dependency ? describeDependencyOptions(dependency) : []),
    "",
    markdownTable(comparisonRows(outcomes)),
    "",
    markdownTable(gasRows(outcomes)),
    "",
    ...mdList([...predictionCaveats(outcomes), ...DEMO_CAVEATS]),
    "",
  ].join("\n");
}

/** Caveat lines as a Markdown list: a line starting with two spaces continues the item above it. */
function mdList(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of lines) {
    if (c.startsWith("  ") && out.length > 0) out[out.length - 1] += ` ${c.trim()}`;
    else out.push(`- ${c}`);
  }
  return out;
}

/**
 * Writes the demo's outputs into `outDir`: per design its access sets and HTML report, and the
 * comparison as `demo.md` (each file written whole or not at all). Returns the paths written.
 */
export async function writeDemoOutputs(outDir: string, workload: Workload, outcomes: readonly DesignOutcome[]): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const o of outcomes) {
    const base = path.join(outDir, `demo-${o.design}`);
    await saveAccessSetFile(`${base}.access-sets.json.gz`, o.file);
    await writeReportHtml(designReportData(o, workload), `${base}.html`);
    written.push(`${base}.html`, `${base}.access-sets.json.gz`);
  }
  await writeFileAtomic(path.join(outDir, "demo.md"), demoMarkdown(workload, outcomes));
  written.push(path.join(outDir, "demo.md"));
  return written;
}
