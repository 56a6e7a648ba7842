/**
 * A block prepared for simulation: locations interned to small integers, one cost per
 * transaction, observed read and write sets as typed arrays, and the lock set each
 * transaction would take under the declared-access `locks` scheduler.
 */
import { InputError } from "../errors.js";
import type { BlockAccess, TxAccess } from "../access/format.js";

/** Mode of a declared lock. */
export const LOCK_READ = 1;
export const LOCK_WRITE = 2;
export const LOCK_SNAPSHOT = 4;

/** An observed access the transaction's declaration does not cover. */
export interface UnderDeclaration {
  tx: number;
  function?: string;
  address: string;
  /** Storage slot, or "balance" / "nonce" / "code" for account fields. */
  slot: string;
  access: "read" | "write";
}

/** One transaction of a prepared block. Location ids index `PreparedBlock.locations`. */
export interface PreparedTx {
  /** Index in the block (the order serial execution follows). */
  index: number;
  cost: number;
  /** Observed reads (sorted, unique location ids). */
  reads: Int32Array;
  /** Observed writes (sorted, unique location ids). */
  writes: Int32Array;
  /**
   * 1 where the read at the same position is a SNAPSHOT-mode access (declared SNAPSHOT).
   * Empty (shared) when the tx has no SNAPSHOT-mode read: index it as `snapReads[k] === 1`.
   */
  snapReads: Uint8Array;
  /** 1 where the write at the same position is a SNAPSHOT-mode access; empty when none. */
  snapWrites: Uint8Array;
  /** Lock set for the `locks` scheduler: resource ids and LOCK_* modes (see `lockResources`). */
  lockIds: Int32Array;
  lockModes: Uint8Array;
  /** True when the lock set came from the transaction's declaration. */
  declared: boolean;
}

export interface PreparedBlock {
  number: number;
  txs: PreparedTx[];
  /** Human-readable location per id: "0xaddr/0xslot" or "0xaddr/balance". */
  locations: string[];
  /**
   * Lock resources: ids below `locations.length` are the same locations; larger ids are
   * whole-account resources ("0xaddr/*"), listed in `accountLocks` (id - locations.length).
   */
  accountLocks: string[];
  /** Per lock-resource id below locations.length: the whole-account resource id of its account, or -1. */
  lockAccountOf: Int32Array;
  /** Observed accesses that a transaction's declaration does not cover; non-empty makes `locks` unsound. */
  underDeclared: UnderDeclaration[];
  /** Notes on how the input was interpreted (block-level reads, coinbase, precision). */
  notes: string[];
  coinbaseIncluded: boolean;
  costColumn: string;
}

export interface PrepareOptions {
  /** "gasUsed" (default) or the name of a column of tx.costs. */
  cost?: string;
  /** Keep the fee recipient's balance as a location (default false: parallel EVMs update it lazily). */
  includeCoinbase?: boolean;
  /** Precision of the file's reads; "block" adds a note that per-tx reads are incomplete. */
  precision?: { reads: "tx" | "block"; writes: "tx" | "block" };
}

/** Input problem: names the block, transaction and what to do about it. */
export class SimulationInputError extends InputError {
  constructor(message: string) {
    super(message);
  }
}

function txCost(tx: TxAccess, column: string, block: number): number {
  if (column === "gasUsed") return tx.gasUsed;
  const v = tx.costs?.[column];
  if (v === undefined) {
    const available = ["gasUsed", ...Object.keys(tx.costs ?? {})].join(", ");
    throw new SimulationInputError(
      `block ${block} tx ${tx.index} has no cost column "${column}" (it has: ${available}); pass --cost with one of those, or add "${column}" to every tx's costs`,
    );
  }
  return v;
}

const sortedUnique = (xs: number[]): Int32Array => {
  if (xs.length > 1) xs.sort((a, b) => a - b);
  let k = 0;
  for (let i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[k - 1]) xs[k++] = xs[i]!;
  xs.length = k;
  return Int32Array.from(xs);
};
const NONE = new Uint8Array(0);

/**
 * Interns locations and builds the read/write/lock sets of one block.
 *
 * Rules: the coinbase balance is dropped unless `includeCoinbase`; account fields
 * (balance/nonce/code) are locations like storage slots; `blockReads` (reads no transaction
 * is named for) are ignored when no transaction writes the slot (they cannot conflict) and
 * otherwise counted as a read of every transaction (conservative), with a note.
 */
