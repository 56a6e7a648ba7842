/**
 * renderReportHtml: one self-contained HTML page from ReportData. echarts is inlined, the data
 * is embedded as JSON, a Content-Security-Policy forbids every network request, and every
 * user-supplied string is escaped (text into HTML here, tooltips in the page script).
 */
import { CLIENT_SCRIPT } from "./client-bundle.js";
import { loadEchartsSource } from "./echarts-source.js";
import type { ReportData } from "./model.js";
import { buildReportView, type ReportView, type ViewOptions } from "./view.js";

export interface RenderOptions extends ViewOptions {
  /** The echarts browser bundle; read from node_modules (loadEchartsSource) when omitted. */
  echartsSource?: string;
  /** Hot-slot table rows shown; the rest are counted in a note. Default 20. */
  maxHotSlots?: number;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** JSON safe inside <script type="application/json">: no "<", ">", "&" or line separators. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, "\\u003c")
    .replace(/>/g, "\\u003e")
    .replace(/&/g, "\\u0026")
    .replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}

/** JavaScript source safe inside <script>: no "</script" and no "<!--" can end or bend it. */
export function scriptForHtml(source: string): string {
  return source.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");
}

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const times = (x: number) => `${x.toFixed(2)}×`;
const short = (hex: string, keep = 6) => (hex.length > 2 + keep * 2 + 1 ? `${hex.slice(0, 2 + keep)}…${hex.slice(-keep + 2)}` : hex);

function shortSlot(slot: string): string {
  const body = slot.slice(2).replace(/^0+(?=.)/, "");
  return body.length <= 10 ? `0x${body}` : `0x${body.slice(0, 6)}…${body.slice(-4)}`;
}

function card(label: string, value: string, hint?: string, meter?: number): string {
  const bar =
    meter === undefined
      ? ""
      : `<div class="meter" aria-hidden="true"><span style="width:${Math.max(0, Math.min(100, meter * 100)).toFixed(1)}%"></span></div>`;
  return `<div class="card"><dt>${escapeHtml(label)}</dt><dd><span class="value">${escapeHtml(value)}</span>${
    hint ? `<span class="hint">${escapeHtml(hint)}</span>` : ""
  }${bar}</dd></div>`;
}

function summarySection(d: ReportData, v: ReportView): string {
  const s = d.summary;
  const best = v.speedups.series
    .filter((x) => !x.isLimit && !x.isPredicted && x.scheduler !== "serial")
    .map((x) => ({ x, i: x.data.reduce((bi, p, i, a) => (p[1] > a[bi][1] ? i : bi), 0) }))
    .sort((a, b) => b.x.data[b.i][1] - a.x.data[a.i][1])[0];
  // What shows parallelism leads: the chain, the limit it sets, the share of pairs that conflict.
  const cards = [
    card("Transactions", int(s.txs), `in ${int(s.blocks)} block${s.blocks === 1 ? "" : "s"}`),
    card("Longest chain", int(s.longestChain), "transactions that must run in order"),
  ];
  if (s.dagSpeedupBound !== undefined) cards.push(card("Dependency limit", times(s.dagSpeedupBound), "speedup limit from dependencies"));
  if (s.conflictPairShare !== undefined)
    cards.push(
      card(
        "Conflicting pairs",
        pct(s.conflictPairShare),
        `${s.conflictPairs !== undefined ? int(s.conflictPairs) : "?"} of all tx pairs`,
        s.conflictPairShare,
      ),
    );
  else if (s.conflictPairs !== undefined) cards.push(card("Conflicting pairs", int(s.conflictPairs), "dependency edges"));
  const predicted = predictedAtCalibration(v);
  if (predicted) {
    const { at, speedup, p } = predicted;
    cards.push(
      card(`Predicted speedup`, times(speedup), `${p.engine} at ${int(at)} thread${at === 1 ? "" : "s"} (calibrated; ${p.hardware})`),
    );
  }
  if (predicted) {
    // The idealized upper bound at the same thread count as the prediction.
    const k = v.speedups.threads.indexOf(predicted.at);
    const top = v.speedups.series
      .filter((x) => !x.isLimit && !x.isPredicted && x.scheduler !== "serial")
      .sort((a, b) => b.data[k][1] - a.data[k][1])[0];
    if (top)
      cards.push(
        card(
          `Upper bound: ${top.label}`,
          times(top.data[k][1]),
          `at ${int(predicted.at)} thread${predicted.at === 1 ? "" : "s"}; no engine overheads`,
        ),
      );
  } else if (best) {
    const t = best.x.data[best.i][0];
    cards.push(card(`Best: ${best.x.label}`, times(best.x.data[best.i][1]), `at ${int(t)} thread${t === 1 ? "" : "s"}`));
  }
  cards.push(
    card(
      "Components",
      int(s.components),
      s.largestComponent !== undefined ? `largest: ${int(s.largestComponent)} txs` : "independent groups",
    ),
  );
  if (s.hotSlotCount !== undefined) cards.push(card("Hot slots", int(s.hotSlotCount), "written by 2+ transactions"));
  cards.push(card("Conflict rate (detail)", pct(s.conflictRate), "of transactions conflict with at least one other", s.conflictRate));
  return `<section aria-labelledby="h-summary"><h2 id="h-summary">Summary</h2><dl class="cards">${cards.join("")}</dl></section>`;
}

