/**
 * Capture of blocks someone else mined: the transactions a project's own tests send to an
 * in-process node, read block by block right after each is mined (before a test's evm_revert
 * can take it away). Each block is re-executed once in @ethereumjs/vm (reexecute.ts); a block
 * that cannot be re-executed (an impersonated sender has no signature, a hardfork the VM does
 * not know) is read with debug_traceTransaction's prestateTracer instead, per transaction.
 *
 * Tests revert to snapshots and deploy again, so one address can hold different contracts at
 * different times. Every account with code is identified by the hash of its code after the
 * block; when an address later holds different code, that incarnation gets an alias address
 * (`aliasAddress`) in the file, so that two unrelated contracts never share storage keys.
 */
import { keccak256 } from "ethers";
import {
  FORMAT_NAME,
  FORMAT_VERSION,
  type AccessSetFile,
  type AccountKey,
  type BlockAccess,
  type Names,
  type StorageKey,
  type TxAccess,
} from "../access/format.js";
import { parseAccessSetFile } from "../access/io.js";
import { matchRuntimeCode, type ContractBook } from "../decode/artifacts.js";
import { preimagesFromStructLogs, type Preimages } from "../decode/layout.js";
import type { Eip1193 } from "../util/eip1193.js";
import { accessFromPrestate, accessFromReexecution, type ObservedAccess, type Prestate, type PrestateDiff } from "../model/convert.js";
import { captureByReexecution } from "./reexecute.js";
import { blockRecord, txRecord } from "./tx-record.js";
import { fetchDeclared } from "./rpc.js";

export interface MinedCaptureOptions {
  /** Contracts of the host's build, to name contracts, functions and slots. */
  book?: ContractBook;
  /** Ask each target for `declareAccess(from, data)` at the parent block (default true). */
  declared?: boolean;
}

interface RpcTx {
  hash: string;
  from: string;
  to: string | null;
  input: string;
}
interface RpcReceipt {
  gasUsed: string;
  status?: string;
  contractAddress?: string | null;
}

const hexq = (n: number) => "0x" + n.toString(16);
const lower = (s: string) => s.toLowerCase();

/** The file address of the `n`-th (n >= 2) different code seen at `address`: a hash, so it cannot collide with a real account by accident. */
export function aliasAddress(address: string, n: number): string {
  return "0x" + keccak256(new TextEncoder().encode(`disjoint.alias:${lower(address)}:${n}`)).slice(-40);
}

/** Reads the access sets of mined blocks, one call per block, and keeps them in capture order. */
export class MinedBlockCapture {
  readonly blocks: BlockAccess[] = [];
  /** How many blocks each method read, and why re-execution was not used where it was not. */
  readonly methods = { reexec: 0, trace: 0, fallbackReasons: new Set<string>() };
  private readonly preimages: Preimages = new Map();
  private readonly touched: StorageKey[] = [];
  /** Real address -> the file address of each code it held (by code hash), and of the latest. */
  private readonly codes = new Map<string, { byCode: Map<string, string>; last: string }>();
  private readonly labels = new Map<string, number>();

  constructor(private readonly opts: MinedCaptureOptions = {}) {}

  /** Reads block `number` of `node` (skipped when empty) and appends it; one capture may read several nodes. */
  async capture(node: Eip1193, number: number, hardfork?: string): Promise<void> {
    const p = node;
    const block = (await p.request({ method: "eth_getBlockByNumber", params: [hexq(number), true] })) as {
      hash: string;
      miner: string;
      gasUsed: string;
      timestamp: string;
      transactions: RpcTx[];
    } | null;
    if (block === null) throw new Error(`the node has no block ${number}`);
    if (block.transactions.length === 0) return;
    const observed = await this.observe(p, number, block.transactions, hardfork, block.miner.toLowerCase());
    const receipts = (await Promise.all(
      block.transactions.map((t) => p.request({ method: "eth_getTransactionReceipt", params: [t.hash] })),
    )) as RpcReceipt[];
    const parent = hexq(Math.max(0, number - 1));
    const txs: TxAccess[] = [];
    for (let i = 0; i < block.transactions.length; i++) {
      const t = block.transactions[i];
      const declared =
        this.opts.declared === false || !t.to ? undefined : await fetchDeclared(p, { from: t.from, to: t.to, data: t.input }, parent);
      txs.push(await this.toTxAccess(p, number, i, t, receipts[i], observed[i], declared));
    }
    this.blocks.push(blockRecord(number, block, txs));
  }

  /** Names of every contract seen and of every decodable slot touched so far. */
  names(): Names | undefined {
    return this.opts.book?.names(this.touched, this.preimages);
  }

