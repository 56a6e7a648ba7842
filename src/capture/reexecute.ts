/**
 * Capture by re-execution: the access sets of a block already mined on a local node,
 * obtained by running the block once more in @ethereumjs/vm on the node's state before it
 * (fetched lazily), with every access recorded. One pass over the block, where
 * debug_traceTransaction re-runs the block's prefix for each transaction; and a second,
 * independent EVM vouches for the result: every transaction's gas and the receipts root must
 * equal the node's, or the capture fails naming the first diverging transaction.
 */
import { NodeError } from "../errors.js";
import { createCustomCommon, Mainnet } from "@ethereumjs/common";
import { bytesToHex } from "@ethereumjs/util";
import type { VM } from "@ethereumjs/vm";
import type { BlockAccess } from "../access/format.js";
import { replayBlock, type ExpectedReceipt, type ReplayResult } from "../replay/replay.js";
import type { RpcBlock } from "../replay/corpus.js";
import type { Preimages } from "../decode/layout.js";
import type { Eip1193 } from "../util/eip1193.js";
import { LazyRpcStateManager, type TouchedAccount } from "./lazy-state.js";

export interface ReexecuteOptions {
  /** The hardfork the node runs (default "cancun"). */
  hardfork?: string;
  /** Record the preimage of every KECCAK256 of at most 4096 bytes here (to decode mapping slots). */
  preimages?: Preimages;
  /** Record every account each transaction looked up or changed, with its state before (see `touched`). */
  touchedAccounts?: boolean;
}

interface KeccakRunState {
  stack: { peek(n?: number): bigint[] };
  memory: { read(offset: number, size: number): Uint8Array };
}
interface OpEntry {
  opHandler: (runState: KeccakRunState, common: unknown) => unknown;
}

/** Wraps the VM's KECCAK256 handler to note each preimage and its hash. */
function recordPreimages(vm: VM, into: Preimages): void {
  const map = (vm.evm as unknown as { _opcodeMap: OpEntry[] })._opcodeMap;
  const entry = Array.isArray(map) ? map[0x20] : undefined;
  if (entry === undefined)
    throw new Error("@ethereumjs/evm internals changed: KECCAK256 handler not found; preimage recording needs updating");
  const inner = entry.opHandler;
  map[0x20] = {
    ...entry,
    opHandler: (rs, common) => {
      const [offset, size] = rs.stack.peek(2) as [bigint, bigint];
      const data = size > 0n && size <= 4096n ? rs.memory.read(Number(offset), Number(size)) : null;
      const out = inner(rs, common);
      if (data !== null) into.set("0x" + rs.stack.peek(1)[0].toString(16).padStart(64, "0"), bytesToHex(data));
      return out;
    },
  };
}

export interface ReexecuteResult {
  block: BlockAccess;
  replay: ReplayResult;
  /** Pre-state locations fetched from the node. */
  fetched: { accounts: number; slots: number };
  /** With `touchedAccounts`: per transaction, every account it looked up or changed (lowercase address) and its state before. */
  touched?: Map<string, TouchedAccount>[];
}

/** Re-executes block `number` of `node` and returns its per-transaction access sets. */
export async function captureByReexecution(node: Eip1193, number: number, options: ReexecuteOptions = {}): Promise<ReexecuteResult> {
  const rpc = (await node.request({ method: "eth_getBlockByNumber", params: ["0x" + number.toString(16), true] })) as RpcBlock | null;
  if (rpc === null) throw new NodeError(`the node has no block ${number}`);
  const chainId = Number(BigInt((await node.request({ method: "eth_chainId", params: [] })) as string));
  const common = createCustomCommon({ chainId }, Mainnet, { hardfork: options.hardfork ?? "cancun" });
  const stateManager = new LazyRpcStateManager(node, number - 1);
  const touched: Map<string, TouchedAccount>[] = [];
  const expectedReceipts: ExpectedReceipt[] = [];
  for (const tx of rpc.transactions) {
    const r = (await node.request({ method: "eth_getTransactionReceipt", params: [tx.hash] })) as {
      cumulativeGasUsed: string;
      status: string;
    };
    expectedReceipts.push({ cumulativeGasUsed: Number(BigInt(r.cumulativeGasUsed)), status: r.status === "0x1" ? "success" : "reverted" });
  }
  const replay = await replayBlock(
    { block: rpc, preState: {}, blockHashes: {} },
    {
      expectedReceipts,
      environment: {
        common,
        stateManager,
        async blockHash(n: number) {
          const b = (await node.request({ method: "eth_getBlockByNumber", params: ["0x" + n.toString(16), false] })) as {
            hash: string;
          } | null;
          if (b === null) throw new NodeError(`BLOCKHASH(${n}): the node has no such block`);
          return b.hash;
        },
        instrument(vm) {
          if (options.preimages) recordPreimages(vm, options.preimages);
          if (options.touchedAccounts) {
            vm.events.on("beforeTx", () => {
              stateManager.touched = new Map();
            });
            vm.events.on("afterTx", () => {
              touched.push(stateManager.touched ?? new Map());
              stateManager.touched = null;
            });
          }
        },
      },
    },
  );
  return { block: replay.access, replay, fetched: { ...stateManager.stats }, ...(options.touchedAccounts ? { touched } : {}) };
}
