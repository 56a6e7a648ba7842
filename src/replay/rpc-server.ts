/**
 * A recorded-state JSON-RPC server for offline fork tests: it answers what a Hardhat/EDR fork
 * asks (chain id, the fork block's header, balances, nonces, code, storage) from a corpus block:
 * the fork block is block N-1 (its real header) and the state is the pre-state of block N, which
 * is exactly the state after block N-1. A request the recording cannot answer is a JSON-RPC error
 * naming the method, the params and how to record it; nothing is invented.
 *
 * eth_call is executed on the recorded state (src/replay/evm-call.ts) and refused, naming the
 * locations, when it reads anything the recording lacks.
 *
 * Record mode (`upstream`): a request the recording cannot answer is fetched from a real node
 * (with retries) and saved to the recording file, so the same requests are served offline
 * afterwards. `npx hardhat fork serve` (tasks/fork-serve.ts) runs this server for users.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readFile } from "node:fs/promises";
import { gunzipSync, gzipSync } from "node:zlib";
import { keccak_256 } from "@noble/hashes/sha3.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import { writeFileAtomic } from "../access/io.js";
import { RpcCallError, rpcClient } from "./capture.js";
import type { PreState, Recording, RpcBlock } from "./corpus.js";
import { recordedCaller } from "./evm-call.js";

export interface RecordedRpcServer {
  url: string;
  /** Every request served, in order, as `method JSON(params)`. */
  readonly requests: string[];
  /** Requests the recording could not answer (each also returned as an error). */
  readonly misses: string[];
  /** Answers fetched from upstream so far and saved to the recording file (record mode). */
  readonly recordedCount: () => number;
  /**
   * Declares addresses the test itself created (fresh random keys, their contracts): empty on
   * mainnet with overwhelming probability, so their balance, nonce, code and storage are zero.
   * So are the entries keyed by them in other contracts' mappings (a token's balance of a new
   * pool): a slot missing from the pre-state reads as zero when it is
   * `keccak(pad32(fresh) . pad32(p))` or `keccak(pad32(k) . keccak(pad32(fresh) . pad32(p)))`
   * / `keccak(pad32(fresh) . keccak(pad32(k) . pad32(p)))` for a mapping slot p < 32 and k a
   * pre-state account or fresh address (nested mappings such as allowances).
   */
  assumeEmpty(...addresses: string[]): void;
  close(): Promise<void>;
}

export interface RecordedRpcOptions {
  /** A real node to fetch what the recording lacks from, saving it to the recording (record mode). */
  upstream?: string;
  /** Port on 127.0.0.1 (default 0: any free port). */
  port?: number;
  /** How a "not in the recording" error says to record the answer. */
  recordHint?: string;
  /** Called for every request the recording cannot answer (without upstream), with the error sent. */
  onMiss?: (request: string, message: string) => void;
  /** Called for every answer fetched from upstream and saved. */
  onRecord?: (request: string) => void;
  /** Upstream retries per request (default 5) and first backoff in ms (default 500, doubling). */
  retries?: number;
  backoffMs?: number;
}

class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: string,
  ) {
    super(message);
  }
}

const hex = (n: bigint | number) => `0x${BigInt(n).toString(16)}`;
const key = (method: string, params: unknown) => `${method} ${JSON.stringify(params ?? [])}`;

/** What record mode forwards upstream: reads only (never a transaction). */
const READ_METHODS = new Set([
  "eth_getBalance",
  "eth_getTransactionCount",
  "eth_getCode",
  "eth_getStorageAt",
  "eth_getProof",
  "eth_call",
  "eth_getBlockByNumber",
  "eth_getBlockByHash",
  "eth_getTransactionByHash",
  "eth_getTransactionReceipt",
  "eth_getLogs",
]);

const ZERO32 = `0x${"0".repeat(64)}`;
/** Root of an empty Merkle-Patricia trie (no transactions, receipts or withdrawals). */
const EMPTY_TRIE_ROOT = "0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421";
/** keccak256(rlp([])): no uncles. */
const EMPTY_UNCLES = "0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347";
/** EIP-4844's target blob gas per block (Cancun). */
const BLOB_GAS_TARGET = 0x60000n;

