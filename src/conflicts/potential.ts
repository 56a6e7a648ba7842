/**
 * Potential conflicts: which functions WOULD conflict if their calls by different senders met
 * in one block, over a whole capture (typically a test run, where every transaction is mined
 * alone in its block, so the per-block analysis finds almost nothing). Every pair of calls
 * from different senders is compared as if they shared a block; pairs from the same sender
 * are excluded (one sender's transactions are ordered by its nonce anyway); contract
 * creations are excluded (a contract exists before it is called). What is a write and what a
 * read is the one definition of src/model/dependency.ts (`dependencyMode`): the fee
 * recipient's balance credits are excluded unless asked for, as in `analyze`; its nonce and
 * any read of its balance always count. Balance credits are read-modify-write.
 *
 * Cost: linear in accesses, plus (functions touching a key)^2 per key.
 */
import type { AccessSetFile } from "../access/format.js";
import { ACCESS_WRITE, dependencyMode, describeDependencyOptions, dependencyOptions, observedModes } from "../model/dependency.js";
import { locationKey } from "../model/location.js";
import { variableOf } from "./analyze.js";

export interface PotentialOptions {
  includeFeeRecipient?: boolean;
  /** How many matrix cells and hot keys to list (default 30 each). */
  top?: number;
}

/** One storage slot or account field that calls from different senders both touch, one of them writing. */
export interface PotentialKey {
  account: string;
  /** 32-byte slot, or "balance" | "nonce" | "code". */
  slot: string;
  /** Decoded name (`Contract.variable[key]`), or null. */
  name: string | null;
  /** The state variable: the name with mapping keys elided. */
  variable: string;
  /** Calls that write it, calls that touch it, distinct senders that write it. */
  writerTxs: number;
  txs: number;
  writerSenders: number;
  /** Functions that write it. */
  writers: string[];
  /** Function pairs (unordered) in conflict on it across senders. */
  pairs: number;
}

export interface PotentialCell {
  a: string;
  b: string;
  /** Keys both write (from different senders) / keys one writes and the other only reads. */
  ww: number;
  rw: number;
  /** Variables behind the cell, most keys first (at most 3). */
  on: { variable: string; keys: number }[];
}

export interface PotentialResult {
  /** Transactions compared (calls, creations excluded), their senders and functions. */
  txs: number;
  senders: number;
  functions: number;
  /** Blocks in the capture, and how many held exactly one transaction. */
  blocks: number;
  singleTxBlocks: number;
  notes: string[];
  matrix: PotentialCell[];
  hotKeys: PotentialKey[];
  /** Every key in conflict (matrix and hot list are the top of these), for classification. */
  allKeys: PotentialKey[];
}

interface KeyUse {
  /** function id -> senders that write / only read. */
  writes: Map<number, Set<string>>;
  reads: Map<number, Set<string>>;
  writerTxs: number;
  txs: number;
}

/** True when some a in A and b in B differ (both non-empty). */
function differentSenders(a: Set<string>, b: Set<string>): boolean {
  if (a.size === 0 || b.size === 0) return false;
  if (a.size > 1 || b.size > 1) return true;
  return [...a][0] !== [...b][0];
}