function hotSlotsSection(d: ReportData, maxRows: number): string {
  const rows = [...d.hotSlots].sort((a, b) => b.txCount - a.txCount || b.writers - a.writers);
  const shown = rows.slice(0, maxRows);
  const max = Math.max(1, ...shown.map((r) => r.txCount));
  const body = shown
    .map((r, i) => {
      const name = r.name ? `<span class="var">${escapeHtml(r.name)}</span>` : `<span class="undecoded">undecoded slot</span>`;
      const where = `${r.contract ? `<span class="contract">${escapeHtml(r.contract)}</span> ` : ""}<code title="${escapeHtml(r.address)}">${escapeHtml(short(r.address.toLowerCase()))}</code>`;
      return `<tr><td class="num rank">${i + 1}</td><th scope="row">${name}</th><td>${where}</td><td><code title="${escapeHtml(r.slot)}">${escapeHtml(shortSlot(r.slot.toLowerCase()))}</code></td><td class="num txs"><span class="inline-bar" aria-hidden="true"><span style="width:${((r.txCount / max) * 100).toFixed(1)}%"></span></span><span class="n">${int(r.txCount)}</span></td><td class="num">${int(r.writers)}</td><td class="num">${int(r.readers)}</td></tr>`;
    })
    .join("");
  const more =
    rows.length > shown.length ? `<p class="note">Showing the ${shown.length} busiest of ${int(rows.length)} hot slots.</p>` : "";
  const table = rows.length
    ? `<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-hot"><table class="hot" data-rows="${shown.length}"><caption>Storage slots touched by the most transactions, with the decoded state variable where the storage layout is known.</caption><thead><tr><th scope="col" class="num">#</th><th scope="col">Variable</th><th scope="col">Contract</th><th scope="col">Slot</th><th scope="col" class="num">Txs</th><th scope="col" class="num">Writers</th><th scope="col" class="num">Readers</th></tr></thead><tbody>${body}</tbody></table></div>${more}`
    : `<p class="empty">No slot is written by more than one transaction: nothing to show.</p>`;
  return `<section aria-labelledby="h-hot"><h2 id="h-hot">Hot slots</h2>${table}</section>`;
}

/** Potentially hot variables across senders, each with its pattern and fix (present for captures of many blocks). */
function adviceSection(d: ReportData): string {
  if (d.advice === undefined) return "";
  const rows = d.advice
    .map((a) => {
      const fix = a.fix ? escapeHtml(a.remedy) : `<span class="undecoded">${escapeHtml(a.remedy)}</span>`;
      const block = a.buildingBlock ? `<br><span class="contract">${escapeHtml(a.buildingBlock)}</span>` : "";
      const doc = a.doc ? `<br><code>${escapeHtml(a.doc)}</code>` : "";
      return `<tr><th scope="row"><span class="var">${escapeHtml(a.subject)}</span>${a.keys > 1 ? ` <span class="tag">${int(a.keys)} keys</span>` : ""}</th><td>${escapeHtml(a.pattern)}<br><span class="undecoded">${escapeHtml(a.because)}</span></td><td class="num">${int(a.pairs)}</td><td style="white-space:normal">${fix}${block}${doc}</td></tr>`;
    })
    .join("");
  const table = d.advice.length
    ? `<div class="table-wrap" tabindex="0" role="region" aria-labelledby="h-advice"><table class="advice"><caption>Every variable that calls of different senders would conflict on in one block, the pattern it shows and its fix.</caption><thead><tr><th scope="col">Variable</th><th scope="col">Pattern</th><th scope="col" class="num">Function pairs</th><th scope="col">Fix, building block, doc</th></tr></thead><tbody>${rows}</tbody></table></div>`
    : `<p class="empty">No two calls of different senders touch a slot one of them writes.</p>`;
  return `<section aria-labelledby="h-advice"><h2 id="h-advice">Potential conflicts across senders, and the fix</h2><p class="lede">The capture holds many blocks (a test run mines one transaction per block), so the figures above see few conflicts. Here every two calls from different senders are compared as if they shared a block; pairs from the same sender and contract creations are excluded.</p>${table}</section>`;
}

