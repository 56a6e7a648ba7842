/**
 * Loading a mainnet block with the pre-state it needs to be re-executed offline:
 * `block.json.gz` (eth_getBlockByNumber(n, true)), `pre_state.json.gz` (every account and
 * slot the block touches, as it was before the block) and optionally `block_hashes.json.gz`
 * (number -> hash, for BLOCKHASH).
 */
import { InputError } from "../errors.js";
import { readFile, access } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/** One account of the pre-state, as the corpus stores it. */
export interface PreStateAccount {
  basic: { balance: string; nonce: number | string };
  /** `bytecode` is padded (an analysed form): only the first `original_len` bytes are the code. */
  code: { bytecode: string; original_len: number } | null;
  storage: Record<string, string>;
  code_hash?: string | null;
}
export type PreState = Record<string, PreStateAccount>;

/** The subset of an RPC transaction object the replay reads (everything else is passed through). */
export interface RpcTransaction {
  hash: string;
  from: string;
  to: string | null;
  input: string;
  type?: string;
  gas: string;
  [k: string]: unknown;
}

/** The subset of an RPC block (eth_getBlockByNumber(n, true)) the replay reads. */
export interface RpcBlock {
  number: string;
  hash: string;
  timestamp: string;
  miner: string;
  gasUsed: string;
  receiptsRoot: string;
  transactions: RpcTransaction[];
  [k: string]: unknown;
}

/** Everything needed to re-execute one block offline. */
export interface CorpusBlock {
  block: RpcBlock;
  preState: PreState;
  /** Decimal block number -> 0x hash, for BLOCKHASH. */
  blockHashes: Record<string, string>;
  /** The block's receipts (optional `receipts.json.gz`): with them a mismatch names the exact diverging tx. */
  receipts?: { cumulativeGasUsed: number; status?: "success" | "reverted" }[];
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

async function readJson(file: string): Promise<unknown> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse((file.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8"));
  } catch (e) {
    throw new InputError(`${file} is not valid ${file.endsWith(".gz") ? "gzipped " : ""}JSON: ${(e as Error).message}`);
  }
}

/** Checks the shape of a parsed block + pre-state; throws naming the file and the problem. */
export function checkCorpusBlock(data: CorpusBlock, where: string): CorpusBlock {
  const b = data.block as Partial<RpcBlock> | null;
  if (typeof b !== "object" || b === null) throw new InputError(`${where}: block is not an object`);
  for (const k of ["number", "hash", "timestamp", "miner", "gasUsed", "receiptsRoot"] as const) {
    if (typeof b[k] !== "string") {
      throw new InputError(`${where}: block field "${k}" is missing; expected an eth_getBlockByNumber(n, true) answer`);
    }
  }
  if (!Array.isArray(b.transactions)) throw new InputError(`${where}: block has no "transactions" array`);
  b.transactions.forEach((tx, i) => {
    if (typeof tx !== "object" || tx === null || typeof tx.hash !== "string") {
      throw new InputError(
        `${where}: transaction ${i} is not a full transaction object; fetch the block with eth_getBlockByNumber(n, true)`,
      );
    }
  });
  if (typeof data.preState !== "object" || data.preState === null) throw new InputError(`${where}: pre-state is not an object`);
  for (const [addr, acc] of Object.entries(data.preState)) {
    if (!/^0x[0-9a-fA-F]{40}$/.test(addr)) throw new InputError(`${where}: pre-state key ${addr} is not an address`);
    if (typeof acc?.basic?.balance !== "string") throw new InputError(`${where}: pre-state account ${addr} has no basic.balance`);
    if (acc.code !== null && acc.code !== undefined && typeof acc.code.original_len !== "number") {
      throw new InputError(`${where}: pre-state account ${addr} has code without original_len`);
    }
  }
  return data;
}

/** Loads `<dir>/block.json.gz`, `<dir>/pre_state.json.gz` and, if present, `<dir>/block_hashes.json.gz`. */
export async function loadCorpusBlock(dir: string): Promise<CorpusBlock> {
  const blockFile = join(dir, "block.json.gz");
  const preFile = join(dir, "pre_state.json.gz");
  for (const f of [blockFile, preFile]) {
    if (!(await exists(f))) {
      throw new InputError(`${f} is missing: a corpus block directory holds block.json.gz and pre_state.json.gz`);
    }
  }
  const hashesFile = join(dir, "block_hashes.json.gz");
  const receiptsFile = join(dir, "receipts.json.gz");
  const [block, preState, blockHashes, receipts] = await Promise.all([
    readJson(blockFile),
    readJson(preFile),
    (await exists(hashesFile)) ? readJson(hashesFile) : Promise.resolve({}),
    (await exists(receiptsFile)) ? readJson(receiptsFile) : Promise.resolve(undefined),
  ]);
  const out = checkCorpusBlock(
    { block: block as RpcBlock, preState: preState as PreState, blockHashes: blockHashes as Record<string, string> },
    dir,
  );
  if (receipts !== undefined) out.receipts = parseReceipts(receipts, receiptsFile);
  return out;
}

/** An eth_getBlockReceipts answer: cumulative gas and status per transaction. */
function parseReceipts(json: unknown, file: string): NonNullable<CorpusBlock["receipts"]> {
  if (!Array.isArray(json)) throw new InputError(`${file}: expected the JSON array eth_getBlockReceipts returns`);
  return json.map((r: { cumulativeGasUsed?: unknown; status?: unknown }, i) => {
    if (typeof r?.cumulativeGasUsed !== "string") throw new InputError(`${file}: receipt ${i} has no cumulativeGasUsed`);
    const out: NonNullable<CorpusBlock["receipts"]>[number] = { cumulativeGasUsed: Number(BigInt(r.cumulativeGasUsed)) };
    if (typeof r.status === "string") out.status = BigInt(r.status) === 1n ? "success" : "reverted";
    return out;
  });
}

/** What the recorded-state RPC server (rpc-server.ts) and recorded calls (evm-call.ts) answer from. */
export interface Recording {
  chainId: number;
  /** The fork block (N-1): its real header as eth_getBlockByNumber returned it. */
  forkBlock: RpcBlock;
  /** State after the fork block: the pre-state of block N. */
  state: PreState;
  /** Answers recorded from a real node, keyed by `method JSON(params)`. */
  recorded: Record<string, unknown>;
  /** Where record mode saves `recorded` (a .json.gz file); named in "not recorded" errors. */
  recordingFile?: string;
}
