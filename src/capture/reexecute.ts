/**
 * Capture by re-execution: the access sets of a block already mined on a local node,
 * obtained by running the block once more in @ethereumjs/vm on the node's state before it
 * (fetched lazily), with every access recorded. One pass over the block, where
 * debug_traceTransaction re-runs the block's prefix for each transaction; and a second,
 * independent EVM vouches for the result: every transaction's gas and the receipts root must
 * equal the node's, or the capture fails naming the first diverging transaction.
 */
import { createCustomCommon, Mainnet } from "@ethereumjs/common";
import type { BlockAccess } from "../access/format.js";
import { replayBlock, type ExpectedReceipt, type ReplayResult } from "../replay/replay.js";
import type { RpcBlock } from "../replay/corpus.js";
import { LazyRpcStateManager, type Eip1193 } from "./lazy-state.js";

export interface ReexecuteOptions {
  /** The hardfork the node runs (default "cancun"). */
  hardfork?: string;
}

export interface ReexecuteResult {
  block: BlockAccess;
  replay: ReplayResult;
  /** Pre-state locations fetched from the node. */
  fetched: { accounts: number; slots: number };
}

/** Re-executes block `number` of `node` and returns its per-transaction access sets. */
export async function captureByReexecution(node: Eip1193, number: number, options: ReexecuteOptions = {}): Promise<ReexecuteResult> {
  const rpc = (await node.request({ method: "eth_getBlockByNumber", params: ["0x" + number.toString(16), true] })) as RpcBlock | null;
  if (rpc === null) throw new Error(`the node has no block ${number}`);
  const chainId = Number(BigInt((await node.request({ method: "eth_chainId", params: [] })) as string));
  const common = createCustomCommon({ chainId }, Mainnet, { hardfork: options.hardfork ?? "cancun" });
  const stateManager = new LazyRpcStateManager(node, number - 1);
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
          const b = (await node.request({ method: "eth_getBlockByNumber", params: ["0x" + n.toString(16), false] })) as { hash: string } | null;
          if (b === null) throw new Error(`BLOCKHASH(${n}): the node has no such block`);
          return b.hash;
        },
      },
    },
  );
  return { block: replay.access, replay, fetched: { ...stateManager.stats } };
}
