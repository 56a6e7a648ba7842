#!/usr/bin/env node
/**
 * Structure rules of DEVELOPERS.md and issue #15, checked from the source text:
 * - no import cycle in src/, between files (type-only imports included) and between its
 *   directories (layers: src/model, src/conflicts, src/schedule, ...);
 * - no re-export of one layer by another (`export ... from "../<dir>/..."` in src/);
 * - src/ has no Hardhat import;
 * - every file in tasks/ is under 80 lines.
 * Prints each violation and exits 1 when there is one.   node scripts/check-structure.mjs
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");

function files(dir, ext = ".ts") {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...files(p, ext));
    else if (p.endsWith(ext)) out.push(p);
  }
  return out;
}

/** Relative module specifiers of a file: [{ spec, reexport }]. */
function imports(text) {
  const out = [];
  const re = /^\s*(import|export)\b[^;]*?\bfrom\s+["']([^"']+)["']|^\s*import\s+["']([^"']+)["']/gms;
  for (const m of text.matchAll(re)) {
    const spec = m[2] ?? m[3];
    if (spec) out.push({ spec, reexport: m[1] === "export" });
  }
  return out;
}

export function checkStructure(base = root) {
  const problems = [];
  const src = path.join(base, "src");
  const all = files(src);
  const graph = new Map();
  const layerOf = (f) => path.relative(src, f).split(path.sep)[0].replace(/\.ts$/, "");
  const layers = new Map();
  for (const f of all) {
    const text = readFileSync(f, "utf8");
    const deps = [];
    for (const { spec, reexport } of imports(text)) {
      if (/^hardhat(\/|$)|^@nomicfoundation\/hardhat/.test(spec))
        problems.push(`src has a Hardhat import: ${path.relative(base, f)} imports ${spec}`);
      if (!spec.startsWith(".")) continue;
      const target = path.resolve(path.dirname(f), spec.replace(/\.js$/, ".ts"));
      deps.push(target);
      const from = layerOf(f);
      const to = layerOf(target);
      if (from !== to) {
        if (!layers.has(from)) layers.set(from, new Set());
        layers.get(from).add(to);
        if (reexport) problems.push(`re-export of one layer by another: ${path.relative(base, f)} re-exports ${spec}`);
      }
    }
    graph.set(f, deps);
  }
  for (const scc of cycles(graph)) problems.push(`import cycle between files: ${scc.map((f) => path.relative(base, f)).join(" -> ")}`);
  for (const scc of cycles(new Map([...layers].map(([k, v]) => [k, [...v]]))))
    problems.push(`import cycle between layers of src/: ${scc.join(" <-> ")}`);
  for (const f of files(path.join(base, "tasks"))) {
    const lines = readFileSync(f, "utf8").split("\n").length - 1;
    if (lines >= 80) problems.push(`tasks file of ${lines} lines (limit: under 80): ${path.relative(base, f)}`);
  }
  return problems;
}

/** Strongly connected components of more than one node (or a self-loop), Tarjan's algorithm. */
function cycles(graph) {
  let index = 0;
  const idx = new Map();
  const low = new Map();
  const stack = [];
  const on = new Set();
  const out = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.reverse());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const problems = checkStructure();
  for (const p of problems) console.log(p);
  console.log(
    problems.length === 0
      ? "structure: no import cycle in src/ (files or layers), no cross-layer re-export, no Hardhat import in src/, every tasks/ file under 80 lines"
      : `${problems.length} structure problem(s)`,
  );
  process.exitCode = problems.length === 0 ? 0 : 1;
}
