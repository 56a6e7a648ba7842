/**
 * Capture per-transaction access sets from a live node: for each block, the block with its
 * transactions, the receipts (gas, status) and two prestateTracer traces per transaction
 * (plain: every account and slot the tx touched; diffMode: what it changed). Retries with
 * backoff, resumes after an interruption from per-block partial files, and fails clearly when
 * the node lacks the debug API.
 *
 * Precision: a prestate trace lists every slot a transaction touched without saying whether it
 * was read, so reads over-approximate: every touched slot counts as read (SSTORE-only slots
 * included); writes are exact (the diff). Account reads: `balance` of every touched account and
 * `code` of every touched account with code; writes: the balance, nonce and code the diff changed.
 */
import { NodeError, UsageError } from "../errors.js";
import { mkdir, readdir, readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import type { BlockAccess, TxAccess } from "../access/format.js";
import type { AccessSetFile } from "../access/format.js";
import { saveAccessSetFile, writeFileAtomic } from "../access/io.js";
import { captureFile, type AccessSource } from "../model/source.js";
import { accessFromPrestate, type Prestate, type PrestateDiff } from "../model/convert.js";

/** The node serves neither debug_traceBlockByNumber nor debug_traceTransaction with the prestateTracer. */
export class DebugApiMissingError extends NodeError {
  constructor(endpoint: string, detail: string) {
    super(
      `the node at ${endpoint} does not serve debug_traceBlockByNumber or debug_traceTransaction with the prestateTracer (${detail}); ` +
        `capture needs the debug API: run geth/reth/erigon with --http.api eth,debug (an archive node for old blocks) or use a provider plan with debug/trace access`,
    );
  }
}

/** A JSON-RPC error answer (not retried). */
export class RpcCallError extends NodeError {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CaptureOptions {
  rpc: string;
  from: number;
  to: number;
  /** Output access-set file (.json or .json.gz); partial files live in `<out>.parts/` until done. */
  out: string;
  /** Attempts per request on network errors, HTTP 429 and 5xx (default 5). */
  retries?: number;
  /** First backoff delay in ms, doubled on each retry (default 500). */
  backoffMs?: number;
  /** Called after each block. */
  onProgress?: (p: { done: number; total: number; block: number; txs: number; resumed: boolean }) => void;
  /** Called before each retry. */
  onRetry?: (p: { attempt: number; delayMs: number; error: string }) => void;
}

export interface CaptureResult {
  blocks: number;
  txs: number;
  /** Blocks taken from partial files of an earlier, interrupted run. */
  resumed: number;
  file: AccessSetFile;
}

/** The origin of a URL, without path or query (which often hold API keys). */
export function redactUrl(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "<invalid URL>";
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A JSON-RPC client with retries and exponential backoff for transient failures. */
export function rpcClient(url: string, retries = 5, backoffMs = 500, onRetry?: CaptureOptions["onRetry"]) {
  let id = 0;
  return async function call<T>(method: string, params: unknown[]): Promise<T> {
    let lastError = "";
    for (let attempt = 1; attempt <= retries; attempt++) {
      let transient: string | undefined;
      try {
        const res = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
        });
        if (res.status === 429 || res.status >= 500) {
          transient = `HTTP ${res.status}`;
        } else if (!res.ok) {
          throw new RpcCallError(-32000, `${method}: HTTP ${res.status} from ${redactUrl(url)}`);
        } else {
          const body = (await res.json()) as { result?: T; error?: { code: number; message: string } };
          if (body.error) throw new RpcCallError(body.error.code, `${method}: ${body.error.message}`);
          return body.result as T;
        }
      } catch (e) {
        if (e instanceof RpcCallError) throw e;
        transient = (e as Error).message;
      }
      lastError = transient;
      if (attempt < retries) {
        const delayMs = backoffMs * 2 ** (attempt - 1);
        onRetry?.({ attempt, delayMs, error: transient });
        await sleep(delayMs);
      }
    }
    throw new NodeError(`${method} failed ${retries} times at ${redactUrl(url)}: ${lastError}`);
  };
}

const lower = (s: string) => s.toLowerCase();

interface RpcTx {
  hash: string;
  from: string;
  to: string | null;
  input: string;
}
interface RpcBlockLite {
  number: string;
  hash: string;
  miner: string;
  gasUsed: string;
  timestamp: string;
  transactions: RpcTx[];
}
interface Receipt {
  transactionHash: string;
  gasUsed: string;
  status?: string;
}

function isMissingMethod(e: unknown): e is RpcCallError {
  return (
    e instanceof RpcCallError &&
    (e.code === -32601 || /method .*(not found|does not exist|not available|not supported)|unsupported method/i.test(e.message))
  );
}

/** Captures one block into the access-set format. */
export async function captureBlock(call: ReturnType<typeof rpcClient>, n: number, endpoint: string): Promise<BlockAccess> {
  const tag = `0x${n.toString(16)}`;
  const block = await call<RpcBlockLite | null>("eth_getBlockByNumber", [tag, true]);
  if (block === null) throw new NodeError(`block ${n} is not known to the node at ${endpoint} (is it synced that far?)`);
  let plain: { txHash?: string; result: Prestate }[];
  let diff: { txHash?: string; result: PrestateDiff }[];
  try {
    plain = await call("debug_traceBlockByNumber", [tag, { tracer: "prestateTracer" }]);
    diff = await call("debug_traceBlockByNumber", [tag, { tracer: "prestateTracer", tracerConfig: { diffMode: true } }]);
  } catch (e) {
    if (!isMissingMethod(e)) throw e;
    // Nodes without block tracing (Hardhat's node, some providers): the same tracer per transaction.
    try {
      plain = [];
      diff = [];
      for (const t of block.transactions) {
        plain.push({ txHash: t.hash, result: await call<Prestate>("debug_traceTransaction", [t.hash, { tracer: "prestateTracer" }]) });
        diff.push({
          txHash: t.hash,
          result: await call<PrestateDiff>("debug_traceTransaction", [
            t.hash,
            { tracer: "prestateTracer", tracerConfig: { diffMode: true } },
          ]),
        });
      }
    } catch (e2) {
      if (isMissingMethod(e2)) throw new DebugApiMissingError(endpoint, `${e.message}; ${e2.message}`);
      throw e2;
    }
  }
  let receipts: Receipt[];
  try {
    receipts = await call<Receipt[]>("eth_getBlockReceipts", [tag]);
  } catch (e) {
    if (!isMissingMethod(e)) throw e;
    receipts = await Promise.all(block.transactions.map((t) => call<Receipt>("eth_getTransactionReceipt", [t.hash])));
  }
  const count = block.transactions.length;
  if (plain.length !== count || diff.length !== count || receipts.length !== count) {
    throw new NodeError(
      `block ${n}: the node returned ${plain.length} plain traces, ${diff.length} diff traces and ${receipts.length} receipts for ${count} transactions`,
    );
  }
  const txs = block.transactions.map((t, i): TxAccess => {
    const to = t.to ? lower(t.to) : null;
    const r = receipts[i];
    if (lower(r.transactionHash) !== lower(t.hash))
      throw new NodeError(`block ${n}: receipt ${i} is for ${r.transactionHash}, not ${t.hash}`);
    return {
      index: i,
      hash: lower(t.hash),
      from: lower(t.from),
      to,
      selector: to !== null && t.input.length >= 10 ? lower(t.input.slice(0, 10)) : null,
      gasUsed: Number(BigInt(r.gasUsed)),
      ...(r.status !== undefined ? { status: BigInt(r.status) === 1n ? ("success" as const) : ("reverted" as const) } : {}),
      ...accessFromPrestate(plain[i].result, diff[i].result, { coinbase: lower(block.miner), from: lower(t.from), to }),
    };
  });
  const gasUsed = txs.reduce((s, t) => s + t.gasUsed, 0);
  if (gasUsed !== Number(BigInt(block.gasUsed))) {
    throw new NodeError(
      `block ${n}: the receipts' gas (${gasUsed}) does not add up to the header's gasUsed (${Number(BigInt(block.gasUsed))})`,
    );
  }
  return {
    number: n,
    hash: lower(block.hash),
    coinbase: lower(block.miner),
    gasUsed,
    timestamp: Number(BigInt(block.timestamp)),
    txs,
  };
}

/**
 * The live-node source: blocks from..to (inclusive) from a node's debug API, each kept in
 * `<out>.parts/` as it is captured so that an interrupted run resumes there.
 */
export class NodeSource implements AccessSource {
  readonly kind = "rpc" as const;
  readonly precision = { reads: "tx", writes: "tx" } as const;
  readonly description: string;
  chainId?: number;
  /** Blocks taken from partial files of an earlier, interrupted run. */
  resumed = 0;
  txs = 0;
  private readonly call: ReturnType<typeof rpcClient>;
  private readonly endpoint: string;

  constructor(private readonly opts: CaptureOptions) {
    if (!Number.isInteger(opts.from) || !Number.isInteger(opts.to) || opts.from < 0 || opts.to < opts.from) {
      throw new UsageError(`invalid block range ${opts.from}..${opts.to}: expected 0 <= from <= to`);
    }
    this.endpoint = redactUrl(opts.rpc);
    this.call = rpcClient(opts.rpc, opts.retries ?? 5, opts.backoffMs ?? 500, opts.onRetry);
    this.description = `blocks ${opts.from}..${opts.to} captured from ${this.endpoint} with prestateTracer (plain + diffMode); reads over-approximate (every touched slot)`;
  }

  get partsDir(): string {
    return `${this.opts.out}.parts`;
  }

  async *blocks(): AsyncIterable<BlockAccess> {
    const { from, to } = this.opts;
    await mkdir(this.partsDir, { recursive: true });
    const existing = new Set((await readdir(this.partsDir)).filter((f) => /^\d+\.json$/.test(f)));
    for (let n = from; n <= to; n++) {
      const part = join(this.partsDir, `${n}.json`);
      const fromPart = existing.has(`${n}.json`);
      let block: BlockAccess;
      if (fromPart) {
        block = JSON.parse(await readFile(part, "utf8")) as BlockAccess;
        this.resumed++;
      } else {
        block = await captureBlock(this.call, n, this.endpoint);
        await writeFileAtomic(part, JSON.stringify(block));
      }
      this.txs += block.txs.length;
      this.opts.onProgress?.({ done: n - from + 1, total: to - from + 1, block: n, txs: this.txs, resumed: fromPart });
      yield block;
    }
    this.chainId = Number(BigInt(await this.call<string>("eth_chainId", [])));
  }
}

/** Captures blocks from..to (inclusive) into `out`, resuming from `<out>.parts/` if present. */
export async function captureRange(opts: CaptureOptions): Promise<CaptureResult> {
  const source = new NodeSource(opts);
  const file = await captureFile(source);
  await saveAccessSetFile(opts.out, file);
  await rm(source.partsDir, { recursive: true, force: true });
  return { blocks: file.blocks.length, txs: source.txs, resumed: source.resumed, file };
}