export function prepareBlock(block: BlockAccess, opts: PrepareOptions = {}): PreparedBlock {
  const column = opts.cost ?? "gasUsed";
  const includeCoinbase = opts.includeCoinbase ?? false;
  const ids = new Map<string, number>();
  const locations: string[] = [];
  const accountIds = new Map<string, number>();
  const accountLocks: string[] = [];
  const locAccount: string[] = [];
  const locIsField: boolean[] = [];
  const notes: string[] = [];
  const coinbaseBalance = `${block.coinbase}/balance`;
  // Two-level map (address, then slot): no key string is built for a location seen before.
  const byAddress = new Map<string, Map<string, number>>();
  const intern = (address: string, slot: string): number => {
    let slots = byAddress.get(address);
    if (slots === undefined) {
      slots = new Map();
      byAddress.set(address, slots);
    }
    let id = slots.get(slot);
    if (id === undefined) {
      id = locations.length;
      slots.set(slot, id);
      const key = `${address}/${slot}`;
      ids.set(key, id);
      locations.push(key);
      locAccount.push(address);
      locIsField.push(slot.length < 10);
    }
    return id;
  };
  let droppedCoinbase = 0;
  const keep = (address: string, field: string) => {
    if (!includeCoinbase && field === "balance" && address === block.coinbase) {
      droppedCoinbase++;
      return false;
    }
    return true;
  };

  const seen = new Set<number>();
  const raw = block.txs.map((tx, i) => {
    if (tx.index !== i && !seen.has(-1)) {
      seen.add(-1);
      notes.push(`block ${block.number}: tx indices are not 0..n-1 in order; simulated in file order`);
    }
    const reads: number[] = [];
    const writes: number[] = [];
    for (const [a, s] of tx.storage.reads) reads.push(intern(a, s));
    for (const [a, s] of tx.storage.writes) writes.push(intern(a, s));
    for (const [a, f] of tx.accounts.reads) if (keep(a, f)) reads.push(intern(a, f));
    for (const [a, f] of tx.accounts.writes) if (keep(a, f)) writes.push(intern(a, f));
    return { tx, reads, writes, cost: txCost(tx, column, block.number) };
  });
  if (droppedCoinbase > 0) notes.push(`coinbase balance excluded (${droppedCoinbase} accesses); pass --include-coinbase to keep it`);
  else if (includeCoinbase) notes.push("coinbase balance included");

  if (block.blockReads && block.blockReads.length > 0) {
    const written = new Set<number>();
    for (const r of raw) for (const w of r.writes) written.add(w);
    let conservative = 0;
    for (const [a, s] of block.blockReads) {
      const id = ids.get(`${a}/${s}`);
      if (id !== undefined && written.has(id)) {
        conservative++;
        for (const r of raw) r.reads.push(id);
      }
    }
    notes.push(
      `${block.blockReads.length} block-level reads: ${block.blockReads.length - conservative} are of slots no tx writes (no conflict possible, ignored)` +
        (conservative > 0 ? `, ${conservative} of written slots assumed read by every tx (conservative)` : ""),
    );
  }
  if (opts.precision?.reads === "block") notes.push("file precision: reads are per block; per-tx read sets may be incomplete");
  if (opts.precision?.writes === "block") notes.push("file precision: writes are per block; per-tx write sets may be inexact");

  const underDeclared: UnderDeclaration[] = [];
  const markS: number[] = [];
  const markW: number[] = [];
  const markR: number[] = [];
  const starW: number[] = [];
  const starR: number[] = [];
  const accountLock = (address: string): number => {
    let id = accountIds.get(address);
    if (id === undefined) {
      id = accountLocks.length;
      accountIds.set(address, id);
      accountLocks.push(`${address}/*`);
    }
    return id;
  };

  // The block's snapshot takers, per account (docs/schedulers.md, "locks"): the first
  // transaction that declares SNAPSHOT|READ on a location of the account and writes one.
  const takers = new Map<string, { tx: number; wrote: Set<number> }>();
  /**
   * Rule 5 of docs/access-lists.md says a snapshot is taken once per block, by the first
   * interaction, and that later transactions read the stored value and none of its inputs.
   * So once an earlier transaction of the block has taken (written) an account's snapshot
   * word, a later one that declares that word reads it after the taker (READ, ordered after
   * the taker's WRITE) and its SNAPSHOT-only input locks on the account are dropped. The
   * taker's own word lock becomes a WRITE. Returns the dropped location ids (an observed read
   * of one is then an uncovered access, so a contract breaking the rule shows as UNSOUND).
   */
  const applySnapshotTaker = (i: number, snapshots: readonly (readonly [string, string])[], locks: Map<number, number>, w: Int32Array): Set<number> | undefined => {
    const words = new Map<string, number[]>();
    for (const [a, s] of snapshots) {
      const id = intern(a, s);
      if (markR[id] === i && markW[id] !== i) (words.get(a) ?? words.set(a, []).get(a)!).push(id);
    }
    let dropped: Set<number> | undefined;
    for (const [account, ids] of words) {
      const taker = takers.get(account);
      if (taker === undefined) {
        const wrote = new Set(ids.filter((id) => w.includes(id)));
        if (wrote.size === 0) continue;
        takers.set(account, { tx: i, wrote });
        for (const id of wrote) locks.set(id, LOCK_WRITE);
        continue;
      }
      if (!ids.some((id) => taker.wrote.has(id))) continue;
      for (const id of ids) locks.set(id, LOCK_READ);
      for (const [a, s] of snapshots) {
        if (a !== account) continue;
        const id = intern(a, s);
        if (locks.get(id) !== LOCK_SNAPSHOT) continue;
        locks.delete(id);
        (dropped ??= new Set()).add(id);
      }
    }
    return dropped;
  };
  const txs: PreparedTx[] = raw.map(({ tx, reads, writes, cost }, i) => {
    const r = sortedUnique(reads);
    const w = sortedUnique(writes);
    let snapReads = NONE;
    let snapWrites = NONE;
    // Lock set: resource id -> mode; whole-account resources are offset later.
    const locks = new Map<number, number>();
    const acctLocks = new Map<number, number>();
    const d = tx.declared;
    if (d !== undefined) {
      // Per-location and per-account stamps (= i when this tx declared it): no per-tx sets.
      for (const [a, s] of d.snapshots ?? []) markS[intern(a, s)] = i;
      for (const [a, s] of d.writes) {
        if (s === "*") {
          const id = accountLock(a);
          starW[id] = i;
          acctLocks.set(id, LOCK_WRITE);
        } else {
          const id = intern(a, s);
          markW[id] = i;
          locks.set(id, LOCK_WRITE);
        }
      }
      for (const [a, s] of d.reads) {
        if (s === "*") {
          const id = accountLock(a);
          starR[id] = i;
          if (!acctLocks.has(id)) acctLocks.set(id, LOCK_READ);
        } else {
          const id = intern(a, s);
          markR[id] = i;
          if (!locks.has(id)) locks.set(id, markS[id] === i ? LOCK_SNAPSHOT : LOCK_READ);
        }
      }
      for (const [a, s] of d.snapshots ?? []) {
        const id = intern(a, s);
        // WRITE together with SNAPSHOT is treated as a plain write (conservative).
        if (locks.get(id) !== LOCK_WRITE) locks.set(id, LOCK_SNAPSHOT);
      }
      const dropped = applySnapshotTaker(i, d.snapshots ?? [], locks, w);
      // Account fields are not declared: their locks come from the observed sets.
      for (const id of r) if (locIsField[id] && !locks.has(id)) locks.set(id, LOCK_READ);
      for (const id of w) if (locIsField[id]) locks.set(id, LOCK_WRITE);
      // Coverage check of observed storage accesses.
      const check = (id: number, access: "read" | "write", k: number) => {
        if (locIsField[id]) return;
        // A follower reading an input of a snapshot already taken breaks rule 5: not covered.
        if (dropped !== undefined && dropped.has(id)) {
          const u: UnderDeclaration = { tx: i, address: locAccount[id]!, slot: locations[id]!.slice(locAccount[id]!.length + 1), access };
          if (tx.function) u.function = tx.function;
          underDeclared.push(u);
          return;
        }
        if (markS[id] === i && markW[id] !== i) {
          if (access === "read") {
            if (snapReads === NONE) snapReads = new Uint8Array(r.length);
            snapReads[k] = 1;
          } else {
            if (snapWrites === NONE) snapWrites = new Uint8Array(w.length);
            snapWrites[k] = 1;
          }
          return;
        }
        if (markW[id] === i || (access === "read" && markR[id] === i)) return;
        const a = locAccount[id]!;
        const acct = accountIds.get(a);
        if (acct !== undefined && (starW[acct] === i || (access === "read" && starR[acct] === i))) return;
        const loc = locations[id]!;
        const u: UnderDeclaration = { tx: i, address: a, slot: loc.slice(a.length + 1), access };
        if (tx.function) u.function = tx.function;
        underDeclared.push(u);
      };
      r.forEach((id, k) => check(id, "read", k));
      w.forEach((id, k) => check(id, "write", k));
    } else {
      // Observed sets: merge the two sorted lists; a location read and written is a WRITE.
      const ids = new Int32Array(r.length + w.length);
      const modes = new Uint8Array(r.length + w.length);
      let a = 0;
      let b = 0;
      let k = 0;
      while (a < r.length || b < w.length) {
        if (b >= w.length || (a < r.length && r[a]! < w[b]!)) {
          ids[k] = r[a++]!;
          modes[k++] = LOCK_READ;
        } else {
          if (a < r.length && r[a] === w[b]) a++;
          ids[k] = w[b++]!;
          modes[k++] = LOCK_WRITE;
        }
      }
      return { index: i, cost, reads: r, writes: w, snapReads, snapWrites, lockIds: ids.subarray(0, k), lockModes: modes.subarray(0, k), declared: false };
    }
    const lockIds: number[] = [];
    const lockModes: number[] = [];
    for (const [id, m] of locks) {
      lockIds.push(id);
      lockModes.push(m);
    }
    for (const [id, m] of acctLocks) {
      lockIds.push(-1 - id); // fixed up below once the number of locations is final
      lockModes.push(m);
    }
    return {
      index: i,
      cost,
      reads: r,
      writes: w,
      snapReads,
      snapWrites,
      lockIds: Int32Array.from(lockIds),
      lockModes: Uint8Array.from(lockModes),
      declared: d !== undefined,
    };
  });
  const nLoc = locations.length;
  for (const t of txs) for (let k = 0; k < t.lockIds.length; k++) if (t.lockIds[k]! < 0) t.lockIds[k] = nLoc + (-1 - t.lockIds[k]!);
  const lockAccountOf = new Int32Array(nLoc).fill(-1);
  for (let id = 0; id < nLoc; id++) {
    const acct = accountIds.get(locAccount[id]!);
    if (acct !== undefined) lockAccountOf[id] = nLoc + acct;
  }
  return {
    number: block.number,
    txs,
    locations,
    accountLocks,
    lockAccountOf,
    underDeclared,
    notes,
    coinbaseIncluded: includeCoinbase,
    costColumn: column,
  };
}

