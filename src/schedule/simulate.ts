/**
 * Runs the scheduler models over every block of an access-set file and aggregates them.
 */
import { UsageError } from "../errors.js";
import type { AccessSetFile, BlockAccess } from "../access/format.js";
import { dependencyOptions, type DependencyOptions } from "../model/dependency.js";
import { compactAccessSets } from "../model/block.js";
import { prepareBlock, type BlockForm, type PrepareOptions, type PreparedBlock, type UnderDeclaration } from "./block.js";
import type { BlockStmOptions } from "./blockstm.js";
import { analyzeDag, simulateDagMany, simulateSerial } from "./simple.js";
import { SCHEDULER_TABLE } from "./schedulers.js";
import type { SchedulerName, SimulationResult } from "./types.js";
import { engineBlock, predictEngineSweep, type BlockFacts, type EngineProfile } from "./cost-model.js";

const SCHEDULERS = SCHEDULER_TABLE.map((s) => s.name);

export interface SimulateOptions {
  threads: readonly number[];
  schedulers?: readonly SchedulerName[];
  /** Cost model (src/model/cost.ts): "auto" (default: gas where the block has it), "gasUsed", "accesses", "unit" or a key of tx.costs. */
  cost?: string;
  /** How dependencies are defined (src/model/dependency.ts); defaults filled in. */
  dependency?: Partial<DependencyOptions>;
  blockStm?: Omit<BlockStmOptions, "threads" | "recordReads" | "timeline">;
  /**
   * A calibrated engine profile (src/schedule/cost-model.ts): adds the engine's predicted
   * speedup per thread count to every block and the aggregate. `facts` gives a block's raw
   * transfers and self-destructs (cost-model.ts blockFacts / factsFromFile / inferFacts).
   */
  engine?: { profile: EngineProfile; facts: (block: BlockAccess) => BlockFacts };
}

/** The calibrated engine's prediction at one thread count, for one block or a corpus. */
export interface EngineRow {
  threads: number;
  /** Predicted sequential and parallel time (µs, the engine's machine). */
  sequential: number;
  parallel: number;
  speedup: number;
  /** Blocks the engine runs sequentially (size threshold or self-destruct abort). */
  fallbacks: number;
  /** Per block: why it ran sequentially, or null. */
  fallback?: string | null;
}

/** One scheduler at one thread count, for one block or aggregated over a corpus. */
export interface Row {
  scheduler: SchedulerName;
  threads: number;
  /** null when the schedule is unsound (locks with under-declared txs). */
  makespan: number | null;
  /** serial makespan / makespan. */
  speedup: number | null;
  /** speedup / threads. */
  efficiency: number | null;
  aborts: number;
  reExecutions: number;
  wastedWork: number;
  /** makespan / dag makespan - 1 (0 = reaches the dag limit). */
  gapToDag: number | null;
  /** Blocks counted in this row (aggregate rows leave out unsound blocks). */
  blocks: number;
  unsoundBlocks: number;
}

export interface BlockReport {
  number: number;
  txs: number;
  /** Serial makespan. */
  work: number;
  /** The cost model the block was simulated under ("gasUsed", "accesses", "unit" or a tx.costs column). */
  costModel: string;
  criticalPath: number;
  /** Transactions on the longest dependency chain (the same edges as the conflict analysis). */
  longestChain: number;
  /** Transactions that depend on an earlier one (RAW or WW). */
  dependentTxs: number;
  notes: string[];
  rows: Row[];
  underDeclared?: UnderDeclaration[];
  /** With `engine`: the calibrated prediction per thread count. */
  engine?: EngineRow[];
}

export interface CorpusReport {
  source: string;
  costColumn: string;
  /** The dependency rules every block was simulated under. */
  dependency: DependencyOptions;
  threads: number[];
  schedulers: SchedulerName[];
  blockStm: { validationFraction: number; validationPerRead: number; validationFixed: number; suspendFraction: number };
  txs: number;
  blocks: BlockReport[];
  aggregate: Row[];
  /** With `engine`: the profile and the aggregate prediction (sums of times over blocks). */
  engine?: {
    name: string;
    description: string;
    hardware: string;
    calibratedThreads: number;
    validation: string;
    relaxation: string;
    aggregate: EngineRow[];
  };
}

function normalize(opts: SimulateOptions): { threads: number[]; schedulers: SchedulerName[] } {
  const threads = [...new Set(opts.threads)].sort((a, b) => a - b);
  if (threads.length === 0) throw new UsageError("no thread counts given");
  for (const t of threads)
    if (!Number.isInteger(t) || t < 1 || t > 4096) throw new UsageError(`thread count ${t} is not an integer in 1..4096`);
  const schedulers = opts.schedulers ? [...new Set(opts.schedulers)] : [...SCHEDULERS];
  for (const s of schedulers)
    if (!SCHEDULERS.includes(s)) throw new UsageError(`unknown scheduler "${s}" (known: ${SCHEDULERS.join(", ")})`);
  return { threads, schedulers: SCHEDULERS.filter((s) => schedulers.includes(s)) };
}

