/** Text renderings of simulation reports: a terminal table and Markdown. */
import { describeDependencyOptions } from "../model/dependency.js";
import { markdownTable as markdownRows, textTable } from "../util/tables.js";
import type { BlockReport, CorpusReport, EngineRow, Row } from "./simulate.js";

const fmtNum = (x: number) =>
  x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(1)}k` : `${Math.round(x * 100) / 100}`;
const pct = (x: number | null) => (x === null ? "-" : `${(x * 100).toFixed(1)}%`);

const HEADER = ["scheduler", "threads", "makespan", "speedup", "efficiency", "aborts", "re-exec", "wasted", "gap to dag"];

function cells(r: Row): string[] {
  const unsound = r.makespan === null;
  return [
    r.scheduler,
    String(r.threads),
    unsound ? "UNSOUND" : fmtNum(r.makespan!),
    // null speedup of a sound row: the input has no cost (the notes say why).
    r.speedup === null ? (unsound ? "-" : "n/a") : `${r.speedup.toFixed(2)}x`,
    pct(r.efficiency),
    String(r.aborts),
    String(r.reExecutions),
    fmtNum(r.wastedWork),
    unsound ? "-" : r.gapToDag === 0 ? "0" : `+${pct(r.gapToDag)}`,
  ];
}

/** Fixed-width table of rows. */
export function table(rows: readonly Row[]): string {
  return textTable([HEADER, ...rows.map(cells)]);
}

/** Markdown table of rows. */
export function markdownTable(rows: readonly Row[]): string {
  return markdownRows([HEADER, ...rows.map(cells)]);
}

function settings(r: CorpusReport): string[] {
  return [
    `source: ${r.source}`,
    `${r.blocks.length} block(s), ${r.txs} tx; cost column: ${r.costColumn}`,
    ...describeDependencyOptions(r.dependency),
    "aborts: Block-STM incarnations that failed validation; re-exec: executions beyond one per tx (after aborts and ESTIMATE suspensions); wasted: execution time that did not commit",
    `Block-STM validation cost: ${r.blockStm.validationFraction} x tx cost + ${r.blockStm.validationPerRead} per read + ${r.blockStm.validationFixed}; suspension after ${r.blockStm.suspendFraction} x tx cost`,
  ];
}

/** The calibrated engine's figures: what the engine and machine are, how far off the calibration was. */
function engineHeader(r: CorpusReport): string[] {
  const e = r.engine;
  if (!e) return [];
  return [
    `predicted speedup: engine profile ${e.name} (${e.hardware}; calibrated at ${e.calibratedThreads} threads; validation: ${e.validation})`,
    `engine relaxations: ${e.relaxation}`,
    "the scheduler rows below are the idealized model (a tx takes its cost, no engine overheads): upper bounds, not predictions",
  ];
}

function engineLine(rows: readonly EngineRow[] | undefined, name: string): string[] {
  if (!rows || rows.length === 0) return [];
  const cells = rows.map((e) => `${e.speedup.toFixed(2)}x @${e.threads}`).join(", ");
  const fb = rows[0].fallback ? ` (${rows[0].fallback})` : rows[0].fallbacks > 0 ? ` (${rows[0].fallbacks} blocks run sequentially)` : "";
  return [`predicted speedup (${name}, calibrated): ${cells}${fb}`];
}

function unsoundLines(b: BlockReport): string[] {
  if (!b.underDeclared) return [];
  const shown = b.underDeclared
    .slice(0, 10)
    .map((u) => `  tx ${u.tx}${u.function ? ` (${u.function})` : ""} ${u.access}s ${u.address} ${u.slot} outside its declaration`);
  const more = b.underDeclared.length > 10 ? [`  ... and ${b.underDeclared.length - 10} more`] : [];
  return [`block ${b.number}: locks is UNSOUND, under-declared accesses:`, ...shown, ...more];
}

function aggregateNotes(r: CorpusReport): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const row of r.aggregate) {
    if (row.unsoundBlocks > 0 && !seen.has(row.scheduler)) {
      seen.add(row.scheduler);
      out.push(`${row.scheduler}: ${row.unsoundBlocks} of ${r.blocks.length} blocks unsound (under-declared txs), left out of its rows`);
    }
  }
  return out;
}

/** The terminal report: settings, per-block tables (up to `maxBlocks`), the aggregate. */
export function renderText(r: CorpusReport, maxBlocks = 5): string {
  const out = [...settings(r), ...engineHeader(r), ""];
  r.blocks.slice(0, maxBlocks).forEach((b) => {
    const limit = b.work === 0 ? "no cost: no limit given" : `limit ${(b.criticalPath > 0 ? b.work / b.criticalPath : 1).toFixed(2)}x`;
    out.push(
      `block ${b.number}: ${b.txs} tx, work ${fmtNum(b.work)} (${b.costModel}), critical path ${fmtNum(b.criticalPath)} (${limit}), longest chain ${b.longestChain} txs`,
    );
    for (const n of b.notes) out.push(`  note: ${n}`);
    out.push(...engineLine(b.engine, r.engine?.name ?? ""), ...unsoundLines(b), table(b.rows), "");
  });
  if (r.blocks.length > maxBlocks) out.push(`(${r.blocks.length - maxBlocks} more blocks: see --json / --md)`, "");
  for (const b of r.blocks.slice(maxBlocks)) out.push(...unsoundLines(b));
  if (r.blocks.length > 1)
    out.push(
      `aggregate over ${r.blocks.length} blocks:`,
      ...engineLine(r.engine?.aggregate, r.engine?.name ?? ""),
      table(r.aggregate),
      ...aggregateNotes(r),
    );
  return out.join("\n");
}

/** The Markdown report. */
export function renderMarkdown(r: CorpusReport): string {
  const out = ["# Parallel schedule simulation", "", ...[...settings(r), ...engineHeader(r)].map((s) => `- ${s}`), ""];
  if (r.blocks.length > 1)
    out.push(
      `## Aggregate over ${r.blocks.length} blocks`,
      "",
      ...engineLine(r.engine?.aggregate, r.engine?.name ?? ""),
      "",
      markdownTable(r.aggregate),
      "",
      ...aggregateNotes(r).map((n) => `- ${n}`),
      "",
    );
  for (const b of r.blocks) {
    out.push(
      `## Block ${b.number}`,
      "",
      `${b.txs} tx, work ${fmtNum(b.work)} (${b.costModel}), critical path ${fmtNum(b.criticalPath)}, longest chain ${b.longestChain} txs.`,
      "",
    );
    for (const n of b.notes) out.push(`- note: ${n}`);
    out.push(...engineLine(b.engine, r.engine?.name ?? "").map((l) => `- ${l}`));
    const u = unsoundLines(b);
    if (u.length > 0) out.push("```", ...u, "```");
    out.push("", markdownTable(b.rows), "");
  }
  return out.join("\n");
}
