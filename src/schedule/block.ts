/**
 * A block's scheduling view, derived from the one in-memory block form (CompactAccessSets,
 * src/model/block.ts, which the pipeline builds once and shares with the conflict analysis):
 * the block's locations renumbered to small integers, one cost per transaction, the read and
 * write sets under the dependency rules as typed arrays, and the lock set each transaction
 * would take under the declared-access `locks` scheduler.
 */
import type { BlockAccess } from "../access/format.js";
import { compactAccessSets, type CompactAccessSets } from "../model/block.js";
import { chooseCost } from "../model/cost.js";
import {
  ACCESS_CREDIT,
  ACCESS_READ,
  ACCESS_SNAPSHOT,
  ACCESS_WRITE,
  dependencyMode,
  dependencyOptions,
  blockLevelReads,
  describeDependencyOptions,
  type DependencyOptions,
} from "../model/dependency.js";
import { fieldOfKey, locationKey } from "../model/location.js";

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
  /** What the declaration said about the location: "none", or "read" (for an uncovered write). */
  declared: "none" | "read";
}

/** One transaction of a prepared block. Location ids index `PreparedBlock.locations`. */
export interface PreparedTx {
  /** Index in the block (the order serial execution follows). */
  index: number;
  cost: number;
  /** Every location the dependency rules keep (sorted, unique ids), with its ACCESS_* mode in `modes`. */
  access: Int32Array;
  modes: Uint8Array;
  /** Reads (sorted, unique location ids): observed reads and the read every write implies. */
  reads: Int32Array;
  /** Writes (sorted, unique location ids), commutative credits included. */
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
  /** Location key per id (src/model/location.ts): "0xaddr:0xslot" or "0xaddr:balance". */
  locations: string[];
  /**
   * Lock resources: ids below `locations.length` are the same locations; larger ids are
   * whole-account resources ("0xaddr:*"), listed in `accountLocks` (id - locations.length).
   */
  accountLocks: string[];
  /** Per lock-resource id below locations.length: the whole-account resource id of its account, or -1. */
  lockAccountOf: Int32Array;
  /** Observed accesses that a transaction's declaration does not cover; non-empty makes `locks` unsound. */
  underDeclared: UnderDeclaration[];
  /** Notes on how the input was interpreted (block-level reads, coinbase, precision). */
  notes: string[];
  /** The dependency rules the block was prepared under. */
  dependency: DependencyOptions;
  costColumn: string;
}

export interface PrepareOptions {
  /** Cost model (src/model/cost.ts): "auto" (default), "gasUsed", "accesses", "unit" or a column of tx.costs. */
  cost?: string;
  /** How dependencies are defined (src/model/dependency.ts); defaults filled in. */
  dependency?: Partial<DependencyOptions>;
  /** Precision of the file's reads; "block" adds a note that per-tx reads are incomplete. */
  precision?: { reads: "tx" | "block"; writes: "tx" | "block" };
}

const sortedUnique = (xs: number[]): Int32Array => {
  if (xs.length > 1) xs.sort((a, b) => a - b);
  let k = 0;
  for (let i = 0; i < xs.length; i++) if (i === 0 || xs[i] !== xs[k - 1]) xs[k++] = xs[i];
  xs.length = k;
  return Int32Array.from(xs);
};
const NONE = new Uint8Array(0);
/**
 * Over the accesses whose mode has a bit of `mask` (the reads, or the writes, in access order):
 * 1 where the access is in SNAPSHOT mode; NONE (shared) when none is.
 */
const snapFlags = (modes: Uint8Array, mask: number): Uint8Array => {
  let any = false;
  let count = 0;
  for (let k = 0; k < modes.length; k++)
    if ((modes[k] & mask) !== 0) {
      count++;
      if ((modes[k] & ACCESS_SNAPSHOT) !== 0) any = true;
    }
  if (!any) return NONE;
  const out = new Uint8Array(count);
  let j = 0;
  for (let k = 0; k < modes.length; k++) if ((modes[k] & mask) !== 0) out[j++] = (modes[k] & ACCESS_SNAPSHOT) !== 0 ? 1 : 0;
  return out;
};

