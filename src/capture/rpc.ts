/**
 * Capture from a JSON-RPC node with debug_traceTransaction (a Hardhat network, anvil, geth):
 * send a batch of transactions into one block (automine off, send, mine), then read each
 * transaction's accesses with the prestateTracer (plain: reads; diffMode: writes).
 * Takes an EIP-1193 `request` function, never Hardhat itself.
 */
import { NodeError } from "../errors.js";
import { AbiCoder, Interface } from "ethers";
import type { BlockAccess, Names, StorageKey, TxAccess } from "../access/format.js";
import { toDeclaredAccess } from "../access/declared.js";
import type { ContractBook } from "../decode/artifacts.js";
import { preimagesFromStructLogs, type Preimages } from "../decode/layout.js";
import {
  accessFromPrestate,
  accessFromReexecution,
  type ObservedAccess,
  type Prestate,
  type PrestateDiff,
  type TxParties,
} from "../model/convert.js";
import { captureByReexecution } from "./reexecute.js";
import { blockRecord, txRecord } from "./tx-record.js";
import type { AccessSource } from "../model/source.js";
import type { Eip1193 } from "../util/eip1193.js";

/** One transaction of a workload. */
export interface TxRequest {
  from: string;
  to?: string | null;
  data?: string;
  value?: bigint;
  gas?: bigint;
  /** A name for reports when the target is unknown ("Pool.swap"). */
  function?: string;
}

export interface WorkloadCaptureOptions {
  description: string;
  /** Transactions per block (default: all in one block). */
  blockSize?: number;
  /** Ask IAccessDeclaring targets for their declaration before mining (default true). */
  declared?: boolean;
  /** Contracts known by address (artifacts, address book) for function and slot names. */
  book?: ContractBook;
  /** Record KECCAK256 preimages (default tracer, enableMemory) to decode mapping keys (default true when a book is given). */
  preimages?: boolean;
  /** Progress callback. */
  onProgress?: (done: number, total: number) => void;
  /**
   * How each mined block's accesses are read (default "trace"):
   * - "trace": debug_traceTransaction with the prestateTracer, plain and diffMode, per
   *   transaction. Works on any node with the debug namespace; on EDR each trace re-runs the
   *   block's prefix, so a block of n transactions costs O(n^2).
   * - "reexec": the block is re-executed once in @ethereumjs/vm on the node's state before it
   *   (reexecute.ts), every transaction's gas and the receipts root checked against the node.
   *   Needs eth_getStorageAt/eth_getBalance/eth_getCode at the parent block and transactions
   *   signed by their senders' keys (not impersonated). Same file as "trace".
   */
  method?: CaptureMethod;
  /** "reexec": the hardfork the node runs (default "cancun"). */
  hardfork?: string;
}

export type CaptureMethod = "trace" | "reexec";

const DECLARE = new Interface([
  "function declareAccess(address sender, bytes data) view returns ((address account, bytes32 slot, uint8 mode)[] accesses)",
]);
const hexq = (v: bigint) => "0x" + v.toString(16);
const lower = (s: string) => s.toLowerCase();

/** eth_call declareAccess(from, data) on `to`; undefined if `to` does not declare (reverts or answers garbage). */
export async function fetchDeclared(provider: Eip1193, tx: TxRequest, block = "latest"): Promise<TxAccess["declared"]> {
  if (!tx.to || !tx.data || tx.data.length < 10) return undefined;
  let answer: string;
  try {
    answer = (await provider.request({
      method: "eth_call",
      params: [{ from: tx.from, to: tx.to, data: DECLARE.encodeFunctionData("declareAccess", [tx.from, tx.data]) }, block],
    })) as string;
  } catch {
    return undefined;
  }
  try {
    const [entries] = AbiCoder.defaultAbiCoder().decode(["(address account, bytes32 slot, uint8 mode)[]"], answer) as unknown as [
      { account: string; slot: string; mode: bigint }[],
    ];
    return toDeclaredAccess(entries.map((e) => ({ account: e.account, slot: e.slot, mode: e.mode })));
  } catch {
    return undefined;
  }
}

interface Receipt {
  transactionHash: string;
  transactionIndex: string;
  blockNumber: string;
  gasUsed: string;
  status?: string;
}

const partiesOf = (req: TxRequest, coinbase: string): TxParties => ({ coinbase, from: lower(req.from), to: req.to ? lower(req.to) : null });

/** Sends `txs` in blocks of `blockSize` and captures each transaction's accesses. */
export class WorkloadSource implements AccessSource {
  readonly kind = "workload" as const;
  readonly precision = { reads: "tx", writes: "tx" } as const;
  readonly description: string;
  private readonly preimages: Preimages = new Map();
  private readonly touched: StorageKey[] = [];