export function potentialConflicts(file: AccessSetFile, opts: PotentialOptions = {}): PotentialResult {
  const top = opts.top ?? 30;
  const dependency = dependencyOptions({ feeRecipientCredit: opts.includeFeeRecipient ? "included" : "excluded" });
  const fnIds = new Map<string, number>();
  const fns: string[] = [];
  const uses = new Map<string, KeyUse>();
  /** location key -> [account, field] */
  const locations = new Map<string, [string, string]>();
  const senders = new Set<string>();
  let txs = 0;
  const use = (k: string) => {
    let u = uses.get(k);
    if (!u) uses.set(k, (u = { writes: new Map(), reads: new Map(), writerTxs: 0, txs: 0 }));
    return u;
  };
  const add = (m: Map<number, Set<string>>, f: number, s: string) => {
    const set = m.get(f) ?? new Set<string>();
    set.add(s);
    m.set(f, set);
  };
  for (const block of file.blocks) {
    for (const tx of block.txs) {
      // Creations and transactions whose sender is unknown (some BALs) say nothing about users.
      if (tx.to === null || tx.from === null) continue;
      txs++;
      senders.add(tx.from);
      const name =
        tx.function ??
        (tx.selector ? `${file.names?.accounts?.[tx.to] ?? tx.to}.${tx.selector}` : `${file.names?.accounts?.[tx.to] ?? tx.to}.<transfer>`);
      let f = fnIds.get(name);
      if (f === undefined) {
        f = fns.length;
        fns.push(name);
        fnIds.set(name, f);
      }
      const written = new Set<string>();
      const touched = new Set<string>();
      observedModes(tx, (a, s, observed) => {
        const mode = dependencyMode(observed, a, s, block.coinbase, tx.from, dependency);
        if (mode === 0) return;
        const k = locationKey(a, s);
        if (!locations.has(k)) locations.set(k, [a, s]);
        touched.add(k);
        if (mode & ACCESS_WRITE) written.add(k);
      });
      for (const k of touched) {
        const u = use(k);
        u.txs++;
        if (written.has(k)) {
          u.writerTxs++;
          add(u.writes, f, tx.from);
        } else add(u.reads, f, tx.from);
      }
    }
  }

  const cells = new Map<string, { a: number; b: number; ww: number; rw: number; on: Map<string, number> }>();
  const keys: PotentialKey[] = [];
  for (const [k, u] of uses) {
    if (u.writes.size === 0) continue;
    const [account, slot] = locations.get(k)!;
    const variable = variableOf(account, slot, file.names);
    let pairs = 0;
    const fIds = [...new Set([...u.writes.keys(), ...u.reads.keys()])].sort((x, y) => x - y);
    for (let i = 0; i < fIds.length; i++) {
      for (let j = i; j < fIds.length; j++) {
        const fa = fIds[i],
          fb = fIds[j];
        const wa = u.writes.get(fa) ?? new Set<string>(),
          wb = u.writes.get(fb) ?? new Set<string>();
        const ra = u.reads.get(fa) ?? new Set<string>(),
          rb = u.reads.get(fb) ?? new Set<string>();
        const ww = differentSenders(wa, wb);
        const rw = !ww && (differentSenders(wa, rb) || differentSenders(ra, wb));
        if (!ww && !rw) continue;
        pairs++;
        const id = `${fa},${fb}`;
        let c = cells.get(id);
        if (!c) cells.set(id, (c = { a: fa, b: fb, ww: 0, rw: 0, on: new Map() }));
        if (ww) c.ww++;
        else c.rw++;
        c.on.set(variable, (c.on.get(variable) ?? 0) + 1);
      }
    }
    if (pairs === 0) continue;
    const isSlot = slot.startsWith("0x");
    const decoded = isSlot ? file.names?.slots?.[k] : undefined;
    const acct = file.names?.accounts?.[account];
    keys.push({
      account,
      slot,
      name: decoded ?? (!isSlot ? `${acct ?? account}.${slot}` : null),
      variable,
      writerTxs: u.writerTxs,
      txs: u.txs,
      writerSenders: new Set([...u.writes.values()].flatMap((s) => [...s])).size,
      writers: [...u.writes.keys()].map((f) => fns[f]),
      pairs,
    });
  }
  keys.sort((x, y) => y.pairs - x.pairs || y.writerTxs - x.writerTxs || y.txs - x.txs);
  const matrix = [...cells.values()]
    .sort((x, y) => y.ww + y.rw - (x.ww + x.rw))
    .slice(0, top)
    .map((c) => ({
      a: fns[c.a],
      b: fns[c.b],
      ww: c.ww,
      rw: c.rw,
      on: [...c.on]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 3)
        .map(([variable, n]) => ({ variable, keys: n })),
    }));
  const singleTxBlocks = file.blocks.filter((b) => b.txs.length === 1).length;
  const notes = [
    `${singleTxBlocks} of ${file.blocks.length} blocks hold one transaction: within such a block nothing can conflict, so the per-block figures above say little about a parallel EVM. ` +
      "The potential conflicts compare every two calls from different senders as if they shared a block: a function pair is listed when one call writes a slot the other reads or writes.",
    "Pairs from the same sender are excluded (its transactions are ordered by nonce); contract creations are excluded; " +
      describeDependencyOptions(dependency)[0],
    "A pair is potential, not certain: a mapping entry conflicts only when both calls use the same key (two users of one balance), as the tests did.",
  ];
  return {
    txs,
    senders: senders.size,
    functions: fns.length,
    blocks: file.blocks.length,
    singleTxBlocks,
    notes,
    matrix,
    hotKeys: keys.slice(0, top),
    allKeys: keys,
  };
}