/**
 * The header of block N-1, synthesized from block N, for forking at N-1 when the corpus holds
 * only N. The state served is N's pre-state, which is exactly N-1's post-state; only header
 * fields are synthesized, chosen so that the block the fork mines next gets N's values:
 *
 * - number N-1, hash = N.parentHash (real), timestamp N.timestamp - 12, gasLimit N.gasLimit,
 *   totalDifficulty N.totalDifficulty and difficulty 0 (post-merge: N adds none).
 * - baseFeePerGas = N.baseFeePerGas with gasUsed = gasLimit / 2 (the EIP-1559 target), so the
 *   next base fee equals N's real one.
 * - excessBlobGas = N.excessBlobGas with blobGasUsed = the target (0x60000), so the next excess
 *   blob gas equals N's (Cancun only; omitted before).
 * - Unknown, set to neutral values: parentHash, stateRoot, mixHash (prevrandao) and
 *   parentBeaconBlockRoot are zero, miner is the zero address, extraData empty, and the body is
 *   empty (no transactions, uncles or withdrawals; roots of empty tries, zero logsBloom).
 *
 * So `block.number`, `block.timestamp`, `blockhash(N-1)`, base fee and blob fee seen by the
 * fork are consistent with mainnet; `block.prevrandao` of N-1 and N-1's transactions are not.
 */
export function synthesizeParentHeader(block: RpcBlock): RpcBlock {
  const n = BigInt(block.number);
  if (n === 0n) throw new Error("block 0 has no parent to synthesize");
  const need = (k: string) => {
    const v = block[k];
    if (typeof v !== "string") throw new Error(`cannot synthesize the header of block ${n - 1n}: block ${n} has no "${k}" field`);
    return v;
  };
  const gasLimit = BigInt(need("gasLimit"));
  const out: RpcBlock = {
    number: hex(n - 1n),
    hash: need("parentHash"),
    parentHash: ZERO32,
    sha3Uncles: EMPTY_UNCLES,
    miner: `0x${"0".repeat(40)}`,
    stateRoot: ZERO32,
    transactionsRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: `0x${"0".repeat(512)}`,
    difficulty: "0x0",
    gasLimit: hex(gasLimit),
    gasUsed: hex(gasLimit / 2n),
    timestamp: hex(BigInt(need("timestamp")) - 12n),
    extraData: "0x",
    mixHash: ZERO32,
    nonce: "0x0000000000000000",
    uncles: [],
    transactions: [],
    size: "0x0",
  };
  if (typeof block.totalDifficulty === "string") out.totalDifficulty = block.totalDifficulty;
  if (typeof block.baseFeePerGas === "string") out.baseFeePerGas = block.baseFeePerGas;
  if (Array.isArray(block.withdrawals)) {
    out.withdrawals = [];
    out.withdrawalsRoot = EMPTY_TRIE_ROOT;
  }
  if (typeof block.excessBlobGas === "string") {
    out.excessBlobGas = block.excessBlobGas;
    out.blobGasUsed = hex(BLOB_GAS_TARGET);
    out.parentBeaconBlockRoot = ZERO32;
  }
  return out;
}

/**
 * Loads block N's `block.json.gz` and `pre_state.json.gz` into a recording forked at N-1 whose
 * header is synthesized by `synthesizeParentHeader` (for corpus blocks whose parent is not in
 * the corpus, e.g. every Cancun-era block).
 */
export async function loadSynthesizedRecording(blockFile: string, preStateFile: string, recordingFile?: string): Promise<Recording> {
  const read = async (f: string) => JSON.parse(gunzipSync(await readFile(f)).toString("utf8"));
  return fromParts(synthesizeParentHeader((await read(blockFile)) as RpcBlock), (await read(preStateFile)) as PreState, recordingFile);
}

/** Loads `<dir>/block.json.gz` of N-1 and `<dir>/pre_state.json.gz` of N into a recording. */
export async function loadRecording(forkBlockFile: string, preStateFile: string, recordingFile?: string): Promise<Recording> {
  const read = async (f: string) => JSON.parse(gunzipSync(await readFile(f)).toString("utf8"));
  return fromParts((await read(forkBlockFile)) as RpcBlock, (await read(preStateFile)) as PreState, recordingFile);
}

async function fromParts(forkBlock: RpcBlock, state: PreState, recordingFile?: string): Promise<Recording> {
  const read = async (f: string) => JSON.parse(gunzipSync(await readFile(f)).toString("utf8"));
  let recorded: Record<string, unknown> = {};
  if (recordingFile !== undefined) {
    try {
      recorded = await read(recordingFile);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw new Error(`cannot read ${recordingFile}: ${(e as Error).message}`);
    }
  }
  const lower: PreState = {};
  // Slots are looked up as 0x + 64 hex digits; the corpus writes small slots unpadded ("0xa").
  const pad = (k: string) => `0x${BigInt(k).toString(16).padStart(64, "0")}`;
  for (const [a, v] of Object.entries(state)) {
    const storage: Record<string, string> = {};
    for (const [k, val] of Object.entries(v.storage ?? {})) storage[pad(k)] = val;
    lower[a.toLowerCase()] = { ...v, storage };
  }
  return { chainId: 1, forkBlock, state: lower, recorded, ...(recordingFile ? { recordingFile } : {}) };
}