/** Simulates every requested scheduler and thread count on one prepared block. */
export function simulatePrepared(block: PreparedBlock, opts: SimulateOptions): BlockReport {
  const { threads, schedulers } = normalize(opts);
  const serial = simulateSerial(block);
  const analysis = analyzeDag(block);
  const dag = simulateDagMany(block, threads, { analysis });
  const rows: Row[] = [];
  const row = (r: SimulationResult, dagMakespan: number): Row => {
    const ok = r.sound;
    const makespan = ok ? r.makespan : null;
    // Without costs (work 0) there is no speedup to give; the block's notes say why.
    const speedup = makespan === null || serial.makespan === 0 ? null : makespan > 0 ? serial.makespan / makespan : 1;
    return {
      scheduler: r.scheduler,
      threads: r.threads,
      makespan,
      speedup,
      efficiency: speedup === null ? null : speedup / r.threads,
      aborts: r.aborts,
      reExecutions: r.reExecutions,
      wastedWork: r.wastedWork,
      gapToDag: makespan === null ? null : dagMakespan > 0 ? makespan / dagMakespan - 1 : 0,
      blocks: ok ? 1 : 0,
      unsoundBlocks: ok ? 0 : 1,
    };
  };
  let underDeclared: UnderDeclaration[] | undefined;
  const ctx = opts.blockStm ? { analysis, blockStm: opts.blockStm } : { analysis };
  for (const spec of SCHEDULER_TABLE) {
    if (!schedulers.includes(spec.name)) continue;
    threads.forEach((t, k) => {
      if (spec.name === "serial") {
        if (k === 0) rows.push(row(serial, simulateDagMany(block, [1], { analysis })[0].makespan));
      } else if (spec.name === "dag") rows.push(row(dag[k], dag[k].makespan));
      else {
        const r = spec.run(block, t, ctx);
        if (r.underDeclared && !r.sound) underDeclared = r.underDeclared;
        rows.push(row(r, dag[k].makespan));
      }
    });
  }
  const report: BlockReport = {
    number: block.number,
    txs: block.txs.length,
    work: serial.makespan,
    costModel: block.costColumn,
    criticalPath: analysis.criticalPath,
    longestChain: analysis.longestChain,
    dependentTxs: analysis.dependentTxs,
    notes: block.notes,
    rows,
  };
  if (underDeclared) report.underDeclared = underDeclared;
  return report;
}

/** Simulates one block of an access-set file. */
export function simulateBlock(
  block: BlockAccess,
  opts: SimulateOptions,
  precision?: AccessSetFile["precision"],
  form?: BlockForm,
): BlockReport {
  const prepOpts: PrepareOptions = { cost: opts.cost ?? "auto", dependency: dependencyOptions(opts.dependency) };
  if (precision) prepOpts.precision = precision;
  const report = simulatePrepared(prepareBlock(block, prepOpts, form), opts);
  if (opts.engine) addEnginePrediction(report, block, opts.engine, normalize(opts).threads);
  return report;
}

/** Adds the calibrated engine's prediction at each thread count to a block's report. */
function addEnginePrediction(
  report: BlockReport,
  block: BlockAccess,
  engine: NonNullable<SimulateOptions["engine"]>,
  threads: readonly number[],
): void {
  const eb = engineBlock(block, engine.profile, engine.facts(block));
  report.engine = predictEngineSweep(eb, engine.profile, threads).map((p) => {
    return {
      threads: p.threads,
      sequential: p.sequential,
      parallel: p.parallel,
      speedup: p.speedup,
      fallbacks: p.fallback ? 1 : 0,
      fallback: p.fallback,
    };
  });
  report.notes = [...report.notes, `engine ${engine.profile.name}: ${eb.note}`];
}

/** Sums engine predictions over blocks (blocks run one after another). */
function aggregateEngine(blocks: readonly BlockReport[], threads: readonly number[]): EngineRow[] {
  return threads.map((t) => {
    let sequential = 0;
    let parallel = 0;
    let fallbacks = 0;
    for (const b of blocks) {
      const r = b.engine?.find((e) => e.threads === t);
      if (!r) continue;
      sequential += r.sequential;
      parallel += r.parallel;
      fallbacks += r.fallbacks;
    }
    return { threads: t, sequential, parallel, speedup: parallel > 0 ? sequential / parallel : 1, fallbacks };
  });
}

/**
 * Aggregates block reports: per scheduler and thread count, makespans add up over blocks
 * (blocks run one after another); speedup = summed serial work / summed makespan over the
 * blocks where the scheduler is sound, gap to dag over the same blocks.
 */
