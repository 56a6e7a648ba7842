/** Reading report data from disk and writing the HTML report: the engine side of `conflicts report`. */
import { mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { gunzipSync } from "node:zlib";
import { writeFileAtomic } from "../access/io.js";
import { FORMAT_NAME as ACCESS_SET_FORMAT, type AccessSetFile } from "../access/format.js";
import { parseAccessSetFile } from "../access/io.js";
import { analyze, potentialReport, type Advice } from "../conflicts/index.js";
import { prepareBlock, simulateBlockStm, simulateFile } from "../schedule/index.js";
import { toReportData } from "./from-results.js";
import { renderReportHtml, type RenderOptions } from "./html.js";
import { parseReportData, REPORT_FORMAT, ReportDataError, type AdviceLine, type ReportData } from "./model.js";
import { buildGraphView } from "./view.js";

/** Bad input to the report (file missing, not JSON, wrong format); the message says what to do. */
export class ReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReportInputError";
  }
}

/**
 * Reads a ReportData file, or an access-set file (analyzed and simulated on the way), as
 * .json or .json.gz. Throws ReportInputError / ReportDataError / AccessSetFormatError.
 */
export async function loadReportData(file: string): Promise<ReportData> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new ReportInputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let text: string;
  try {
    text = (file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  } catch (e) {
    throw new ReportInputError(`${file} is not valid gzip data (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ReportInputError(`${file} is not valid JSON (${(e as Error).message}); is the file truncated?`);
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

/** Threads of the report's speedup curves and of the Gantt chart's Block-STM run. */
const REPORT_THREADS = [1, 2, 4, 8, 16, 32];
const GANTT_THREADS = 16;

/**
 * Report data straight from an access-set file: analysis, every scheduler, and a Block-STM
 * timeline of the block with the most transactions (the Gantt chart).
 */
export function reportFromAccessSets(file: AccessSetFile, name: string): ReportData {
  if (file.blocks.length === 0) throw new ReportInputError(`${name} holds no blocks: nothing to report`);
  const { graph, result: analysis } = analyze(file);
  const simulation = simulateFile(file, { threads: REPORT_THREADS });
  const busiest = file.blocks.reduce((a, b) => (b.txs.length > a.txs.length ? b : a));
  const result = simulateBlockStm(prepareBlock(busiest, { precision: file.precision }), { threads: GANTT_THREADS, timeline: true });
  const data = toReportData({ title: file.source.description, file, analysis, graph, simulation, blockStm: { block: busiest.number, result } });
  // A capture of many blocks (a test run): what would conflict across senders, and the fix.
  if (file.blocks.length > 1) data.advice = adviceLines(potentialReport(file).advice);
  return data;
}

function adviceLines(advice: Advice[]): AdviceLine[] {
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

/** Renders validated data and writes it atomically; creates the output's directory if needed. */
export async function writeReportHtml(data: ReportData, out: string, options: RenderOptions = {}): Promise<number> {
  const html = renderReportHtml(data, options);
  await mkdir(dirname(out), { recursive: true });
  await writeFileAtomic(out, html);
  return Buffer.byteLength(html);
}

/** loadReportData + writeReportHtml; returns what was written. */
export async function writeReport(
  file: string,
  out: string,
  options: RenderOptions = {},
): Promise<{ data: ReportData; bytes: number; graphNodes: number }> {
  const data = await loadReportData(file);
  const bytes = await writeReportHtml(data, out, options);
  return { data, bytes, graphNodes: buildGraphView(data.graph, options.maxGraphNodes).nodes.length };
}
