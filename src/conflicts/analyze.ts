/**
 * Conflict analysis over a ConflictGraph: conflict rate, connected components, longest
 * dependency chain, hot slots and a function-by-function conflict matrix. Every step is
 * linear in transactions + edges.
 */
import type { AccessSetFile } from "../access/format.js";
import { describeDependencyOptions, EDGE_RAW, EDGE_WAR, EDGE_WW, type DependencyOptions } from "../model/dependency.js";
import type { CompactAccessSets } from "../model/block.js";
import { buildConflictGraph, type ConflictGraph, type GraphOptions } from "./graph.js";

export interface AnalyzeOptions extends GraphOptions {
  /** Cost model (src/model/cost.ts): "auto" (default: gas where the block has it), "gasUsed", "accesses", "unit" or a tx.costs column. */
  cost?: string;
  /** How many hot slots to list (default 20). */
  topSlots?: number;
  /** How many matrix cells to list (default 50). */
  topCells?: number;
}

export interface TxRef {
  block: number;
  index: number;
  hash: string | null;
  function: string;
}

export interface HotSlot {
  account: string;
  /** 32-byte slot, or an account field: "balance" | "nonce" | "code". */
  slot: string;
  /** Decoded name (`Contract.variable[key].field`) where known. */
  name: string | null;
  txs: number;
  writers: number;
  /** Transactions that waited on an earlier writer of this slot. */
  serialized: number;
}

export interface MatrixCell {
  /** Function of the earlier transaction. */
  earlier: string;
  /** Function of the later transaction. */
  later: string;
  raw: number;
  ww: number;
  war: number;
  /** Most frequent (kind, variable) behind this cell's edges, most frequent first. */
  on: { kind: "write-write" | "read-after-write" | "write-after-read"; variable: string; edges: number }[];
}

export interface BlockSummary {
  number: number;
  txs: number;
  edges: number;
  conflictingTxs: number;
  components: number;
  longestChain: number;
  /** Transactions with an incoming RAW/WW edge. */
  dependentTxs: number;
  /** Cost of the heaviest dependency path in the block (the dag scheduler's limit at unbounded threads). */
  criticalPath: number;
  /** Total cost of the block's transactions (its serial time). */
  work: number;
}

export interface AnalysisResult {
  source: AccessSetFile["source"];
  precision: AccessSetFile["precision"];
  /** The dependency rules the edges follow (src/model/dependency.ts). */
  dependency: DependencyOptions;
  /** Plain-language caveats a reader must see (fee recipient, block-level reads, ...). */
  notes: string[];
  blocks: number;
  txs: number;
  accesses: number;
  distinctKeys: number;
  edges: { total: number; raw: number; ww: number; war: number };
  /** Transactions with at least one conflict edge (any kind) to another transaction. */
  conflictingTxs: number;
  /** conflictingTxs / txs (0 when there are no transactions). */
  conflictRate: number;
  /** Transactions with an incoming RAW/WW edge: they must see an earlier one's writes. */
  dependentTxs: number;
  components: { count: number; largest: number; singletons: number; sizes: { size: number; count: number }[] };
  longestChain: { length: number; gas: number; txs: TxRef[] };
  /** Gas of the heaviest dependency path (the critical path of an ideal parallel executor). */
  criticalPathGas: number;
  /** totalGas / criticalPathGas: the speedup no executor can beat on these dependencies (1 when there is no cost). */
  dependencyLimit: number;
  /** Conflict edges / pairs of transactions in the same block: how much of the block conflicts, pair by pair. */
  conflictingPairShare: number;
  totalGas: number;
  hotSlots: HotSlot[];
  matrix: MatrixCell[];
  perBlock: BlockSummary[];
}

function strongest(kind: number): 1 | 2 | 4 {
  return kind & EDGE_WW ? EDGE_WW : kind & EDGE_RAW ? EDGE_RAW : EDGE_WAR;
}

