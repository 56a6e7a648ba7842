/**
 * The one definition of a dependency between two transactions of a block, used by the
 * conflict analysis (src/conflicts), the schedulers (src/schedule) and the reports alike.
 *
 * Per transaction, every location it touches gets one access mode (ACCESS_* bits):
 * - a write implies a read (an SSTORE's gas and refund depend on the current value; balance
 *   and nonce updates are read-modify-write), except a balance credit without a read when
 *   `credits` is "commutative" (then it is a CREDIT: a delta applied lazily);
 * - the fee recipient's balance credit (a write of the coinbase balance by a transaction that
 *   does not read it) is dropped when `feeRecipientCredit` is "excluded": parallel EVMs credit
 *   fees lazily. Its nonce and any read of its balance are never dropped;
 * - with `senderNonces` "relaxed" the sender's own nonce is dropped (an engine that assigns
 *   nonces from the transaction list ahead of execution);
 * - a location declared SNAPSHOT (and not WRITE) is accessed in SNAPSHOT mode: a snapshot is
 *   a function of the pre-block state, so a SNAPSHOT read does not wait for SNAPSHOT writes.
 *
 * Edges (`DependencyTracker`), in block order, per location:
 * - RAW: a later read (incl. the read implied by a write) of a location an earlier one wrote;
 *   it depends on the latest earlier writer, and on every credit since that write.
 * - WW: the same edge where the later transaction also writes (kept as its own kind).
 * - WAR: a later write of a location an earlier one only read (or credited after a read):
 *   multi-version executors tolerate it, lock-based schedulers serialize it.
 * RAW and WW are dependencies (the critical path, the dag scheduler); WAR is a conflict only.
 */
import type { BlockAccess, StorageKey, TxAccess } from "../access/format.js";
import { UsageError } from "../errors.js";
import { isAccountField, locationKey } from "./location.js";

export const ACCESS_READ = 1;
export const ACCESS_WRITE = 2;
export const ACCESS_SNAPSHOT = 4;
/** A commutative balance credit (a write without a read, `credits: "commutative"`). */
export const ACCESS_CREDIT = 8;

export const EDGE_RAW = 1;
export const EDGE_WW = 2;
export const EDGE_WAR = 4;
/** Bit set of EDGE_RAW | EDGE_WW | EDGE_WAR. */
export type EdgeKinds = number;

export interface DependencyOptions {
  /** The fee recipient's balance credits: "excluded" (default) or "included". Its nonce and balance reads always count. */
  feeRecipientCredit: "excluded" | "included";
  /** A balance credit without a read: "read-modify-write" (default, EVM order) or "commutative" (lazy deltas). */
  credits: "read-modify-write" | "commutative";
  /** The sender's own nonce: "ordered" (default) or "relaxed" (nonces assigned before execution). */
  senderNonces: "ordered" | "relaxed";
}

export const DEFAULT_DEPENDENCY: Readonly<DependencyOptions> = Object.freeze({
  feeRecipientCredit: "excluded",
  credits: "read-modify-write",
  senderNonces: "ordered",
});

/** Fills the defaults. */
export function dependencyOptions(opts: Partial<DependencyOptions> = {}): DependencyOptions {
  return {
    feeRecipientCredit: opts.feeRecipientCredit ?? DEFAULT_DEPENDENCY.feeRecipientCredit,
    credits: opts.credits ?? DEFAULT_DEPENDENCY.credits,
    senderNonces: opts.senderNonces ?? DEFAULT_DEPENDENCY.senderNonces,
  };
}

