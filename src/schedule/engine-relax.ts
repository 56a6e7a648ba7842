/**
 * Engine relaxations: what a real parallel EVM resolves without a dependency, applied to a
 * block's per-transaction reads and writes before scheduling. The analyzer's dependency
 * definition (src/conflicts, src/schedule/graph.ts) is engine-independent and stays as it
 * is; this transformation is used only to predict one engine's schedule (cost-model.ts), and
 * every output that uses it says so.
 *
 * The rule modelled is the lazy update of pevm (risechain/pevm, docs/schedulers.md,
 * "Calibration"): some account writes are recorded as increments ("lazy" entries) instead of
 * absolute values, so the writer does not read the account and two lazy writers never
 * conflict. A transaction that does read the account must evaluate every lazy entry below
 * it, down to the nearest absolute write, and therefore depends on all of them.
 *
 * Lazy writes, per engine rule:
 *  - `beneficiary`: the fee credit of every transaction to the block's fee recipient, unless
 *    the transaction itself reads the fee recipient's balance or nonce (then its access is
 *    absolute: it reads everything lazily written before it).
 *  - `rawTransfers`: a transfer to an account without code (`rawTransfer[i]`): the sender's
 *    balance and nonce and the recipient's balance are neither read nor written absolutely.
 *
 * Encoding: a lazy write of account field F of address A by tx k becomes a write of its own
 * location, the storage key [A, LAZY_PREFIX + field + k]; an absolute read of [A, F] also
 * reads the lazy locations of the writers between the nearest absolute writer below it and
 * itself. No two lazy writers share a location, so they never conflict. A lazy entry that no
 * absolute reader evaluates orders nothing and is left out of the block.
 */
import type { AccountKey, BlockAccess, StorageKey, TxAccess } from "../access/format.js";

/** Which writes an engine applies lazily. */
export interface LazyRules {
  /** Fee credits to the block's fee recipient. */
  beneficiary: boolean;
  /** Sender balance and nonce, and recipient balance, of transfers to accounts without code. */
  rawTransfers: boolean;
}

/** Storage-key prefix of a lazy entry (24 hex digits of 0xf, then field code and tx index). */
export const LAZY_PREFIX = "0x" + "f".repeat(24);
const FIELD_CODE: Record<string, string> = { balance: "b", nonce: "c" };

function lazySlot(field: "balance" | "nonce", tx: number): StorageKey[1] {
  return `${LAZY_PREFIX}${FIELD_CODE[field].repeat(8)}${tx.toString(16).padStart(32, "0")}`;
}

export interface RelaxedBlock {
  block: BlockAccess;
  /** Lazy writes (one per lazily written account field per tx), read or not. */
  lazyWrites: number;
  /** Reads added because an absolute read must evaluate lazy entries. */
  lazyReads: number;
  /** Transactions treated as lazy raw transfers. */
  lazyTxs: number;
  note: string;
}

/**
 * Applies an engine's lazy-update rules to a block. `rawTransfer[i]` says whether tx i
 * sends value to an account that had no code when it ran (from the block's pre-state:
 * bench/block-features.ts); it may be omitted when `rules.rawTransfers` is false.
 * The returned block has the fee recipient's balance handled: prepare it with
 * `dependency: { feeRecipientCredit: "included" }`.
 */
export function relaxForEngine(block: BlockAccess, rules: LazyRules, rawTransfer?: readonly boolean[]): RelaxedBlock {
  if (rules.rawTransfers && (!rawTransfer || rawTransfer.length !== block.txs.length)) {
    throw new RangeError(
      `block ${block.number}: the raw-transfer flags have ${rawTransfer?.length ?? 0} entries for ${block.txs.length} txs; compute them with bench/block-features.ts`,
    );
  }
  const cb = block.coinbase;
  // Per account field: the lazy entries written since the last absolute write, as codes
  // 4 * tx + k (the tx's k-th lazy write). No key strings are built per access.
  const pending: Record<"balance" | "nonce", Map<string, number[]>> = { balance: new Map(), nonce: new Map() };
  // Lazy entries some absolute reader evaluates; an entry no one reads orders nothing and is
  // left out, so a block of independent lazy transfers adds no locations.
  const needed = new Set<number>();
  let lazyWrites = 0;
  let lazyReads = 0;
  let lazyTxs = 0;
  const lazyOf: [string, "balance" | "nonce"][][] = [];
  const isField = (f: string): f is "balance" | "nonce" => f === "balance" || f === "nonce";
  const staged = block.txs.map((tx, i) => {
    const raw = rules.rawTransfers && rawTransfer![i] === true && tx.to !== null;
    if (raw) lazyTxs++;
    const cbLazy = rules.beneficiary && !tx.accounts.reads.some(([x, f]) => x === cb && isField(f));
    // Is [address, field] updated lazily by this tx?
    const lazyHere = (x: string, f: string): boolean =>
      (raw && ((x === tx.from && isField(f)) || (x === tx.to && f === "balance"))) || (cbLazy && x === cb && f === "balance");
    const accReads: AccountKey[] = [];
    const extraReads: StorageKey[] = [];
    for (const k of tx.accounts.reads) {
      if (lazyHere(k[0], k[1])) continue; // a lazy tx does not read what it updates lazily
      accReads.push(k);
      if (!isField(k[1])) continue;
      for (const code of pending[k[1]].get(k[0]) ?? []) {
        extraReads.push([k[0], lazySlot(k[1], code >> 2)]);
        needed.add(code);
        lazyReads++;
      }
    }
    const accWrites: AccountKey[] = [];
    const lazy: [string, "balance" | "nonce"][] = [];
    for (const k of tx.accounts.writes) {
      const f = k[1];
      if (isField(f) && lazyHere(k[0], f)) {
        const list = pending[f].get(k[0]);
        const code = 4 * i + lazy.length;
        if (list) list.push(code);
        else pending[f].set(k[0], [code]);
        lazy.push([k[0], f]);
        lazyWrites++;
      } else {
        accWrites.push(k);
        if (isField(f)) pending[f].delete(k[0]); // an absolute write: later readers start from here
      }
    }
    lazyOf.push(lazy);
    return { accReads, accWrites, extraReads };
  });
  const txs: TxAccess[] = block.txs.map((tx, i) => {
    const { accReads, accWrites, extraReads } = staged[i];
    const lazyOut: StorageKey[] = [];
    lazyOf[i].forEach(([x, f], k) => {
      if (needed.has(4 * i + k)) lazyOut.push([x, lazySlot(f, i)]);
    });
    const storage =
      extraReads.length + lazyOut.length === 0
        ? tx.storage
        : { reads: [...tx.storage.reads, ...extraReads], writes: [...tx.storage.writes, ...lazyOut] };
    return { ...tx, storage, accounts: { reads: accReads, writes: accWrites } };
  });
  const parts: string[] = [];
  if (rules.beneficiary) parts.push("fee-recipient credits");
  if (rules.rawTransfers) parts.push(`raw-transfer sender/recipient updates (${lazyTxs} txs)`);
  const note =
    parts.length === 0
      ? "engine profile: no lazy updates (the analyzer's dependencies, fee recipient included)"
      : `engine profile relaxes dependencies for scheduling only: lazily applied ${parts.join(" and ")}; ${lazyWrites} lazy entries, ${lazyReads} evaluations by absolute readers`;
  return { block: { ...block, txs }, lazyWrites, lazyReads, lazyTxs, note };
}
