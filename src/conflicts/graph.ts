/**
 * The conflict graph of a set of transactions, built in one pass in time linear in the
 * number of accesses: per location we keep its last writer and the readers since that write
 * (src/model/dependency.ts, the one dependency definition), never comparing transactions
 * pairwise.
 *
 * Input is either an AccessSetFile or its compact, columnar form (CompactAccessSets: interned
 * keys, one Int32Array of key ids per access), which `CompactBuilder` fills in a stream, so
 * millions of transactions need no per-access objects. Transactions conflict only with
 * transactions of the same block, in block order.
 */
import type { AccessSetFile } from "../access/format.js";
import { chooseCost, txCost } from "../model/cost.js";
import {
  ACCESS_READ,
  ACCESS_SNAPSHOT,
  blockLevelReads,
  DependencyTracker,
  dependencyMode,
  dependencyOptions,
  EDGE_RAW,
  EDGE_WW,
  observedModes,
  type DependencyOptions,
} from "../model/dependency.js";

/** How dependencies are defined (src/model/dependency.ts); defaults filled in. */
export type GraphOptions = Partial<DependencyOptions>;

/** One transaction as the graph knows it; `pos` is its position over all blocks. */
export interface TxNode {
  pos: number;
  block: number;
  /** Index in its block. */
  index: number;
  hash: string | null;
  from: string | null;
  to: string | null;
  /** "Contract.function", else "<to>.<selector>", "transfer" or "create". */
  function: string;
  gasUsed: number;
}

/** Columnar, interned access sets: what the graph builder reads. */
export interface CompactAccessSets {
  /** Key id -> account address. */
  keyAccount: string[];
  /** Key id -> 32-byte slot, or "balance" | "nonce" | "code". */
  keyField: string[];
  /** Accesses of tx t are txKeys[txStart[t] .. txStart[t+1]), observed ACCESS_* modes (read, write, snapshot). */
  txStart: Int32Array;
  txKeys: Int32Array;
  txModes: Uint8Array;
  /** Per tx: block ordinal, index in block, gas, function id (into fnNames). */
  txBlock: Int32Array;
  txIndex: Int32Array;
  txGas: Float64Array;
  txFn: Int32Array;
  fnNames: string[];
  txHash: (string | null)[];
  txFrom: (string | null)[];
  txTo: (string | null)[];
  blocks: { number: number; coinbase: string; start: number; end: number }[];
  names?: AccessSetFile["names"];
  /** How the input was costed where not by gas (src/model/cost.ts), one line per block that needed it. */
  costNotes?: string[];
}

/** Per storage location (or account field) counters over the whole input. */
export interface KeyStats {
  /** Transactions that touched the key. */
  txs: Int32Array;
  /** Transactions that wrote it. */
  writers: Int32Array;
  /** Transactions that had to wait on an earlier writer of this key (RAW or WW into them). */
  serialized: Int32Array;
}

export interface ConflictGraph {
  options: DependencyOptions;
  input: CompactAccessSets;
  txCount: number;
  /** The transaction at position `pos` (built on demand). */
  tx(pos: number): TxNode;
  blocks: CompactAccessSets["blocks"];
  keyAccount: string[];
  keyField: string[];
  keyStats: KeyStats;
  /** Edges earlier -> later, ordered by `to`, one per pair; `kind` a bit set, `key` the key of the strongest kind. */
  edges: { from: Int32Array; to: Int32Array; kind: Uint8Array; key: Int32Array; count: number };
  /** Number of (tx, key) accesses after per-tx deduplication and the fee-recipient filter. */
  accesses: number;
}

class GrowI32 {
  a: Int32Array<ArrayBuffer>;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Int32Array(cap);
  }
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Int32Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
  view(): Int32Array {
    return this.a.slice(0, this.n);
  }
}