function matrixSection(d: ReportData, v: ReportView): string {
  const m = v.matrix;
  const n = m.functions.length;
  const height = Math.max(320, Math.min(1100, n * 34 + 170));
  const top = [...d.functionMatrix.cells].sort((a, b) => b.count - a.count).slice(0, 15);
  const table = top.length
    ? `<details><summary>Top function pairs as a table</summary><div class="table-wrap"><table><caption>Function pairs with the most conflicting transaction pairs.</caption><thead><tr><th scope="col">Function</th><th scope="col">Function</th><th scope="col" class="num">Conflicts</th><th scope="col">Kind</th><th scope="col">Main variable</th></tr></thead><tbody>${top
        .map(
          (c) =>
            `<tr><th scope="row">${escapeHtml(c.a)}</th><td>${escapeHtml(c.b)}</td><td class="num">${int(c.count)}</td><td>${escapeHtml(c.kind)}</td><td>${c.variable ? `<code>${escapeHtml(c.variable)}</code>` : "—"}</td></tr>`,
        )
        .join("")}</tbody></table></div></details>`
    : "";
  const chart = m.points.length
    ? `<div id="chart-matrix" class="chart" style="height:${height}px" role="img" aria-label="Heat map of conflicts between ${n} functions: ${m.points.length} cells, at most ${m.max} conflicts in one cell" data-points="${m.points.length}" data-functions="${n}"></div>`
    : `<p class="empty">No two transactions' functions conflict.</p>`;
  return `<section aria-labelledby="h-matrix"><h2 id="h-matrix">Conflicts by function pair</h2><p class="lede">How many conflicting transaction pairs each pair of functions produced; the diagonal is a function conflicting with itself.</p>${chart}${table}</section>`;
}

/** The predicted speedup at the thread count nearest the one the engine was calibrated at (the lower on a tie). */
function predictedAtCalibration(
  v: ReportView,
): { at: number; speedup: number; p: NonNullable<ReportView["speedups"]["predicted"]> } | null {
  const p = v.speedups.predicted;
  const x = v.speedups.series.find((s) => s.isPredicted);
  if (!p || !x || x.data.length === 0) return null;
  const [at, speedup] = x.data.reduce((a, d) => (Math.abs(d[0] - p.calibratedThreads) < Math.abs(a[0] - p.calibratedThreads) ? d : a));
  return { at, speedup, p };
}

function speedupSection(v: ReportView): string {
  const s = v.speedups;
  const head = s.threads.map((t) => `<th scope="col" class="num">${int(t)}</th>`).join("");
  const rows = s.series
    .map(
      (x) =>
        `<tr${x.isLimit ? ' class="limit"' : ""}><th scope="row">${escapeHtml(x.label)}${x.isLimit ? ' <span class="tag">limit</span>' : ""}${x.isPredicted ? ' <span class="tag">calibrated</span>' : ""}</th>${x.data
          .map((p, i) => `<td class="num">${times(p[1])}${x.aborts ? `<span class="sub">${int(x.aborts[i])} aborts</span>` : ""}</td>`)
          .join("")}</tr>`,
    )
    .join("");
  const points = s.series.reduce((a, x) => a + x.data.length, 0);
  const p = s.predicted;
  const lede = p
    ? `<p class="lede"><b>Predicted</b>: the calibrated cost model of ${escapeHtml(p.engine)} (${escapeHtml(p.hardware)}; fitted at ${int(p.calibratedThreads)} threads on the engine's measured blocks; validation: ${escapeHtml(p.validation)}). Engine relaxations: ${escapeHtml(p.relaxation)}. The other curves are the idealized model (a transaction takes its gas; validation, commit and threads cost nothing): <b>upper bounds, not predictions</b>. The dashed <b>dag</b> line is the limit the dependencies allow; the dotted line is linear speedup.</p>`
    : `<p class="lede">Simulated makespan of each scheduler relative to serial execution, under the idealized model (a transaction takes its gas; validation, commit and threads cost nothing): upper bounds, not predictions. The dashed <b>dag</b> line is the limit the dependencies allow; the dotted line is linear speedup.</p>`;
  return `<section aria-labelledby="h-speed"><h2 id="h-speed">Speedup against threads</h2>${lede}<div id="chart-speedups" class="chart" style="height:380px" role="img" aria-label="Line chart of speedup against thread count for ${s.series.length} schedulers" data-series="${s.series.length}" data-points="${points}"></div><div class="table-wrap" tabindex="0" role="region" aria-label="Speedup table"><table class="speedups"><caption>Speedup (× serial) by scheduler and thread count.</caption><thead><tr><th scope="col">Scheduler</th>${head}</tr></thead><tbody>${rows}</tbody></table></div></section>`;
}

