/**
 * The one in-memory form of blocks of access sets, built once per block (per file) and shared
 * by the conflict analysis (src/conflicts/graph.ts) and the simulation (src/schedule/block.ts
 * derives each block's scheduling view from it): locations interned to integer keys (one key
 * per location, src/model/location.ts), one Int32Array of key ids per access with its
 * observed ACCESS_* modes (src/model/dependency.ts), the transaction metadata and one cost per
 * transaction (src/model/cost.ts). `CompactBuilder` fills it in a stream (the Parquet reader
 * and the benchmarks too), so millions of transactions need no per-access objects.
 */
import type { AccessSetFile } from "../access/format.js";
import { chooseCost, txCost } from "./cost.js";
import { ACCESS_READ, blockLevelReads, observedModes } from "./dependency.js";

/**
 * Strings by id: a plain array, or a column the columnar reader keeps as bytes and decodes on
 * demand (src/columnar/compact.ts), so that millions of slots and hashes need no JS string.
 */
export interface StringColumn<T extends string | null = string> {
  readonly length: number;
  at(index: number): T | undefined;
}

/** Columnar, interned access sets of one or more blocks. */
export interface CompactAccessSets {
  /** Key id -> account address. */
  keyAccount: StringColumn;
  /** Key id -> 32-byte slot, or "balance" | "nonce" | "code". */
  keyField: StringColumn;
  /** Key id -> 1 for an account field (balance, nonce, code), 0 for a storage slot. */
  keyIsField: Uint8Array;
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
  txHash: StringColumn<string | null>;
  txFrom: StringColumn<string | null>;
  txTo: StringColumn<string | null>;
  blocks: { number: number; coinbase: string; start: number; end: number }[];
  names?: AccessSetFile["names"];
  /** How the input was costed where not by gas (src/model/cost.ts), one line per block that needed it. */
  costNotes?: string[];
}

export class GrowI32 {
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

export class GrowU8 {
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

/** The string columns of a compact form that a reader keeps itself (as bytes) and hands over at `build`. */
export type CompactStrings = Pick<CompactAccessSets, "keyAccount" | "keyField" | "txHash" | "txFrom" | "txTo">;

/**
 * Streams transactions into CompactAccessSets. Keys are interned by (account, field); callers
 * holding integer ids of their own may intern once and reuse the returned key ids. A reader
 * that keeps the strings itself (`external`: the columnar reader keeps slots, addresses and
 * hashes as bytes) adds keys with `addKey`, gives no strings to `beginTx`, and hands its
 * columns to `build`.
 */
export class CompactBuilder {
  constructor(private readonly external = false) {}

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
  private keyCount = 0;
  private readonly keyIsField = new GrowU8(1 << 12);

  /** Transactions so far. */
  get txs(): number {
    return this.txCount;
  }

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
    this.keyAccount.push(account);
    this.keyField.push(field);
    return this.addKey(!field.startsWith("0x"));
  }

  /** Appends a key whose strings the caller keeps (an `external` builder), an account field or a slot; returns its id. */
  addKey(isField: boolean): number {
    const k = this.keyCount++;
    this.keyIsField.push(isField ? 1 : 0);
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
  beginTx(meta: {
    index: number;
    hash?: string | null;
    from?: string | null;
    to?: string | null;
    function: string;
    gasUsed: number;
  }): void {
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
    if (!this.external) {
      this.txHash.push(meta.hash ?? null);
      this.txFrom.push(meta.from ?? null);
      this.txTo.push(meta.to ?? null);
    }
    this.txCount++;
  }

  /** Records an access of key `k` by the current transaction: ACCESS_READ / ACCESS_WRITE / ACCESS_SNAPSHOT bits. */
  access(k: number, mode: number): void {
    const t = this.txCount - 1;
    if (this.seenTx[k] === t) {
      this.txModes.a[this.seenAt[k]] |= mode;
      return;
    }
    this.seenTx[k] = t;
    this.seenAt[k] = this.txKeys.n;
    this.txKeys.push(k);
    this.txModes.push(mode);
  }

  /** The compact form; an `external` builder takes the reader's string columns here. */
  build(names?: AccessSetFile["names"], strings?: CompactStrings): CompactAccessSets {
    if (this.external !== (strings !== undefined))
      throw new Error("CompactBuilder: string columns are given at build exactly when external");
    this.endBlock();
    const start = new Int32Array(this.txCount + 1);
    start.set(this.txStart.a.subarray(0, this.txCount));
    start[this.txCount] = this.txKeys.n;
    const out: CompactAccessSets = {
      keyAccount: this.keyAccount,
      keyField: this.keyField,
      keyIsField: this.keyIsField.view(),
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
      ...strings,
    };
    if (names) out.names = names;
    return out;
  }
}

/** Converts an access-set file to its compact form; `cost` is the cost model (default "auto", src/model/cost.ts). */
export function compactAccessSets(file: Pick<AccessSetFile, "blocks" | "names">, cost = "auto"): CompactAccessSets {
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