/** Starts the server on 127.0.0.1 and a random port. */
export async function startRecordedRpc(recording: Recording, options: RecordedRpcOptions = {}): Promise<RecordedRpcServer> {
  const forkNumber = BigInt(recording.forkBlock.number);
  const empty = new Set<string>();
  // Mapping entries keyed by fresh addresses (see assumeEmpty).
  const zeroSlots = new Set<string>();
  const MAPPING_SLOTS = 32;
  const word = (a: string) => hexToBytes(a.replace(/^0x/, "").toLowerCase().padStart(64, "0"));
  const cat = (x: Uint8Array, y: Uint8Array) => {
    const b = new Uint8Array(64);
    b.set(x, 0);
    b.set(y, 32);
    return b;
  };
  const slotHex = (b: Uint8Array) => `0x${Buffer.from(b).toString("hex")}`;
  const slotWords = Array.from({ length: MAPPING_SLOTS }, (_, p) => word(p.toString(16)));
  let innerOfKnown: { key: Uint8Array; inner: Uint8Array[] }[] | undefined;
  const inners = (k: Uint8Array) => slotWords.map((p) => keccak_256(cat(k, p)));
  const addZeroSlots = (fresh: string) => {
    const f = word(fresh);
    const freshInner = inners(f);
    for (const h of freshInner) zeroSlots.add(slotHex(h));
    innerOfKnown ??= [...Object.keys(recording.state), ...empty].map((a) => ({ key: word(a), inner: inners(word(a)) }));
    for (const { key: k, inner } of innerOfKnown) {
      for (const h of inner) zeroSlots.add(slotHex(keccak_256(cat(f, h)))); // m[known][fresh]
      for (const h of freshInner) zeroSlots.add(slotHex(keccak_256(cat(k, h)))); // m[fresh][known]
    }
    innerOfKnown.push({ key: f, inner: freshInner });
    for (const h of freshInner) zeroSlots.add(slotHex(keccak_256(cat(f, h)))); // m[fresh][fresh]
  };
  const requests: string[] = [];
  const misses: string[] = [];
  const recordHint =
    options.recordHint ??
    `serve it with an upstream archive node (npx hardhat fork serve --upstream URL; in the tests, MAINNET_RPC_URL) to record it${recording.recordingFile ? ` into ${recording.recordingFile}` : ""}`;

  const notRecorded = (method: string, params: unknown, why: string) =>
    new RpcError(-32001, `${method}(${JSON.stringify(params ?? [])}) is not in the recording (${why}); ${recordHint}`);

  const checkTag = (method: string, params: unknown[], tag: unknown) => {
    if (tag === undefined || tag === "latest" || tag === "pending" || tag === "safe" || tag === "finalized") return;
    const n = typeof tag === "object" && tag !== null && "blockNumber" in tag ? (tag as { blockNumber: string }).blockNumber : tag;
    if (typeof n === "string" && n.startsWith("0x") && BigInt(n) === forkNumber) return;
    if (
      typeof tag === "object" &&
      tag !== null &&
      "blockHash" in tag &&
      (tag as { blockHash: string }).blockHash.toLowerCase() === recording.forkBlock.hash.toLowerCase()
    )
      return;
    throw notRecorded(method, params, `only the state at block ${forkNumber} is recorded`);
  };

  const account = (method: string, params: unknown[]) => {
    const addr = String(params[0]).toLowerCase();
    checkTag(method, params, params[params.length - 1]);
    const acc = recording.state[addr];
    if (acc === undefined && !empty.has(addr)) throw notRecorded(method, params, `account ${addr} is not in the pre-state`);
    return acc;
  };

  const blockAnswer = (full: boolean) => {
    const b = recording.forkBlock;
    return { ...b, transactions: full ? b.transactions : b.transactions.map((t) => t.hash) };
  };

  const isAssumedEmpty = (miss: string) => {
    const [kind, addr, slot] = miss.split(" ");
    if (addr === undefined || !empty.has(addr)) return kind === "storage" && slot !== undefined && zeroSlots.has(slot);
    return true;
  };
  const call = recordedCaller(recording, isAssumedEmpty);
  const ethCall = async (method: string, params: unknown[]): Promise<unknown> => {
    checkTag(method, params, params[1]);
    const out = await call((params[0] ?? {}) as Parameters<typeof call>[0]);
    if (out.misses.length > 0) {
      const shown = out.misses.slice(0, 5).join(", ") + (out.misses.length > 5 ? `, … (${out.misses.length} in all)` : "");
      throw notRecorded(method, params, `the call reads ${shown}, outside the pre-state`);
    }
    if (out.reverted) throw new RpcError(3, "execution reverted", out.returnData);
    return out.returnData;
  };

  // Answers from the pre-state first, then from what record mode saved, then (record mode) upstream.
  const local = async (method: string, params: unknown[]): Promise<unknown> => {
    try {
      return method === "eth_call" ? await ethCall(method, params) : fromState(method, params);
    } catch (e) {
      const k = key(method, params);
      if (!(e instanceof RpcError) || e.code !== -32001) throw e;
      if (k in recorded) return recorded[k];
      if (options.upstream === undefined) {
        options.onMiss?.(k, e.message);
        throw e;
      }
      if (!READ_METHODS.has(method))
        throw new RpcError(-32001, `${method} is not a read-only method: record mode does not forward it to the upstream node`);
      return fetchAndSave(method, params);
    }
  };

  const fromState = (method: string, params: unknown[]): unknown => {
    switch (method) {
      case "eth_chainId":
        return hex(recording.chainId);
      case "net_version":
        return String(recording.chainId);
      case "eth_blockNumber":
        return hex(forkNumber);
      case "eth_getBlockByNumber": {
        const tag = params[0];
        if (
          tag === "latest" ||
          tag === "safe" ||
          tag === "finalized" ||
          (typeof tag === "string" && tag.startsWith("0x") && BigInt(tag) === forkNumber)
        ) {
          return blockAnswer(params[1] === true);
        }
        break;
      }
      case "eth_getBlockByHash":
        if (String(params[0]).toLowerCase() === recording.forkBlock.hash.toLowerCase()) return blockAnswer(params[1] === true);
        break;
      case "eth_getBalance":
        return hex(BigInt(account(method, params)?.basic.balance ?? 0));
      case "eth_getTransactionCount":
        return hex(BigInt(account(method, params)?.basic.nonce ?? 0));
      case "eth_getCode": {
        const code = account(method, params)?.code;
        return code ? code.bytecode.slice(0, 2 + 2 * code.original_len) : "0x";
      }
      case "eth_getStorageAt": {
        const acc = account(method, params);
        if (acc === undefined) return `0x${"0".repeat(64)}`;
        const slot = `0x${BigInt(String(params[1])).toString(16).padStart(64, "0")}`;
        const value = acc.storage[slot];
        if (value === undefined && zeroSlots.has(slot)) return ZERO32;
        if (value === undefined) {
          throw notRecorded(method, params, `slot ${slot} of ${String(params[0]).toLowerCase()} is not in the pre-state`);
        }
        return `0x${BigInt(value).toString(16).padStart(64, "0")}`;
      }
    }
    throw notRecorded(method, params, "no recorded answer");
  };

  const recorded: Record<string, unknown> = { ...recording.recorded };
  const upstream = options.upstream === undefined ? undefined : rpcClient(options.upstream, options.retries ?? 5, options.backoffMs ?? 500);
  // Saves are serialized; each writes the whole recording atomically (temp file + rename).
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    const file = recording.recordingFile;
    if (file === undefined) return saving;
    saving = saving.then(() => writeFileAtomic(file, gzipSync(JSON.stringify(recorded))));
    return saving;
  };
  const fetchAndSave = async (method: string, params: unknown[]): Promise<unknown> => {
    let result: unknown;
    try {
      result = await upstream!(method, params);
    } catch (e) {
      if (e instanceof RpcCallError) throw new RpcError(e.code, `upstream: ${e.message}`);
      throw new RpcError(-32002, `upstream: ${(e as Error).message}`);
    }
    const k = key(method, params);
    recorded[k] = result;
    options.onRecord?.(k);
    await save();
    return result;
  };

  const handleOne = async (req: { id?: unknown; method?: unknown; params?: unknown }) => {
    const method = String(req.method);
    const params = Array.isArray(req.params) ? req.params : [];
    requests.push(key(method, params));
    try {
      const result = await local(method, params);
      return { jsonrpc: "2.0", id: req.id ?? null, result };
    } catch (e) {
      const code = e instanceof RpcError ? e.code : -32603;
      if (code === -32001) misses.push(key(method, params));
      const data = e instanceof RpcError && e.data !== undefined ? { data: e.data } : {};
      return { jsonrpc: "2.0", id: req.id ?? null, error: { code, message: (e as Error).message, ...data } };
    }
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          res.writeHead(400, { "content-type": "application/json" });
          res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } }));
          return;
        }
        const answer = Array.isArray(body) ? await Promise.all(body.map(handleOne)) : await handleOne(body as object);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new Error(`port ${options.port} on 127.0.0.1 is in use; pick another with --port, or 0 for any free port`)
          : e,
      ),
    );
    server.listen(options.port ?? 0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    misses,
    recordedCount: () => Object.keys(recorded).length - Object.keys(recording.recorded).length,
    assumeEmpty(...addresses: string[]) {
      for (const a of addresses) {
        const lower = a.toLowerCase();
        if (empty.has(lower)) continue;
        if (recording.state[lower] !== undefined)
          throw new Error(`assumeEmpty: ${lower} is in the pre-state, so it is not a fresh address`);
        empty.add(lower);
        addZeroSlots(lower);
      }
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await saving;
    },
  };
}
