/**
 * The little a workload needs from a node: an EIP-1193 `request`, impersonation, and sending
 * many transactions into one block. Plain ethers and JSON-RPC, no Hardhat import.
 */
import { getAddress, keccak256, toUtf8Bytes, type InterfaceAbi } from "ethers";

export interface Eip1193 {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

export interface Artifact {
  contractName: string;
  abi: InterfaceAbi;
  bytecode: string;
}

/** One transaction of a workload: who sends what to whom, and what it is, for reports. */
export interface TxRequest {
  from: string;
  to: string;
  data: string;
  /** "System.function", e.g. "UniswapV2Router02.swapExactTokensForTokens". */
  label: string;
  gas?: bigint;
}

/** Deterministic, keyless user addresses; the node impersonates them. */
export function userAddress(index: number): string {
  return getAddress("0x" + keccak256(toUtf8Bytes(`disjoint-user-${index}`)).slice(-40));
}

const ONE_THOUSAND_ETH = "0x3635c9adc5dea00000";

/** Lets the node send for `users` and gives each enough ether for gas. */
export async function impersonateAll(chain: Eip1193, users: readonly string[]): Promise<void> {
  for (const u of users) {
    await chain.request({ method: "hardhat_impersonateAccount", params: [u] });
    await chain.request({ method: "hardhat_setBalance", params: [u, ONE_THOUSAND_ETH] });
  }
}

export interface SentBlock {
  number: number;
  hashes: string[];
  gasUsed: bigint[];
  status: boolean[];
}

/**
 * Sends `txs` into one block: automine off, explicit nonces and fees (without them the node
 * re-runs its pending block for every send, which is quadratic), then one evm_mine. Restores
 * automine. Fails if the block did not take every transaction.
 */
export async function sendAsOneBlock(chain: Eip1193, txs: readonly TxRequest[]): Promise<SentBlock> {
  const nonces = new Map<string, number>();
  for (const tx of txs) {
    const from = tx.from.toLowerCase();
    if (!nonces.has(from)) {
      const n = (await chain.request({ method: "eth_getTransactionCount", params: [tx.from, "latest"] })) as string;
      nonces.set(from, Number(BigInt(n)));
    }
  }
  const latest = (await chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    baseFeePerGas?: string;
  };
  // Twice the base fee covers the next block's increase; the tip is irrelevant in FIFO order.
  const maxFee = "0x" + (BigInt(latest.baseFeePerGas ?? "0x0") * 2n + 1n).toString(16);
  await chain.request({ method: "evm_setAutomine", params: [false] });
  const hashes: string[] = [];
  try {
    for (const tx of txs) {
      const from = tx.from.toLowerCase();
      const nonce = nonces.get(from)!;
      nonces.set(from, nonce + 1);
      const hash = (await chain.request({
        method: "eth_sendTransaction",
        params: [
          {
            from: tx.from,
            to: tx.to,
            data: tx.data,
            gas: "0x" + (tx.gas ?? 1_500_000n).toString(16),
            nonce: "0x" + nonce.toString(16),
            maxFeePerGas: maxFee,
            maxPriorityFeePerGas: "0x0",
          },
        ],
      })) as string;
      hashes.push(hash);
    }
    await chain.request({ method: "evm_mine", params: [] });
  } finally {
    await chain.request({ method: "evm_setAutomine", params: [true] });
  }
  const block = (await chain.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as {
    number: string;
    transactions: string[];
  };
  if (block.transactions.length !== txs.length) {
    throw new Error(
      `the block took ${block.transactions.length} of ${txs.length} transactions; raise the network's blockGasLimit`,
    );
  }
  const gasUsed: bigint[] = [];
  const status: boolean[] = [];
  for (const hash of hashes) {
    const r = (await chain.request({ method: "eth_getTransactionReceipt", params: [hash] })) as {
      gasUsed: string;
      status: string;
    };
    gasUsed.push(BigInt(r.gasUsed));
    status.push(r.status === "0x1");
  }
  return { number: Number(BigInt(block.number)), hashes, gasUsed, status };
}

/** Sends setup transactions as one block and fails, naming the first, if any reverted. */
export async function sendSetup(chain: Eip1193, txs: readonly TxRequest[], what: string): Promise<void> {
  if (txs.length === 0) return;
  const sent = await sendAsOneBlock(chain, txs);
  const bad = sent.status.findIndex((ok) => !ok);
  if (bad >= 0) throw new Error(`${what}: setup transaction ${bad} (${txs[bad].label} from ${txs[bad].from}) reverted`);
}
