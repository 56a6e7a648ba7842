/**
 * The conflict graph of a set of transactions, built in one pass in time linear in the
 * number of accesses: for every storage slot (or account field) we keep its last writer and
 * the readers since that write, never comparing transactions pairwise.
 *
 * Semantics (documented in docs/access-set-format.md):
 * - Transactions conflict only with transactions of the same block, in block order.
 * - A write implies a read (the EVM charges for and may observe the original value).
 * - RAW: a later transaction reads a slot an earlier one wrote (true dependency).
 * - WW: a later transaction writes a slot an earlier one wrote (a dependency too, since the
 *   write implies a read).
 * - WAR: a later transaction writes a slot an earlier one only read: an anti-dependency that
 *   multi-version executors (Block-STM) tolerate, but that lock-based schedulers serialize.
 * - The fee recipient's account fields are excluded unless `includeFeeRecipient` is set:
 *   every transaction pays it, and every parallel EVM special-cases that accounting.
 */
import type { AccessSetFile } from "../access/format.js";

export const EDGE_RAW = 1;
export const EDGE_WW = 2;
export const EDGE_WAR = 4;
/** Bit set of EDGE_RAW | EDGE_WW | EDGE_WAR. */
export type EdgeKinds = number;

export interface GraphOptions {
  /** Keep the fee recipient's balance/nonce/code as conflicting keys (default false). */
  includeFeeRecipient?: boolean;
}

/** One transaction as the graph knows it; `pos` is its index in `ConflictGraph.txs`. */
export interface TxNode {
  pos: number;
  block: number;
  /** Index in its block. */
  index: number;
  hash: string | null;
  from: string;
  to: string | null;
  /** "Contract.function", else "<to>.<selector>", "transfer" or "create". */
  function: string;
  gasUsed: number;
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
  options: Required<GraphOptions>;
  txs: TxNode[];
  /** First tx position of each block, and its number: blocks[i] covers txs[start[i] .. start[i+1]). */
  blocks: { number: number; coinbase: string; start: number; end: number }[];
  /** Key id -> account address. */
  keyAccount: string[];
  /** Key id -> 32-byte slot, or "balance" | "nonce" | "code". */
  keyField: string[];
  keyStats: KeyStats;
  /** Edges earlier -> later, deduplicated per pair; `kind` is a bit set, `key` the key of the strongest kind. */
  edges: { from: Int32Array; to: Int32Array; kind: Uint8Array; key: Int32Array; count: number };
  /** Number of (tx, key) accesses after per-tx deduplication. */
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
    return this.a.subarray(0, this.n);
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
    return this.a.subarray(0, this.n);
  }
}

/** A typed array indexed by key id that grows as keys are interned. */
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