/** The state variable of a key: its decoded name with mapping keys and indices elided. */
export function variableOf(account: string, field: string, names: AccessSetFile["names"] | undefined): string {
  const acct = names?.accounts?.[account] ?? account;
  if (!field.startsWith("0x")) return `${acct}.${field}`;
  const name = names?.slots?.[`${account}:${field}`];
  if (name) return name.replace(/\[[^\]]*\]/g, "[]");
  return `${acct}:${field}`;
}

/** Analyzes an already built graph. */
/** What the analysis needs to know about the input besides the graph. */
export interface AnalysisInput {
  source: AccessSetFile["source"];
  precision: AccessSetFile["precision"];
  names?: AccessSetFile["names"];
}

export function analyzeGraph(file: AnalysisInput, graph: ConflictGraph, opts: AnalyzeOptions = {}): AnalysisResult {
  const topSlots = opts.topSlots ?? 20;
  const topCells = opts.topCells ?? 50;
  const n = graph.txCount;
  const gas = graph.input.txGas;
  const { from, to, kind, key, count } = graph.edges;

  // Union-find for components; dependency DP for chains (edges go earlier -> later, and are
  // sorted by `to` because they are emitted while processing `to`).
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  const find = (x: number): number => {
    while (parent[x] !== x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  const involved = new Uint8Array(n);
  const dependent = new Uint8Array(n);
  const depth = new Int32Array(n).fill(1);
  const prev = new Int32Array(n).fill(-1);
  const cpGas = new Float64Array(n);
  let raw = 0,
    ww = 0,
    war = 0;
  let e = 0;
  for (let t = 0; t < n; t++) {
    let bestDepth = 0;
    let bestPrev = -1;
    let bestGas = 0;
    for (; e < count && to[e] === t; e++) {
      const f = from[e];
      const k = kind[e];
      if (k & EDGE_RAW) raw++;
      if (k & EDGE_WW) ww++;
      if (k & EDGE_WAR) war++;
      involved[f] = 1;
      involved[t] = 1;
      const rf = find(f),
        rt = find(t);
      if (rf !== rt) parent[rf] = rt;
      if (k & (EDGE_RAW | EDGE_WW)) {
        dependent[t] = 1;
        if (depth[f] > bestDepth) {
          bestDepth = depth[f];
          bestPrev = f;
        }
        if (cpGas[f] > bestGas) bestGas = cpGas[f];
      }
    }
    depth[t] = bestDepth + 1;
    prev[t] = bestPrev;
    cpGas[t] = gas[t] + bestGas;
  }
  if (e !== count) throw new Error("internal: conflict edges are not ordered by their later transaction");

  const compSize = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    compSize.set(r, (compSize.get(r) ?? 0) + 1);
  }
  const sizeHist = new Map<number, number>();
  let largest = 0;
  for (const s of compSize.values()) {
    sizeHist.set(s, (sizeHist.get(s) ?? 0) + 1);
    if (s > largest) largest = s;
  }
  let conflictingTxs = 0,
    dependentTxs = 0,
    totalGas = 0,
    criticalPathGas = 0,
    chainEnd = -1;
  for (let i = 0; i < n; i++) {
    conflictingTxs += involved[i];
    dependentTxs += dependent[i];
    totalGas += gas[i];
    if (cpGas[i] > criticalPathGas) criticalPathGas = cpGas[i];
    if (chainEnd < 0 || depth[i] > depth[chainEnd]) chainEnd = i;
  }
  const chain: number[] = [];
  for (let t = chainEnd; t >= 0; t = prev[t]) chain.push(t);
  chain.reverse();
  const ref = (t: number): TxRef => {
    const x = graph.tx(t);
    return { block: x.block, index: x.index, hash: x.hash, function: x.function };
  };

  // Hot slots: partial selection of the top `topSlots` by serialized, then writers, then txs.
  const ks = graph.keyStats;
  const better = (a: number, b: number) => ks.serialized[a] - ks.serialized[b] || ks.writers[a] - ks.writers[b] || ks.txs[a] - ks.txs[b];
  const top: number[] = [];
  for (let k = 0; k < graph.keyAccount.length; k++) {
    if (ks.serialized[k] === 0 && (ks.writers[k] === 0 || ks.txs[k] < 2)) continue;
    if (top.length < topSlots) {
      top.push(k);
      top.sort((a, b) => better(b, a));
    } else if (better(k, top[top.length - 1]) > 0) {
      top[top.length - 1] = k;
      top.sort((a, b) => better(b, a));
    }
  }
  const names = file.names;
  const hotSlots: HotSlot[] = top.map((k) => {
    const account = graph.keyAccount.at(k)!;
    const slot = graph.keyField.at(k)!;
    const decoded = slot.startsWith("0x") ? names?.slots?.[`${account}:${slot}`] : undefined;
    const acct = names?.accounts?.[account];
    return {
      account,
      slot,
      name: decoded ?? (acct && !slot.startsWith("0x") ? `${acct}.${slot}` : null),
      txs: ks.txs[k],
      writers: ks.writers[k],
      serialized: ks.serialized[k],
    };
  });

  // Function x function matrix.
  const fnNames = graph.input.fnNames;
  const txFn = graph.input.txFn;
  const F = fnNames.length;
  // Variables by number: a named slot's variable (mapping keys elided) gets an id >= K; an
  // unnamed key is its own variable (its id is the key id). Strings are built only for output.
  const K = graph.keyAccount.length;
  const varId = new Int32Array(K).fill(-1);
  const varIds = new Map<string, number>();
  const varNames: string[] = [];
  // No slot names (an empty table included): no key's strings are needed to number variables.
  const slotNames = names?.slots && Object.keys(names.slots).length > 0 ? names.slots : undefined;
  const varOfKey = (k: number): number => {
    let v = varId[k];
    if (v >= 0) return v;
    const field = slotNames && graph.input.keyIsField[k] === 0 ? graph.keyField.at(k)! : undefined;
    const named = field !== undefined ? slotNames![`${graph.keyAccount.at(k)!}:${field}`] : undefined;
    if (named === undefined) v = k;
    else {
      const label = named.replace(/\[[^\]]*\]/g, "[]");
      let id = varIds.get(label);
      if (id === undefined) {
        id = K + varNames.length;
        varNames.push(label);
        varIds.set(label, id);
      }
      v = id;
    }
    varId[k] = v;
    return v;
  };
  const varLabel = (v: number) => (v >= K ? varNames[v - K] : variableOf(graph.keyAccount.at(v)!, graph.keyField.at(v)!, names));
  interface Cell {
    raw: number;
    ww: number;
    war: number;
    on: Map<number, number>;
  }
  const cells = new Map<number, Cell>();
  const VSPAN = 2 * K + 2;
  for (let i = 0; i < count; i++) {
    const id = txFn[from[i]] * F + txFn[to[i]];
    let c = cells.get(id);
    if (c === undefined) {
      c = { raw: 0, ww: 0, war: 0, on: new Map() };
      cells.set(id, c);
    }
    const k = kind[i];
    if (k & EDGE_RAW) c.raw++;
    if (k & EDGE_WW) c.ww++;
    if (k & EDGE_WAR) c.war++;
    const st = strongest(k);
    const code = (st === EDGE_WW ? 0 : st === EDGE_RAW ? 1 : 2) * VSPAN + varOfKey(key[i]);
    c.on.set(code, (c.on.get(code) ?? 0) + 1);
  }
  const top3 = (m: Map<number, number>) => {
    const best: [number, number][] = [];
    for (const e of m) {
      if (best.length < 3) best.push(e);
      else if (e[1] > best[2][1]) best[2] = e;
      else continue;
      best.sort((a, b) => b[1] - a[1]);
    }
    return best.sort((a, b) => b[1] - a[1]);
  };
  const KINDS = ["write-write", "read-after-write", "write-after-read"] as const;
  const matrix: MatrixCell[] = [...cells]
    .sort((a, b) => b[1].raw + b[1].ww + b[1].war - (a[1].raw + a[1].ww + a[1].war))
    .slice(0, topCells)
    .map(([id, c]) => ({
      earlier: fnNames[Math.floor(id / F)],
      later: fnNames[id % F],
      raw: c.raw,
      ww: c.ww,
      war: c.war,
      on: top3(c.on).map(([code, edges]) => ({
        kind: KINDS[Math.floor(code / VSPAN)],
        variable: varLabel(code % VSPAN),
        edges,
      })),
    }));

  // Per block.
  let ePos = 0;
  const perBlock: BlockSummary[] = graph.blocks.map((b) => {
    let edges = 0;
    while (ePos < count && to[ePos] < b.end) {
      edges++;
      ePos++;
    }
    let conflicting = 0,
      longest = 0,
      critical = 0,
      work = 0,
      dependents = 0;
    const roots = new Set<number>();
    for (let t = b.start; t < b.end; t++) {
      conflicting += involved[t];
      if (depth[t] > longest) longest = depth[t];
      if (cpGas[t] > critical) critical = cpGas[t];
      work += gas[t];
      dependents += dependent[t];
      roots.add(find(t));
    }
    return {
      number: b.number,
      txs: b.end - b.start,
      edges,
      conflictingTxs: conflicting,
      components: roots.size,
      longestChain: longest,
      dependentTxs: dependents,
      criticalPath: critical,
      work,
    };
  });

  let pairs = 0;
  for (const b of graph.blocks) pairs += ((b.end - b.start) * (b.end - b.start - 1)) / 2;
  const notes: string[] = [];
  notes.push(...describeDependencyOptions(graph.options));
  notes.push(...(graph.input.costNotes ?? []));
  notes.push(
    "A write implies a read. Edges: RAW and WW are dependencies (the longest chain and critical path); WAR (write after an earlier read) only serializes lock-based schedulers.",
  );
  if (file.precision.reads === "block")
    notes.push(
      "Reads are known per block only (EIP-7928 BAL): read-after-write edges from transactions that only read a written slot are unknown, so conflicts are a lower bound.",
    );
  if (file.precision.writes === "block") notes.push("Writes are known per block only: conflicts cannot be attributed to transactions.");

  return {
    source: file.source,
    precision: file.precision,
    dependency: graph.options,
    notes,
    blocks: graph.blocks.length,
    txs: n,
    accesses: graph.accesses,
    distinctKeys: graph.keyAccount.length,
    edges: { total: count, raw, ww, war },
    conflictingTxs,
    conflictRate: n === 0 ? 0 : conflictingTxs / n,
    dependentTxs,
    components: {
      count: compSize.size,
      largest,
      singletons: sizeHist.get(1) ?? 0,
      sizes: [...sizeHist].map(([size, c]) => ({ size, count: c })).sort((a, b) => b.size - a.size),
    },
    longestChain: { length: chain.length, gas: chain.reduce((s, t) => s + gas[t], 0), txs: chain.map(ref) },
    criticalPathGas,
    dependencyLimit: criticalPathGas > 0 ? totalGas / criticalPathGas : 1,
    conflictingPairShare: pairs > 0 ? count / pairs : 0,
    totalGas,
    hotSlots,
    matrix,
    perBlock,
  };
}

/** Builds the conflict graph of `file` and analyzes it. */
export function analyze(
  file: AccessSetFile | (AnalysisInput & { compact: CompactAccessSets }),
  opts: AnalyzeOptions = {},
): { graph: ConflictGraph; result: AnalysisResult } {
  const graph = buildConflictGraph("compact" in file ? file.compact : file, opts);
  return { graph, result: analyzeGraph(file, graph, opts) };
}
