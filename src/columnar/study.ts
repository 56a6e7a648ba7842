/**
 * Cross-block studies over a columnar tree: the SQL files of queries/ (written in the subset
 * DuckDB and Spark SQL share) run on the embedded engine over base views of the tree, limited
 * to a block range, plus any user SQL file; and the per-block graph work SQL cannot do
 * (longest dependency chains, src/columnar/compact.ts), streamed from Parquet with memory bounded by
 * one partition's dictionaries.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { InputError, UsageError } from "../errors.js";
import { escapeHtml } from "../report/html.js";
import { createProgress, type ProgressOptions } from "../report/progress.js";
import { markdownTable } from "../util/tables.js";
import { openEngine, sqlString, type EngineOptions } from "./engine.js";
import { PARTITIONED, tableGlob, type TableName } from "./layout.js";
import { readTreeMeta, type ReadRange } from "./read.js";
import { blockChains } from "./compact.js";

/** The folder of the built-in study queries. */
export const QUERIES_DIR = path.join(import.meta.dirname, "..", "..", "queries");

export interface StudyOptions extends ReadRange, EngineOptions {
  /** A contract address for the serialized-share query ("" or absent: the top contracts). */
  contract?: string;
  /** Extra SQL files, each one SELECT (run after the built-in ones). */
  sql?: string[];
  /** Skip the built-in queries (only --sql files and chains). */
  noBuiltin?: boolean;
  /** Skip the per-block chain pass. */
  noChains?: boolean;
  /**
   * Compute the shared `deps` view (a window over every access) once into an engine-side
   * temporary table instead of once per query. The queries do not change (`deps` stays a view
   * name); the table needs memory or spill space of about 30 bytes per access.
   */
  materializeDeps?: boolean;
  progress?: Omit<ProgressOptions, "label" | "total" | "unit">;
}

export interface StudySection {
  name: string;
  title: string;
  seconds: number;
  columns: string[];
  rows: (string | number | boolean | null)[][];
}

export interface StudyResult {
  tree: string;
  range: { from: number | null; to: number | null };
  contract: string;
  sections: StudySection[];
  seconds: number;
}

const plain = (v: unknown): string | number | boolean | null =>
  v === null || v === undefined
    ? null
    : typeof v === "bigint"
      ? Number(v)
      : typeof v === "number" || typeof v === "boolean" || typeof v === "string"
        ? v
        : String(v);

/** The title of a SQL file: its first comment line. */
function titleOf(sql: string, fallback: string): string {
  const m = /^\s*--\s*(.+)$/m.exec(sql);
  return m ? m[1].trim() : fallback;
}

/** Statements of a SQL file (split at `;` ending a line; comments kept). */
function statements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter((s) => s.replace(/--.*$/gm, "").trim() !== "");
}

export { blockChains } from "./compact.js";

function chainSections(chains: { block: number; txs: number; longestChain: number }[], seconds: number): StudySection[] {
  const buckets = new Map<number, { blocks: number; txs: number }>();
  for (const c of chains) {
    // 0, 1, 2, 3-4, 5-8, 9-16, ...
    const lo = c.longestChain <= 2 ? c.longestChain : 2 ** Math.ceil(Math.log2(c.longestChain)) / 2 + 1;
    const b = buckets.get(lo) ?? { blocks: 0, txs: 0 };
    b.blocks++;
    b.txs += c.txs;
    buckets.set(lo, b);
  }
  const rows = [...buckets.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([lo, b]) => {
      const hi = lo <= 2 ? lo : (lo - 1) * 2;
      return [lo === hi ? String(lo) : `${lo}-${hi}`, b.blocks, b.txs, Number(((100 * b.blocks) / Math.max(1, chains.length)).toFixed(2))];
    });
  const top = [...chains].sort((a, b) => b.longestChain - a.longestChain || a.block - b.block).slice(0, 10);
  return [
    {
      name: "chain-lengths",
      title:
        "Chain-length distribution: blocks by their longest dependency chain (RAW/WW, fee-recipient balance credits excluded; per-block graph pass streamed from Parquet)",
      seconds,
      columns: ["longest_chain", "blocks", "txs", "blocks_percent"],
      rows,
    },
    {
      name: "longest-chains",
      title: "Blocks with the longest dependency chains",
      seconds: 0,
      columns: ["block", "txs", "longest_chain", "chain_percent_of_block"],
      rows: top.map((c) => [c.block, c.txs, c.longestChain, Number(((100 * c.longestChain) / Math.max(1, c.txs)).toFixed(2))]),
    },
  ];
}