/** One line per option, stated in every output (analysis notes, simulation notes, reports). */
export function describeDependencyOptions(opts: DependencyOptions): string[] {
  return [
    opts.feeRecipientCredit === "excluded"
      ? "fee recipient: its balance credits are excluded (parallel EVMs credit fees lazily); its nonce and reads of its balance count. Use --include-fee-recipient to count the credits."
      : "fee recipient: its balance credits are included: every fee-paying transaction writes its balance.",
    opts.credits === "read-modify-write"
      ? "balance credits without a read: read-modify-write (each waits for the previous write of that balance, as in serial EVM order)."
      : "balance credits without a read: commutative (applied as lazy deltas; a later read of the balance waits for all of them).",
    ...(opts.senderNonces === "relaxed" ? ["sender nonces: relaxed (a transaction's own nonce is not a dependency)."] : []),
  ];
}

/**
 * The dependency mode of one observed access: `observed` holds ACCESS_READ / ACCESS_WRITE
 * (and ACCESS_SNAPSHOT) as recorded; returns the ACCESS_* mode the edge rules use, or 0 when
 * the access is no dependency at all (a fee-recipient credit, a relaxed sender nonce).
 */
export function dependencyMode(
  observed: number,
  account: string,
  field: string,
  coinbase: string,
  from: string | null,
  opts: DependencyOptions,
): number {
  return fieldDependencyMode(observed, field, account === coinbase, account === from, opts);
}

/** Whether the rule above looks at the transaction's sender under `opts` (a reader may skip fetching it). */
export function dependencyUsesSender(opts: DependencyOptions): boolean {
  return opts.senderNonces === "relaxed";
}

/**
 * The same rule for a reader that knows a location only by its field and two facts about its
 * account (the columnar chain pass, which keeps no address strings): whether the account is
 * the block's fee recipient and whether it is the transaction's sender.
 */
export function fieldDependencyMode(
  observed: number,
  field: string,
  isFeeRecipient: boolean,
  isSender: boolean,
  opts: DependencyOptions,
): number {
  let m = observed;
  if (field === "balance" && (m & (ACCESS_READ | ACCESS_WRITE)) === ACCESS_WRITE) {
    if (isFeeRecipient && opts.feeRecipientCredit === "excluded") return 0;
    if (opts.credits === "commutative") return ACCESS_CREDIT;
  }
  if (field === "nonce" && opts.senderNonces === "relaxed" && isSender) return 0;
  if (m & ACCESS_WRITE) m |= ACCESS_READ;
  return m;
}

/** What `fieldDependencyMode` looks at for one access beyond the field: the account's being the block's fee recipient (1), its being the sender (2). */
export const NEEDS_FEE_RECIPIENT = 1;
export const NEEDS_SENDER = 2;

/**
 * Which facts about the account the rule above reads for an access of `field` observed as
 * `observed` under `opts` (`NEEDS_FEE_RECIPIENT | NEEDS_SENDER`, 0 for none): a reader that
 * keeps addresses as bytes decodes an account only for the accesses where it matters.
 */
export function fieldDependencyNeeds(observed: number, field: string, opts: DependencyOptions): number {
  if (field === "balance" && (observed & (ACCESS_READ | ACCESS_WRITE)) === ACCESS_WRITE && opts.feeRecipientCredit === "excluded")
    return NEEDS_FEE_RECIPIENT;
  if (field === "nonce" && opts.senderNonces === "relaxed") return NEEDS_SENDER;
  return 0;
}

/** Locations a declaration puts in SNAPSHOT mode: declared SNAPSHOT and not declared WRITE. */
export function snapshotKeys(declared: TxAccess["declared"]): Set<string> | undefined {
  if (!declared?.snapshots || declared.snapshots.length === 0) return undefined;
  const keys = new Set(declared.snapshots.map(([a, s]) => locationKey(a, s)));
  for (const [a, s] of declared.writes) keys.delete(locationKey(a, s));
  return keys.size > 0 ? keys : undefined;
}

/** Locations of one transaction merged by a linear scan before observedModes indexes them by key. */
const OBSERVED_SCAN = 16;

/**
 * The observed modes of one transaction, merged per location (ACCESS_READ / ACCESS_WRITE,
 * ACCESS_SNAPSHOT from its declaration): `visit` is called once per location, in the order
 * storage reads, storage writes, account reads, account writes (first occurrence).
 */
