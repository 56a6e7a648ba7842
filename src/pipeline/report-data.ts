/**
 * The report's data from the engine's results: an analysis (src/conflicts), a simulation
 * (src/schedule) and one block's Block-STM timeline. The report draws what this produces.
 */
import type { AccessSetFile } from "../access/format.js";
import { EDGE_RAW, EDGE_WW } from "../model/dependency.js";
import { type Advice, type AnalysisResult, type ConflictGraph } from "../conflicts/index.js";
import {
  parseReportData,
  REPORT_FORMAT,
  REPORT_FORMAT_VERSION,
  type AdviceLine,
  type ReportData,
  type ReportDataInput,
} from "../report/model.js";
import { schedulerSpec, type CorpusReport, type SimulationResult } from "../schedule/index.js";

export interface ReportInputs {
  title: string;
  file: AccessSetFile;
  analysis: AnalysisResult;
  graph: ConflictGraph;
  simulation: CorpusReport;
  /** A Block-STM run with `timeline: true` of one block, for the Gantt chart. */
  blockStm?: { block: number; result: SimulationResult };
  notes?: string[];
}

/** The largest number of graph edges handed to the report; it draws the largest component only. */
const MAX_EDGES = 50_000;

export function toReportData(inputs: ReportInputs): ReportData {
  const { analysis, graph, simulation, file } = inputs;
  const kindOf = (e: { raw: number; ww: number; war: number }) =>
    e.ww > 0 && e.raw + e.war === 0 ? "write-write" : e.ww === 0 ? "read-write" : "mixed";
  const functions = [...new Set(analysis.matrix.flatMap((c) => [c.earlier, c.later]))].slice(0, 200);
  const known = new Set(functions);
  const cells = analysis.matrix
    .filter((c) => known.has(c.earlier) && known.has(c.later))
    .map((c) => ({
      a: c.earlier,
      b: c.later,
      count: c.raw + c.ww + c.war,
      kind: kindOf(c) as "write-write" | "read-write" | "mixed",
      variable: c.on[0]?.variable ?? null,
    }));

  const nodes = [];
  for (let pos = 0; pos < graph.txCount; pos++) {
    const tx = graph.tx(pos);
    nodes.push({ id: pos, function: tx.function, block: tx.block });
  }
  const edges = [];
  for (let i = 0; i < graph.edges.count && edges.length < MAX_EDGES; i++) {
    const k = graph.edges.kind[i];
    if (!(k & (EDGE_RAW | EDGE_WW))) continue;
    edges.push({
      source: graph.edges.from[i],
      target: graph.edges.to[i],
      kind: (k & EDGE_WW ? (k & EDGE_RAW ? "mixed" : "write-write") : "read-write") as "write-write" | "read-write" | "mixed",
    });
  }

  const threads = simulation.threads;
  const series = simulation.schedulers
    .filter((s) => s !== "serial")
    .map((scheduler) => {
      const rows = threads.map((t) => simulation.aggregate.find((r) => r.scheduler === scheduler && r.threads === t));
      return {
        scheduler,
        label: schedulerSpec(scheduler)?.label ?? scheduler,
        colour: schedulerSpec(scheduler)?.colour,
        speedup: rows.map((r) => r?.speedup ?? 0),
        efficiency: rows.map((r) => r?.efficiency ?? 0),
        aborts: rows.map((r) => r?.aborts ?? 0),
        wastedWork: rows.map((r) => r?.wastedWork ?? 0),
      };
    });
  const e = simulation.engine;
  const predicted = e
    ? {
        engine: e.name,
        description: e.description,
        hardware: e.hardware,
        calibratedThreads: e.calibratedThreads,
        validation: e.validation,
        relaxation: e.relaxation,
        speedup: threads.map((t) => e.aggregate.find((r) => r.threads === t)?.speedup ?? 0),
        fallbacks: threads.map((t) => e.aggregate.find((r) => r.threads === t)?.fallbacks ?? 0),
      }
    : undefined;
  const serial = {
    scheduler: "serial",
    label: schedulerSpec("serial")!.label,
    colour: schedulerSpec("serial")!.colour,
    speedup: threads.map(() => 1),
  };

  const timeline = inputs.blockStm?.result.timeline ?? [];
  const gantt = {
    block: inputs.blockStm?.block,
    scheduler: "block-stm",
    threads: inputs.blockStm?.result.threads ?? 1,
    unit: simulation.costColumn,
    tasks: timeline.slice(0, 20_000).map((t) => ({
      tx: t.tx,
      incarnation: t.incarnation,
      thread: t.thread,
      start: t.start,
      end: t.end,
      kind: t.kind,
      aborted: t.outcome === "aborted" || t.outcome === "abort" || t.outcome === "suspended",
    })),
  };

  const dag = simulation.aggregate.filter((r) => r.scheduler === "dag" && r.speedup !== null);
  const input: ReportDataInput = {
    format: REPORT_FORMAT,
    version: REPORT_FORMAT_VERSION,
    title: inputs.title,
    generatedAt: new Date().toISOString(),
    source: {
      kind: file.source.kind,
      description: file.source.description,
      ...(file.source.chainId ? { chainId: file.source.chainId } : {}),
    },
    notes: [...(inputs.notes ?? []), ...analysis.notes],
    summary: {
      txs: analysis.txs,
      blocks: analysis.blocks,
      conflictRate: analysis.conflictRate,
      conflictPairs: analysis.edges.total,
      conflictPairShare: analysis.conflictingPairShare,
      longestChain: analysis.longestChain.length,
      components: analysis.components.count,
      largestComponent: analysis.components.largest,
      // The dependency limit (unbounded threads); the curves show how close each thread count gets.
      dagSpeedupBound: analysis.totalGas > 0 ? analysis.dependencyLimit : dag.length ? Math.max(...dag.map((r) => r.speedup!)) : undefined,
      hotSlotCount: analysis.hotSlots.length,
    },
    hotSlots: analysis.hotSlots.map((h) => {
      const isField = !/^0x/.test(h.slot);
      const contract = file.names?.accounts?.[h.account];
      // Account fields (balance, nonce, code) have no slot; the name says which field.
      const name = h.name ?? (isField ? `${contract ?? h.account}.${h.slot}` : undefined);
      return {
        ...(name ? { name } : {}),
        contract,
        address: h.account,
        slot: isField ? "0x0" : h.slot,
        txCount: h.txs,
        writers: h.writers,
        readers: Math.max(0, h.txs - h.writers),
      };
    }),
    functionMatrix: { functions, cells },
    speedups: { threads: [...threads], series: [serial, ...series], ...(predicted ? { predicted } : {}) },
    gantt,
    graph: { nodes, edges },
  };
  return parseReportData(input, inputs.title);
}

/** The report's advice lines from the potential-conflict advice (src/conflicts/advice.ts). */
export function adviceLines(advice: Advice[]): AdviceLine[] {
  return advice.map((a) => ({
    subject: a.subject,
    pattern: a.pattern,
    because: a.because,
    pairs: a.pairs,
    keys: a.keys,
    fix: a.remedy.fix,
    remedy: a.remedy.remedy,
    ...(a.remedy.buildingBlock ? { buildingBlock: a.remedy.buildingBlock } : {}),
    ...(a.remedy.doc ? { doc: a.remedy.doc } : {}),
  }));
}
