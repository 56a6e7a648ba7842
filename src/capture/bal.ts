/**
 * EIP-7928 block-level access lists (BALs) -> access sets. Writes (storage, balance, nonce,
 * code) carry the index of the transaction that made them: exact per transaction. Reads are
 * listed per block (storage_reads holds slots read but not written): they go to
 * `blockReads`, and the file's precision is { reads: "block", writes: "tx" }.
 *
 * Two encodings are accepted:
 * - JSON: { account_changes: [ { address, storage_writes: [ { slot, changes: [ { tx_index, new_value } ] } ],
 *   storage_reads: [slot], balance_changes, nonce_changes, code_changes } ] }
 * - RLP: [ [address, [[slot, [[index, value]]]], [slot], [[index, balance]], [[index, nonce]], [[index, code]]] ]
 *
 * Index base: the EIP numbers entries by block_access_index, 0 being the pre-execution system
 * calls and 1..n the transactions. Some producers (the eth-bal-analysis data set) number the
 * transactions from 0 instead. `indexBase: "auto"` decides from the data: only a transaction
 * changes an account's nonce as its sender, and system calls change no nonce, so a nonce
 * change at index 0 means index 0 is a transaction (base 0); otherwise base 1, and index 0
 * (system calls) and n+1 (post-execution) are dropped with a note in the description.
 */
import { InputError } from "../errors.js";
import { RLP } from "@ethereumjs/rlp";
import { gunzipSync } from "node:zlib";
import type { AccountKey, BlockAccess, StorageKey, TxAccess } from "../access/format.js";
import type { AccessSource } from "../model/source.js";

export class BalFormatError extends InputError {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
  }
}

interface BalAccount {
  address: string;
  writes: { slot: string; index: number }[];
  reads: string[];
  balance: number[];
  nonce: number[];
  code: number[];
}

export interface BalOptions {
  /** Block number; default: the leading digits of the file name. */
  number?: number;
  /** Fee recipient; default: the account whose balance changes in the most transactions. */
  coinbase?: string;
  indexBase?: 0 | 1 | "auto";
  chainId?: number;
}

const pad = (hex: string, bytes: number, file: string, what: string) => {
  const h = hex.toLowerCase().replace(/^0x/, "");
  if (!/^[0-9a-f]*$/.test(h) || h.length > bytes * 2) throw new BalFormatError(file, `${what}: ${hex} is not a ${bytes}-byte hex value`);
  return "0x" + h.padStart(bytes * 2, "0");
};

/** The fields of a JSON object; none for anything else (each field is then checked where it is read). */
const fields = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {});

function parseJson(json: unknown, file: string): BalAccount[] {
  const root = json as { account_changes?: unknown };
  if (typeof root !== "object" || root === null || !Array.isArray(root.account_changes))
    throw new BalFormatError(file, "expected a JSON object with an account_changes array (EIP-7928 BAL as JSON)");
  return root.account_changes.map((account: unknown, i: number): BalAccount => {
    const at = `account_changes[${i}]`;
    const a = fields(account);
    if (typeof a.address !== "string") throw new BalFormatError(file, `${at}.address: missing`);
    const idx = (c: unknown, p: string) => {
      const index = fields(c).tx_index;
      if (typeof index !== "number" || !Number.isInteger(index) || index < 0)
        throw new BalFormatError(file, `${p}.tx_index: expected a non-negative integer`);
      return index;
    };
    const list = (v: unknown, p: string): unknown[] => {
      if (v === undefined) return [];
      if (!Array.isArray(v)) throw new BalFormatError(file, `${p}: expected an array`);
      return v;
    };
    return {
      address: pad(a.address, 20, file, `${at}.address`),
      writes: list(a.storage_writes, `${at}.storage_writes`).flatMap((write, j) => {
        const w = fields(write);
        return list(w.changes, `${at}.storage_writes[${j}].changes`).map((c, k) => ({
          slot: pad(String(w.slot), 32, file, `${at}.storage_writes[${j}].slot`),
          index: idx(c, `${at}.storage_writes[${j}].changes[${k}]`),
        }));
      }),
      reads: list(a.storage_reads, `${at}.storage_reads`).map((s, j) => pad(String(s), 32, file, `${at}.storage_reads[${j}]`)),
      balance: list(a.balance_changes, `${at}.balance_changes`).map((c, j) => idx(c, `${at}.balance_changes[${j}]`)),
      nonce: list(a.nonce_changes, `${at}.nonce_changes`).map((c, j) => idx(c, `${at}.nonce_changes[${j}]`)),
      code: list(a.code_changes, `${at}.code_changes`).map((c, j) => idx(c, `${at}.code_changes[${j}]`)),
    };
  });
}