class GrowU8 {
  a: Uint8Array<ArrayBuffer>;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Uint8Array(cap);
  }
  push(v: number): number {
    if (this.n === this.a.length) {
      const b = new Uint8Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n] = v;
    return this.n++;
  }
  view(): Uint8Array {
    return this.a.slice(0, this.n);
  }
}

class GrowF64 {
  a: Float64Array<ArrayBuffer>;
  n = 0;
  constructor(cap = 1024) {
    this.a = new Float64Array(cap);
  }
  push(v: number): void {
    if (this.n === this.a.length) {
      const b = new Float64Array(this.a.length * 2);
      b.set(this.a);
      this.a = b;
    }
    this.a[this.n++] = v;
  }
  view(): Float64Array {
    return this.a.slice(0, this.n);
  }
}

function ensure(arr: Int32Array<ArrayBuffer>, size: number, fill = 0): Int32Array<ArrayBuffer> {
  if (size <= arr.length) return arr;
  const b = new Int32Array(Math.max(size, arr.length * 2));
  b.set(arr);
  if (fill !== 0) b.fill(fill, arr.length);
  return b;
}

export function txFunctionLabel(
  tx: { function?: string; selector: string | null; to: string | null },
  accountName?: (a: string) => string | undefined,
): string {
  if (tx.function) return tx.function;
  if (tx.to === null) return "create";
  if (tx.selector === null) return "transfer";
  return `${accountName?.(tx.to) ?? tx.to}.${tx.selector}`;
}

/**
 * Streams transactions into CompactAccessSets. Keys are interned by (account, field); callers
 * holding integer ids of their own may intern once and reuse the returned key ids.
 */
export class CompactBuilder {
  private readonly intern = new Map<string, Map<string, number>>();
  private lastAccount = "";
  private lastInner: Map<string, number> | undefined;
  readonly keyAccount: string[] = [];
  readonly keyField: string[] = [];
  private readonly txStart = new GrowI32(1 << 12);
  private readonly txKeys = new GrowI32(1 << 14);
  private readonly txModes = new GrowU8(1 << 14);
  private readonly txBlock = new GrowI32(1 << 12);
  private readonly txIndex = new GrowI32(1 << 12);
  private readonly txGas = new GrowF64(1 << 12);
  private readonly txFn = new GrowI32(1 << 12);
  private readonly fnIds = new Map<string, number>();
  private readonly fnNames: string[] = [];
  private readonly txHash: (string | null)[] = [];
  private readonly txFrom: (string | null)[] = [];
  private readonly txTo: (string | null)[] = [];
  private readonly blocks: CompactAccessSets["blocks"] = [];
  /** Per-tx dedupe: position in txKeys where key k was recorded for the current tx, or -1. */
  private seenAt = new Int32Array(1024).fill(-1);
  private seenTx = new Int32Array(1024).fill(-1);
  private txCount = 0;

  /** The key id of (account, field). */
  key(account: string, field: string): number {
    let inner = account === this.lastAccount ? this.lastInner : this.intern.get(account);
    if (inner === undefined) {
      inner = new Map();
      this.intern.set(account, inner);
    }
    this.lastAccount = account;
    this.lastInner = inner;
    let k = inner.get(field);
    if (k === undefined) {
      k = this.newKey(account, field);
      inner.set(field, k);
    }
    return k;
  }

  /**
   * Appends key (account, field) without looking it up, for a reader that keeps its own
   * dictionary and knows the key is new (the columnar reader: its locations are unique per
   * partition and it maps repeats across partitions itself). Not to be mixed with key().
   */
  newKey(account: string, field: string): number {
    const k = this.keyAccount.length;
    this.keyAccount.push(account);
    this.keyField.push(field);
    if (k >= this.seenTx.length) {
      this.seenTx = ensure(this.seenTx, k + 1, -1);
      this.seenAt = ensure(this.seenAt, k + 1, -1);
    }
    return k;
  }