export function observedModes(
  tx: Pick<TxAccess, "storage" | "accounts" | "declared">,
  visit: (account: string, field: string, mode: number) => void,
): void {
  // Locations in first-occurrence order; found by a scan while few (a transaction touches a
  // handful), through a Map of location keys past OBSERVED_SCAN of them.
  const accounts: string[] = [];
  const fields: string[] = [];
  const modes: number[] = [];
  let index: Map<string, number> | undefined;
  const add = (a: string, f: string, m: number) => {
    const n = accounts.length;
    if (index === undefined) {
      for (let i = 0; i < n; i++)
        if (accounts[i] === a && fields[i] === f) {
          modes[i] |= m;
          return;
        }
      if (n >= OBSERVED_SCAN) {
        index = new Map();
        for (let i = 0; i < n; i++) index.set(locationKey(accounts[i], fields[i]), i);
      }
    }
    if (index !== undefined) {
      const k = locationKey(a, f);
      const i = index.get(k);
      if (i !== undefined) {
        modes[i] |= m;
        return;
      }
      index.set(k, n);
    }
    accounts.push(a);
    fields.push(f);
    modes.push(m);
  };
  for (const [a, s] of tx.storage.reads) add(a, s, ACCESS_READ);
  for (const [a, s] of tx.storage.writes) add(a, s, ACCESS_WRITE);
  for (const [a, f] of tx.accounts.reads) add(a, f, ACCESS_READ);
  for (const [a, f] of tx.accounts.writes) add(a, f, ACCESS_WRITE);
  const snap = snapshotKeys(tx.declared);
  for (let i = 0; i < accounts.length; i++) {
    const a = accounts[i];
    const f = fields[i];
    const m = modes[i];
    visit(a, f, snap !== undefined && snap.has(locationKey(a, f)) && !isAccountField(f) ? m | ACCESS_SNAPSHOT : m);
  }
}

/** Grows an Int32Array to at least `size`, new entries set to `fill`. */
function grow(arr: Int32Array<ArrayBuffer>, size: number, fill: number): Int32Array<ArrayBuffer> {
  if (size <= arr.length) return arr;
  const b = new Int32Array(Math.max(size, arr.length * 2));
  b.set(arr);
  b.fill(fill, arr.length);
  return b;
}

/**
 * Applies the edge rules to the accesses of one block, transaction by transaction in block
 * order, in time linear in the accesses. Locations are small integers (any interning); call
 * `beginBlock` between blocks. Edges are reported through `edge(from, kind, location)`; one
 * earlier transaction may be reported several times for the same later one (dedupe there).
 */
export class DependencyTracker {
  private lastWriter = new Int32Array(1024).fill(-1);
  /** Latest writer that is not a SNAPSHOT write (what a SNAPSHOT read depends on). */
  private lastRegular = new Int32Array(1024).fill(-1);
  private stamp = new Int32Array(1024).fill(-1);
  private readers = new Int32Array(1024).fill(-1);
  private credits = new Int32Array(1024).fill(-1);
  private block = 0;
  // Linked lists of readers and credits: node -> (tx, next).
  private nodeTx = new Int32Array(1 << 12);
  private nodeNext = new Int32Array(1 << 12);
  private nodes = 0;

  /** Forgets all state: the next accesses belong to a new block. */
  beginBlock(): void {
    this.block++;
    this.nodes = 0;
  }

  private push(head: number, tx: number): number {
    if (this.nodes === this.nodeTx.length) {
      const t = new Int32Array(this.nodes * 2);
      t.set(this.nodeTx);
      this.nodeTx = t;
      const n = new Int32Array(this.nodes * 2);
      n.set(this.nodeNext);
      this.nodeNext = n;
    }
    this.nodeTx[this.nodes] = tx;
    this.nodeNext[this.nodes] = head;
    return this.nodes++;
  }