/** The ids whose mode has a bit of `mask`, in order (a loop: TypedArray.filter's callback is slow). */
const pick = (ids: Int32Array, modes: Uint8Array, mask: number): Int32Array => {
  let count = 0;
  for (let k = 0; k < ids.length; k++) if ((modes[k] & mask) !== 0) count++;
  const out = new Int32Array(count);
  let j = 0;
  for (let k = 0; k < ids.length; k++) if ((modes[k] & mask) !== 0) out[j++] = ids[k];
  return out;
};

/** Per block form: key id -> block-local location id + 1, and key id -> fetched-strings index + 1 (all 0 between blocks). */
const keyScratches = new WeakMap<CompactAccessSets, { localOf: Int32Array; keyStr: Int32Array }>();
const keyScratch = (c: CompactAccessSets): { localOf: Int32Array; keyStr: Int32Array } => {
  let s = keyScratches.get(c);
  if (s === undefined || s.localOf.length < c.keyAccount.length) {
    s = { localOf: new Int32Array(c.keyAccount.length), keyStr: new Int32Array(c.keyAccount.length) };
    keyScratches.set(c, s);
  }
  return s;
};

/** Where a block already stands in the one block form: the form and the block's ordinal in it. */
export interface BlockForm {
  compact: CompactAccessSets;
  block: number;
}

/**
 * Builds the access, read/write and lock sets of one block from its block form (`form`, built
 * once by the caller with `compactAccessSets` under the same cost model; built here for this
 * block alone when omitted). `block` supplies what the form does not hold: declarations.
 *
 * Rules: the dependency rules of src/model/dependency.ts (a write implies a read, the fee
 * recipient's balance credits, balance credits without a read, sender nonces, SNAPSHOT mode);
 * account fields (balance/nonce/code) are locations like storage slots; `blockReads` (reads
 * no transaction is named for) follow `blockLevelReads` (merged in the block form).
 */