  private async observe(
    node: Eip1193,
    number: number,
    txs: RpcTx[],
    hardfork: string | undefined,
    coinbase: string,
  ): Promise<ObservedAccess[]> {
    const wantPreimages = this.opts.book !== undefined;
    try {
      const r = await captureByReexecution(node, number, {
        touchedAccounts: true,
        ...(hardfork ? { hardfork } : {}),
        ...(wantPreimages ? { preimages: this.preimages } : {}),
      });
      if (r.block.txs.length !== txs.length) throw new Error(`re-execution saw ${r.block.txs.length} transactions, the node ${txs.length}`);
      this.methods.reexec++;
      return r.block.txs.map((t, i) =>
        accessFromReexecution({ storage: t.storage, accounts: t.accounts, touched: r.touched![i] }, { coinbase, from: t.from, to: t.to }),
      );
    } catch (e) {
      this.methods.fallbackReasons.add((e as Error).message.split("\n")[0]);
    }
    this.methods.trace++;
    const out: ObservedAccess[] = [];
    for (const t of txs) {
      const plain = (await node.request({ method: "debug_traceTransaction", params: [t.hash, { tracer: "prestateTracer" }] })) as Prestate;
      const diff = (await node.request({
        method: "debug_traceTransaction",
        params: [t.hash, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }],
      })) as PrestateDiff;
      out.push(accessFromPrestate(plain, diff, { coinbase, from: t.from.toLowerCase(), to: t.to ? t.to.toLowerCase() : null }));
      if (wantPreimages) {
        const trace = (await node.request({
          method: "debug_traceTransaction",
          params: [t.hash, { enableMemory: true, disableStorage: true }],
        })) as { structLogs: { op: string; stack?: string[]; memory?: string[] }[] };
        preimagesFromStructLogs(trace.structLogs, this.preimages);
      }
    }
    return out;
  }

  /** The file address of `address` as of block `number`: itself, or the alias of another code it held (identified and named on first sight). */
  private async fileAddress(node: Eip1193, address: string, number: number): Promise<string> {
    const a = lower(address);
    const code = (await node.request({ method: "eth_getCode", params: [a, hexq(number)] })) as string;
    let seen = this.codes.get(a);
    if (code === "0x") return seen?.last ?? a;
    const hash = keccak256(code);
    if (!seen) {
      seen = { byCode: new Map(), last: a };
      this.codes.set(a, seen);
    }
    let alias = seen.byCode.get(hash);
    if (alias === undefined) {
      alias = seen.byCode.size === 0 ? a : aliasAddress(a, seen.byCode.size + 1);
      seen.byCode.set(hash, alias);
      const book = this.opts.book;
      const contract = book ? matchRuntimeCode(code, book.contracts) : undefined;
      if (book && contract) {
        const k = (this.labels.get(contract.name) ?? 0) + 1;
        this.labels.set(contract.name, k);
        book.add(alias, contract, k === 1 ? contract.name : `${contract.name}#${k}`);
      }
    }
    seen.last = alias;
    return alias;
  }

  private async toTxAccess(
    node: Eip1193,
    number: number,
    index: number,
    t: RpcTx,
    receipt: RpcReceipt,
    observed: ObservedAccess,
    declared: TxAccess["declared"],
  ): Promise<TxAccess> {
    const book = this.opts.book;
    const real = new Set<string>([...observed.accounts.reads.map(([a]) => a), ...observed.storage.reads.map(([a]) => a)]);
    if (t.to) real.add(lower(t.to));
    const map = new Map<string, string>();
    for (const a of real) map.set(a, await this.fileAddress(node, a, number));
    const at = (a: string) => map.get(a) ?? a;
    const storage = (keys: StorageKey[]): StorageKey[] => keys.map(([a, s]) => [at(a), s]);
    const accounts = (keys: AccountKey[]): AccountKey[] => keys.map(([a, f]) => [at(a), f]);
    const obs: ObservedAccess = {
      storage: { reads: storage(observed.storage.reads), writes: storage(observed.storage.writes) },
      accounts: { reads: accounts(observed.accounts.reads), writes: accounts(observed.accounts.writes) },
    };
    // Mapping keys are real addresses: every account the transaction touched is a candidate.
    if (book) book.addCandidateKeys([...real], this.preimages);
    this.touched.push(...obs.storage.reads);
    const decl: TxAccess["declared"] = declared && {
      reads: declared.reads.map(([a, s]) => [at(a), s]),
      writes: declared.writes.map(([a, s]) => [at(a), s]),
      ...(declared.snapshots ? { snapshots: declared.snapshots.map(([a, s]) => [at(a), s] as StorageKey) } : {}),
    };
    if (decl) for (const [a, s] of [...decl.reads, ...decl.writes, ...(decl.snapshots ?? [])]) if (s !== "*") this.touched.push([a, s]);
    const to = t.to ? at(lower(t.to)) : null;
    const selector = to && t.input.length >= 10 ? lower(t.input.slice(0, 10)) : null;
    let fn = book?.functionName(to, selector);
    if (!to && receipt.contractAddress) {
      const created = await this.fileAddress(node, receipt.contractAddress, number);
      fn = `${book?.label(created) ?? created}.constructor`;
    }
    return txRecord({ index, hash: t.hash, from: t.from, to, selector, receipt, function: fn, declared: decl }, obs);
  }
}

/** The access-set file of a capture of mined blocks (blocks in capture order; after an evm_revert a block number can repeat). */
export function testCaptureFile(capture: MinedBlockCapture, description: string): AccessSetFile {
  const file: AccessSetFile = {
    format: FORMAT_NAME,
    version: FORMAT_VERSION,
    source: { kind: "workload", description },
    precision: { reads: "tx", writes: "tx" },
    blocks: capture.blocks,
  };
  const names = capture.names();
  if (names) file.names = names;
  return parseAccessSetFile(file, "<test capture>");
}