  /** Records the access of location `loc` by transaction `tx` with ACCESS_* `mode`. */
  access(loc: number, tx: number, mode: number, edge: (from: number, kind: number, loc: number) => void): void {
    if (loc >= this.stamp.length) {
      const n = loc + 1;
      this.lastWriter = grow(this.lastWriter, n, -1);
      this.lastRegular = grow(this.lastRegular, n, -1);
      this.stamp = grow(this.stamp, n, -1);
      this.readers = grow(this.readers, n, -1);
      this.credits = grow(this.credits, n, -1);
    }
    if (this.stamp[loc] !== this.block) {
      this.stamp[loc] = this.block;
      this.lastWriter[loc] = -1;
      this.lastRegular[loc] = -1;
      this.readers[loc] = -1;
      this.credits[loc] = -1;
    }
    const writes = (mode & (ACCESS_WRITE | ACCESS_CREDIT)) !== 0;
    if (mode & ACCESS_READ) {
      const w = mode & ACCESS_SNAPSHOT ? this.lastRegular[loc] : this.lastWriter[loc];
      const kind = writes ? EDGE_WW : EDGE_RAW;
      if (w >= 0) edge(w, kind, loc);
      for (let nd = this.credits[loc]; nd >= 0; nd = this.nodeNext[nd]) edge(this.nodeTx[nd], kind, loc);
    }
    if (writes) {
      for (let nd = this.readers[loc]; nd >= 0; nd = this.nodeNext[nd]) if (this.nodeTx[nd] !== tx) edge(this.nodeTx[nd], EDGE_WAR, loc);
      this.readers[loc] = -1;
      if (mode & ACCESS_CREDIT) {
        this.credits[loc] = this.push(this.credits[loc], tx);
      } else {
        this.lastWriter[loc] = tx;
        if (!(mode & ACCESS_SNAPSHOT)) this.lastRegular[loc] = tx;
        this.credits[loc] = -1;
      }
    } else {
      this.readers[loc] = this.push(this.readers[loc], tx);
    }
  }
}

/**
 * Reads known only per block (EIP-7928 BALs: `blockReads`, no transaction named). A read of a
 * slot no transaction writes cannot conflict and is left out; a read of a written slot is
 * counted as a read of every transaction (conservative: the reader is unknown). Both the
 * analysis and the simulation add `reads` to every transaction of the block.
 */
export function blockLevelReads(block: Pick<BlockAccess, "blockReads" | "txs">): { reads: StorageKey[]; note?: string } {
  const all = block.blockReads ?? [];
  if (all.length === 0) return { reads: [] };
  const written = new Set<string>();
  for (const tx of block.txs) for (const [a, s] of tx.storage.writes) written.add(locationKey(a, s));
  const reads = all.filter(([a, s]) => written.has(locationKey(a, s)));
  return {
    reads,
    note:
      `${all.length} block-level reads: ${all.length - reads.length} are of slots no tx writes (no conflict possible, ignored)` +
      (reads.length > 0 ? `, ${reads.length} of written slots assumed read by every tx (conservative)` : ""),
  };
}

/** The dependency options of a task's flags (`--include-fee-recipient`, `--credits`), checked. */
export function dependencyFromFlags(flags: { includeFeeRecipient?: boolean; credits?: string }): DependencyOptions {
  const credits = flags.credits ?? DEFAULT_DEPENDENCY.credits;
  if (credits !== "read-modify-write" && credits !== "commutative") {
    throw new UsageError(`--credits ${credits}: unknown treatment of balance credits`, {
      hint: "pass --credits read-modify-write (default) or --credits commutative",
    });
  }
  return dependencyOptions({ feeRecipientCredit: flags.includeFeeRecipient ? "included" : "excluded", credits });
}

/** The task flags every task that analyzes or simulates takes, described once. */
export const DEPENDENCY_FLAGS = {
  includeFeeRecipient:
    "Count the fee recipient's balance credits as dependencies (excluded by default; its nonce and balance reads always count)",
  credits: 'Balance credits without a read: "read-modify-write" (default) or "commutative"',
} as const;