const SCHEDULER_NAMES: Record<string, string> = { "block-stm": "Block-STM", dag: "DAG", serial: "Serial", locks: "Declared-locks" };

function ganttSection(v: ReportView): string {
  const g = v.gantt;
  const st = g.stats;
  const height = Math.max(240, Math.min(900, g.threads * 38 + 90));
  const blockText = g.block !== null ? `block ${int(g.block)}` : "one block";
  const name = SCHEDULER_NAMES[g.scheduler] ?? g.scheduler;
  const legend = `<ul class="legend" aria-label="Legend"><li><span class="sw exec"></span>execution</li><li><span class="sw reexec"></span>re-execution</li><li><span class="sw aborted"></span>aborted execution</li><li><span class="sw validate"></span>validation</li><li><span class="sw failed"></span>failed validation</li></ul>`;
  const stats = `<dl class="stats"><div><dt>Threads</dt><dd>${int(g.threads)}</dd></div><div><dt>Transactions</dt><dd>${int(st.txs)}</dd></div><div><dt>Executions</dt><dd>${int(st.executions)}</dd></div><div><dt>Re-executions</dt><dd>${int(st.reExecutions)}</dd></div><div><dt>Aborted</dt><dd>${int(st.abortedExecutions)}</dd></div><div><dt>Validations</dt><dd>${int(st.validations)}</dd></div><div><dt>Makespan</dt><dd>${int(st.makespan)} ${escapeHtml(g.unit)}</dd></div></dl>`;
  const chart = g.tasks.length
    ? `<div id="chart-gantt" class="chart" style="height:${height}px" role="img" aria-label="Gantt chart of ${escapeHtml(name)} on ${blockText}: ${g.tasks.length} tasks on ${g.threads} threads, ${st.abortedExecutions} aborted executions" data-tasks="${g.tasks.length}" data-aborted="${st.abortedExecutions}" data-threads="${g.threads}"></div>`
    : `<p class="empty">The schedule has no tasks.</p>`;
  return `<section aria-labelledby="h-gantt"><h2 id="h-gantt">${escapeHtml(name)} schedule of ${blockText}</h2><p class="lede">Each bar is one incarnation of a transaction on a thread. Red bars were aborted by a conflicting earlier write and executed again; thin bars are validations. Drag the slider or scroll to zoom.</p>${stats}${legend}${chart}</section>`;
}

function graphSection(v: ReportView): string {
  const g = v.graph;
  const what = g.capped
    ? `Drawing ${int(g.nodes.length)} of the ${int(g.componentNodes)} transactions in the largest component (breadth-first from tx ${int(g.root!)}, the best-connected one), out of ${int(g.totalNodes)} in the graph.`
    : `The largest component holds ${int(g.componentNodes)} of ${int(g.totalNodes)} transactions and ${int(g.componentEdges)} of ${int(g.totalEdges)} dependencies.`;
  const chart = g.nodes.length
    ? `<div id="chart-graph" class="chart" style="height:560px" role="img" aria-label="Dependency graph: ${g.nodes.length} transactions and ${g.edges.length} dependencies, colored by function" data-nodes="${g.nodes.length}" data-edges="${g.edges.length}" data-component-nodes="${g.componentNodes}"></div>`
    : `<p class="empty">The dependency graph is empty.</p>`;
  return `<section aria-labelledby="h-graph"><h2 id="h-graph">Largest component of the dependency graph</h2><p class="lede">${what} An arrow runs from a transaction to a later one that depends on it; node size follows its number of dependencies; the outlined node is the start of the breadth-first cap. Scroll to zoom, drag to pan.</p>${chart}</section>`;
}

