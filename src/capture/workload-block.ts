/**
 * The access-set file of a workload block: re-executed accesses (reexecute.ts), each
 * transaction's function from its driver, its declared list where the target declares one
 * (asked at the state before the block, as a client would before sending), and slot names
 * from the compiler's storage layouts.
 */
import { NodeError } from "../errors.js";
import { FORMAT_NAME, FORMAT_VERSION, type AccessSetFile, type Names } from "../access/format.js";
import type { ContractBook } from "../decode/artifacts.js";
import { matchRuntimeCode } from "../decode/artifacts.js";
import type { Preimages } from "../decode/layout.js";
import type { WorkloadRun } from "../workload/run.js";
import { captureByReexecution, type ReexecuteResult } from "./reexecute.js";
import { fetchDeclared } from "./rpc.js";
import type { Eip1193 } from "../util/eip1193.js";

export interface WorkloadCaptureOptions {
  description: string;
  /** Compiled contracts, for names; without it slots stay raw. */
  book?: ContractBook;
  /** Fixed names for contracts with no storage layout here (e.g. a baseline's prebuilt artifacts). */
  extraSlotNames?: (label: string, slot: string) => string | null;
}

export interface CapturedWorkload {
  file: AccessSetFile;
  reexecution: ReexecuteResult;
}

export async function captureWorkloadBlock(node: Eip1193, run: WorkloadRun, opts: WorkloadCaptureOptions): Promise<CapturedWorkload> {
  const reexecution = await captureByReexecution(node, run.blockNumber);
  const block = reexecution.block;
  if (block.txs.length !== run.txs.length) throw new NodeError(`captured ${block.txs.length} transactions, the run sent ${run.txs.length}`);
  const before = "0x" + (run.blockNumber - 1).toString(16);
  for (const [i, tx] of block.txs.entries()) {
    const sent = run.txs[i];
    if (tx.hash !== sent.hash.toLowerCase())
      throw new NodeError(`transaction ${i} of block ${run.blockNumber} is not the one the run sent`);
    tx.function = sent.label;
    const declared = await fetchDeclared(node, { from: sent.request.from, to: sent.request.to, data: sent.request.data }, before);
    if (declared) tx.declared = declared;
  }

  const labels = new Map(Object.entries(run.addresses).map(([label, a]) => [a.toLowerCase(), label]));
  const names: Names = { accounts: Object.fromEntries([...labels].map(([a, l]) => [a, l])), slots: {} };
  const book = opts.book;
  const pre: Preimages = new Map();
  if (book) {
    for (const [address, label] of labels) {
      const code = (await node.request({ method: "eth_getCode", params: [address, "latest"] })) as string;
      const c = matchRuntimeCode(code, book.contracts);
      if (c) book.add(address, c, label);
    }
    // Mapping keys: every user and contract of the run (one level: mapping[key]).
    // Plus every address-shaped argument of the calls (a liquidation's borrower, a receiver).
    const keys = [
      ...new Set([...run.txs.flatMap((t) => [t.request.from.toLowerCase(), ...addressArguments(t.request.data)]), ...labels.keys()]),
    ];
    book.addCandidateKeys(keys, pre, 1);
  }
  const touched = new Set<string>();
  for (const tx of block.txs) for (const [a, s] of [...tx.storage.reads, ...tx.storage.writes]) touched.add(`${a}:${s}`);
  // Declared slots get names too, so check-declared can name over-declared ones.
  for (const tx of block.txs) {
    const d = tx.declared;
    if (d) for (const [a, s] of [...d.reads, ...d.writes, ...(d.snapshots ?? [])]) if (s !== "*") touched.add(`${a}:${s}`);
  }
  for (const key of touched) {
    const [a, s] = key.split(":") as [string, string];
    const name = book?.decodeSlot(a, s, pre) ?? (labels.has(a) ? opts.extraSlotNames?.(labels.get(a)!, s) : null);
    if (name) names.slots![key] = name;
  }
  const file: AccessSetFile = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    source: {
      kind: "workload",
      description: opts.description,
      chainId: Number(BigInt((await node.request({ method: "eth_chainId", params: [] })) as string)),
    },
    precision: { reads: "tx", writes: "tx" },
    blocks: [block],
    names,
  };
  return { file, reexecution };
}

/** Uniswap V2 pair slots (its published layout), for a baseline compiled elsewhere. */
export function uniswapV2PairSlotName(label: string, slot: string): string | null {
  if (!label.startsWith("UniswapV2Pair")) return null;
  const fixed: Record<string, string> = {
    "0": "totalSupply",
    "8": "{reserve0,reserve1,blockTimestampLast}",
    "9": "price0CumulativeLast",
    "10": "price1CumulativeLast",
    "11": "kLast",
    "12": "unlocked",
  };
  const n = BigInt(slot).toString();
  return fixed[n] ? `${label}.${fixed[n]}` : null;
}

/** 32-byte calldata words after the selector that hold an address (12 zero bytes, then non-zero). */
export function addressArguments(data: string | undefined): string[] {
  if (!data || data.length < 10) return [];
  const out: string[] = [];
  for (let at = 10; at + 64 <= data.length; at += 64) {
    const word = data.slice(at, at + 64).toLowerCase();
    if (
      word.startsWith("000000000000000000000000") &&
      !/^0*$/.test(word.slice(24)) &&
      !word.startsWith("0000000000000000000000000000000000")
    )
      out.push("0x" + word.slice(24));
  }
  return out;
}