  constructor(
    private readonly provider: Eip1193,
    private readonly txs: readonly TxRequest[],
    private readonly opts: WorkloadCaptureOptions,
  ) {
    this.description = opts.description;
  }

  async *blocks(): AsyncIterable<BlockAccess> {
    const size = this.opts.blockSize ?? this.txs.length;
    if (size < 1) throw new NodeError("blockSize must be at least 1");
    const book = this.opts.book;
    if (book) await book.identify(this.provider, new Set(this.txs.flatMap((t) => (t.to ? [t.to] : []))));
    let done = 0;
    for (let i = 0; i < this.txs.length; i += size) {
      for (const b of await this.captureBatch(this.txs.slice(i, i + size))) yield b;
      done = Math.min(this.txs.length, i + size);
      this.opts.onProgress?.(done, this.txs.length);
    }
  }

  /**
   * Fee fields for a batch: the node's suggested tip (so the fee recipient is paid, as when the
   * node fills fees in) and a fee cap that covers the base fee's rise over the blocks the
   * batch may fill (at most 12.5% a block: doubled every 5 blocks); the gas price before London.
   */
  private async fees(batch: readonly TxRequest[]): Promise<Record<string, string>> {
    const p = this.provider;
    const latest = (await p.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
      baseFeePerGas?: string;
      gasLimit: string;
    };
    if (latest.baseFeePerGas === undefined) return { gasPrice: (await p.request({ method: "eth_gasPrice", params: [] })) as string };
    const tip = BigInt((await p.request({ method: "eth_maxPriorityFeePerGas", params: [] })) as string);
    const gas = batch.reduce((s, t) => s + (t.gas ?? 1_000_000n), 0n);
    const blocks = Number(gas / BigInt(latest.gasLimit)) + 1;
    const doublings = BigInt(Math.min(8, Math.ceil(blocks / 5)));
    return { maxFeePerGas: hexq(BigInt(latest.baseFeePerGas) * 2n ** (doublings + 1n) + tip), maxPriorityFeePerGas: hexq(tip) };
  }

  names(): Names | undefined {
    return this.opts.book?.names(this.touched, this.preimages);
  }

  private async captureBatch(batch: readonly TxRequest[]): Promise<BlockAccess[]> {
    const p = this.provider;
    const declared = this.opts.declared === false ? batch.map(() => undefined) : await Promise.all(batch.map((t) => fetchDeclared(p, t)));
    const hashes: string[] = [];
    // Nonces and fees are filled in here: left to the node, EDR re-runs its pending block for
    // every eth_sendTransaction, which makes sending a block of n transactions O(n^2).
    const nonces = new Map<string, bigint>();
    for (const t of batch) {
      const from = lower(t.from);
      if (!nonces.has(from))
        nonces.set(from, BigInt((await p.request({ method: "eth_getTransactionCount", params: [t.from, "latest"] })) as string));
    }
    const fees = await this.fees(batch);
    await p.request({ method: "evm_setAutomine", params: [false] });
    try {
      for (const t of batch) {
        const req: Record<string, string> = { from: t.from, ...fees };
        const from = lower(t.from);
        const nonce = nonces.get(from)!;
        nonces.set(from, nonce + 1n);
        req.nonce = hexq(nonce);
        if (t.to) req.to = t.to;
        if (t.data) req.data = t.data;
        if (t.value !== undefined) req.value = hexq(t.value);
        if (t.gas !== undefined) req.gas = hexq(t.gas);
        hashes.push((await p.request({ method: "eth_sendTransaction", params: [req] })) as string);
      }
      // Mine until every transaction is in (a batch may exceed the block gas limit).
      let pending = [...hashes];
      for (let round = 0; round < batch.length + 1 && pending.length > 0; round++) {
        await p.request({ method: "evm_mine", params: [] });
        const got = await Promise.all(pending.map((h) => p.request({ method: "eth_getTransactionReceipt", params: [h] })));
        pending = pending.filter((_, i) => !got[i]);
      }
    } finally {
      await p.request({ method: "evm_setAutomine", params: [true] });
    }
    const receipts = (await Promise.all(
      hashes.map((h) => p.request({ method: "eth_getTransactionReceipt", params: [h] })),
    )) as (Receipt | null)[];
    const byBlock = new Map<number, { req: TxRequest; receipt: Receipt; declared: TxAccess["declared"] }[]>();
    receipts.forEach((r, i) => {
      if (!r) throw new NodeError(`transaction ${hashes[i]} was not mined (is the node's block gas limit too low?)`);
      const n = Number(BigInt(r.blockNumber));
      const list = byBlock.get(n) ?? [];
      list.push({ req: batch[i], receipt: r, declared: declared[i] });
      byBlock.set(n, list);
    });
    const blocks: BlockAccess[] = [];
    for (const [number, list] of [...byBlock].sort((a, b) => a[0] - b[0])) {
      const header = (await p.request({ method: "eth_getBlockByNumber", params: [hexq(BigInt(number)), false] })) as {
        hash: string;
        miner: string;
        gasUsed: string;
        timestamp: string;
        transactions: string[];
      };
      if (header.transactions.length !== list.length)
        throw new NodeError(
          `block ${number} holds ${header.transactions.length} transactions but the workload sent ${list.length} into it: another client is sending transactions to this node`,
        );
      list.sort((a, b) => Number(BigInt(a.receipt.transactionIndex)) - Number(BigInt(b.receipt.transactionIndex)));
      const txs: TxAccess[] = [];
      if ((this.opts.method ?? "trace") === "reexec") {
        const observed = await this.reexecute(
          number,
          list.map((t) => t.receipt.transactionHash),
          lower(header.miner),
        );
        list.forEach(({ req, receipt, declared: decl }, i) => txs.push(this.toTxAccess(req, receipt, decl, observed[i])));
      } else {
        for (const { req, receipt, declared: decl } of list)
          txs.push(this.toTxAccess(req, receipt, decl, await this.traceTx(receipt, partiesOf(req, lower(header.miner)))));
      }
      blocks.push(blockRecord(number, header, txs));
    }
    return blocks;
  }