const STYLE = `
:root{--ink:#0f172a;--muted:#64748b;--line:#e2e8f0;--bg:#f5f6fa;--card:#fff;--accent:#4f46e5;--hot:#ea580c;
  font-family:Inter,ui-sans-serif,system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg);
  -webkit-text-size-adjust:100%}
*{box-sizing:border-box}
body{margin:0;line-height:1.5}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px 10px;border-radius:6px;z-index:9}
header.hero{background:linear-gradient(135deg,#1e1b4b 0%,#312e81 45%,#4f46e5 100%);color:#eef2ff;padding:36px 0 64px}
.wrap{max-width:1200px;margin:0 auto;padding:0 28px}
.eyebrow{text-transform:uppercase;letter-spacing:.14em;font-size:12px;font-weight:600;color:#c7d2fe;margin:0 0 6px}
h1{font-size:34px;line-height:1.15;margin:0 0 10px;font-weight:750;letter-spacing:-.02em;color:#fff}
.source{margin:0;color:#c7d2fe;font-size:14px;display:flex;flex-wrap:wrap;gap:6px 12px;align-items:center}
.badge{display:inline-block;background:rgba(255,255,255,.14);border:1px solid rgba(255,255,255,.25);color:#fff;border-radius:999px;padding:1px 10px;font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:.06em}
.notes{margin:14px 0 0;padding:0;list-style:none}
.notes li{background:rgba(251,191,36,.14);border:1px solid rgba(251,191,36,.45);color:#fef3c7;border-radius:8px;padding:6px 12px;font-size:13px;margin-top:6px;max-width:900px}
main.wrap{margin-top:-40px;padding-bottom:40px}
section{background:var(--card);border:1px solid var(--line);border-radius:14px;padding:22px 24px 24px;margin:0 0 20px;box-shadow:0 1px 2px rgba(15,23,42,.04),0 6px 24px rgba(15,23,42,.05)}
h2{font-size:19px;margin:0 0 4px;letter-spacing:-.01em}
.lede{color:var(--muted);margin:0 0 14px;font-size:14px;max-width:860px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:12px;margin:12px 0 0}
.card{border:1px solid var(--line);border-radius:12px;padding:12px 14px;background:linear-gradient(180deg,#fff,#fafbff)}
.card dt{font-size:12px;color:var(--muted);font-weight:600;text-transform:uppercase;letter-spacing:.05em}
.card dd{margin:2px 0 0}
.card .value{display:block;font-size:28px;font-weight:750;letter-spacing:-.02em;font-variant-numeric:tabular-nums}
.card .hint{display:block;font-size:12.5px;color:var(--muted)}
.meter{height:6px;background:#eef2ff;border-radius:99px;margin-top:8px;overflow:hidden}.meter span{display:block;height:100%;background:linear-gradient(90deg,#fb923c,#ea580c);border-radius:99px}
.chart{width:100%;min-height:240px}
.chart-failed{display:flex;align-items:center;justify-content:center;color:#b91c1c;background:#fef2f2;border-radius:10px}
.table-wrap{overflow-x:auto;-webkit-overflow-scrolling:touch;border:1px solid var(--line);border-radius:10px;margin-top:12px}
.table-wrap:focus{outline:2px solid var(--accent);outline-offset:2px}
table{border-collapse:collapse;width:100%;font-size:13.5px;font-variant-numeric:tabular-nums}
caption{text-align:left;color:var(--muted);font-size:12.5px;padding:8px 12px;caption-side:top}
th,td{padding:7px 12px;text-align:left;border-top:1px solid var(--line);white-space:nowrap}
thead th{background:#f8fafc;color:var(--muted);font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;font-weight:650;border-top:0}
tbody tr:nth-child(even){background:#fcfcfe}
tbody tr:hover{background:#f5f3ff}
tbody th{font-weight:600}
.num{text-align:right}
.rank{color:var(--muted);width:1%}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px;background:#f1f5f9;border-radius:5px;padding:1px 5px;color:#334155}
.var{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:13px;color:#7c2d12}
.undecoded{color:var(--muted);font-style:italic;font-weight:400}
.contract{font-weight:600}
.txs{min-width:150px}.txs .n{display:inline-block;min-width:4ch}
.inline-bar{display:inline-block;vertical-align:middle;width:80px;height:8px;background:#fff7ed;border-radius:99px;margin-right:10px;overflow:hidden}
.inline-bar span{display:block;height:100%;background:linear-gradient(90deg,#fdba74,#ea580c);border-radius:99px}
.speedups td .sub{display:block;font-size:11px;color:var(--muted)}
tr.limit th,tr.limit td{color:#334155;font-style:italic}
.tag{font-style:normal;font-size:10.5px;font-weight:700;text-transform:uppercase;letter-spacing:.06em;background:#e2e8f0;border-radius:4px;padding:0 5px;margin-left:4px}
.note,.empty{color:var(--muted);font-size:13px;margin:10px 0 0}
.empty{padding:28px;text-align:center;border:1px dashed var(--line);border-radius:10px}
details{margin-top:12px}summary{cursor:pointer;color:var(--accent);font-weight:600;font-size:14px}
.stats{display:flex;flex-wrap:wrap;gap:8px 22px;margin:4px 0 10px}
.stats div{min-width:86px}.stats dt{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em;font-weight:600}.stats dd{margin:0;font-size:18px;font-weight:700;font-variant-numeric:tabular-nums}
.legend{display:flex;flex-wrap:wrap;gap:6px 16px;list-style:none;padding:0;margin:0 0 6px;font-size:12.5px;color:var(--muted)}
.sw{display:inline-block;width:14px;height:10px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.sw.exec{background:#6366f1}.sw.reexec{background:#8b5cf6}.sw.aborted{background:#ef4444}.sw.validate{background:#14b8a6;height:6px;vertical-align:1px}.sw.failed{background:#f59e0b;height:6px;vertical-align:1px}
footer{color:var(--muted);font-size:12.5px;text-align:center;padding:8px 0 32px}
@media (max-width:700px){.wrap{padding:0 14px}h1{font-size:25px}header.hero{padding:24px 0 56px}section{padding:16px 14px;border-radius:12px}.card .value{font-size:23px}.cards{grid-template-columns:repeat(2,minmax(0,1fr))}}
@media print{header.hero{background:none;color:var(--ink)}h1{color:var(--ink)}section{box-shadow:none;break-inside:avoid}}
`;

