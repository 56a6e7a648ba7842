/**
 * Geth-style prestateTracer output -> access lists. The plain mode lists every account and
 * slot a transaction touched with its value before the transaction (reads); diffMode lists
 * what changed (writes). A write of an unchanged value appears only in the plain mode, so it
 * is recorded as a read. Every write is also recorded as a read (a write implies a read).
 */
import type { AccountKey, StorageKey } from "../access/format.js";

export interface PrestateAccount {
  balance?: string;
  nonce?: number;
  code?: string;
  storage?: Record<string, string>;
}
export type Prestate = Record<string, PrestateAccount>;
export interface PrestateDiff {
  pre: Prestate;
  post: Prestate;
}

export interface ObservedAccess {
  storage: { reads: StorageKey[]; writes: StorageKey[] };
  accounts: { reads: AccountKey[]; writes: AccountKey[] };
}

const hex32 = (s: string) => "0x" + s.toLowerCase().replace(/^0x/, "").padStart(64, "0");
const addr = (s: string) => s.toLowerCase();
const big = (s: string | undefined) => (s === undefined ? undefined : BigInt(s));

/** Sorted, de-duplicated keys. */
function uniq<T extends [string, string]>(keys: T[]): T[] {
  const seen = new Map<string, T>();
  for (const k of keys) seen.set(`${k[0]}:${k[1]}`, k);
  return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

export function txAccessFromPrestate(plain: Prestate, diff: PrestateDiff): ObservedAccess {
  const sReads: StorageKey[] = [];
  const sWrites: StorageKey[] = [];
  const aReads: AccountKey[] = [];
  const aWrites: AccountKey[] = [];
  for (const [a0, acct] of Object.entries(plain)) {
    const a = addr(a0);
    // The tracer lists balance for every touched account, nonce and code where non-empty.
    aReads.push([a, "balance"]);
    if (acct.nonce !== undefined) aReads.push([a, "nonce"]);
    if (acct.code !== undefined && acct.code !== "0x") aReads.push([a, "code"]);
    for (const s of Object.keys(acct.storage ?? {})) sReads.push([a, hex32(s)]);
  }
  const accounts = new Set([...Object.keys(diff.pre), ...Object.keys(diff.post)]);
  for (const a0 of accounts) {
    const a = addr(a0);
    const pre = diff.pre[a0] ?? {};
    const post = diff.post[a0] ?? {};
    // Storage: diffMode lists changed slots; a slot cleared to zero appears in pre only.
    const slots = new Set([...Object.keys(pre.storage ?? {}), ...Object.keys(post.storage ?? {})]);
    for (const s of slots) {
      const before = big(pre.storage?.[s]) ?? 0n;
      const after = big(post.storage?.[s]) ?? 0n;
      if (before !== after) sWrites.push([a, hex32(s)]);
    }
    const inPost = a0 in diff.post;
    if (inPost && post.balance !== undefined && big(post.balance) !== big(pre.balance ?? "0x0")) aWrites.push([a, "balance"]);
    if (inPost && post.nonce !== undefined && post.nonce !== (pre.nonce ?? 0)) aWrites.push([a, "nonce"]);
    if (inPost && post.code !== undefined && post.code !== (pre.code ?? "0x")) aWrites.push([a, "code"]);
    // An account present in pre but absent from post was deleted (SELFDESTRUCT of a new contract).
    if (!inPost && a0 in diff.pre) {
      if (pre.balance !== undefined && big(pre.balance) !== 0n) aWrites.push([a, "balance"]);
      if (pre.nonce !== undefined) aWrites.push([a, "nonce"]);
      if (pre.code !== undefined && pre.code !== "0x") aWrites.push([a, "code"]);
    }
  }
  return {
    storage: { reads: uniq([...sReads, ...sWrites]), writes: uniq(sWrites) },
    accounts: { reads: uniq([...aReads, ...aWrites]), writes: uniq(aWrites) },
  };
}

/** What re-execution (reexecute.ts) knows of one transaction: its recorded writes and every location it touched. */
export interface ReexecutedTx {
  storage: { reads: StorageKey[]; writes: StorageKey[] };
  accounts: { writes: AccountKey[] };
  /** Every account the transaction looked up or changed, with its state before the transaction. */
  touched: ReadonlyMap<string, { nonce: bigint; hasCode: boolean }>;
}

/**
 * The accesses prestate traces would give, from a re-executed transaction: the plain mode's
 * reads are every touched account's balance (nonce and code where non-empty) and every touched
 * slot; diffMode's writes are the locations whose value changed. Same rules as
 * txAccessFromPrestate, so both capture methods write the same file.
 */
export function txAccessFromReexecution(tx: ReexecutedTx): ObservedAccess {
  const aReads: AccountKey[] = [];
  for (const [a0, acct] of tx.touched) {
    const a = addr(a0);
    aReads.push([a, "balance"]);
    if (acct.nonce !== 0n) aReads.push([a, "nonce"]);
    if (acct.hasCode) aReads.push([a, "code"]);
  }
  const sWrites = tx.storage.writes.map(([a, s]) => [addr(a), hex32(s)] as StorageKey);
  const sReads = tx.storage.reads.map(([a, s]) => [addr(a), hex32(s)] as StorageKey);
  const aWrites = tx.accounts.writes.map(([a, f]) => [addr(a), f] as AccountKey);
  return {
    storage: { reads: uniq([...sReads, ...sWrites]), writes: uniq(sWrites) },
    accounts: { reads: uniq([...aReads, ...aWrites]), writes: uniq(aWrites) },
  };
}