export function prepareBlock(block: BlockAccess, opts: PrepareOptions = {}, form?: BlockForm): PreparedBlock {
  const costChoice = chooseCost(block, opts.cost);
  const column = costChoice.column;
  const dependency = dependencyOptions(opts.dependency);
  const c = form?.compact ?? compactAccessSets({ blocks: [block] }, opts.cost);
  const blk = c.blocks[form?.block ?? 0];
  if (blk.end - blk.start !== block.txs.length || blk.number !== block.number) {
    throw new Error(
      `prepareBlock: block form ${blk.number} (${blk.end - blk.start} txs) is not block ${block.number} (${block.txs.length} txs)`,
    );
  }
  const locations: string[] = [];
  const accountIds = new Map<string, number>();
  const accountLocks: string[] = [];
  const locAccount: string[] = [];
  const locIsField: boolean[] = [];
  const notes: string[] = [];
  // The form's key ids renumbered per block (id + 1 per key id, 0 for none yet); (address,
  // slot) -> id only once declarations need it. The key's strings are fetched once per block
  // (keyStr: index + 1 into keyAccounts / keyFields), not once per access.
  // The two arrays span the form's keys (the whole corpus): allocated once per form and
  // cleared after this block's pass (touched keys only), not allocated per block.
  const { localOf, keyStr } = keyScratch(c);
  const touched: number[] = [];
  const keyAccounts: string[] = [];
  const keyFields: string[] = [];
  const strOf = (k: number): number => {
    let s = keyStr[k] - 1;
    if (s < 0) {
      s = keyAccounts.length;
      keyStr[k] = s + 1;
      touched.push(k);
      keyAccounts.push(c.keyAccount.at(k)!);
      keyFields.push(c.keyField.at(k)!);
    }
    return s;
  };
  const local = (k: number): number => {
    let id = localOf[k] - 1;
    if (id < 0) {
      id = locations.length;
      localOf[k] = id + 1;
      const s = strOf(k);
      const address = keyAccounts[s];
      const slot = keyFields[s];
      locations.push(locationKey(address, slot));
      locAccount.push(address);
      locIsField.push(slot.length < 10);
      if (byAddress !== undefined) indexLocation(address, slot, id);
    }
    return id;
  };
  let byAddress: Map<string, Map<string, number>> | undefined;
  const indexLocation = (address: string, slot: string, id: number) => {
    let slots = byAddress!.get(address);
    if (slots === undefined) byAddress!.set(address, (slots = new Map()));
    slots.set(slot, id);
  };
  const intern = (address: string, slot: string): number => {
    if (byAddress === undefined) {
      byAddress = new Map();
      for (let id = 0; id < locations.length; id++) indexLocation(locAccount[id], fieldOfKey(locations[id]), id);
    }
    let slots = byAddress.get(address);
    if (slots === undefined) {
      slots = new Map();
      byAddress.set(address, slots);
    }
    let id = slots.get(slot);
    if (id === undefined) {
      id = locations.length;
      slots.set(slot, id);
      locations.push(locationKey(address, slot));
      locAccount.push(address);
      locIsField.push(slot.length < 10);
    }
    return id;
  };

  if (block.txs.some((tx, i) => tx.index !== i))
    notes.push(`block ${block.number}: tx indices are not 0..n-1 in order; simulated in file order`);
  const extra = blockLevelReads(block);
  const { txStart, txKeys, txModes } = c;
  // Per tx: the mode of each kept location (a later access of the same location overrides an
  // earlier one), in scratch arrays stamped with the tx (i + 1) instead of a Map per tx.
  const bound = txStart[blk.end] - txStart[blk.start];
  const modeAt = new Uint8Array(bound);
  const modeStamp = new Int32Array(bound);
  let raw;
  try {
    raw = block.txs.map((tx, i) => {
      const pos = blk.start + i;
      const ids: number[] = [];
      for (let e = txStart[pos], end = txStart[pos + 1]; e < end; e++) {
        const k = txKeys[e];
        const s = strOf(k);
        const m = dependencyMode(txModes[e], keyAccounts[s], keyFields[s], blk.coinbase, tx.from, dependency);
        if (m !== 0) {
          const id = local(k);
          if (modeStamp[id] !== i + 1) {
            modeStamp[id] = i + 1;
            ids.push(id);
          }
          modeAt[id] = m;
        }
      }
      const access = sortedUnique(ids);
      const modes = Uint8Array.from(access, (id) => modeAt[id]);
      return { tx, access, modes, cost: c.txGas[pos] };
    });
  } finally {
    for (const k of touched) {
      keyStr[k] = 0;
      localOf[k] = 0;
    }
  }
  notes.push(...describeDependencyOptions(dependency));
  if (costChoice.note) notes.push(costChoice.note);
  if (extra.note) notes.push(extra.note);
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
  const applySnapshotTaker = (
    i: number,
    snapshots: readonly (readonly [string, string])[],
    locks: Map<number, number>,
    w: Int32Array,
  ): Set<number> | undefined => {
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
  const txs: PreparedTx[] = raw.map(({ tx, access, modes, cost }, i) => {
    const r = pick(access, modes, ACCESS_READ);
    const w = pick(access, modes, ACCESS_WRITE | ACCESS_CREDIT);
    const snapReads = snapFlags(modes, ACCESS_READ);
    const snapWrites = snapFlags(modes, ACCESS_WRITE | ACCESS_CREDIT);
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
      // The one coverage check of observed storage accesses against the declaration
      // (also behind check-declared): a written location needs a WRITE (or SNAPSHOT)
      // declaration, a location only read needs any; "*" covers the account.
      const check = (id: number, access: "read" | "write") => {
        if (locIsField[id]) return;
        const a = locAccount[id];
        const acct = accountIds.get(a);
        const declaredRead = markR[id] === i || (acct !== undefined && starR[acct] === i);
        const uncovered = () => {
          const u: UnderDeclaration = {
            tx: i,
            address: a,
            slot: fieldOfKey(locations[id]),
            access,
            declared: declaredRead ? "read" : "none",
          };
          if (tx.function) u.function = tx.function;
          underDeclared.push(u);
        };
        // A follower reading an input of a snapshot already taken breaks rule 5: not covered.
        if (dropped !== undefined && dropped.has(id)) return uncovered();
        if (markS[id] === i && markW[id] !== i) return;
        if (markW[id] === i || (access === "read" && declaredRead)) return;
        if (acct !== undefined && starW[acct] === i) return;
        uncovered();
      };
      for (const id of w) check(id, "write");
      // The reads not written, in access order (the order of r).
      for (let k = 0; k < access.length; k++)
        if ((modes[k] & ACCESS_READ) !== 0 && (modes[k] & (ACCESS_WRITE | ACCESS_CREDIT)) === 0) check(access[k], "read");
    } else {
      // Observed sets: merge the two sorted lists; a location read and written is a WRITE.
      const ids = new Int32Array(r.length + w.length);
      const lockModesOf = new Uint8Array(r.length + w.length);
      let a = 0;
      let b = 0;
      let k = 0;
      while (a < r.length || b < w.length) {
        if (b >= w.length || (a < r.length && r[a] < w[b])) {
          ids[k] = r[a++];
          lockModesOf[k++] = LOCK_READ;
        } else {
          if (a < r.length && r[a] === w[b]) a++;
          ids[k] = w[b++];
          lockModesOf[k++] = LOCK_WRITE;
        }
      }
      return {
        index: i,
        cost,
        access,
        modes,
        reads: r,
        writes: w,
        snapReads,
        snapWrites,
        lockIds: ids.subarray(0, k),
        lockModes: lockModesOf.subarray(0, k),
        declared: false,
      };
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
      access,
      modes,
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
  for (const t of txs) for (let k = 0; k < t.lockIds.length; k++) if (t.lockIds[k] < 0) t.lockIds[k] = nLoc + (-1 - t.lockIds[k]);
  const lockAccountOf = new Int32Array(nLoc).fill(-1);
  for (let id = 0; id < nLoc; id++) {
    const acct = accountIds.get(locAccount[id]);
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
    dependency,
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
  for (const t of txs)
    for (const l of [
      ...t.reads,
      ...t.writes,
      ...(t.snapshots ?? []),
      ...(t.declared?.reads ?? []),
      ...(t.declared?.writes ?? []),
      ...(t.declared?.snapshots ?? []),
    ])
      maxLoc = Math.max(maxLoc, l);
  const locations = Array.from({ length: maxLoc + 1 }, (_, i) => `loc${i}`);
  const underDeclared: UnderDeclaration[] = [];
  const prepared = txs.map((t, i): PreparedTx => {
    // The dependency rule: a write implies a read.
    const reads = sortedUnique([...t.reads, ...t.writes]);
    const writes = sortedUnique([...t.writes]);
    const snaps = new Set(t.declared?.snapshots ?? t.snapshots ?? []);
    const written = new Set(t.writes);
    const modes = Uint8Array.from(reads, (l) => ACCESS_READ | (written.has(l) ? ACCESS_WRITE : 0) | (snaps.has(l) ? ACCESS_SNAPSHOT : 0));
    const snapReads = Uint8Array.from(reads, (l) => (snaps.has(l) ? 1 : 0));
    const snapWrites = Uint8Array.from(writes, (l) => (snaps.has(l) ? 1 : 0));
    const locks = new Map<number, number>();
    if (t.declared) {
      const dw = new Set(t.declared.writes);
      const dr = new Set(t.declared.reads);
      for (const l of t.declared.reads) locks.set(l, LOCK_READ);
      for (const l of snaps) if (!dw.has(l)) locks.set(l, LOCK_SNAPSHOT);
      for (const l of t.declared.writes) locks.set(l, LOCK_WRITE);
      sortedUnique([...t.reads]).forEach((l) => {
        if (!dw.has(l) && !dr.has(l) && !snaps.has(l))
          underDeclared.push({ tx: i, address: `loc${l}`, slot: "", access: "read", declared: "none" });
      });
      writes.forEach((l) => {
        if (!dw.has(l) && !snaps.has(l))
          underDeclared.push({ tx: i, address: `loc${l}`, slot: "", access: "write", declared: dr.has(l) ? "read" : "none" });
      });
    } else {
      for (const l of reads) locks.set(l, snaps.has(l) ? LOCK_SNAPSHOT : LOCK_READ);
      for (const l of writes) locks.set(l, snaps.has(l) ? LOCK_SNAPSHOT : LOCK_WRITE);
    }
    return {
      index: i,
      cost: t.cost,
      access: reads,
      modes,
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
    dependency: dependencyOptions(),
    costColumn: "synthetic",
  };
}