export function aggregate(blocks: readonly BlockReport[]): Row[] {
  const out = new Map<string, Row & { work: number; dag: number }>();
  for (const b of blocks) {
    const dagAt = new Map<number, number>();
    for (const r of b.rows) if (r.scheduler === "dag") dagAt.set(r.threads, r.makespan!);
    for (const r of b.rows) {
      const key = `${r.scheduler}@${r.threads}`;
      let a = out.get(key);
      if (!a) {
        a = {
          ...r,
          makespan: 0,
          speedup: null,
          efficiency: null,
          gapToDag: null,
          aborts: 0,
          reExecutions: 0,
          wastedWork: 0,
          blocks: 0,
          unsoundBlocks: 0,
          work: 0,
          dag: 0,
        };
        out.set(key, a);
      }
      a.unsoundBlocks += r.unsoundBlocks;
      if (r.makespan === null) continue;
      a.blocks++;
      a.makespan! += r.makespan;
      a.work += b.work;
      // When dag rows were not requested, gaps are relative to the block's own dag makespan
      // as recorded in gapToDag.
      a.dag += dagAt.get(r.threads) ?? (r.gapToDag !== null ? r.makespan / (1 + r.gapToDag) : r.makespan);
      a.aborts += r.aborts;
      a.reExecutions += r.reExecutions;
      a.wastedWork += r.wastedWork;
    }
  }
  return [...out.values()].map(({ work, dag, ...r }) => {
    if (r.blocks === 0) return { ...r, makespan: null };
    if (work === 0) return { ...r, speedup: null, efficiency: null, gapToDag: null };
    const speedup = r.makespan! > 0 ? work / r.makespan! : 1;
    return { ...r, speedup, efficiency: speedup / r.threads, gapToDag: dag > 0 ? r.makespan! / dag - 1 : 0 };
  });
}

/** Simulates every block of a file; `onBlock` sees each report as it is produced. */
export function simulateFile(file: AccessSetFile, opts: SimulateOptions, onBlock?: (r: BlockReport, i: number) => void): CorpusReport {
  normalize(opts);
  const compact = compactAccessSets(file, opts.cost ?? "auto");
  const blocks = file.blocks.map((b, i) => {
    const r = simulateBlock(b, opts, file.precision, { compact, block: i });
    onBlock?.(r, i);
    return r;
  });
  return corpusReport(file.source.description, blocks, opts);
}

/**
 * Simulates blocks prepared once by the caller (the pipeline shares them with the Gantt run).
 * With `opts.engine`, `raw` holds the same blocks as read (the engine's cost model needs them).
 */
export function simulatePreparedBlocks(
  source: string,
  prepared: readonly PreparedBlock[],
  opts: SimulateOptions,
  raw?: readonly BlockAccess[],
): CorpusReport {
  const { threads } = normalize(opts);
  if (opts.engine && raw?.length !== prepared.length)
    throw new RangeError(
      `simulatePreparedBlocks: the engine prediction needs the ${prepared.length} blocks as read, got ${raw?.length ?? 0}`,
    );
  const reports = prepared.map((b, i) => {
    const r = simulatePrepared(b, opts);
    if (opts.engine) addEnginePrediction(r, raw![i], opts.engine, threads);
    return r;
  });
  return corpusReport(source, reports, opts);
}

function corpusReport(source: string, blocks: BlockReport[], opts: SimulateOptions): CorpusReport {
  const { threads, schedulers } = normalize(opts);
  const report: CorpusReport = {
    source,
    costColumn: [...new Set(blocks.map((b) => b.costModel))].join(", ") || (opts.cost ?? "auto"),
    dependency: dependencyOptions(opts.dependency),
    threads,
    schedulers,
    blockStm: {
      validationFraction: opts.blockStm?.validationFraction ?? 0.05,
      validationPerRead: opts.blockStm?.validationPerRead ?? 0,
      validationFixed: opts.blockStm?.validationFixed ?? 0,
      suspendFraction: opts.blockStm?.suspendFraction ?? 0.05,
    },
    txs: blocks.reduce((s, b) => s + b.txs, 0),
    blocks,
    aggregate: aggregate(blocks),
  };
  if (opts.engine && blocks.some((b) => b.engine)) {
    const p = opts.engine.profile;
    report.engine = {
      name: p.name,
      description: p.description,
      hardware: p.hardware,
      calibratedThreads: p.threads,
      validation: p.fit.validationSummary ?? "not calibrated",
      relaxation: `lazy ${[p.lazy.beneficiary ? "fee-recipient credits" : "", p.lazy.rawTransfers ? "raw-transfer sender/recipient updates" : ""].filter((x) => x).join(" and ") || "nothing"}, for scheduling only (the analyzer's dependencies are unchanged)`,
      aggregate: aggregateEngine(blocks, threads),
    };
  }
  return report;
}
