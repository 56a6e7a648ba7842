/** Entries of the access-set format from what a node says (receipts, headers) and what was observed. */
import type { BlockAccess, TxAccess } from "../access/format.js";
import type { ObservedAccess } from "../model/convert.js";

export interface TxHeader {
  index: number;
  hash: string;
  from: string;
  /** Target (already lowercase, or an alias), null for a creation. */
  to: string | null;
  selector: string | null;
  /** The receipt's gasUsed and status (hex quantities). */
  receipt: { gasUsed: string; status?: string };
  function?: string | undefined;
  declared?: TxAccess["declared"];
}

/** One transaction's entry. */
export function txRecord(h: TxHeader, observed: ObservedAccess): TxAccess {
  const tx: TxAccess = {
    index: h.index,
    hash: h.hash.toLowerCase(),
    from: h.from.toLowerCase(),
    to: h.to,
    selector: h.selector,
    gasUsed: Number(BigInt(h.receipt.gasUsed)),
    status: h.receipt.status === "0x0" ? "reverted" : "success",
    ...observed,
  };
  if (h.function) tx.function = h.function;
  if (h.declared) tx.declared = h.declared;
  return tx;
}

/** One block's entry of the access-set format, from the node's block header (hex quantities). */
export function blockRecord(
  number: number,
  header: { hash: string; miner: string; gasUsed: string; timestamp: string },
  txs: TxAccess[],
): BlockAccess {
  return {
    number,
    hash: header.hash.toLowerCase(),
    coinbase: header.miner.toLowerCase(),
    gasUsed: Number(BigInt(header.gasUsed)),
    timestamp: Number(BigInt(header.timestamp)),
    txs,
  };
}
