/** The potential-conflict analysis and its advice as a terminal report, Markdown or JSON. */
import type { AccessSetFile } from "../access/format.js";
import { markdownTable, textTable } from "../util/tables.js";
import { adviseOn, type Advice } from "./advice.js";
import { potentialConflicts, type PotentialOptions, type PotentialResult } from "./potential.js";

export interface PotentialReport {
  potential: PotentialResult;
  advice: Advice[];
}

/** Potential conflicts over the whole capture and the advice on each key in conflict. */
export function potentialReport(file: AccessSetFile, opts: PotentialOptions = {}): PotentialReport {
  const potential = potentialConflicts(file, opts);
  return { potential, advice: adviseOn(potential, file) };
}

/** The report for JSON output: the key lists are already summarized by `hotKeys` and `advice`. */
export function potentialJson(r: PotentialReport): object {
  const { allKeys: _all, ...potential } = r.potential;
  return { potential, advice: r.advice };
}

function rows(r: PotentialReport) {
  const p = r.potential;
  const summary = [
    ["metric", "value"],
    ["calls compared (creations excluded)", String(p.txs)],
    ["senders / functions", `${p.senders} / ${p.functions}`],
    ["blocks holding one transaction", `${p.singleTxBlocks} of ${p.blocks}`],
    ["function pairs in conflict across senders", String(p.matrix.length)],
  ];
  const matrix = [
    ["function", "function", "WW keys", "RW keys", "on"],
    ...p.matrix.map((c) => [c.a, c.b, String(c.ww), String(c.rw), c.on.map((o) => `${o.variable} (${o.keys})`).join(", ")]),
  ];
  const hot = [
    ["key", "pairs", "writer calls", "writer senders", "calls"],
    ...p.hotKeys.map((k) => [
      k.name ?? `${k.account}:${k.slot}`,
      String(k.pairs),
      String(k.writerTxs),
      String(k.writerSenders),
      String(k.txs),
    ]),
  ];
  const advice = [
    ["hot", "pattern", "fix", "building block", "doc"],
    ...r.advice.map((a) => [
      a.keys > 1 ? `${a.subject} (${a.keys} keys)` : a.subject,
      a.pattern,
      a.remedy.fix ? a.remedy.remedy.split(":")[0] : "none needed",
      a.remedy.buildingBlock ?? "-",
      a.remedy.doc ?? "-",
    ]),
  ];
  return { summary, matrix, hot, advice };
}

export function renderPotentialText(r: PotentialReport): string {
  const t = rows(r);
  const out = ["Potential conflicts over the whole capture (calls by different senders, as if in one block)", textTable(t.summary), ""];
  if (r.potential.matrix.length > 0) out.push("Function x function (unordered; keys in conflict)", textTable(t.matrix), "");
  if (r.potential.hotKeys.length > 0) out.push("Hot keys (by function pairs they put in conflict)", textTable(t.hot), "");
  if (r.advice.length > 0) {
    out.push("Advice");
    for (const a of r.advice) {
      out.push(`- ${a.subject}${a.keys > 1 ? ` (${a.keys} keys)` : ""}: ${a.remedy.what} [${a.pattern}; ${a.because}]`);
      out.push(`    fix: ${a.remedy.remedy}`);
      if (a.remedy.buildingBlock) out.push(`    building block: ${a.remedy.buildingBlock}`);
      if (a.remedy.doc) out.push(`    doc: ${a.remedy.doc}`);
    }
    out.push("");
  }
  for (const n of r.potential.notes) out.push(`Note: ${n}`);
  return out.join("\n");
}

export function renderPotentialMarkdown(r: PotentialReport): string {
  const esc = (rs: string[][]) => rs.map((row) => row.map((c) => c.replace(/\|/g, "\\|")));
  const t = rows(r);
  const out = ["## Potential conflicts over the whole capture", "", markdownTable(esc(t.summary)), ""];
  if (r.potential.matrix.length > 0) out.push("### Function x function", "", markdownTable(esc(t.matrix)), "");
  if (r.potential.hotKeys.length > 0) out.push("### Hot keys", "", markdownTable(esc(t.hot)), "");
  if (r.advice.length > 0) {
    out.push("### Advice", "");
    for (const a of r.advice)
      out.push(
        `- **${a.subject}**${a.keys > 1 ? ` (${a.keys} keys)` : ""}: ${a.remedy.what} (${a.pattern}: ${a.because}). Fix: ${a.remedy.remedy}.` +
          (a.remedy.buildingBlock ? ` Building block: ${a.remedy.buildingBlock}.` : "") +
          (a.remedy.doc ? ` Doc: ${a.remedy.doc}.` : ""),
      );
    out.push("");
  }
  for (const n of r.potential.notes) out.push(`> ${n}`, "");
  return out.join("\n");
}
