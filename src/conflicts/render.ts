/** Renders an AnalysisResult as a terminal report or Markdown. */
import type { AnalysisResult, MatrixCell } from "./analyze.js";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const short = (h: string) => (h.length > 20 ? `${h.slice(0, 10)}…${h.slice(-6)}` : h);

function table(headers: string[], rows: (string | number)[][]): string {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ");
  return [line(headers), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

function mdTable(headers: string[], rows: (string | number)[][]): string {
  const esc = (s: string | number) => String(s).replace(/\|/g, "\\|");
  return [
    `| ${headers.map(esc).join(" | ")} |`,
    `| ${headers.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** "Pool.swap x Pool.swap: write-write on Pool.reserve0 (12)". */
export function describeCell(c: MatrixCell): string {
  const on = c.on.map((o) => `${o.kind} on ${o.variable} (${o.edges})`).join(", ");
  return `${c.earlier} x ${c.later}: ${on}`;
}

function sections(r: AnalysisResult) {
  const summary: (string | number)[][] = [
    ["source", `${r.source.kind}: ${r.source.description}`],
    ["precision", `reads per ${r.precision.reads}, writes per ${r.precision.writes}`],
    ["blocks / transactions", `${r.blocks} / ${r.txs}`],
    ["accesses / distinct keys", `${r.accesses} / ${r.distinctKeys}`],
    ["longest dependency chain", `${r.longestChain.length} txs${r.totalGas > 0 ? `, ${r.longestChain.gas} cost` : ""}`],
    ["dependency limit (work / critical path)", r.totalGas === 0 ? "unknown (no cost in the input)" : `${r.dependencyLimit.toFixed(2)}x`],
    ["conflicting pairs (share of tx pairs)", `${r.edges.total} (${(r.conflictingPairShare * 100).toFixed(2)}%)`],
    ["conflict edges (RAW / WW / WAR)", `${r.edges.total} (${r.edges.raw} / ${r.edges.ww} / ${r.edges.war})`],
    ["detail: conflicting transactions", `${r.conflictingTxs} (${pct(r.conflictRate)})`],
    ["dependent transactions (RAW/WW in)", r.dependentTxs],
    ["connected components", `${r.components.count} (largest ${r.components.largest}, ${r.components.singletons} singletons)`],
    [
      "critical-path cost / total cost",
      r.totalGas === 0
        ? "unknown (no per-transaction gas in the input)"
        : `${r.criticalPathGas} / ${r.totalGas}${r.criticalPathGas > 0 ? ` (ideal speedup ${(r.totalGas / r.criticalPathGas).toFixed(2)}x)` : ""}`,
    ],
  ];
  const hot = r.hotSlots.map((h, i) => [i + 1, h.name ?? `${short(h.account)}:${short(h.slot)}`, h.serialized, h.writers, h.txs]);
  const matrix = r.matrix.map((c) => [c.earlier, c.later, c.ww, c.raw, c.war, c.on.map((o) => `${o.kind} on ${o.variable}`).join("; ")]);
  const chain = r.longestChain.txs
    .slice(0, 20)
    .map((t) => `${t.block}#${t.index} ${t.function}`)
    .join(" -> ");
  return { summary, hot, matrix, chain };
}

export function renderText(r: AnalysisResult): string {
  const s = sections(r);
  const out = [
    "Conflict analysis",
    table(["metric", "value"], s.summary),
    "",
    "Hot slots (ranked by transactions they serialize)",
    s.hot.length ? table(["#", "slot", "serialized", "writers", "txs"], s.hot) : "(none)",
    "",
    "Function x function conflicts (earlier x later)",
    s.matrix.length ? table(["earlier", "later", "WW", "RAW", "WAR", "mostly on"], s.matrix) : "(none)",
    "",
    `Longest chain: ${s.chain}${r.longestChain.txs.length > 20 ? " -> ..." : ""}`,
    "",
    ...r.notes.map((n) => `Note: ${n}`),
  ];
  return out.join("\n");
}

export function renderMarkdown(r: AnalysisResult): string {
  const s = sections(r);
  return [
    "# Conflict analysis",
    "",
    mdTable(["metric", "value"], s.summary),
    "",
    "## Hot slots",
    "",
    "Ranked by how many transactions had to wait for an earlier writer of the slot.",
    "",
    s.hot.length ? mdTable(["#", "slot", "serialized", "writers", "txs"], s.hot) : "(none)",
    "",
    "## Function x function conflicts",
    "",
    s.matrix.length ? mdTable(["earlier", "later", "WW", "RAW", "WAR", "mostly on"], s.matrix) : "(none)",
    "",
    "## Longest dependency chain",
    "",
    s.chain || "(none)",
    "",
    "## Notes",
    "",
    ...r.notes.map((n) => `- ${n}`),
    "",
  ].join("\n");
}