  /** Accesses of one transaction from its prestate traces (plain and diffMode), plus preimages from a memory trace. */
  private async traceTx(receipt: Receipt, parties: TxParties): Promise<ObservedAccess> {
    const p = this.provider;
    const hash = receipt.transactionHash;
    const plain = (await p.request({ method: "debug_traceTransaction", params: [hash, { tracer: "prestateTracer" }] })) as Prestate;
    const diff = (await p.request({
      method: "debug_traceTransaction",
      params: [hash, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }],
    })) as PrestateDiff;
    const observed = accessFromPrestate(plain, diff, parties);
    if (this.opts.book && (this.opts.preimages ?? true)) {
      const trace = (await p.request({
        method: "debug_traceTransaction",
        params: [hash, { enableMemory: true, disableStorage: true, disableStack: false }],
      })) as { structLogs: { op: string; stack?: string[]; memory?: string[] }[] };
      preimagesFromStructLogs(trace.structLogs, this.preimages);
    }
    return observed;
  }

  /** Accesses of every transaction of a mined block, by re-executing it once (and its KECCAK256 preimages). */
  private async reexecute(number: number, hashes: string[], coinbase: string): Promise<ObservedAccess[]> {
    const wantPreimages = this.opts.book !== undefined && (this.opts.preimages ?? true);
    let result;
    try {
      result = await captureByReexecution(this.provider, number, {
        touchedAccounts: true,
        ...(this.opts.hardfork ? { hardfork: this.opts.hardfork } : {}),
        ...(wantPreimages ? { preimages: this.preimages } : {}),
      });
    } catch (e) {
      throw new NodeError(
        `capture by re-execution failed on block ${number}: ${(e as Error).message}\n` +
          `  re-execution needs the node's state at the parent block (eth_getStorageAt, eth_getBalance, eth_getCode) and transactions signed by their senders' keys (impersonated senders have none); capture with --method trace instead`,
      );
    }
    const txs = result.block.txs;
    if (txs.length !== hashes.length || txs.some((t, i) => t.hash !== lower(hashes[i]))) {
      throw new NodeError(
        `block ${number} does not hold exactly the workload's transactions: another client is sending transactions to this node`,
      );
    }
    return txs.map((t, i) =>
      accessFromReexecution(
        { storage: t.storage, accounts: t.accounts, touched: result.touched![i] },
        { coinbase, from: t.from, to: t.to },
      ),
    );
  }

  private toTxAccess(req: TxRequest, receipt: Receipt, declared: TxAccess["declared"], observed: ObservedAccess): TxAccess {
    const book = this.opts.book;
    if (book && (this.opts.preimages ?? true)) {
      // Candidate keys: every account the transaction touched.
      book.addCandidateKeys([...new Set(observed.accounts.reads.map(([a]) => a))], this.preimages);
    }
    this.touched.push(...observed.storage.reads);
    // Declared slots get names too, so check-declared can name over-declared ones.
    if (declared)
      for (const [a, sl] of [...declared.reads, ...declared.writes, ...(declared.snapshots ?? [])])
        if (sl !== "*") this.touched.push([a, sl]);
    const to = req.to ? lower(req.to) : null;
    const selector = to && req.data && req.data.length >= 10 ? lower(req.data.slice(0, 10)) : null;
    const fn = book?.functionName(to, selector) ?? req.function;
    const index = Number(BigInt(receipt.transactionIndex));
    return txRecord({ index, hash: receipt.transactionHash, from: req.from, to, selector, receipt, function: fn, declared }, observed);
  }
}
