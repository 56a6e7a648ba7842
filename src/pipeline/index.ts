/**
 * The one pipeline from access sets to report data: load, analyze, simulate, build report
 * data. The demo, `conflicts report`, the suite benchmark, the mainnet study and the tasks
 * call it; src/report only renders what it produces.
 */
import { readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import { FORMAT_NAME as ACCESS_SET_FORMAT, type AccessSetFile } from "../access/format.js";
import { loadAccessSetFile, parseAccessSetFile } from "../access/io.js";
import { analyze, potentialReport, type AnalysisResult, type ConflictGraph } from "../conflicts/index.js";
import { InputError } from "../errors.js";
import { compactAccessSets } from "../model/block.js";
import type { DependencyOptions } from "../model/dependency.js";
import type { RenderOptions } from "../report/html.js";
import { parseReportData, REPORT_FORMAT, ReportDataError, type ReportData } from "../report/model.js";
import { writeReportHtml } from "../report/write.js";
import { buildGraphView } from "../report/view.js";
import {
  blockFactsLookup,
  DEFAULT_ENGINE,
  loadEngineProfile,
  prepareBlock,
  simulateBlockStm,
  simulatePreparedBlocks,
  type CorpusReport,
  type PreparedBlock,
  type SchedulerName,
  type SimulationResult,
} from "../schedule/index.js";
import { adviceLines, toReportData } from "./report-data.js";

export { toReportData, type ReportInputs } from "./report-data.js";

/** Threads of the speedup curves, and of the Gantt chart's Block-STM run. */
export const DEFAULT_THREADS = [1, 2, 4, 8, 16, 32];
export const GANTT_THREADS = 16;

export interface PipelineOptions {
  threads?: readonly number[];
  schedulers?: readonly SchedulerName[];
  /** Cost model (src/model/cost.ts); default "auto". */
  cost?: string;
  dependency?: Partial<DependencyOptions>;
  /** Hot slots the analysis lists (default 20, src/conflicts/analyze.ts). */
  topSlots?: number;
  /**
   * Engine profile of the calibrated prediction (src/schedule/engines/): the default
   * "predicted speedup"; null leaves only the idealized figures (upper bounds).
   */
  engine?: string | null;
  /** Run Block-STM with a timeline on the block with the most transactions (the Gantt chart); default true. */
  gantt?: boolean;
}

export interface PipelineResult {
  file: AccessSetFile;
  graph: ConflictGraph;
  analysis: AnalysisResult;
  /** Each block's scheduling view, derived once from the block form the analysis read, shared by the simulation and the Gantt run. */
  prepared: PreparedBlock[];
  simulation: CorpusReport;
  gantt?: { block: number; result: SimulationResult };
  /** Wall time of each stage, in milliseconds. */
  timings: { analyze: number; simulate: number };
}

/** Analyzes and simulates an access-set file under one set of dependency and cost options. */
export function runPipeline(file: AccessSetFile, opts: PipelineOptions = {}): PipelineResult {
  if (file.blocks.length === 0) throw new InputError(`${file.source.description} holds no blocks: nothing to analyze`);
  const dependency = opts.dependency ?? {};
  let t = performance.now();
  // The one block form, built once and shared by the analysis and the simulation.
  const compact = compactAccessSets(file, opts.cost);
  const input = { source: file.source, precision: file.precision, ...(file.names ? { names: file.names } : {}), compact };
  const { graph, result: analysis } = analyze(input, {
    ...dependency,
    ...(opts.cost ? { cost: opts.cost } : {}),
    ...(opts.topSlots !== undefined ? { topSlots: opts.topSlots } : {}),
  });
  const tAnalyze = performance.now() - t;
  t = performance.now();
  const prepared = file.blocks.map((b, i) =>
    prepareBlock(b, { precision: file.precision, dependency, ...(opts.cost ? { cost: opts.cost } : {}) }, { compact, block: i }),
  );
  const engineName = opts.engine === undefined ? DEFAULT_ENGINE : opts.engine;
  const engine = engineName === null ? undefined : { profile: loadEngineProfile(engineName), facts: blockFactsLookup() };
  const simulation = simulatePreparedBlocks(
    file.source.description,
    prepared,
    {
      threads: opts.threads ?? DEFAULT_THREADS,
      dependency,
      ...(opts.schedulers ? { schedulers: opts.schedulers } : {}),
      ...(opts.cost ? { cost: opts.cost } : {}),
      ...(engine ? { engine } : {}),
    },
    file.blocks,
  );
  let gantt: PipelineResult["gantt"];
  if (opts.gantt ?? true) {
    let busiest = 0;
    prepared.forEach((b, i) => {
      if (b.txs.length > prepared[busiest].txs.length) busiest = i;
    });
    gantt = { block: prepared[busiest].number, result: simulateBlockStm(prepared[busiest], { threads: GANTT_THREADS, timeline: true }) };
  }
  const out: PipelineResult = {
    file,
    graph,
    analysis,
    prepared,
    simulation,
    timings: { analyze: tAnalyze, simulate: performance.now() - t },
  };
  if (gantt) out.gantt = gantt;
  return out;
}

/** The report data of a pipeline result. */
export function reportData(r: PipelineResult, title = r.file.source.description, notes: string[] = []): ReportData {
  return toReportData({
    title,
    file: r.file,
    analysis: r.analysis,
    graph: r.graph,
    simulation: r.simulation,
    ...(r.gantt ? { blockStm: r.gantt } : {}),
    notes,
  });
}

/** Report data straight from access sets: the pipeline, plus the advice of a many-block capture (a test run). */
export function reportFromAccessSets(file: AccessSetFile, name = file.source.description): ReportData {
  if (file.blocks.length === 0) throw new InputError(`${name} holds no blocks: nothing to report`);
  const data = reportData(runPipeline(file));
  // A capture of many blocks (a test run): what would conflict across senders, and the fix.
  if (file.blocks.length > 1) data.advice = adviceLines(potentialReport(file).advice);
  return data;
}

/** Loads an access-set file and runs the pipeline on it. */
export async function runPipelineOnFile(path: string, opts: PipelineOptions = {}): Promise<PipelineResult> {
  return runPipeline(await loadAccessSetFile(path), opts);
}

/**
 * Reads a ReportData file, or an access-set file (run through the pipeline on the way), as
 * .json or .json.gz. Throws InputError / ReportDataError / AccessSetFormatError.
 */
export async function loadReportData(file: string): Promise<ReportData> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}`, { cause: e, hint: "pass an existing ReportData or access-set file (.json or .json.gz)" });
  }
  let text: string;
  try {
    text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  } catch (e) {
    throw new InputError(`${file} is not valid gzip data (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file} is not valid JSON (${(e as Error).message}); is the file truncated?`);
  }
  const format = typeof json === "object" && json !== null ? (json as { format?: unknown }).format : undefined;
  if (format === ACCESS_SET_FORMAT) return reportFromAccessSets(parseAccessSetFile(json, file), file);
  if (format !== REPORT_FORMAT) {
    throw new ReportDataError(file, [
      {
        path: "format",
        message: `expected "${REPORT_FORMAT}", found ${format === undefined ? "no format field" : JSON.stringify(format)}`,
      },
    ]);
  }
  return parseReportData(json, file);
}

/** loadReportData + render + atomic write; returns what was written. */
export async function writeReport(
  file: string,
  out: string,
  options: RenderOptions = {},
): Promise<{ data: ReportData; bytes: number; graphNodes: number }> {
  const data = await loadReportData(file);
  const bytes = await writeReportHtml(data, out, options);
  return { data, bytes, graphNodes: buildGraphView(data.graph, options.maxGraphNodes).nodes.length };
}