/** Runs the built-in study queries, any user SQL files and the chain pass over a tree. */
export async function runStudy(tree: string, opts: StudyOptions = {}): Promise<StudyResult> {
  const t0 = performance.now();
  await readTreeMeta(tree); // checks the tree before any query
  const contract = (opts.contract ?? "").toLowerCase();
  if (contract && !/^0x[0-9a-f]{40}$/.test(contract))
    throw new UsageError(`--contract: expected an address, 0x and 40 hex digits (got ${opts.contract})`);
  const builtin = opts.noBuiltin ? [] : (await readdir(QUERIES_DIR)).filter((f) => /^\d\d-.*\.sql$/.test(f)).sort();
  const files: { name: string; file: string }[] = [
    ...builtin.map((f) => ({ name: f.replace(/^\d\d-|\.sql$/g, ""), file: path.join(QUERIES_DIR, f) })),
    ...(opts.sql ?? []).map((f) => ({ name: path.basename(f).replace(/\.sql$/, ""), file: f })),
  ];
  const texts = await Promise.all(
    files.map(async (f) => {
      try {
        return await readFile(f.file, "utf8");
      } catch (e) {
        throw new InputError(`cannot read SQL file ${f.file}`, { cause: e });
      }
    }),
  );
  const bar = createProgress({ label: "study", total: files.length + (opts.noChains ? 0 : 1), unit: "steps", ...opts.progress });
  const sections: StudySection[] = [];
  const engine = await openEngine(opts);
  try {
    const c = engine.connection;
    const lo = opts.from ?? 0;
    const hi = opts.to ?? Number.MAX_SAFE_INTEGER;
    for (const t of [...PARTITIONED, "names"] as TableName[]) {
      const src = `read_parquet(${sqlString(tableGlob(tree, t))}${t === "names" ? "" : ", hive_partitioning = true"})`;
      const where = t === "blocks" || t === "txs" || t === "accesses" ? ` WHERE block BETWEEN ${lo} AND ${hi}` : "";
      await c.run(`CREATE OR REPLACE TEMPORARY VIEW ${t} AS SELECT * FROM ${src}${where}`);
    }
    await c.run(
      `CREATE OR REPLACE TEMPORARY VIEW study_params AS SELECT CAST(${lo} AS BIGINT) AS from_block, CAST(${hi} AS BIGINT) AS to_block, ${sqlString(contract)} AS contract`,
    );
    for (const s of statements(await readFile(path.join(QUERIES_DIR, "views.sql"), "utf8"))) await c.run(s);
    if (opts.materializeDeps) {
      await c.run("CREATE OR REPLACE TEMPORARY TABLE deps_materialized AS SELECT * FROM deps");
      await c.run("CREATE OR REPLACE TEMPORARY VIEW deps AS SELECT * FROM deps_materialized");
    }
    for (let i = 0; i < files.length; i++) {
      const f = files[i];
      const stmts = statements(texts[i]);
      if (stmts.length === 0) throw new InputError(`${f.file}: no SQL statement`);
      const q0 = performance.now();
      let reader;
      try {
        for (const s of stmts.slice(0, -1)) await c.run(s);
        reader = await c.runAndReadAll(stmts.at(-1)!);
      } catch (e) {
        throw new InputError(`${f.file}: ${(e as Error).message.split("\n")[0]}`, { cause: e });
      }
      sections.push({
        name: f.name,
        title: titleOf(texts[i], f.name),
        seconds: (performance.now() - q0) / 1000,
        columns: reader.columnNames(),
        rows: reader.getRows().map((r) => r.map(plain)),
      });
      bar.tick();
    }
    if (!opts.noChains) {
      const q0 = performance.now();
      const chains = await blockChains(tree, opts, opts);
      sections.push(...chainSections(chains, (performance.now() - q0) / 1000));
      bar.tick();
    }
    bar.finish();
  } catch (e) {
    bar.stop();
    throw e;
  } finally {
    engine.close();
  }
  return { tree, range: { from: opts.from ?? null, to: opts.to ?? null }, contract, sections, seconds: (performance.now() - t0) / 1000 };
}

const cell = (v: string | number | boolean | null) => (v === null ? "" : String(v));

export function studyMarkdown(r: StudyResult): string {
  const range = r.range.from === null && r.range.to === null ? "all blocks" : `blocks ${r.range.from ?? "start"} to ${r.range.to ?? "end"}`;
  const parts = [
    `# Access-set study: ${r.tree}`,
    "",
    `${range}${r.contract ? `, contract ${r.contract}` : ""}; ${r.seconds.toFixed(1)} s in all.`,
    "",
  ];
  for (const s of r.sections) {
    parts.push(`## ${s.title}`, "", `\`${s.name}\`, ${s.seconds.toFixed(2)} s, ${s.rows.length} rows`, "");
    parts.push(s.rows.length ? markdownTable([s.columns, ...s.rows.map((row) => row.map(cell))]) : "(no rows)", "");
  }
  return parts.join("\n");
}

export function studyHtml(r: StudyResult): string {
  const body = r.sections
    .map(
      (s) =>
        `<h2>${escapeHtml(s.title)}</h2><p class="meta"><code>${escapeHtml(s.name)}</code>, ${s.seconds.toFixed(2)} s, ${s.rows.length} rows</p>` +
        `<table><thead><tr>${s.columns.map((c) => `<th>${escapeHtml(c)}</th>`).join("")}</tr></thead><tbody>` +
        s.rows.map((row) => `<tr>${row.map((v) => `<td>${escapeHtml(cell(v))}</td>`).join("")}</tr>`).join("") +
        `</tbody></table>`,
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Access-set study</title><style>
body{font:14px system-ui,sans-serif;margin:2em;max-width:80em}table{border-collapse:collapse;margin-bottom:1.5em}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;font-variant-numeric:tabular-nums}td:first-child,th:first-child{text-align:left}
.meta{color:#666}code{font-size:90%}</style></head><body><h1>Access-set study</h1>
<p>${escapeHtml(r.tree)}; ${r.range.from === null && r.range.to === null ? "all blocks" : `blocks ${r.range.from ?? "start"} to ${r.range.to ?? "end"}`}; ${r.seconds.toFixed(1)} s in all.</p>
${body}</body></html>
`;
}