  beginBlock(number: number, coinbase: string): void {
    this.endBlock();
    this.blocks.push({ number, coinbase, start: this.txCount, end: -1 });
  }

  private endBlock(): void {
    const last = this.blocks[this.blocks.length - 1];
    if (last && last.end < 0) last.end = this.txCount;
  }

  /** Starts a transaction; then call `access` for each of its accesses. */
  beginTx(meta: { index: number; hash: string | null; from: string | null; to: string | null; function: string; gasUsed: number }): void {
    if (this.blocks.length === 0) throw new Error("CompactBuilder: beginBlock before beginTx");
    this.txStart.push(this.txKeys.n);
    this.txBlock.push(this.blocks.length - 1);
    this.txIndex.push(meta.index);
    this.txGas.push(meta.gasUsed);
    let f = this.fnIds.get(meta.function);
    if (f === undefined) {
      f = this.fnNames.length;
      this.fnNames.push(meta.function);
      this.fnIds.set(meta.function, f);
    }
    this.txFn.push(f);
    this.txHash.push(meta.hash);
    this.txFrom.push(meta.from);
    this.txTo.push(meta.to);
    this.txCount++;
  }

  /** Records an access of key `k` by the current transaction: ACCESS_READ / ACCESS_WRITE / ACCESS_SNAPSHOT bits. */
  access(k: number, mode: number): void {
    const t = this.txCount - 1;
    if (this.seenTx[k] === t) {
      this.txModes.a[this.seenAt[k]!]! |= mode;
      return;
    }
    this.seenTx[k] = t;
    this.seenAt[k] = this.txKeys.n;
    this.txKeys.push(k);
    this.txModes.push(mode);
  }

  build(names?: AccessSetFile["names"]): CompactAccessSets {
    this.endBlock();
    const start = new Int32Array(this.txCount + 1);
    start.set(this.txStart.a.subarray(0, this.txCount));
    start[this.txCount] = this.txKeys.n;
    const out: CompactAccessSets = {
      keyAccount: this.keyAccount,
      keyField: this.keyField,
      txStart: start,
      txKeys: this.txKeys.view(),
      txModes: this.txModes.view(),
      txBlock: this.txBlock.view(),
      txIndex: this.txIndex.view(),
      txGas: this.txGas.view(),
      txFn: this.txFn.view(),
      fnNames: this.fnNames,
      txHash: this.txHash,
      txFrom: this.txFrom,
      txTo: this.txTo,
      blocks: this.blocks,
    };
    if (names) out.names = names;
    return out;
  }
}

/** Converts an access-set file to its compact form; `cost` is the cost model (default "auto", src/model/cost.ts). */
export function compactAccessSets(file: AccessSetFile, cost = "auto"): CompactAccessSets {
  const b = new CompactBuilder();
  const costNotes: string[] = [];
  const accountNames = file.names?.accounts ?? {};
  const nameOf = (a: string) => accountNames[a];
  for (const block of file.blocks) {
    b.beginBlock(block.number, block.coinbase);
    const choice = chooseCost(block, cost);
    if (choice.note) costNotes.push(choice.note);
    const extra = blockLevelReads(block).reads;
    for (const tx of block.txs) {
      const gasUsed = txCost(tx, choice.column, block.number);
      b.beginTx({ index: tx.index, hash: tx.hash, from: tx.from, to: tx.to, function: txFunctionLabel(tx, nameOf), gasUsed });
      for (const [a, s] of extra) b.access(b.key(a, s), ACCESS_READ);
      observedModes(tx, (a, f, m) => b.access(b.key(a, f), m));
    }
  }
  const out = b.build(file.names);
  if (costNotes.length > 0) out.costNotes = costNotes;
  return out;
}

const isCompact = (x: AccessSetFile | CompactAccessSets): x is CompactAccessSets => "txKeys" in x;