/**
 * Renders the report as one HTML document. Pure given `options.echartsSource`; otherwise
 * the echarts bundle is read once from node_modules. `data` must be validated
 * (parseReportData) ReportData.
 */
export function renderReportHtml(data: ReportData, options: RenderOptions = {}): string {
  const echartsSource = options.echartsSource ?? loadEchartsSource();
  const view = buildReportView(data, options);
  const src = data.source;
  const meta = [
    `<span class="badge">${escapeHtml(src.kind)}</span>`,
    `<span>${escapeHtml(src.description)}</span>`,
    src.chainId !== undefined ? `<span>chain ${escapeHtml(src.chainId)}</span>` : "",
    data.generatedAt
      ? `<span>generated <time datetime="${escapeHtml(data.generatedAt)}">${escapeHtml(data.generatedAt)}</time></span>`
      : "",
  ].join("");
  const notes = data.notes?.length ? `<ul class="notes">${data.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join("")}</ul>` : "";
  const csp =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; base-uri 'none'; form-action 'none'";
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="generator" content="disjoint report v${data.version}">
<title>${escapeHtml(data.title)} · disjoint</title>
<style>${STYLE}</style>
</head>
<body>
<a class="skip" href="#main">Skip to the report</a>
<header class="hero"><div class="wrap">
<p class="eyebrow">disjoint · storage-conflict report</p>
<h1>${escapeHtml(data.title)}</h1>
<p class="source">${meta}</p>${notes}
</div></header>
<main id="main" class="wrap">
${summarySection(data, view)}
${hotSlotsSection(data, options.maxHotSlots ?? 20)}
${adviceSection(data)}
${matrixSection(data, view)}
${speedupSection(view)}
${ganttSection(view)}
${graphSection(view)}
</main>
<footer>Generated by disjoint. Self-contained: this file makes no network requests and works offline.</footer>
<script type="application/json" id="report-data">${jsonForScript(view)}</script>
<script>${scriptForHtml(echartsSource)}</script>
<script>${scriptForHtml(CLIENT_SCRIPT)}</script>
</body>
</html>
`;
}