/** Builds the conflict graph of every block of `file`, in time linear in its accesses. */
export function buildConflictGraph(file: AccessSetFile, opts: GraphOptions = {}): ConflictGraph {
  const options = { includeFeeRecipient: opts.includeFeeRecipient ?? false };
  const accountNames = file.names?.accounts ?? {};
  const nameOf = (a: string) => accountNames[a];

  // Interning: address -> (field -> key id). Two levels avoid building "addr:slot" strings.
  const intern = new Map<string, Map<string, number>>();
  const keyAccount: string[] = [];
  const keyField: string[] = [];
  const keyOf = (account: string, field: string): number => {
    let inner = intern.get(account);
    if (inner === undefined) {
      inner = new Map();
      intern.set(account, inner);
    }
    let id = inner.get(field);
    if (id === undefined) {
      id = keyAccount.length;
      keyAccount.push(account);
      keyField.push(field);
      inner.set(field, id);
    }
    return id;
  };

  let cap = 1024;
  let lastWriter = new Int32Array(cap).fill(-1); // tx position, -1 none (valid only if keyBlock matches)
  let keyBlock = new Int32Array(cap).fill(-1); // block ordinal in which lastWriter/readers are valid
  let readerHead = new Int32Array(cap).fill(-1); // head of the readers-since list (node index)
  let seenTx = new Int32Array(cap).fill(-1); // tx position that last touched the key (per-tx dedupe)
  let seenMode = new Int32Array(cap); // 1 read, 2 write, for the tx in seenTx
  let statTxs = new Int32Array(cap);
  let statWriters = new Int32Array(cap);
  let statSerialized = new Int32Array(cap);
  const grow = (size: number) => {
    if (size <= cap) return;
    const n = Math.max(size, cap * 2);
    lastWriter = ensure(lastWriter, n, -1);
    keyBlock = ensure(keyBlock, n, -1);
    readerHead = ensure(readerHead, n, -1);
    seenTx = ensure(seenTx, n, -1);
    seenMode = ensure(seenMode, n);
    statTxs = ensure(statTxs, n);
    statWriters = ensure(statWriters, n);
    statSerialized = ensure(statSerialized, n);
    cap = n;
  };

  // Readers-since lists: node = (tx position, next node).
  const nodeTx = new GrowI32(1 << 16);
  const nodeNext = new GrowI32(1 << 16);

  const eFrom = new GrowI32(1 << 16);
  const eTo = new GrowI32(1 << 16);
  const eKind = new GrowU8(1 << 16);
  const eKey = new GrowI32(1 << 16);

  const txs: TxNode[] = [];
  const blocks: ConflictGraph["blocks"] = [];
  let accesses = 0;

  // Per-tx predecessor dedupe: predEdge[p] is the edge index from p into the current tx.
  let predStamp = new Int32Array(1024).fill(-1);
  let predEdge = new Int32Array(1024);

  const touchedKeys = new GrowI32(64);

  const addEdge = (from: number, to: number, kind: number, key: number) => {
    if (from >= predStamp.length) {
      predStamp = ensure(predStamp, from + 1, -1);
      predEdge = ensure(predEdge, from + 1);
    }
    if (predStamp[from] === to) {
      const e = predEdge[from]!;
      const old = eKind.a[e]!;
      // Keep the key of the strongest kind: WW > RAW > WAR.
      const rank = (k: number) => (k & EDGE_WW ? 3 : k & EDGE_RAW ? 2 : 1);
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

  file.blocks.forEach((block, b) => {
    const start = txs.length;
    const coinbase = block.coinbase;
    const skipAccount = options.includeFeeRecipient ? null : coinbase;
    for (const tx of block.txs) {
      const pos = txs.length;
      txs.push({
        pos,
        block: block.number,
        index: tx.index,
        hash: tx.hash,
        from: tx.from,
        to: tx.to,
        function: txFunctionLabel(tx, nameOf),
        gasUsed: tx.gasUsed,
      });
      touchedKeys.n = 0;
      const touch = (account: string, field: string, mode: number) => {
        if (account === skipAccount) return;
        const k = keyOf(account, field);
        if (k >= cap) grow(k + 1);
        if (seenTx[k] !== pos) {
          seenTx[k] = pos;
          seenMode[k] = mode;
          touchedKeys.push(k);
        } else seenMode[k]! |= mode;
      };
      for (const [a, s] of tx.storage.reads) touch(a, s, 1);
      for (const [a, f] of tx.accounts.reads) touch(a, f, 1);
      for (const [a, s] of tx.storage.writes) touch(a, s, 2);
      for (const [a, f] of tx.accounts.writes) touch(a, f, 2);
      if (pos >= predStamp.length) {
        predStamp = ensure(predStamp, pos + 1, -1);
        predEdge = ensure(predEdge, pos + 1);
      }
      const keys = touchedKeys.a;
      for (let i = 0; i < touchedKeys.n; i++) {
        const k = keys[i]!;
        accesses++;
        statTxs[k]!++;
        const writes = (seenMode[k]! & 2) !== 0;
        if (keyBlock[k] !== b) {
          keyBlock[k] = b;
          lastWriter[k] = -1;
          readerHead[k] = -1;
        }
        const w = lastWriter[k]!;
        if (w >= 0) {
          addEdge(w, pos, writes ? EDGE_WW : EDGE_RAW, k);
          statSerialized[k]!++;
        }
        if (writes) {
          statWriters[k]!++;
          for (let n = readerHead[k]!; n >= 0; n = nodeNext.a[n]!) addEdge(nodeTx.a[n]!, pos, EDGE_WAR, k);
          readerHead[k] = -1;
          lastWriter[k] = pos;
        } else {
          const node = nodeTx.push(pos);
          nodeNext.push(readerHead[k]!);
          readerHead[k] = node;
        }
      }
    }
    // Lists of readers are only valid within a block: drop them to bound memory.
    nodeTx.n = 0;
    nodeNext.n = 0;
    blocks.push({ number: block.number, coinbase, start, end: txs.length });
  });

  return {
    options,
    txs,
    blocks,
    keyAccount,
    keyField,
    keyStats: {
      txs: statTxs.subarray(0, keyAccount.length),
      writers: statWriters.subarray(0, keyAccount.length),
      serialized: statSerialized.subarray(0, keyAccount.length),
    },
    edges: { from: eFrom.view(), to: eTo.view(), kind: eKind.view(), key: eKey.view(), count: eFrom.n },
    accesses,
  };
}