function parseRlp(bytes: Uint8Array, file: string): BalAccount[] {
  let decoded: unknown;
  try {
    decoded = RLP.decode(bytes);
  } catch (e) {
    throw new BalFormatError(file, `not valid RLP (${(e as Error).message}); expected an EIP-7928 BAL, RLP-encoded (or JSON)`);
  }
  const hex = (b: unknown, what: string): string => {
    if (!(b instanceof Uint8Array)) throw new BalFormatError(file, `${what}: expected a byte string, found a list`);
    return "0x" + Buffer.from(b).toString("hex");
  };
  const num = (b: unknown, what: string) => {
    const h = hex(b, what);
    return h === "0x" ? 0 : Number(BigInt(h));
  };
  const list = (v: unknown, what: string): unknown[] => {
    if (!Array.isArray(v)) throw new BalFormatError(file, `${what}: expected a list`);
    return v;
  };
  return list(decoded, "top level").map((a0, i): BalAccount => {
    const at = `account ${i}`;
    const a = list(a0, at);
    if (a.length !== 6)
      throw new BalFormatError(
        file,
        `${at}: expected 6 fields [address, storage_changes, storage_reads, balance, nonce, code], found ${a.length}`,
      );
    const changes = (v: unknown, what: string) => list(v, what).map((c, j) => num(list(c, `${what}[${j}]`)[0], `${what}[${j}].index`));
    return {
      address: pad(hex(a[0], `${at}.address`), 20, file, `${at}.address`),
      writes: list(a[1], `${at}.storage_changes`).flatMap((w0, j) => {
        const w = list(w0, `${at}.storage_changes[${j}]`);
        const slot = pad(hex(w[0], `${at}.storage_changes[${j}].slot`), 32, file, `${at}.storage_changes[${j}].slot`);
        return changes(w[1], `${at}.storage_changes[${j}].changes`).map((index) => ({ slot, index }));
      }),
      reads: list(a[2], `${at}.storage_reads`).map((s, j) =>
        pad(hex(s, `${at}.storage_reads[${j}]`), 32, file, `${at}.storage_reads[${j}]`),
      ),
      balance: changes(a[3], `${at}.balance_changes`),
      nonce: changes(a[4], `${at}.nonce_changes`),
      code: changes(a[5], `${at}.code_changes`),
    };
  });
}

/** Parses a BAL file's bytes (optionally gzipped; JSON or RLP, detected from content). */
export function parseBal(raw: Uint8Array, file: string): BalAccount[] {
  let bytes = raw;
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new BalFormatError(file, `not valid gzip data (${(e as Error).message})`);
    }
  }
  const first = bytes.find((b) => b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09);
  if (first === 0x7b /* { */) {
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString("utf8"));
    } catch (e) {
      throw new BalFormatError(file, `not valid JSON (${(e as Error).message}); is the file truncated?`);
    }
    return parseJson(json, file);
  }
  return parseRlp(bytes, file);
}

