/**
 * The one conversion of execution data to a transaction's access lists, from tracer output
 * (geth's prestateTracer, plain and diffMode: capture over RPC, mainnet capture) and from
 * re-execution (capture by re-executing a block). Rules:
 * - reads: every touched account's balance, its nonce where non-zero, its code where
 *   non-empty, and every touched storage slot (the plain prestate lists exactly these);
 * - writes: the locations whose value differs between before and after the transaction (a
 *   write of an unchanged value is a read only); an account deleted by the transaction (in
 *   the diff's pre side only) writes its balance where non-zero, its nonce and its code where
 *   non-empty;
 * - every write is listed among the reads as well, except a balance credit of the fee
 *   recipient: the tracer lists the fee recipient only because it was paid, so its balance
 *   counts as read only when it is the transaction's sender or recipient. (A BALANCE opcode on
 *   the fee recipient in a transaction that neither sends from nor to it is therefore not
 *   seen as a read: the bound of this conversion.)
 */
import type { AccountKey, StorageKey } from "../access/format.js";
import { locationKey } from "./location.js";

/** One account of a prestateTracer answer (any letter case, storage keys of any length). */
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

/** Who sent and received the transaction and who was paid its fee (lowercase); all optional. */
export interface TxParties {
  coinbase?: string;
  from?: string | null;
  to?: string | null;
}

const hex32 = (s: string) => `0x${BigInt(s).toString(16).padStart(64, "0")}`;
const big = (s: string | undefined) => (s === undefined ? undefined : BigInt(s));

/** Sorted, de-duplicated keys. */
function uniq<T extends [string, string]>(keys: T[]): T[] {
  const seen = new Map<string, T>();
  for (const k of keys) seen.set(locationKey(k[0], k[1]), k);
  return [...seen.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)).map((e) => e[1]);
}

function lowerKeys(p: Prestate | undefined): Map<string, PrestateAccount> {
  return new Map(Object.entries(p ?? {}).map(([a, acc]) => [a.toLowerCase(), acc]));
}

/** Applies the rules shared by both inputs: writes are reads, except the fee recipient's credit. */
function finish(
  sReads: StorageKey[],
  sWrites: StorageKey[],
  aReads: AccountKey[],
  aWrites: AccountKey[],
  parties: TxParties,
): ObservedAccess {
  const cb = parties.coinbase;
  const feeOnly = cb !== undefined && cb !== parties.from && cb !== parties.to;
  const notFee = ([a, f]: AccountKey) => !(feeOnly && a === cb && f === "balance");
  return {
    storage: { reads: uniq([...sReads, ...sWrites]), writes: uniq(sWrites) },
    accounts: { reads: uniq([...aReads, ...aWrites].filter(notFee)), writes: uniq(aWrites) },
  };
}

/** A transaction's access lists from its plain and diffMode prestate traces. */
export function accessFromPrestate(plain: Prestate, diff: PrestateDiff, parties: TxParties = {}): ObservedAccess {
  const sReads: StorageKey[] = [];
  const sWrites: StorageKey[] = [];
  const aReads: AccountKey[] = [];
  const aWrites: AccountKey[] = [];
  for (const [a, acct] of lowerKeys(plain)) {
    aReads.push([a, "balance"]);
    if (acct.nonce !== undefined && acct.nonce !== 0) aReads.push([a, "nonce"]);
    if (acct.code !== undefined && acct.code !== "0x") aReads.push([a, "code"]);
    for (const s of Object.keys(acct.storage ?? {})) sReads.push([a, hex32(s)]);
  }
  const pres = lowerKeys(diff.pre);
  const posts = lowerKeys(diff.post);
  for (const a of new Set([...pres.keys(), ...posts.keys()])) {
    const pre = pres.get(a) ?? {};
    const post = posts.get(a);
    // Storage: diffMode lists changed slots; a slot cleared to zero appears in pre only.
    const before = new Map(Object.entries(pre.storage ?? {}).map(([k, v]) => [hex32(k), BigInt(v)]));
    const after = new Map(Object.entries(post?.storage ?? {}).map(([k, v]) => [hex32(k), BigInt(v)]));
    for (const s of new Set([...before.keys(), ...after.keys()])) if ((before.get(s) ?? 0n) !== (after.get(s) ?? 0n)) sWrites.push([a, s]);
    if (post !== undefined) {
      if (post.balance !== undefined && big(post.balance) !== big(pre.balance ?? "0x0")) aWrites.push([a, "balance"]);
      if (post.nonce !== undefined && post.nonce !== (pre.nonce ?? 0)) aWrites.push([a, "nonce"]);
      if (post.code !== undefined && post.code !== (pre.code ?? "0x")) aWrites.push([a, "code"]);
    } else {
      // In the pre side only: the account was deleted (SELFDESTRUCT).
      if (pre.balance !== undefined && big(pre.balance) !== 0n) aWrites.push([a, "balance"]);
      if (pre.nonce !== undefined) aWrites.push([a, "nonce"]);
      if (pre.code !== undefined && pre.code !== "0x") aWrites.push([a, "code"]);
    }
  }
  return finish(sReads, sWrites, aReads, aWrites, parties);
}

/** What re-execution (src/capture/reexecute.ts) knows of one transaction. */
export interface ReexecutedTx {
  storage: { reads: StorageKey[]; writes: StorageKey[] };
  accounts: { writes: AccountKey[] };
  /** Every account the transaction looked up or changed, with its state before the transaction. */
  touched: ReadonlyMap<string, { nonce: bigint; hasCode: boolean }>;
}

/** A transaction's access lists from re-execution: the same lists its prestate traces give. */
export function accessFromReexecution(tx: ReexecutedTx, parties: TxParties = {}): ObservedAccess {
  const aReads: AccountKey[] = [];
  for (const [a0, acct] of tx.touched) {
    const a = a0.toLowerCase();
    aReads.push([a, "balance"]);
    if (acct.nonce !== 0n) aReads.push([a, "nonce"]);
    if (acct.hasCode) aReads.push([a, "code"]);
  }
  const key = <T extends [string, string]>([a, s]: T) => [a.toLowerCase(), s.startsWith("0x") && s.length > 10 ? hex32(s) : s] as T;
  return finish(tx.storage.reads.map(key), tx.storage.writes.map(key), aReads, tx.accounts.writes.map(key), parties);
}