/** A synthetic transaction for tests and benchmarks: location ids instead of addresses. */
export interface SyntheticTx {
  cost: number;
  reads: number[];
  writes: number[];
  /** Location ids this tx accesses in SNAPSHOT mode (declared SNAPSHOT). */
  snapshots?: number[];
  /** Declared lock set; observed sets when omitted. Location ids, "*" not supported here. */
  declared?: { reads: number[]; writes: number[]; snapshots?: number[] };
}

/** Builds a PreparedBlock from location-id sets directly (tests, synthetic workloads). */
export function syntheticBlock(txs: SyntheticTx[], number = 0): PreparedBlock {
  let maxLoc = -1;
  for (const t of txs) for (const l of [...t.reads, ...t.writes, ...(t.snapshots ?? []), ...(t.declared?.reads ?? []), ...(t.declared?.writes ?? []), ...(t.declared?.snapshots ?? [])]) maxLoc = Math.max(maxLoc, l);
  const locations = Array.from({ length: maxLoc + 1 }, (_, i) => `loc${i}`);
  const underDeclared: UnderDeclaration[] = [];
  const prepared = txs.map((t, i): PreparedTx => {
    const reads = sortedUnique(t.reads);
    const writes = sortedUnique(t.writes);
    const snaps = new Set(t.declared?.snapshots ?? t.snapshots ?? []);
    const snapReads = Uint8Array.from(reads, (l) => (snaps.has(l) ? 1 : 0));
    const snapWrites = Uint8Array.from(writes, (l) => (snaps.has(l) ? 1 : 0));
    const locks = new Map<number, number>();
    if (t.declared) {
      const dw = new Set(t.declared.writes);
      const dr = new Set(t.declared.reads);
      for (const l of t.declared.reads) locks.set(l, LOCK_READ);
      for (const l of snaps) if (!dw.has(l)) locks.set(l, LOCK_SNAPSHOT);
      for (const l of t.declared.writes) locks.set(l, LOCK_WRITE);
      reads.forEach((l) => {
        if (!dw.has(l) && !dr.has(l) && !snaps.has(l)) underDeclared.push({ tx: i, address: `loc${l}`, slot: "", access: "read" });
      });
      writes.forEach((l) => {
        if (!dw.has(l) && !snaps.has(l)) underDeclared.push({ tx: i, address: `loc${l}`, slot: "", access: "write" });
      });
    } else {
      for (const l of reads) locks.set(l, snaps.has(l) ? LOCK_SNAPSHOT : LOCK_READ);
      for (const l of writes) locks.set(l, snaps.has(l) ? LOCK_SNAPSHOT : LOCK_WRITE);
    }
    return {
      index: i,
      cost: t.cost,
      reads,
      writes,
      snapReads,
      snapWrites,
      lockIds: Int32Array.from(locks.keys()),
      lockModes: Uint8Array.from(locks.values()),
      declared: t.declared !== undefined,
    };
  });
  return {
    number,
    txs: prepared,
    locations,
    accountLocks: [],
    lockAccountOf: new Int32Array(locations.length).fill(-1),
    underDeclared,
    notes: [],
    coinbaseIncluded: false,
    costColumn: "synthetic",
  };
}