/** Converts a parsed BAL into one block of access sets. */
export function balToBlock(
  accounts: BalAccount[],
  file: string,
  opts: BalOptions = {},
): { block: BlockAccess; base: 0 | 1; dropped: number } {
  const number = opts.number ?? Number(/^(\d+)/.exec(file.split("/").pop() ?? "")?.[1] ?? NaN);
  if (!Number.isInteger(number)) throw new BalFormatError(file, "cannot tell the block number from the file name; pass it (--block)");
  let maxIndex = -1;
  let nonceAtZero = false;
  const perTx = new Map<number, { sw: StorageKey[]; aw: AccountKey[]; senders: string[] }>();
  const at = (i: number) => {
    if (i > maxIndex) maxIndex = i;
    let t = perTx.get(i);
    if (!t) perTx.set(i, (t = { sw: [], aw: [], senders: [] }));
    return t;
  };
  const balanceTxs = new Map<string, Set<number>>();
  for (const a of accounts) {
    for (const w of a.writes) at(w.index).sw.push([a.address, w.slot]);
    for (const i of a.balance) {
      at(i).aw.push([a.address, "balance"]);
      const s = balanceTxs.get(a.address) ?? new Set();
      s.add(i);
      balanceTxs.set(a.address, s);
    }
    for (const i of a.nonce) {
      at(i).aw.push([a.address, "nonce"]);
      at(i).senders.push(a.address);
      if (i === 0) nonceAtZero = true;
    }
    for (const i of a.code) at(i).aw.push([a.address, "code"]);
  }
  let coinbase = opts.coinbase?.toLowerCase();
  if (!coinbase) {
    let best = -1;
    for (const [a, s] of balanceTxs)
      if (s.size > best) {
        best = s.size;
        coinbase = a;
      }
  }
  // Index 0 is a transaction when it does what only a transaction does: change a sender's
  // nonce, or pay the fee recipient (a system call does neither). Otherwise it is the
  // pre-execution system calls of a base-1 BAL.
  const feeAtZero = coinbase !== undefined && (balanceTxs.get(coinbase)?.has(0) ?? false);
  const base: 0 | 1 = opts.indexBase === 0 || opts.indexBase === 1 ? opts.indexBase : nonceAtZero || feeAtZero ? 0 : 1;
  const first = base;
  // With base 1, the last index is post-execution (withdrawals) when it changes no nonce.
  let last = maxIndex;
  if (base === 1 && last >= 1 && (perTx.get(last)?.senders.length ?? 0) === 0) last--;
  let dropped = 0;
  for (const i of perTx.keys()) if (i < first || i > last) dropped++;
  const txs: TxAccess[] = [];
  for (let i = first; i <= last; i++) {
    const t = perTx.get(i) ?? { sw: [], aw: [], senders: [] };
    txs.push({
      index: i - base,
      hash: null,
      // The sender is the account whose nonce the transaction bumped (first one if several);
      // unknown (null) when it bumped none.
      from: t.senders[0] ?? null,
      to: null,
      selector: null,
      // Calldata is not in a BAL: label by the first contract whose storage the tx wrote.
      function: t.sw.length > 0 ? `writes ${t.sw[0][0]}` : "no storage writes",
      gasUsed: 0,
      // Written slots are read as well (a write implies a read). Of the account changes only the
      // sender's are known reads (it pays from its balance and bumps its nonce); any other
      // balance change is a credit, so the fee recipient's is not taken for a read of it.
      storage: { reads: t.sw, writes: t.sw },
      accounts: { reads: t.aw.filter(([a]) => t.senders.includes(a)), writes: t.aw },
    });
  }
  const blockReads: StorageKey[] = accounts.flatMap((a) => a.reads.map((s): StorageKey => [a.address, s]));
  return {
    block: { number, hash: null, coinbase: coinbase ?? "0x" + "0".repeat(40), txs, blockReads },
    base,
    dropped,
  };
}

/** A capture source over one or more BAL files, given as (name, bytes). */
export class BalSource implements AccessSource {
  readonly kind = "bal" as const;
  readonly precision = { reads: "block", writes: "tx" } as const;
  readonly description: string;
  readonly chainId?: number;
  private notes: string[] = [];

  constructor(
    private readonly files: readonly { name: string; bytes: Uint8Array }[],
    private readonly opts: BalOptions = {},
  ) {
    this.description = `EIP-7928 block access lists: ${files.map((f) => f.name.split("/").pop()).join(", ")}`;
    if (opts.chainId !== undefined) this.chainId = opts.chainId;
  }

  async *blocks(): AsyncIterable<BlockAccess> {
    for (const f of this.files) {
      const { block, base, dropped } = balToBlock(parseBal(f.bytes, f.name), f.name, {
        ...this.opts,
        ...(this.files.length > 1 ? { number: undefined } : {}),
      });
      this.notes.push(`${block.number}: index base ${base}${dropped ? `, ${dropped} system-call index(es) dropped` : ""}`);
      yield block;
    }
  }

  /** What the conversion decided per block (index base, dropped system calls). */
  conversionNotes(): string[] {
    return this.notes;
  }
}