/** Builds the conflict graph, in time linear in the number of accesses. */
export function buildConflictGraph(input: AccessSetFile | CompactAccessSets, opts: GraphOptions & { cost?: string } = {}): ConflictGraph {
  const options = dependencyOptions(opts);
  const c = isCompact(input) ? input : compactAccessSets(input, opts.cost);
  const K = c.keyAccount.length;
  const n = c.txBlock.length;

  const statTxs = new Int32Array(K);
  const statWriters = new Int32Array(K);
  const statSerialized = new Int32Array(K);
  const serializedBy = new Int32Array(K).fill(-1); // the tx last counted in statSerialized[k]
  const predStamp = new Int32Array(n).fill(-1); // predStamp[p] === t: edge p -> t exists, at predEdge[p]
  const predEdge = new Int32Array(n);

  const eFrom = new GrowI32(1 << 16);
  const eTo = new GrowI32(1 << 16);
  const eKind = new GrowU8(1 << 16);
  const eKey = new GrowI32(1 << 16);
  const rank = (k: number) => (k & EDGE_WW ? 3 : k & EDGE_RAW ? 2 : 1);
  let to = -1;
  const addEdge = (from: number, kind: number, key: number) => {
    if (kind !== 4 /* EDGE_WAR */ && serializedBy[key] !== to) {
      serializedBy[key] = to;
      statSerialized[key]!++;
    }
    if (predStamp[from] === to) {
      const e = predEdge[from]!;
      const old = eKind.a[e]!;
      if (rank(kind) > rank(old)) eKey.a[e] = key;
      eKind.a[e] = old | kind;
      return;
    }
    predStamp[from] = to;
    predEdge[from] = eFrom.n;
    eFrom.push(from);
    eTo.push(to);
    eKind.push(kind);
    eKey.push(key);
  };

  // Only account fields can be dropped or relaxed by the rules: one string test per key.
  const isField = new Uint8Array(K);
  for (let k = 0; k < K; k++) isField[k] = c.keyField[k]!.startsWith("0x") ? 0 : 1;
  const tracker = new DependencyTracker();
  let accesses = 0;
  const { txStart, txKeys, txModes } = c;
  for (let b = 0; b < c.blocks.length; b++) {
    const blk = c.blocks[b]!;
    tracker.beginBlock();
    for (let pos = blk.start; pos < blk.end; pos++) {
      to = pos;
      const end = txStart[pos + 1]!;
      // Edges are emitted while processing `to`, so they come out ordered by `to`.
      for (let i = txStart[pos]!; i < end; i++) {
        const k = txKeys[i]!;
        const observed = txModes[i]!;
        const m = isField[k] ? dependencyMode(observed, c.keyAccount[k]!, c.keyField[k]!, blk.coinbase, c.txFrom[pos] ?? null, options) : dependencyMode(observed, "", "", "", null, options);
        if (m === 0) continue;
        accesses++;
        statTxs[k]!++;
        if (m & ~(1 | ACCESS_SNAPSHOT)) statWriters[k]!++;
        tracker.access(k, pos, m, addEdge);
      }
    }
  }

  const tx = (pos: number): TxNode => ({
    pos,
    block: c.blocks[c.txBlock[pos]!]!.number,
    index: c.txIndex[pos]!,
    hash: c.txHash[pos] ?? null,
    from: c.txFrom[pos] ?? null,
    to: c.txTo[pos] ?? null,
    function: c.fnNames[c.txFn[pos]!]!,
    gasUsed: c.txGas[pos]!,
  });

  return {
    options,
    input: c,
    txCount: n,
    tx,
    blocks: c.blocks,
    keyAccount: c.keyAccount,
    keyField: c.keyField,
    keyStats: { txs: statTxs, writers: statWriters, serialized: statSerialized },
    edges: { from: eFrom.view(), to: eTo.view(), kind: eKind.view(), key: eKey.view(), count: eFrom.n },
    accesses,
  };
}
